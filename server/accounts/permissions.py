"""Every permission decision in one place: role × action × area.

``can(user, action, area)`` is true when the user's role may do ``action`` and,
when an area is given, the area lies inside one of the user's scope areas.
Services call ``require`` with the acting user; nothing else decides access.
"""
from __future__ import annotations

from sqlalchemy import false, or_, true

from server.errors import Forbidden

# action → roles that may perform it (always further limited to the user's areas)
ACTIONS: dict[str, frozenset[str]] = {
    "area.view": frozenset({"admin", "designer", "township", "supervisor", "cadre"}),
    "area.manage": frozenset({"admin"}),
    "user.view": frozenset({"admin"}),
    "user.manage": frozenset({"admin"}),
    "token.manage_own": frozenset({"admin", "designer", "township", "supervisor", "cadre"}),
    "form.view": frozenset({"admin", "designer", "township", "supervisor"}),
    "form.manage": frozenset({"admin", "designer"}),
    "form.assign": frozenset({"admin", "designer"}),
    "form.receive": frozenset({"cadre"}),
    "submission.submit": frozenset({"cadre"}),
    "submission.view": frozenset({"admin", "township", "supervisor", "cadre"}),
    "submission.review": frozenset({"admin", "supervisor"}),
    "evidence.view": frozenset({"admin", "township", "supervisor"}),
    "household.view": frozenset({"admin", "township", "supervisor", "cadre"}),
    "household.manage": frozenset({"admin", "township"}),
    "household.assign": frozenset({"admin", "township"}),
    "household.view_id_number": frozenset({"admin"}),
    "audit.view": frozenset({"admin"}),
    "poverty.view": frozenset({"admin", "designer", "township", "supervisor"}),
    "poverty.manage": frozenset({"admin"}),
    "ledger.view": frozenset({"admin", "township", "supervisor", "cadre"}),
    "ledger.update": frozenset({"admin", "township", "cadre"}),
    "ledger.verify": frozenset({"admin", "township"}),
}

ACTION_LABELS = {
    "area.view": ("查看区划", "view areas"),
    "area.manage": ("管理区划", "manage areas"),
    "user.view": ("查看用户", "view users"),
    "user.manage": ("管理用户", "manage users"),
    "token.manage_own": ("管理自己的令牌", "manage own tokens"),
    "form.view": ("查看表单", "view forms"),
    "form.manage": ("上传和发布表单", "upload and publish forms"),
    "form.assign": ("分配表单", "assign forms"),
    "form.receive": ("接收表单", "receive forms"),
    "submission.submit": ("提交走访记录", "send submissions"),
    "submission.view": ("查看走访记录", "view submissions"),
    "submission.review": ("审核走访记录和抽查", "review visits and draw spot-check samples"),
    "evidence.view": ("查看走访佐证和疑点", "view visit evidence and flags"),
    "household.view": ("查看农户", "view households"),
    "household.manage": ("导入和修改农户", "import and edit households"),
    "household.assign": ("分配帮扶干部", "assign cadres to households"),
    "household.view_id_number": ("查看完整身份证号", "see full ID numbers"),
    "audit.view": ("查看审计日志", "view the audit log"),
    "poverty.view": ("查看贫困线", "view poverty lines"),
    "poverty.manage": ("设定贫困线", "set poverty lines"),
    "ledger.view": ("查看问题台账", "view the problem ledger"),
    "ledger.update": ("更新问题整改进度", "update problem progress"),
    "ledger.verify": ("验收或重开问题", "verify or reopen problems"),
}


class _System:
    """The operator at the server's shell (CLI, jobs): may do everything, everywhere."""

    id = None
    username = "system"
    display_name = "系统 / system"
    role = "system"
    active = True
    areas: list = []

    def __repr__(self) -> str:
        return "<SYSTEM>"


SYSTEM = _System()


def in_scope(user, area) -> bool:
    """True when ``area`` lies inside (or is) one of the user's areas."""
    if user is SYSTEM:
        return True
    return any(area.path.startswith(own.path) for own in user.areas)


def county_wide(user) -> bool:
    """True for the shell and for users scoped to a whole county (a tree root)."""
    return user is SYSTEM or any(a.parent_id is None for a in user.areas)


def can_from_below(user, action: str, area) -> bool:
    """Like ``can``, but an area above the user's own also counts: a township
    account sees the county's forms without being allowed to change them."""
    if not can(user, action):
        return False
    return in_scope(user, area) or any(area.contains(own) for own in user.areas)


def can(user, action: str, area=None) -> bool:
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    if user is SYSTEM:
        return True
    if user is None or not user.active or user.role not in ACTIONS[action]:
        return False
    if area is None:
        return True
    return in_scope(user, area)


def require(user, action: str, area=None) -> None:
    if not can(user, action, area):
        zh, en = ACTION_LABELS[action]
        where = f"（{area.name}）" if area is not None else ""
        raise Forbidden(f"没有权限{zh}{where}", f"Not allowed to {en}", code="forbidden")


def area_filter(user, path_column):
    """A SQL condition keeping rows whose area path lies inside the user's scope."""
    if user is SYSTEM:
        return true()
    if not user.areas:
        return false()
    return or_(*[path_column.startswith(own.path, autoescape=True) for own in user.areas])
