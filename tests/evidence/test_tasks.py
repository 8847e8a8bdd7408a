"""The check thread: visits a restart left unchecked are queued again; checks wait for a quiet moment."""
from __future__ import annotations

from sqlalchemy import delete, select

from server.db import get_session, unit_of_work
from server.evidence import tasks
from server.evidence.models import EvidenceFlag, PhotoPrint
from server.submissions.models import Submission
from tests.evidence.conftest import TAKEN
from tests.evidence.images import photo


def test_visits_left_unchecked_by_a_restart_are_checked_again(visit, flags, app):
    shared = photo(31, TAKEN)
    first, second = visit("H11A", {"a.jpg": shared}), visit("H11B", {"b.jpg": shared})
    with app.app_context(), unit_of_work():  # as if the server had stopped before the second was checked
        session = get_session()
        session.execute(delete(EvidenceFlag))
        session.execute(delete(PhotoPrint).where(PhotoPrint.submission_id == second))
        session.get(Submission, second).evidence_checked_at = None
    assert flags(first) == [] and flags(second) == []
    assert tasks.recover(app) == 1
    assert tasks.wait_for_checks(app, 30)
    assert flags(second) == ["photo_reused"] and flags(first) == ["photo_reused"]
    with app.app_context():
        assert get_session().scalar(select(Submission.evidence_checked_at).where(Submission.id == second))
    assert tasks.recover(app) == 0  # nothing left unchecked


def test_checks_wait_while_requests_come_in():
    tasks.note_request()
    assert tasks._busy()
    tasks._last_request[0] -= tasks.QUIET_SECONDS
    assert not tasks._busy()


def test_a_batch_with_a_missing_visit_still_checks_the_others(visit, flags, app):
    sid = visit("H11A")
    with app.app_context(), unit_of_work():
        get_session().get(Submission, sid).evidence_checked_at = None
    with app.app_context():
        tasks.run_batch([999999, sid])
        assert get_session().scalar(select(Submission.evidence_checked_at).where(Submission.id == sid))
