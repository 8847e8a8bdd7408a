"""The household file (一户一档): everything known about one household, in one read.

Basic situation and causes come from the registry; members with 身份证号 shown as the
actor may see them; the category history; every helper cadre with dates; the visit
timeline (every submission linked to the household, newest first); and the income
history read from its 入户调查测算表 (household_survey) visits.

Who may read a file is decided by ``get_household`` (404 outside the actor's scope,
cadres only their own households). The timeline lists every linked visit, whoever
sent it (a cadre taking over a household needs its history); a visit's page and
photos stay governed by the submission rules, so ``openable`` says whether the
actor may follow the link.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from server.accounts import permissions
from server.db import get_session
from server.errors import DomainError
from server.households.linking import FLAG_LABELS
from server.households.models import Household
from server.households.privacy import shown_id_number
from server.households.service import MEMBER_FIELDS, get_household
from server.ledger.models import LedgerItem
from server.scoring.models import ScoreResult  # noqa: F401  (maps SubmissionVersion.score)
from server.storage.blobs import get_store
from server.submissions.instance import parse_instance
from server.submissions.models import SUBMISSION_STATE_LABELS, Submission, SubmissionVersion

# The 入户调查测算表 as shipped in forms/xlsform/household_survey.xlsx. Its income figures are computed on
# the phone and stored in the instance; they are read from these leaves (paths below the instance's root):
#   calc_net_income          家庭纯收入 (wages + net business + property + transfer income), 元
#   calc_per_capita          人均纯收入 = calc_net_income ÷ calc_hh_size, 元
#   calc_hh_size             家庭人口 (rows of the member roster)
#   grp_household/ref_year   调查年度 (the reference year the income is for)
#   today                    调查日期 (the phone's date when the survey was filled)
INCOME_FORM_ID = "household_survey"
INCOME_FIELDS = {"net_income": "calc_net_income", "per_capita_income": "calc_per_capita",
                 "household_size": "calc_hh_size", "reference_year": "grp_household/ref_year",
                 "survey_date": "today"}


@dataclass
class Visit:
    submission: Submission
    photos: list[str]  # names of the image attachments of the current version
    openable: bool  # the actor may open the visit page and its photos

    @property
    def flag_label(self) -> str | None:
        flag = self.submission.household_flag
        return FLAG_LABELS.get(flag, flag) if flag else None

    @property
    def rejected(self) -> bool:
        """A rejected visit stays in the file, marked, but counts nowhere (its income figures neither)."""
        return self.submission.state == "rejected"

    @property
    def state_label(self) -> str:
        return SUBMISSION_STATE_LABELS.get(self.submission.state, self.submission.state)

    @property
    def scores(self) -> list[dict]:
        """The current version's results, as the visit page shows them (labels in the request's language)."""
        result = self.submission.current.score
        return result.shown() if result is not None else []


@dataclass
class IncomeRecord:
    submission_id: int
    received_at: datetime
    reference_year: int | None = None
    survey_date: date | None = None
    household_size: int | None = None
    net_income: Decimal | None = None
    per_capita_income: Decimal | None = None


@dataclass
class HouseholdFile:
    household: Household
    members: list[dict]
    helpers: list[dict]
    visits: list[Visit]
    incomes: list[IncomeRecord] = field(default_factory=list)
    problems: list[LedgerItem] = field(default_factory=list)  # the household's 问题台账, newest first

    @property
    def counted_visits(self) -> list[Visit]:
        """The visits that count as made (all but rejected ones)."""
        return [v for v in self.visits if not v.rejected]

    @property
    def current_helpers(self) -> list[dict]:
        return [h for h in self.helpers if h["current"]]


def _members(household: Household, actor) -> list[dict]:
    out = []
    for m in household.members:
        row = {name: getattr(m, name) for name in MEMBER_FIELDS}
        row["id_number"] = shown_id_number(m.id_number, actor)
        out.append(row)
    return out


def _helpers(household: Household, today: date) -> list[dict]:
    """Every assignment, current ones first, each newest first."""
    rows = [{"username": a.cadre.username, "name": a.cadre.display_name, "phone": a.cadre.phone,
             "start": a.start, "end": a.end, "current": a.active_on(today)} for a in household.assignments]
    return sorted(rows, key=lambda r: (not r["current"], -r["start"].toordinal()))


def _can_open(sub: Submission, actor) -> bool:
    """The rule of ``submissions.queries``: a cadre opens only the visits they sent."""
    if actor is permissions.SYSTEM:
        return True
    return permissions.can(actor, "submission.view") and (actor.role != "cadre" or sub.submitter_id == actor.id)


def _visits(household: Household, actor) -> list[Visit]:
    q = (select(Submission).where(Submission.household_id == household.id)
         .options(selectinload(Submission.form), selectinload(Submission.submitter),
                  selectinload(Submission.versions).selectinload(SubmissionVersion.attachments),
                  selectinload(Submission.versions).selectinload(SubmissionVersion.score))
         .order_by(Submission.received_at.desc(), Submission.id.desc()))
    return [Visit(sub, [a.name for a in sub.current.attachments if a.content_type.lower().startswith("image/")],
                  _can_open(sub, actor))
            for sub in get_session().scalars(q)]


def _number(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _income(sub: Submission) -> IncomeRecord:
    record = IncomeRecord(sub.id, sub.received_at)
    try:
        leaves = parse_instance(get_store().read_bytes(sub.current.xml_sha256)).leaves
    except DomainError:  # an unreadable instance has no figures; the visit itself is still in the timeline
        return record
    values = {path.split("/", 2)[2]: text for path, text in leaves if path.count("/") >= 2}
    raw = {key: values.get(name) for key, name in INCOME_FIELDS.items()}
    record.net_income, record.per_capita_income = _number(raw["net_income"]), _number(raw["per_capita_income"])
    size, year = _number(raw["household_size"]), _number(raw["reference_year"])
    record.household_size = int(size) if size is not None else None
    record.reference_year = int(year) if year is not None else None
    try:
        record.survey_date = date.fromisoformat(raw["survey_date"]) if raw["survey_date"] else None
    except ValueError:
        record.survey_date = None
    return record


def _incomes(visits: list[Visit]) -> list[IncomeRecord]:
    return [_income(v.submission) for v in visits
            if v.submission.form.xml_form_id == INCOME_FORM_ID and not v.rejected]


def household_file(code: str, *, actor, today: date | None = None) -> HouseholdFile:
    household = get_household(code, actor=actor)
    visits = _visits(household, actor)
    problems = list(get_session().scalars(select(LedgerItem).where(LedgerItem.household_id == household.id)
                                          .order_by(LedgerItem.created_at.desc(), LedgerItem.id.desc())))
    return HouseholdFile(household=household, members=_members(household, actor),
                         helpers=_helpers(household, today or date.today()), visits=visits,
                         incomes=_incomes(visits), problems=problems)
