"""The village register (村有册) and the township book (乡有簿), and the register as a spreadsheet.

A register lists every household of one village the actor may see, with its category,
current helpers, last visit and the visits of one calendar month (China time). A book
gives, per village of a township (or of the county), households by category, households
visited and visits in the month, and households never visited.

Scope is the registry's: township staff their township, supervisors their areas, admins
the county, a cadre only their own households (so a cadre's register is theirs alone).
Every figure is aggregated in SQL: a register or a book is a handful of queries however
many households a village has. Every linked visit counts, flagged ones too (the flag is
shown in the household file); ID numbers never appear here.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from openpyxl import Workbook
from sqlalchemy import and_, case, distinct, exists, func, or_, select
from sqlalchemy.orm import selectinload

from server.accounts import permissions
from server.accounts.models import User
from server.areas.models import Area
from server.areas.service import get_area
from server.audit.times import CHINA, day_start_utc, local_time
from server.db import get_session
from server.errors import Invalid
from server.households.models import CATEGORIES, Assignment, Household, Member
from server.households.register_results import latest_register_results, open_problem_counts
from server.households.service import visible_condition
from server.submissions.models import Submission

# A rejected visit (review state) does not count as a visit made: not in counts, last visit or "never visited".
COUNTED = Submission.state != "rejected"

BOOK_LEVELS = ("county", "township")


@dataclass
class Month:
    """A calendar month in China time, and its bounds as naive UTC (how times are stored)."""

    first: date

    @classmethod
    def of(cls, day: date | None = None) -> "Month":
        day = day or datetime.now(CHINA).date()
        return cls(day.replace(day=1))

    @property
    def start(self) -> datetime:
        return day_start_utc(self.first)

    @property
    def end(self) -> datetime:
        return day_start_utc((self.first + timedelta(days=32)).replace(day=1))

    @property
    def label(self) -> str:
        return self.first.strftime("%Y-%m")

    def contains(self, column):
        return and_(column >= self.start, column < self.end)


@dataclass
class RegisterRow:
    household: Household
    members: int
    helpers: list[str]
    last_visit: datetime | None  # naive UTC
    visits_in_month: int
    visits_total: int
    results: list[dict] = field(default_factory=list)  # the register's scoring rows, newest visit per form
    open_problems: int = 0  # ledger items not yet fixed

    @property
    def last_visit_date(self) -> str:
        return local_time(self.last_visit, "%Y-%m-%d")


@dataclass
class VillageRegister:
    village: Area
    month: Month
    rows: list[RegisterRow]


@dataclass
class BookRow:
    village: Area | None  # None for the totals
    by_category: dict[str, int] = field(default_factory=dict)
    visited_in_month: int = 0  # households with at least one visit in the month
    visits_in_month: int = 0
    never_visited: int = 0

    @property
    def households(self) -> int:
        return sum(self.by_category.values())


@dataclass
class TownshipBook:
    area: Area
    month: Month
    rows: list[BookRow]
    categories: list[str]  # the categories that occur, in registry order

    @property
    def totals(self) -> BookRow:
        total = BookRow(None)
        for row in self.rows:
            for cat, n in row.by_category.items():
                total.by_category[cat] = total.by_category.get(cat, 0) + n
            total.visited_in_month += row.visited_in_month
            total.visits_in_month += row.visits_in_month
            total.never_visited += row.never_visited
        return total


def _area(code: str, levels: tuple[str, ...], *, actor) -> Area:
    permissions.require(actor, "household.view")
    area = get_area(code, actor=actor)
    if area.level not in levels:
        names = {"village": "行政村", "township": "乡镇", "county": "县"}
        wanted = "或".join(names[lv] for lv in levels)
        raise Invalid(f"{area.name}（{area.code}）不是{wanted}", f"Area {code} is not a {' or '.join(levels)}",
                      code="wrong_area_level")
    return area


def _visible_in(area: Area, actor):
    """Households (joined with their village ``Area``) inside ``area`` that the actor may see."""
    return and_(Area.path.startswith(area.path, autoescape=True), visible_condition(actor))


def village_register(code: str, *, actor, month: Month | None = None, today: date | None = None) -> VillageRegister:
    village = _area(code, ("village",), actor=actor)
    month = month or Month.of()
    today = today or date.today()
    session = get_session()
    visits = (select(Submission.household_id.label("household_id"),
                     func.max(Submission.received_at).label("last"),
                     func.count(Submission.id).label("total"),
                     func.sum(case((month.contains(Submission.received_at), 1), else_=0)).label("in_month"))
              .join(Household, Household.id == Submission.household_id)
              .where(Household.village_id == village.id, COUNTED).group_by(Submission.household_id).subquery())
    members = (select(Member.household_id.label("household_id"), func.count(Member.id).label("n"))
               .join(Household, Household.id == Member.household_id)
               .where(Household.village_id == village.id).group_by(Member.household_id).subquery())
    q = (select(Household, members.c.n, visits.c.last, visits.c.in_month, visits.c.total)
         .join(Area, Household.village_id == Area.id)
         .outerjoin(visits, visits.c.household_id == Household.id)
         .outerjoin(members, members.c.household_id == Household.id)
         .where(Household.village_id == village.id, _visible_in(village, actor))
         .options(selectinload(Household.group)).order_by(Household.code))
    found = session.execute(q).all()
    helpers: dict[int, list[str]] = {}
    active = and_(Assignment.start <= today, or_(Assignment.end.is_(None), Assignment.end > today))
    for household_id, name in session.execute(
            select(Assignment.household_id, User.display_name).join(User, User.id == Assignment.cadre_id)
            .join(Household, Household.id == Assignment.household_id)
            .where(Household.village_id == village.id, active).order_by(Assignment.start, Assignment.id)):
        helpers.setdefault(household_id, []).append(name)
    results, problems = latest_register_results(village.id), open_problem_counts(village.id)
    rows = [RegisterRow(h, n or 0, helpers.get(h.id, []), last, int(in_month or 0), total or 0,
                        results.get(h.id, []), problems.get(h.id, 0))
            for h, n, last, in_month, total in found]
    return VillageRegister(village, month, rows)


def township_book(code: str, *, actor, month: Month | None = None) -> TownshipBook:
    area = _area(code, BOOK_LEVELS, actor=actor)
    month = month or Month.of()
    session = get_session()
    villages = list(session.scalars(select(Area).where(Area.level == "village",
                                                       Area.path.startswith(area.path, autoescape=True),
                                                       permissions.area_filter(actor, Area.path))
                                    .order_by(Area.path)))
    rows = {v.id: BookRow(v) for v in villages}
    base = select(Household.village_id).join(Area, Household.village_id == Area.id).where(_visible_in(area, actor))
    for village_id, category, n in session.execute(
            base.add_columns(Household.category, func.count(Household.id))
            .group_by(Household.village_id, Household.category)):
        if village_id in rows:
            rows[village_id].by_category[category] = n
    for village_id, n in session.execute(
            base.add_columns(func.count(Household.id))
            .where(~exists().where(Submission.household_id == Household.id, COUNTED)).group_by(Household.village_id)):
        if village_id in rows:
            rows[village_id].never_visited = n
    for village_id, visits, visited in session.execute(
            base.add_columns(func.count(Submission.id), func.count(distinct(Submission.household_id)))
            .join(Submission, Submission.household_id == Household.id)
            .where(month.contains(Submission.received_at), COUNTED).group_by(Household.village_id)):
        if village_id in rows:
            rows[village_id].visits_in_month, rows[village_id].visited_in_month = visits, visited
    shown = [r for r in rows.values() if r.households or not _own_only(actor)]
    present = {cat for r in shown for cat in r.by_category}
    categories = [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))
    return TownshipBook(area, month, shown, categories)


def _own_only(actor) -> bool:
    """A cadre's book lists only the villages where they have households."""
    return actor is not permissions.SYSTEM and actor.role == "cadre"


# ---- the register as a spreadsheet ---------------------------------------------------------------

REGISTER_HEADERS = ("序号", "户编号", "户主姓名", "村民小组", "家庭人口", "户类别", "帮扶责任人", "最近走访日期",
                    "本月走访次数", "累计走访次数", "未销号问题", "最近评分")


def register_xlsx(register: VillageRegister) -> bytes:
    """The register as an .xlsx (write-only: constant memory); no ID numbers, by design."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(f"{register.village.name}村有册"[:31])
    ws.append(REGISTER_HEADERS)
    for n, row in enumerate(register.rows, 1):
        h = row.household
        ws.append((n, h.code, h.head_name, h.group.name if h.group else "", row.members, h.category_label,
                   "、".join(row.helpers), row.last_visit_date or None, row.visits_in_month, row.visits_total,
                   row.open_problems, "；".join(f"{r['label']}：{r['display']}" for r in row.results) or None))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def register_filename(register: VillageRegister) -> str:
    return f"{register.village.name}-村有册-{register.month.label}.xlsx"
