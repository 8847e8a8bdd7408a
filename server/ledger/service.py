"""The problem ledger: list, read and move items, and what is overdue per village and per cadre.

Who sees an item: whoever sees its household (a cadre: the households assigned to
them; staff and supervisors: the households of their areas). Who moves it:
- the household's cadre: open → in_progress → fixed (fixed needs evidence: a note or a later visit);
- township staff and admins of the village ("ledger.verify"): the same, plus fixed → verified
  (销号) and reopening (→ open, with a reason).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, func, or_, select

from server.accounts import permissions
from server.accounts.models import User
from server.areas.models import Area
from server.areas.service import get_area
from server.db import get_session, utcnow
from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.households.models import Assignment, Household
from server.households.service import assigned_condition, visible_condition
from server.ledger.models import OPEN_STATES, STATE_LABELS, STATES, LedgerEvent, LedgerItem
from server.submissions.models import Submission

TRANSITIONS = {"open": ("in_progress", "fixed"), "in_progress": ("fixed", "open"), "fixed": ("verified", "open"),
               "verified": ("open",)}
STAFF_ONLY = frozenset({"verified", "open"})  # 验收销号 and reopening are the township's


def _today() -> date:
    return date.today()


def _query(actor):
    permissions.require(actor, "ledger.view")
    return (select(LedgerItem).join(Household, Household.id == LedgerItem.household_id)
            .join(Area, Household.village_id == Area.id).where(visible_condition(actor)))


def overdue_condition(today: date):
    return and_(LedgerItem.deadline < today, LedgerItem.state.in_(OPEN_STATES))


def _cadre(username: str) -> User:
    user = get_session().scalar(select(User).where(User.username == username.strip(), User.role == "cadre"))
    if user is None:
        raise NotFound(f"找不到帮扶干部：{username}", f"Cadre not found: {username}", code="cadre_not_found")
    return user


def list_items(*, actor, area: str | None = None, cadre: str | None = None, state: str | None = None,
               overdue: bool = False, today: date | None = None) -> list[LedgerItem]:
    q = _query(actor)
    if area:
        q = q.where(Area.path.startswith(get_area(area, actor=actor).path, autoescape=True))
    if cadre:
        q = q.where(assigned_condition(_cadre(cadre).id))
    if state:
        if state not in STATES:
            raise Invalid(f"未知状态：{state}（应为 {'、'.join(STATES)}）", f"Unknown state {state!r}", code="bad_state")
        q = q.where(LedgerItem.state == state)
    if overdue:
        q = q.where(overdue_condition(today or _today()))
    order = (LedgerItem.deadline.is_(None), LedgerItem.deadline, Area.path, Household.code, LedgerItem.id)
    return list(get_session().scalars(q.order_by(*order)))


def get_item(item_id: int, *, actor) -> LedgerItem:
    item = get_session().scalar(_query(actor).where(LedgerItem.id == item_id))
    if item is None:
        raise NotFound(f"找不到问题：{item_id}", f"Ledger item not found: {item_id}", code="item_not_found")
    return item


def _is_helper(actor, item: LedgerItem, today: date) -> bool:
    return getattr(actor, "role", None) == "cadre" and any(
        a.cadre_id == actor.id and a.active_on(today) for a in item.household.assignments)


def allowed_moves(item: LedgerItem, actor, today: date | None = None) -> list[str]:
    """The states this actor may move the item to now."""
    staff = permissions.can(actor, "ledger.verify", item.household.village)
    if not staff and not (permissions.can(actor, "ledger.update") and _is_helper(actor, item, today or _today())):
        return []
    return [to for to in TRANSITIONS[item.state] if staff or to not in STAFF_ONLY]


def later_visits(item: LedgerItem) -> list[Submission]:
    """Visits of the household received after the one that raised the item: possible evidence."""
    since = item.submission.received_at if item.submission else item.created_at
    q = select(Submission).where(Submission.household_id == item.household_id, Submission.received_at >= since)
    if item.submission_id is not None:
        q = q.where(Submission.id != item.submission_id)
    return list(get_session().scalars(q.order_by(Submission.received_at.desc())))


def _evidence(item: LedgerItem, submission_id: int) -> Submission:
    found = next((s for s in later_visits(item) if s.id == submission_id), None)
    if found is None:
        raise Invalid("佐证须是该户在发现问题之后的一次走访记录", "Evidence must be a later visit to this household",
                      code="bad_evidence")
    return found


def transition(item_id: int, to: str, note: str | None = None, evidence_submission_id: int | None = None, *,
               actor, today: date | None = None) -> LedgerItem:
    item = get_item(item_id, actor=actor)
    note = (note or "").strip() or None
    if to not in STATES:
        raise Invalid(f"未知状态：{to}", f"Unknown state {to!r}", code="bad_state")
    if to not in TRANSITIONS[item.state]:
        raise Conflict(f"问题当前为“{item.state_label}”，不能改为“{STATE_LABELS[to]}”",
                       f"Cannot move from {item.state} to {to}", code="bad_transition")
    if to not in allowed_moves(item, actor, today):
        if to in STAFF_ONLY:
            raise Forbidden("只有乡镇扶贫工作站或县扶贫办可以验收销号或重开问题",
                            "Only township staff may verify or reopen", code="forbidden")
        raise Forbidden("只有该户的帮扶干部或乡镇工作人员可以更新整改进度",
                        "Only the household's cadre or township staff may update this item", code="forbidden")
    evidence = _evidence(item, evidence_submission_id) if evidence_submission_id else None
    if to == "fixed" and not (note or evidence):
        raise Invalid("标记“已整改”需要佐证：请写明整改情况，或选择之后的一次走访记录（照片）",
                      "Marking as fixed needs evidence: a note or a later visit", code="evidence_required")
    if to == "open" and not note:
        raise Invalid("重开问题请写明原因", "Give a reason to reopen", code="reason_required")
    item.events.append(LedgerEvent(from_state=item.state, to_state=to, note=note, actor_id=getattr(actor, "id", None),
                                   evidence_submission_id=evidence.id if evidence else None))
    item.state, item.updated_at = to, utcnow()
    get_session().flush()
    return item


def overdue_summary(*, actor, today: date | None = None) -> dict:
    """Overdue items counted per village and per (currently assigned) cadre, within what the actor sees."""
    today = today or _today()
    base = _query(actor).where(overdue_condition(today))
    sub = base.with_only_columns(LedgerItem.id, Household.id.label("household_id"),
                                 Area.id.label("village_id")).subquery("overdue")
    by_village = get_session().execute(
        select(Area.code, Area.name, func.count()).select_from(sub).join(Area, Area.id == sub.c.village_id)
        .group_by(Area.code, Area.name).order_by(Area.code))
    by_cadre = get_session().execute(
        select(User.username, User.display_name, func.count()).select_from(sub)
        .join(Assignment, Assignment.household_id == sub.c.household_id)
        .join(User, User.id == Assignment.cadre_id)
        .where(Assignment.start <= today, or_(Assignment.end.is_(None), Assignment.end > today))
        .group_by(User.username, User.display_name).order_by(User.username))
    return {"villages": [{"code": c, "name": n, "count": k} for c, n, k in by_village],
            "cadres": [{"username": u, "display_name": d, "count": k} for u, d, k in by_cadre]}
