"""Users, passwords, area scopes and API tokens."""
from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from server.accounts import permissions
from server.accounts.models import ROLES, ApiToken, User
from server.areas.models import Area
from server.audit.service import record_event
from server.db import get_session, utcnow
from server.errors import Conflict, Invalid, NotFound

_hasher = PasswordHasher()
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _check_fields(username: str, role: str, password: str) -> None:
    if not USERNAME_RE.match(username or ""):
        raise Invalid("用户名只能包含字母、数字、下划线、点和横线（2–64 位）",
                      "Username: 2–64 letters, digits, _ . -", code="bad_username")
    if role not in ROLES:
        raise Invalid(f"未知角色：{role}（可选：{'、'.join(ROLES)}）", f"Unknown role {role!r}", code="bad_role")
    if len(password or "") < MIN_PASSWORD:
        raise Invalid(f"密码至少 {MIN_PASSWORD} 位", f"Password must have at least {MIN_PASSWORD} characters",
                      code="weak_password")


def _areas_by_code(codes: list[str]) -> list[Area]:
    session = get_session()
    areas = list(session.scalars(select(Area).where(Area.code.in_(codes)))) if codes else []
    missing = sorted(set(codes) - {a.code for a in areas})
    if missing:
        raise Invalid(f"找不到区划代码：{'、'.join(missing)}", f"Unknown area codes: {', '.join(missing)}",
                      code="unknown_area")
    return areas


def create_user(username: str, password: str, role: str, area_codes: list[str], *, actor,
                display_name: str | None = None, phone: str | None = None) -> User:
    """Create a user scoped to the given areas."""
    _check_fields(username, role, password)
    areas = _areas_by_code(area_codes)
    if not areas:
        raise Invalid("用户至少要属于一个区划", "A user needs at least one area", code="no_area")
    for area in areas:
        permissions.require(actor, "user.manage", area)
    session = get_session()
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"用户名已存在：{username}", f"Username already exists: {username}", code="duplicate_username")
    user = User(username=username, display_name=display_name or username, role=role,
                password_hash=hash_password(password), phone=phone, areas=areas)
    session.add(user)
    session.flush()
    record_event("user.create", actor=actor, target=username,
                 detail={"role": role, "areas": [a.code for a in areas]}, area=areas[0])
    return user


def update_user(user_id: int, *, actor, role: str | None = None, area_codes: list[str] | None = None,
                active: bool | None = None, display_name: str | None = None) -> User:
    user = get_user(user_id, actor=actor)
    for area in user.areas:
        permissions.require(actor, "user.manage", area)
    changes: dict = {}
    if role is not None and role != user.role:
        if role not in ROLES:
            raise Invalid(f"未知角色：{role}", f"Unknown role {role!r}", code="bad_role")
        changes["role"] = [user.role, role]
        user.role = role
    if area_codes is not None:
        areas = _areas_by_code(area_codes)
        if not areas:
            raise Invalid("用户至少要属于一个区划", "A user needs at least one area", code="no_area")
        for area in areas:
            permissions.require(actor, "user.manage", area)
        changes["areas"] = [[a.code for a in user.areas], [a.code for a in areas]]
        user.areas = areas
    if active is not None and active != user.active:
        changes["active"] = [user.active, active]
        user.active = active
    if display_name:
        user.display_name = display_name
    get_session().flush()
    if changes:
        record_event("user.permissions", actor=actor, target=user.username, detail=changes)
    return user


def set_password(user: User, password: str, *, actor) -> None:
    if actor.id != user.id:
        for area in user.areas:
            permissions.require(actor, "user.manage", area)
    if len(password or "") < MIN_PASSWORD:
        raise Invalid(f"密码至少 {MIN_PASSWORD} 位", f"Password must have at least {MIN_PASSWORD} characters",
                      code="weak_password")
    user.password_hash = hash_password(password)
    record_event("user.password", actor=actor, target=user.username)


def get_user(user_id: int, *, actor) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        raise NotFound("找不到该用户", "User not found")
    if actor.id is None or actor.id != user.id:
        permissions.require(actor, "user.view")
        if not any(permissions.in_scope(actor, a) for a in user.areas):
            raise NotFound("找不到该用户", "User not found")
    return user


def list_users(*, actor, role: str | None = None) -> list[User]:
    permissions.require(actor, "user.view")
    q = select(User).order_by(User.username)
    if role:
        q = q.where(User.role == role)
    return [u for u in get_session().scalars(q) if any(permissions.in_scope(actor, a) for a in u.areas)]


def authenticate(username: str, password: str) -> User | None:
    """The user when the password matches; records the attempt either way."""
    user = get_session().scalar(select(User).where(User.username == username))
    ok = False
    if user is not None and user.active:
        try:
            ok = _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
        if ok and _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
    else:
        # Spend the same time as a real check so usernames cannot be probed by timing.
        _hasher.hash(password or "x")
    record_event("login.success" if ok else "login.failure", actor=user if ok else None,
                 actor_name=username[:64])
    return user if ok else None


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: User, name: str, *, actor) -> tuple[ApiToken, str]:
    """A new API token; the secret is returned once and only its hash is kept."""
    if actor.id != user.id:
        for area in user.areas:
            permissions.require(actor, "user.manage", area)
    else:
        permissions.require(actor, "token.manage_own")
    secret = "zf_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=(name or "token")[:100], token_hash=_token_hash(secret))
    session = get_session()
    session.add(token)
    session.flush()
    record_event("token.create", actor=actor, target=user.username, detail={"name": token.name})
    return token, secret


def revoke_token(token_id: int, *, actor) -> None:
    token = get_session().get(ApiToken, token_id)
    if token is None or (token.user_id != actor.id and not permissions.can(actor, "user.manage")):
        raise NotFound("找不到该令牌", "Token not found")
    token.revoked_at = utcnow()
    record_event("token.revoke", actor=actor, target=token.user.username, detail={"name": token.name})


def user_for_token(secret: str) -> User | None:
    token = get_session().scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    return token.user
