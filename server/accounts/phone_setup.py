"""Setting up a cadre's phone: the Collect server URL with their token, and the QR code Collect scans.

Collect's QR settings are base64(zlib(JSON)) of
``{"general": {...}, "admin": {...}, "project": {...}}``. Showing a QR reveals
the phone token, so it follows the same rule as issuing one: the cadre
themselves, or an account that may manage users in every area of the cadre.
"""
from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass

import segno

from server.accounts import permissions
from server.accounts.models import PhoneToken, User
from server.accounts.phones import active_phone_token, ensure_phone_token, issue_phone_token, revoke_phone_token
from server.accounts.service import get_user, list_users
from server.areas.models import Area
from server.areas.service import get_area
from server.errors import Forbidden

PROJECT_PREFIX = "扶贫走访"


@dataclass
class PhoneSetup:
    user: User
    token: PhoneToken | None
    server_url: str | None = None
    payload: str | None = None  # what the QR code holds
    svg: str | None = None


def server_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/key/{token}"


def collect_settings(user: User, url: str) -> dict:
    return {
        "general": {"server_url": url, "form_update_mode": "match_exactly", "autosend": "wifi_and_cellular"},
        "admin": {},
        "project": {"name": f"{PROJECT_PREFIX} · {user.display_name or user.username}"},
    }


def settings_payload(settings: dict) -> str:
    """base64(zlib(JSON)), the text of a Collect settings QR code."""
    raw = json.dumps(settings, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def qr_svg(payload: str) -> str:
    """An inline SVG that scales with its container (no fixed size), white around the modules."""
    return segno.make(payload, error="m", micro=False).svg_inline(scale=4, omitsize=True, dark="#000",
                                                                   light="#fff", svgclass="qr")


def _may_manage(actor, user: User) -> bool:
    if actor is permissions.SYSTEM or actor.id == user.id:
        return True
    return bool(user.areas) and all(permissions.can(actor, "user.manage", a) for a in user.areas)


def _require_manage(actor, user: User) -> None:
    if not _may_manage(actor, user):
        raise Forbidden(f"没有权限管理{user.display_name}的手机", f"Not allowed to manage {user.username}'s phone",
                        code="forbidden")


def phone_setup_of(user: User, base_url: str) -> PhoneSetup:
    token = active_phone_token(user)
    if token is None:
        return PhoneSetup(user=user, token=None)
    url = server_url(base_url, token.token)
    payload = settings_payload(collect_settings(user, url))
    return PhoneSetup(user=user, token=token, server_url=url, payload=payload, svg=qr_svg(payload))


def show_phone(user_id: int, *, actor, base_url: str) -> PhoneSetup:
    """The user's phone set-up (QR code) — for the user, or an admin of all the user's areas."""
    user = get_user(user_id, actor=actor)  # NotFound outside the actor's scope
    _require_manage(actor, user)
    return phone_setup_of(user, base_url)


def renew_phone(user_id: int, *, actor) -> PhoneToken:
    """A new token (the old phone link stops working)."""
    user = get_user(user_id, actor=actor)
    _require_manage(actor, user)
    return issue_phone_token(user, actor=actor)


def revoke_phone(user_id: int, *, actor) -> None:
    user = get_user(user_id, actor=actor)
    _require_manage(actor, user)
    revoke_phone_token(user, actor=actor)


def _sheet_area(area_code: str, *, actor) -> Area:
    area = get_area(area_code, actor=actor)  # NotFound outside the actor's scope
    permissions.require(actor, "user.manage", area)
    return area


def _cadres(area: Area, *, actor) -> list[User]:
    return [u for u in list_users(actor=actor, role="cadre", area_code=area.code) if u.active and _may_manage(actor, u)]


def area_sheet(area_code: str, *, actor, base_url: str) -> tuple[Area, list[PhoneSetup]]:
    """Every active cadre working in the area (or below), with their QR codes, for printing."""
    area = _sheet_area(area_code, actor=actor)
    return area, [phone_setup_of(u, base_url) for u in _cadres(area, actor=actor)]


def issue_missing(area_code: str, *, actor) -> int:
    """Give a phone token to each cadre of the area who has none; returns how many were issued."""
    area = _sheet_area(area_code, actor=actor)
    missing = [u for u in _cadres(area, actor=actor) if active_phone_token(u) is None]
    for user in missing:
        ensure_phone_token(user, actor=actor)
    return len(missing)
