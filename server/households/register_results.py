"""What the village register adds from the visits: each household's latest results of the scoring rows
the workbook marks for the register (``register`` column of the scoring sheet), and its problems not yet
closed in the ledger. Two queries per village, whatever its size."""
from __future__ import annotations

from sqlalchemy import func, select

from server.db import get_session
from server.households.models import Household
from server.ledger.models import OPEN_STATES, LedgerItem
from server.scoring.models import ScoreResult
from server.submissions.models import Submission, SubmissionVersion


def latest_register_results(village_id: int, lang: str | None = None) -> dict[int, list[dict]]:
    """household id → [{"form", "label", "display", "status"}], from the newest scored visit of each form
    (rejected visits left out)."""
    q = (select(Submission.household_id, Submission.form_id, ScoreResult)
         .join(ScoreResult, ScoreResult.submission_id == Submission.id)
         .join(SubmissionVersion, SubmissionVersion.id == ScoreResult.submission_version_id)
         .join(Household, Household.id == Submission.household_id)
         .where(Household.village_id == village_id,
                SubmissionVersion.instance_id == Submission.current_instance_id,
                Submission.state != "rejected")  # a rejected visit's figures are not the household's
         .order_by(Submission.received_at.desc(), Submission.id.desc()))
    seen: set[tuple[int, int]] = set()
    out: dict[int, list[dict]] = {}
    for household_id, form_id, result in get_session().execute(q):
        if (household_id, form_id) in seen:
            continue
        seen.add((household_id, form_id))
        wanted = {r["name"] for r in (result.form_version.scoring or {}).get("rows", []) if r.get("register")}
        for row in result.shown(lang):
            if row["name"] in wanted:
                out.setdefault(household_id, []).append({"form": result.form_version.title, **row})
    return out


def open_problem_counts(village_id: int) -> dict[int, int]:
    """household id → ledger items still open or in progress."""
    q = (select(LedgerItem.household_id, func.count(LedgerItem.id))
         .join(Household, Household.id == LedgerItem.household_id)
         .where(Household.village_id == village_id, LedgerItem.state.in_(OPEN_STATES))
         .group_by(LedgerItem.household_id))
    return dict(get_session().execute(q).all())
