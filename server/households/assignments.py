"""Which cadres are responsible for which households (帮扶责任人), with dates; in bulk, by village or by list.

"add" gives the households one more helper; "replace" ends every current helper's
assignment (kept in the history) and makes the given cadre the only one. A phone
sees the new list at its next refresh: households.csv is built from these rows.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from server.accounts import permissions
from server.accounts.models import User
from server.areas.models import Area
from server.audit.service import record_event
from server.db import get_session
from server.errors import Forbidden, Invalid, NotFound
from server.households.models import Assignment, Household
from server.households.service import assigned_condition

MODES = ("add", "replace", "remove")


def _cadre(username: str) -> User:
    user = get_session().scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        raise NotFound(f"找不到用户：{username}", f"User not found: {username}", code="user_not_found")
    if user.role != "cadre":
        raise Invalid(f"{user.display_name} 不是帮扶干部", f"{username} is not a cadre", code="not_a_cadre")
    return user


def _households(codes: list[str] | None, village: Area | None) -> list[Household]:
    session = get_session()
    if village is not None:
        return list(session.scalars(select(Household).join(Area, Household.village_id == Area.id)
                                    .where(Area.path.startswith(village.path, autoescape=True))
                                    .order_by(Household.code)))
    wanted = [c.strip() for c in codes or [] if c and c.strip()]
    found = {h.code: h for h in session.scalars(select(Household).where(Household.code.in_(wanted)))}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise NotFound(f"找不到农户：{'、'.join(missing[:20])}", f"Households not found: {', '.join(missing[:20])}",
                       code="household_not_found", details=[{"code": c} for c in missing])
    return [found[c] for c in dict.fromkeys(wanted)]


def assign_households(cadre_username: str, *, actor, codes: list[str] | None = None, village: Area | None = None,
                      mode: str = "add", on: date | None = None) -> int:
    """Assign (add / replace / remove) a cadre for the listed households or every household of an area.

    Returns how many households changed. The actor must be allowed to assign in every household's village.
    """
    if mode not in MODES:
        raise Invalid(f"未知方式：{mode}", f"Unknown mode {mode!r}", code="bad_mode")
    permissions.require(actor, "household.assign")
    cadre = _cadre(cadre_username)
    households = _households(codes, village)
    if not households:
        raise Invalid("没有要分配的农户", "No households to assign", code="nothing_to_assign")
    for h in households:
        if not permissions.can(actor, "household.assign", h.village):
            raise Forbidden(f"农户 {h.code} 不在您的范围内", f"Household {h.code} is outside your areas",
                            code="forbidden")
    elsewhere = [h for h in households if not permissions.in_scope(cadre, h.village)] if mode != "remove" else []
    if elsewhere:
        raise Invalid(f"{cadre.display_name} 的工作区划不包括 {elsewhere[0].village.name}（农户 {elsewhere[0].code}）",
                      f"{cadre_username}'s areas do not include household {elsewhere[0].code}",
                      code="cadre_elsewhere")
    on = on or date.today()
    changed = 0
    for h in households:
        current = [a for a in h.assignments if a.active_on(on)]
        mine = [a for a in current if a.cadre_id == cadre.id]
        ending = current if mode == "replace" else mine if mode == "remove" else []
        ending = [a for a in ending if not (mode == "replace" and a.cadre_id == cadre.id)]
        for a in ending:
            if a.start == on:  # made and undone the same day: nothing to keep
                h.assignments.remove(a)
            else:
                a.end = on
        if mode != "remove" and not mine:
            h.assignments.append(Assignment(cadre_id=cadre.id, start=on, created_by_id=getattr(actor, "id", None)))
        if ending or (mode != "remove" and not mine):
            changed += 1
    get_session().flush()
    record_event(f"household.assign.{mode}", actor=actor, target=cadre.username, area=village,
                 detail={"households": len(households), "changed": changed})
    return changed


def cadre_households(cadre, on: date | None = None) -> list[Household]:
    """The households a cadre is responsible for on ``on`` (default today), by code."""
    return list(get_session().scalars(select(Household).where(assigned_condition(cadre.id, on))
                                      .order_by(Household.code)))
