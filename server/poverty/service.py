"""Set, find and list poverty lines; the line that applies to an area in a year.

Who: admins set lines inside their areas ("poverty.manage"); admins, township
staff, supervisors and designers see the lines of their areas and of the areas
above them ("poverty.view"), since a county line applies to every village in it.
Setting, changing or deleting a line asks the scoring engine to recompute that
area's subtree for that year.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from server.accounts import permissions
from server.areas.models import Area
from server.audit.service import record_event
from server.db import get_session, utcnow
from server.errors import Invalid, NotFound
from server.poverty.models import PovertyLine

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_AMOUNT = Decimal("100000")


def _ancestor_ids(area: Area) -> list[int]:
    return [int(p) for p in area.path.strip("/").split("/") if p]


def line_for(area: Area, year: int) -> tuple[float, int] | None:
    """(amount, line id) of the nearest area containing ``area`` (itself included) with a line for ``year``."""
    rows = get_session().execute(
        select(PovertyLine.amount, PovertyLine.id, Area.path).join(Area, Area.id == PovertyLine.area_id)
        .where(PovertyLine.year == year, PovertyLine.area_id.in_(_ancestor_ids(area)))).all()
    if not rows:
        return None
    amount, line_id, _ = max(rows, key=lambda r: len(r.path))  # the deepest path is the most specific area
    return float(amount), line_id


def check_year(year) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise Invalid(f"年度无效：{year}", f"Invalid year {year!r}", code="bad_year") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Invalid(f"年度应在 {MIN_YEAR}–{MAX_YEAR} 之间：{year}", f"Year must be {MIN_YEAR}–{MAX_YEAR}",
                      code="bad_year")
    return year


def check_amount(amount) -> Decimal:
    try:
        value = Decimal(str(amount).strip().replace(",", "").removesuffix("元"))
    except (InvalidOperation, ValueError):
        raise Invalid(f"金额无效：{amount}", f"Invalid amount {amount!r}", code="bad_amount") from None
    if not value.is_finite() or not Decimal(0) < value < MAX_AMOUNT:
        raise Invalid(f"贫困线金额应大于 0 且小于 {MAX_AMOUNT} 元：{amount}",
                      f"The amount must be above 0 and below {MAX_AMOUNT}", code="bad_amount")
    return value.quantize(Decimal("0.01"))


def _area(code: str, actor, action: str) -> Area:
    area = get_session().scalar(select(Area).where(Area.code == (code or "").strip()))
    if area is None or not permissions.can(actor, "area.view", area):
        raise NotFound(f"找不到区划：{code}", f"Area not found: {code}", code="area_not_found")
    permissions.require(actor, action, area)
    return area


def _recompute(area: Area, year: int) -> None:
    """Re-score the visits under ``area`` for ``year``: a job, queued when this change commits."""
    from server.scoring.rescore import schedule_rescore

    schedule_rescore(area, year)


def set_line(area_code: str, year, amount, note: str | None = None, *, actor) -> PovertyLine:
    """Create or change the line of an area for a year."""
    year, amount = check_year(year), check_amount(amount)
    note = " ".join((note or "").split())[:255] or None
    area = _area(area_code, actor, "poverty.manage")
    session = get_session()
    line = session.scalar(select(PovertyLine).where(PovertyLine.area_id == area.id, PovertyLine.year == year))
    old = None if line is None else str(line.amount)
    if line is None:
        line = PovertyLine(area=area, year=year)
        session.add(line)
    elif line.amount == amount and line.note == note:
        return line
    line.amount, line.note, line.set_by_id, line.set_at = amount, note, getattr(actor, "id", None), utcnow()
    session.flush()
    record_event("poverty.set", actor=actor, target=f"{area.code}/{year}",
                 detail={"amount": str(amount), "old": old, "note": note}, area=area)
    if old is None or Decimal(old) != amount:
        _recompute(area, year)
    return line


def get_line(line_id: int, *, actor) -> PovertyLine:
    line = get_session().get(PovertyLine, line_id)
    if line is None or not permissions.can_from_below(actor, "poverty.view", line.area):
        raise NotFound(f"找不到贫困线：{line_id}", f"Poverty line not found: {line_id}", code="line_not_found")
    return line


def delete_line(line_id: int, *, actor) -> None:
    line = get_line(line_id, actor=actor)
    area, year = line.area, line.year
    permissions.require(actor, "poverty.manage", area)
    get_session().delete(line)
    get_session().flush()
    record_event("poverty.delete", actor=actor, target=f"{area.code}/{year}", detail={"amount": str(line.amount)},
                 area=area)
    _recompute(area, year)


def list_lines(*, actor, year: int | None = None) -> list[PovertyLine]:
    """The lines of the actor's areas and of the areas above them, by year (newest first), then area."""
    permissions.require(actor, "poverty.view")
    q = select(PovertyLine).join(Area, Area.id == PovertyLine.area_id)
    if year is not None:
        q = q.where(PovertyLine.year == year)
    lines = get_session().scalars(q.order_by(PovertyLine.year.desc(), Area.path))
    return [line for line in lines if permissions.can_from_below(actor, "poverty.view", line.area)]
