"""The household registry: find, list, create and update households, and move them between categories.

Who sees a household: admins, township staff and supervisors when its village lies
in their areas; a cadre only while assigned to it. Every change bumps the
household's entity ``version`` and is written to ``HouseholdChange``.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select

from server.accounts import permissions
from server.areas.models import Area
from server.db import get_session, utcnow
from server.errors import Invalid, NotFound
from server.households.models import (CATEGORIES, CATEGORY_REASONS, Assignment, Household, HouseholdCategory,
                                      HouseholdChange, Member)

HOUSEHOLD_FIELDS = ("head_name", "address", "phone", "latitude", "longitude", "main_cause", "secondary_cause")
MEMBER_FIELDS = ("name", "relation", "sex", "birth_date", "id_number", "health", "labour", "schooling",
                 "basic_insurance", "serious_illness_insurance", "migrant_months")


def _today() -> date:
    return date.today()


def assigned_condition(cadre_id: int, on: date | None = None):
    """SQL condition: the household has an assignment of this cadre active on ``on`` (default today)."""
    on = on or _today()
    # IN (not a correlated EXISTS): planners start from the cadre's few assignment rows (indexed by cadre),
    # instead of testing every household of the county
    return Household.id.in_(select(Assignment.household_id).where(
        Assignment.cadre_id == cadre_id, Assignment.start <= on, or_(Assignment.end.is_(None), Assignment.end > on)))


def visible_condition(actor):
    """SQL condition on Household (joined with its village ``Area``) for what the actor may see."""
    if actor is permissions.SYSTEM:
        return Household.id.is_not(None)
    if actor.role == "cadre":
        return assigned_condition(actor.id)
    return permissions.area_filter(actor, Area.path)


def _query(actor):
    permissions.require(actor, "household.view")
    return select(Household).join(Area, Household.village_id == Area.id).where(visible_condition(actor))


def get_household(code: str, *, actor) -> Household:
    household = get_session().scalar(_query(actor).where(Household.code == (code or "").strip()))
    if household is None:
        raise NotFound(f"找不到农户：{code}", f"Household not found: {code}", code="household_not_found")
    return household


def find_household(code: str) -> Household | None:
    """By code, regardless of who asks (for linking submissions; the caller decides what to reveal)."""
    return get_session().scalar(select(Household).where(Household.code == (code or "").strip()))


def list_households(*, actor, area: Area | None = None, category: str | None = None,
                    cadre_id: int | None = None, search: str | None = None) -> list[Household]:
    q = _query(actor)
    if area is not None:
        q = q.where(Area.path.startswith(area.path, autoescape=True))
    if category:
        q = q.where(Household.category == category)
    if cadre_id:
        q = q.where(assigned_condition(cadre_id))
    if search:
        like = f"%{search.strip()}%"
        q = q.where(or_(Household.code.like(like), Household.head_name.like(like)))
    return list(get_session().scalars(q.order_by(Area.path, Household.code)))


def check_category(category: str) -> str:
    if category in CATEGORIES:
        return category
    by_label = {label: key for key, label in CATEGORIES.items()}
    if category in by_label:
        return by_label[category]
    raise Invalid(f"未知户类别：{category}（应为 {'、'.join(CATEGORIES.values())}）", f"Unknown category {category!r}",
                  code="bad_category")


def set_category(household: Household, category: str, *, since: date | None, reason: str, actor) -> bool:
    """Move a household into ``category`` from ``since``; closes the open period. False when unchanged."""
    category = check_category(category)
    if reason not in CATEGORY_REASONS:
        raise Invalid(f"未知变动原因：{reason}", f"Unknown reason {reason!r}", code="bad_reason")
    if household.category == category and household.categories:
        return False
    since = since or _today()
    for period in household.categories:
        if period.until is None:
            period.until = since
    household.categories.append(HouseholdCategory(category=category, since=since, reason=reason,
                                                  recorded_by_id=getattr(actor, "id", None)))
    household.category = category
    return True


def record_change(household: Household, changes: dict, *, source: str, actor) -> None:
    if not changes:
        return
    household.version = (household.version or 0) + 1
    household.updated_at = utcnow()
    get_session().flush()  # a new household needs its id
    get_session().add(HouseholdChange(household_id=household.id, source=source, changes=changes,
                                      actor_id=getattr(actor, "id", None)))


def new_household(code: str, head_name: str, village: Area, *, category: str, group: Area | None = None,
                  since: date | None = None, reason: str = "identified", actor, **fields) -> Household:
    """Create a household (the caller has checked permissions and input)."""
    household = Household(code=code, head_name=head_name, village=village, group=group,
                          category=check_category(category), version=1,
                          **{k: v for k, v in fields.items() if k in HOUSEHOLD_FIELDS})
    household.category = ""  # set_category records the first period
    set_category(household, category, since=since, reason=reason, actor=actor)
    get_session().add(household)
    return household


def replace_members(household: Household, members: list[dict]) -> dict:
    """Set the member roster; returns {"members": [...]} describing the change, or {} when identical."""
    def key(m):
        return tuple(m.get(f) for f in MEMBER_FIELDS)

    old = [tuple(getattr(m, f) for f in MEMBER_FIELDS) for m in household.members]
    new = [key(m) for m in members]
    if old == new:
        return {}
    household.members.clear()
    for position, m in enumerate(members):
        household.members.append(Member(position=position, **{f: m.get(f) for f in MEMBER_FIELDS}))
    return {"members": [[o[0] for o in old], [n[0] for n in new]]}


def update_fields(household: Household, values: dict) -> dict:
    """Apply the given household fields; returns {field: [old, new]} for those that changed."""
    changes = {}
    for name in HOUSEHOLD_FIELDS:
        if name in values and getattr(household, name) != values[name]:
            changes[name] = [getattr(household, name), values[name]]
            setattr(household, name, values[name])
    return changes
