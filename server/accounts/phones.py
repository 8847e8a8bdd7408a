"""Phone identities: one active path token per cadre, revocable."""
from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from server.accounts import permissions
from server.accounts.models import PhoneToken, User
from server.audit.service import record_event
from server.db import get_session, utcnow


def _require_manage(actor, user: User) -> None:
    if actor is not permissions.SYSTEM and actor.id == user.id:
        return
    for area in user.areas:
        permissions.require(actor, "user.manage", area)


def active_phone_token(user: User) -> PhoneToken | None:
    return get_session().scalar(
        select(PhoneToken).where(PhoneToken.user_id == user.id, PhoneToken.revoked_at.is_(None))
    )


def issue_phone_token(user: User, *, actor) -> PhoneToken:
    """A new phone token for ``user``; any earlier one stops working."""
    _require_manage(actor, user)
    old = active_phone_token(user)
    if old is not None:
        old.revoked_at = utcnow()
    token = PhoneToken(user_id=user.id, token=secrets.token_urlsafe(32))
    session = get_session()
    session.add(token)
    session.flush()
    record_event("phone.issue", actor=actor, target=user.username)
    return token


def ensure_phone_token(user: User, *, actor) -> PhoneToken:
    return active_phone_token(user) or issue_phone_token(user, actor=actor)


def revoke_phone_token(user: User, *, actor) -> None:
    _require_manage(actor, user)
    token = active_phone_token(user)
    if token is not None:
        token.revoked_at = utcnow()
        record_event("phone.revoke", actor=actor, target=user.username)


def user_for_phone_token(token: str) -> User | None:
    """The active user behind an unrevoked token, with their areas (one query; every phone request asks)."""
    return get_session().scalars(
        select(User).join(PhoneToken, PhoneToken.user_id == User.id).options(joinedload(User.areas))
        .where(PhoneToken.token == token, PhoneToken.revoked_at.is_(None), User.active.is_(True))).unique().first()
