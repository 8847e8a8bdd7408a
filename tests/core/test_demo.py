"""``zoufang demo``: the demo county with every role, about 200 households and the shipped forms published."""
from __future__ import annotations

from sqlalchemy import func, select

from server.accounts.models import ROLES, User
from server.areas.models import Area
from server.db import get_session
from server.forms.models import Form
from server.households.assignments import cadre_households
from server.households.idcard import check_id_number
from server.households.models import Household, Member


def test_demo_loads_a_county_to_try_and_is_safe_to_run_twice(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "cadre1" in result.output and "zoufang-demo" in result.output
    with app.app_context():
        s = get_session()
        levels = dict(s.execute(select(Area.level, func.count()).group_by(Area.level)).all())
        assert (levels["county"], levels["township"], levels["village"]) == (1, 2, 6)
        assert set(s.scalars(select(User.role))) == set(ROLES)
        assert 180 <= s.scalar(select(func.count()).select_from(Household)) <= 220
        assert s.scalar(select(func.count()).select_from(Member)) > 400
        for member in s.scalars(select(Member).limit(50)):
            assert check_id_number(member.id_number)[1] == member.birth_date
        for cadre in s.scalars(select(User).where(User.role == "cadre")):
            households = cadre_households(cadre)
            assert len(households) == 20
            assert all(h.village in cadre.areas for h in households)
        forms = list(s.scalars(select(Form)))
        assert len(forms) == 3 and all(f.current is not None for f in forms)
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "已存在" in again.output
    with app.app_context():
        assert 180 <= get_session().scalar(select(func.count()).select_from(Household)) <= 220


def test_demo_visits_come_through_ingest_with_the_flags_a_spot_check_should_find(app, runner):
    from server.evidence.models import EvidenceFlag
    from server.evidence.tasks import wait_for_checks
    from server.review.models import ReviewEvent
    from server.submissions.models import Submission

    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert wait_for_checks(app, timeout=120)  # nothing should be queued: the loader checked them itself
    with app.app_context():
        s = get_session()
        subs = list(s.scalars(select(Submission).order_by(Submission.id)))
        assert len(subs) == 24 and all(sub.household_id and sub.evidence_checked_at for sub in subs)
        assert all(len(sub.current.attachments) == 2 for sub in subs)
        by_cadre: dict[str, list[set[str]]] = {}
        for sub in subs:  # sent in order per cadre: index i is the cadre's i-th visit
            kinds = set(s.scalars(select(EvidenceFlag.kind).where(EvidenceFlag.submission_id == sub.id)))
            by_cadre.setdefault(sub.submitter.username, []).append(kinds)
        assert by_cadre["cadre1"][0] == {"exif_far"} and by_cadre["cadre1"][1] == {"gps_missing"}
        assert by_cadre["cadre2"][:3] == [{"photo_reused"}] * 3
        assert by_cadre["cadre3"][0] == {"gps_far"} and by_cadre["cadre3"][1] == {"duration_short"}
        clean = by_cadre["cadre1"][2:] + by_cadre["cadre2"][3:] + by_cadre["cadre3"][2:]
        assert clean == [set()] * 17
        reviews = [(e.to_state, e.actor_name) for e in s.scalars(select(ReviewEvent).order_by(ReviewEvent.id))]
        assert reviews == [("approved", "supervisor")] * 3 + [("has_issues", "supervisor")]
