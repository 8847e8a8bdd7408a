"""Users, passwords, area scopes and API tokens."""
from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from sqlalchemy import select

from server.accounts import permissions
from server.accounts.models import ROLES, ApiToken, User, UserArea
from server.areas.models import Area
from server.audit.service import record_event
from server.db import get_session, utcnow
from server.errors import Conflict, Invalid, NotFound

_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
_TEST_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)


def _hasher_now() -> PasswordHasher:
    """argon2id as configured; with TESTING on, its cheapest parameters so test suites stay quick."""
    return _TEST_HASHER if has_app_context() and current_app.testing else _HASHER


USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256  # argon2 takes any length; a cap keeps hashing cheap for junk input


def hash_password(password: str) -> str:
    return _hasher_now().hash(password)


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise Invalid(f"密码至少 {MIN_PASSWORD} 位", f"Password must have at least {MIN_PASSWORD} characters",
                      code="weak_password")
    if len(password) > MAX_PASSWORD:
        raise Invalid(f"密码不能超过 {MAX_PASSWORD} 位", f"Password must have at most {MAX_PASSWORD} characters",
                      code="bad_password")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise Invalid(f"未知角色：{role}（可选：{'、'.join(ROLES)}）", f"Unknown role {role!r} (one of {', '.join(ROLES)})",
                      code="bad_role")


def _check_fields(username: str, role: str, password: str) -> None:
    if not USERNAME_RE.match(username or ""):
        raise Invalid("用户名只能包含字母、数字、下划线、点和横线（2–64 位）",
                      "Username: 2–64 letters, digits, _ . -", code="bad_username")
    _check_role(role)
    _check_password(password)


def _areas_by_code(codes: list[str]) -> list[Area]:
    session = get_session()
    codes = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    areas = list(session.scalars(select(Area).where(Area.code.in_(codes)))) if codes else []
    missing = sorted(set(codes) - {a.code for a in areas})
    if missing:
        raise Invalid(f"找不到区划代码：{'、'.join(missing)}", f"Unknown area codes: {', '.join(missing)}",
                      code="unknown_area")
    if not areas:
        raise Invalid("用户至少要属于一个区划", "A user needs at least one area", code="no_area")
    return areas


def home_area(user) -> Area | None:
    """The widest of the user's areas: where events about the user are filed in the audit log."""
    areas = getattr(user, "areas", None) or []
    return min(areas, key=lambda a: (len(a.path), a.path)) if areas else None


def _require_manage(actor, user: User) -> None:
    for area in user.areas:
        permissions.require(actor, "user.manage", area)


def create_user(username: str, password: str, role: str, area_codes: list[str], *, actor,
                display_name: str | None = None, phone: str | None = None) -> User:
    """Create a user scoped to the given areas."""
    username = (username or "").strip()
    _check_fields(username, role, password)
    areas = _areas_by_code(area_codes)
    for area in areas:
        permissions.require(actor, "user.manage", area)
    session = get_session()
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"用户名已存在：{username}", f"Username already exists: {username}", code="duplicate_username")
    user = User(username=username, display_name=(display_name or "").strip() or username, role=role,
                password_hash=hash_password(password), phone=(phone or "").strip() or None, areas=areas)
    session.add(user)
    session.flush()
    record_event("user.create", actor=actor, target=username,
                 detail={"role": role, "areas": sorted(a.code for a in areas)}, area=home_area(user))
    return user


def update_user(user_id: int, *, actor, role: str | None = None, area_codes: list[str] | None = None,
                active: bool | None = None, display_name: str | None = None, phone: str | None = None,
                password: str | None = None) -> User:
    """Change a user's role, areas, active flag, name or phone, and optionally reset the password."""
    user = get_user(user_id, actor=actor)
    _require_manage(actor, user)
    changes: dict = {}
    if role is not None and role != user.role:
        _check_role(role)
        if actor.id == user.id:
            raise Invalid("不能修改自己的角色", "You cannot change your own role", code="self_change")
        changes["role"] = [user.role, role]
        user.role = role
    if area_codes is not None:
        areas = _areas_by_code(area_codes)
        for area in areas:
            permissions.require(actor, "user.manage", area)
        old, new = sorted(a.code for a in user.areas), sorted(a.code for a in areas)
        if old != new:
            changes["areas"] = [old, new]
            user.areas = areas
    if active is not None and active != user.active:
        if actor.id == user.id and not active:
            raise Invalid("不能停用自己的账号", "You cannot deactivate your own account", code="self_change")
        changes["active"] = [user.active, active]
        user.active = active
    if display_name is not None and display_name.strip() and display_name.strip() != user.display_name:
        user.display_name = display_name.strip()[:100]
    if phone is not None:
        user.phone = phone.strip()[:32] or None
    get_session().flush()
    if changes:
        record_event("user.permissions", actor=actor, target=user.username, detail=changes, area=home_area(user))
    if password:
        set_password(user, password, actor=actor)
    return user


def set_password(user: User, password: str, *, actor) -> None:
    """Set a new password; every other session of the user ends (see auth.current_user)."""
    if actor.id != user.id:
        _require_manage(actor, user)
    _check_password(password)
    user.password_hash = hash_password(password)
    get_session().flush()
    record_event("user.password", actor=actor, target=user.username, area=home_area(user))


def change_own_password(user: User, current: str, new: str) -> None:
    """The user changes their own password, proving they know the current one."""
    try:
        ok = _hasher_now().verify(user.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        raise Invalid("当前密码不正确", "The current password is wrong", code="wrong_password")
    set_password(user, new, actor=user)


def get_user(user_id: int, *, actor) -> User:
    """A user the actor may see (themselves, or one with an area in the actor's scope); else NotFound."""
    user = get_session().get(User, user_id)
    if user is None:
        raise NotFound("找不到该用户", "User not found")
    if actor.id is None or actor.id != user.id:
        permissions.require(actor, "user.view")
        if actor is not permissions.SYSTEM and not any(permissions.in_scope(actor, a) for a in user.areas):
            raise NotFound("找不到该用户", "User not found")
    return user


def get_user_by_username(username: str, *, actor) -> User:
    user_id = get_session().scalar(select(User.id).where(User.username == (username or "").strip()))
    if user_id is None:
        raise NotFound(f"找不到用户：{username}", f"User not found: {username}")
    return get_user(user_id, actor=actor)


def list_users(*, actor, role: str | None = None, area_code: str | None = None) -> list[User]:
    """Users with at least one area inside the actor's scope, optionally by role and area (and below)."""
    permissions.require(actor, "user.view")
    q = select(User).order_by(User.username)
    if role:
        _check_role(role)
        q = q.where(User.role == role)
    if actor is not permissions.SYSTEM:
        visible = (select(UserArea.user_id).join(Area, Area.id == UserArea.area_id)
                   .where(permissions.area_filter(actor, Area.path)))
        q = q.where(User.id.in_(visible))
    if area_code:
        area = get_session().scalar(select(Area).where(Area.code == area_code))
        if area is None or not permissions.in_scope(actor, area):
            raise NotFound(f"找不到区划：{area_code}", f"Area not found: {area_code}")
        inside = (select(UserArea.user_id).join(Area, Area.id == UserArea.area_id)
                  .where(Area.path.startswith(area.path, autoescape=True)))
        q = q.where(User.id.in_(inside))
    return list(get_session().scalars(q))


def authenticate(username: str, password: str) -> User | None:
    """The user when the password matches; records the attempt either way."""
    username = (username or "").strip()
    user = get_session().scalar(select(User).where(User.username == username)) if username else None
    ok = False
    if user is not None and user.active:
        try:
            ok = _hasher_now().verify(user.password_hash, password or "")
        except (VerificationError, InvalidHashError):
            ok = False
        if ok and _hasher_now().check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        reason = None if ok else "bad_password"
    else:
        # Spend the same time as a real check so usernames cannot be probed by timing.
        _hasher_now().hash(password or "x")
        reason = "unknown_user" if user is None else "inactive"
    record_event("login.success" if ok else "login.failure", actor=user if ok else None,
                 actor_name=username[:64], detail={"reason": reason} if reason else None,
                 area=home_area(user) if user is not None else None)
    return user if ok else None


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: User, name: str, *, actor) -> tuple[ApiToken, str]:
    """A new API token; the secret is returned once and only its hash is kept."""
    if actor.id != user.id:
        _require_manage(actor, user)
    else:
        permissions.require(actor, "token.manage_own")
    if not user.active:
        raise Invalid("该用户已停用，不能创建令牌", "The user is inactive", code="inactive_user")
    secret = "zf_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=(name or "").strip()[:100] or "token", token_hash=_token_hash(secret))
    session = get_session()
    session.add(token)
    session.flush()
    record_event("token.create", actor=actor, target=user.username, detail={"name": token.name, "id": token.id},
                 area=home_area(user))
    return token, secret


def list_tokens(user: User, *, actor) -> list[ApiToken]:
    """The user's tokens, newest first (hashes never leave the service's callers' dump schemas)."""
    if actor.id != user.id:
        _require_manage(actor, user)
    else:
        permissions.require(actor, "token.manage_own")
    q = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    return list(get_session().scalars(q))


def revoke_token(token_id: int, *, actor) -> ApiToken:
    """Revoke one of the actor's own tokens, or (admins) a token of a user in their scope."""
    token = get_session().get(ApiToken, token_id)
    if token is None:
        raise NotFound("找不到该令牌", "Token not found")
    if actor.id != token.user_id:
        owner = token.user
        if not permissions.can(actor, "user.manage") or not all(
                permissions.can(actor, "user.manage", a) for a in owner.areas):
            raise NotFound("找不到该令牌", "Token not found")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        get_session().flush()
        record_event("token.revoke", actor=actor, target=token.user.username,
                     detail={"name": token.name, "id": token.id}, area=home_area(token.user))
    return token


def user_for_token(secret: str) -> User | None:
    if not secret:
        return None
    token = get_session().scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    return token.user
