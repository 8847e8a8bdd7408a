"""Import households from an XLSX/XLS/CSV register (one row per member), with a per-row report.

A dry run returns the report: bad rows with their reasons, the households that
would be created, those that would change (and how), and how many stay as they
are. Storing is all-or-nothing: a file with any bad row stores nothing. An
existing household (same 户编号) is updated through the registry service, which
bumps its version and logs the change; households absent from the file are left
alone. Queries are batched (codes and ID numbers in chunks), never one per row.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from server.accounts import permissions
from server.areas.models import Area
from server.audit.service import record_event
from server.db import get_session
from server.errors import Conflict, Invalid
from server.households import linking, service
from server.households.import_rows import HouseholdRows, find_columns, group_rows, parse_rows
from server.households.models import Household, Member
from server.sheets import read_sheets
from server.staging import commit_staged, stage_import
from server.uploads import safe_filename

CHUNK = 500  # codes per IN (...) query
MAX_ROWS = 600_000  # member rows: a county-wide register of 100,000 households is about 400,000
MAX_CELLS = 2_500_000  # an .xlsx is loaded whole (merged cells): about 100,000 rows of the template
PREVIEW = 100  # new households listed by name in a report (all are counted)
STORE_BATCH = 2000  # new households flushed together


@dataclass
class Plan:
    """What one household of the file will do."""

    rows: HouseholdRows
    village: Area | None = None
    group: Area | None = None
    existing: Household | None = None
    members: list[dict] | None = None
    changes: dict | None = None


def _chunks(values):
    values = sorted(v for v in values if v)
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _load_areas(codes: set[str]) -> dict[str, Area]:
    session, found = get_session(), {}
    for chunk in _chunks(codes):
        for area in session.scalars(select(Area).where(Area.code.in_(chunk)).options(joinedload(Area.parent))):
            found[area.code] = area
    return found


def _load_households(codes: set[str]) -> dict[str, Household]:
    session, found = get_session(), {}
    for chunk in _chunks(codes):
        q = (select(Household).where(Household.code.in_(chunk))
             .options(joinedload(Household.village), joinedload(Household.group),
                      selectinload(Household.members), selectinload(Household.categories)))
        for household in session.scalars(q):
            found[household.code] = household
    return found


def _registered_elsewhere(numbers: set[str]) -> dict[str, str]:
    """ID number → code of the household it is registered in."""
    session, found = get_session(), {}
    for chunk in _chunks(numbers):
        q = select(Member.id_number, Household.code).join(Household).where(Member.id_number.in_(chunk))
        found.update(session.execute(q).all())
    return found


def _place(plan: Plan, areas: dict[str, Area], actor) -> None:
    """The household's village (and group); unknown codes and areas outside the actor's scope fail its head row."""
    head, values = plan.rows.head, plan.rows.head.household
    village = areas.get(values["village"]) if values["village"] else None
    group = areas.get(values["group"]) if values["group"] else None
    if values["village"] and (village is None or village.level != "village"):
        head.fail(f"找不到行政村代码“{values['village']}”", f"Unknown village code {values['village']!r}")
        return
    if values["group"]:
        if group is None or group.level != "group":
            head.fail(f"找不到村民小组代码“{values['group']}”", f"Unknown villager group code {values['group']!r}")
            return
        if village is not None and group.parent_id != village.id:
            head.fail(f"村民小组“{group.code}”不属于行政村“{village.code}”",
                      f"Group {group.code!r} is not in village {village.code!r}")
            return
        village = group.parent
    if village is None:
        return  # no code at all: _check_household has said so
    plan.village, plan.group = village, group
    if not permissions.can(actor, "household.manage", village):
        head.fail(f"没有权限导入“{village.name}”（{village.code}）的农户：不在您的管理范围内",
                  f"Not allowed to import households of {village.code!r}: outside your areas")
    elif plan.existing is not None and not permissions.can(actor, "household.manage", plan.existing.village):
        head.fail(f"户编号“{plan.rows.code}”已登记在您管理范围之外的“{plan.existing.village.name}”，无权修改",
                  f"Household {plan.rows.code!r} is registered outside your areas; you cannot change it")


def _members(plan: Plan, columns: set[str]) -> list[dict]:
    """The member dicts in file order; fields without a column keep the stored member's value (same ID number)."""
    old = {m.id_number: m for m in plan.existing.members} if plan.existing is not None else {}
    out = []
    for row in plan.rows.rows:
        member = dict(row.member)
        before = old.get(member["id_number"])
        for name in member:
            if name not in columns and name not in ("sex", "birth_date"):
                member[name] = getattr(before, name) if before is not None else None
        out.append(member)
    return out


def _diff(plan: Plan, columns: set[str]) -> dict:
    """What applying the file would change in an existing household (without changing it)."""
    h, values = plan.existing, plan.rows.head.household
    changes = {name: [getattr(h, name), values[name]] for name in service.HOUSEHOLD_FIELDS
               if name in columns and getattr(h, name) != values[name]}
    if h.village_id != plan.village.id:
        changes["village"] = [h.village.code, plan.village.code]
    if h.group_id != (plan.group.id if plan.group else None) and ("group" in columns or h.village_id != plan.village.id):
        changes["group"] = [h.group.code if h.group else None, plan.group.code if plan.group else None]
    if h.category != values["category"]:
        changes["category"] = [h.category, values["category"]]
    old = [[getattr(m, f) for f in service.MEMBER_FIELDS] for m in h.members]
    if old != [[m.get(f) for f in service.MEMBER_FIELDS] for m in plan.members]:
        changes["members"] = [[m.name for m in h.members], [m["name"] for m in plan.members]]
    return changes


def check_plans(groups: list[HouseholdRows], columns: set[str], *, actor) -> list[Plan]:
    values = [g.head.household for g in groups if g.head is not None]
    areas = _load_areas({v["village"] for v in values} | {v["group"] for v in values})
    existing = _load_households({g.code for g in groups})
    in_file = {g.code for g in groups}
    elsewhere = _registered_elsewhere({r.member["id_number"] for g in groups for r in g.rows
                                       if r.member.get("id_number")})
    plans = []
    for group in groups:
        plan = Plan(group, existing=existing.get(group.code))
        plans.append(plan)
        for row in group.rows:
            other = elsewhere.get(row.member.get("id_number"))
            if other is not None and other != group.code and other not in in_file:
                row.fail(f"身份证号已登记在户“{other}”中", f"The ID number is already registered in household {other!r}")
        if group.head is None:
            continue
        _place(plan, areas, actor)
        if group.ok and plan.village is not None:
            plan.members = _members(plan, columns)
            plan.changes = _diff(plan, columns) if plan.existing is not None else None
    return plans


def _store(plans: list[Plan], columns: set[str], *, actor) -> None:
    session, pending = get_session(), 0
    for plan in plans:
        values = plan.rows.head.household
        if plan.existing is None:
            fields = {k: values[k] for k in service.HOUSEHOLD_FIELDS if k != "head_name"}
            h = service.new_household(plan.rows.code, values["head_name"], plan.village, category=values["category"],
                                      group=plan.group, reason="import", actor=actor, **fields)
            service.replace_members(h, plan.members)
            pending += 1
        elif plan.changes:
            _update(plan, columns, actor=actor)
        if pending >= STORE_BATCH:
            session.flush()
            pending = 0
    session.flush()
    # visits sent before these households were registered are linked now
    linking.relink_waiting([p.rows.code for p in plans if p.existing is None])


def _update(plan: Plan, columns: set[str], *, actor) -> None:
    h, values = plan.existing, plan.rows.head.household
    changes = service.update_fields(h, {k: values[k] for k in service.HOUSEHOLD_FIELDS if k in columns})
    for name, area in (("village", plan.village), ("group", plan.group)):
        if name in plan.changes:
            setattr(h, name, area)
            changes[name] = plan.changes[name]
    old_category = h.category
    if service.set_category(h, values["category"], since=None, reason="import", actor=actor):
        changes["category"] = [old_category, h.category]
    changes.update(service.replace_members(h, plan.members))
    service.record_change(h, changes, source="import", actor=actor)


def _report(rows, plans: list[Plan], warnings: list[dict], dry_run: bool) -> dict:
    good = [p for p in plans if p.rows.ok and p.village is not None]
    created = [p for p in good if p.existing is None]
    return {
        "rows": len(rows),
        "households": len(plans),
        "created": len(created),
        "created_preview": [{"row": p.rows.head.row, "code": p.rows.code, "head_name": p.rows.head.household["head_name"],
                             "village_code": p.village.code, "members": len(p.members)} for p in created[:PREVIEW]],
        "updated": [{"row": p.rows.head.row, "code": p.rows.code, "changes": p.changes} for p in good if p.changes],
        "unchanged": sum(1 for p in good if p.existing is not None and not p.changes),
        "errors": [{"row": r.row, "code": r.code, "message": zh, "message_en": en}
                   for r in rows for zh, en in r.errors],
        "warnings": warnings,
        "dry_run": dry_run,
    }


def import_households(data: bytes, filename: str, *, actor, dry_run: bool = False, max_bytes: int | None = None) -> dict:
    """Check (and unless ``dry_run`` store) the households of a register; returns the report.

    Raises Invalid with the per-row errors as details when asked to store a file with errors.
    """
    permissions.require(actor, "household.manage")
    filename = safe_filename(filename, default="households.xlsx")
    cfg = current_app.config["ZOUFANG"]
    sheets = read_sheets(data, filename, max_bytes=max_bytes or cfg.import_max_bytes,
                         max_unpacked=cfg.xlsform_max_unpacked, max_rows=MAX_ROWS, max_cells=MAX_CELLS)
    sheet, header_index, column_map, warnings = find_columns(sheets)
    rows = parse_rows(sheet, header_index, column_map)
    if not rows:
        raise Invalid("文件中没有农户数据（表头下面是空的）", "The file has no household rows below the header",
                      code="empty_import")
    columns = set(column_map) | ({"village"} if "group" in column_map else set())
    plans = check_plans(group_rows(rows), columns, actor=actor)
    report = _report(rows, plans, warnings, dry_run)
    if dry_run:
        return report
    if report["errors"]:
        n = len(report["errors"])
        raise Invalid(f"文件有 {n} 处错误，未导入任何农户；请改正后重新上传",
                      f"{n} problems in the file; nothing was imported", details=report["errors"], code="import_errors")
    try:
        _store(plans, columns, actor=actor)
    except IntegrityError as exc:
        raise Conflict("导入时农户被他人同时修改，请重新导入", "Households changed during the import; import again",
                       code="import_conflict") from exc
    record_event("household.import", actor=actor, target=filename,
                 detail={"rows": report["rows"], "created": report["created"], "updated": len(report["updated"])})
    return report


def stage_household_import(data: bytes, filename: str, *, actor) -> dict:
    """A dry run; a clean file that changes something is kept for ``commit_staged_import`` (``upload_sha256``)."""
    return stage_import(import_households, data, filename, actor=actor,
                        changes=lambda r: r["created"] or r["updated"])


def commit_staged_import(sha256: str, filename: str, *, actor) -> dict:
    return commit_staged(import_households, sha256, filename, actor=actor)
