"""Review states: set by reviewers one at a time or in bulk, with history and audit; "edited" when the cadre
sends a new version; a rejected visit counts nowhere (register, book, income) but stays marked in the file."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server.accounts.models import User
from server.audit.models import AuditEvent
from server.db import get_session, unit_of_work
from server.errors import Forbidden, Invalid, NotFound
from server.review import service
from server.review.models import ReviewEvent
from server.submissions.models import Submission
from tests.scoring.conftest import app, build_instance, field, make_household, registry  # noqa: F401 (fixtures)
from tests.scoring.test_instruments import ITEMS, send


def _user(name):
    return get_session().scalar(select(User).where(User.username == name))


def _sub(instance_id):
    return get_session().scalar(select(Submission).where(Submission.instance_id == instance_id))


@pytest.fixture
def visit(field):
    return send(field, "living_environment", {i: "pass" for i in ITEMS})


@pytest.fixture
def supervisor(make_user):
    return make_user("supervisor", "T1", username="sup_t1")


def test_a_reviewer_sets_states_with_history_and_audit(app, visit, supervisor, make_user):
    with app.app_context(), unit_of_work():
        sub_id = _sub(visit).id
        sup = _user(supervisor)
        service.set_state(sub_id, "has_issues", actor=sup, comment="照片看不清门窗")
        service.set_state(sub_id, "approved", actor=sup)
    with app.app_context():
        assert _sub(visit).state == "approved"
        hist = service.history(sub_id, actor=_user("cadre_a"))  # the cadre reads their own visit's history
        assert [(e.from_state, e.to_state, e.comment, e.actor_name) for e in hist] == [
            ("received", "has_issues", "照片看不清门窗", "sup_t1"), ("has_issues", "approved", None, "sup_t1")]
        audit = get_session().scalars(select(AuditEvent).where(AuditEvent.action == "submission.review")
                                      .order_by(AuditEvent.id)).all()
        assert [(a.actor_name, a.detail["from"], a.detail["to"]) for a in audit] == [
            ("sup_t1", "received", "has_issues"), ("sup_t1", "has_issues", "approved")]
        assert audit[0].area is not None and audit[0].area.code == "V11"


@pytest.mark.parametrize("state", ["rejected", "has_issues"])
def test_sending_back_needs_a_comment(app, visit, supervisor, state):
    with app.app_context(), unit_of_work():
        with pytest.raises(Invalid) as err:
            service.set_state(_sub(visit).id, state, actor=_user(supervisor), comment="  ")
        assert err.value.code == "comment_required" and "意见" in err.value.message


def test_edited_and_unknown_states_are_not_for_reviewers(app, visit, supervisor):
    with app.app_context(), unit_of_work():
        for state in ("edited", "deleted", ""):
            with pytest.raises(Invalid):
                service.set_state(_sub(visit).id, state, actor=_user(supervisor), comment="x")


def test_only_reviewers_inside_their_areas(app, visit, make_user):
    other = make_user("supervisor", "T2")
    staff = make_user("township", "T1")
    with app.app_context(), unit_of_work():
        sub_id = _sub(visit).id
        with pytest.raises(NotFound):  # another township's supervisor does not even see it
            service.set_state(sub_id, "approved", actor=_user(other))
        for name in (staff, "cadre_a"):
            with pytest.raises(Forbidden):
                service.set_state(sub_id, "approved", actor=_user(name))
        assert _sub(visit).state == "received"


def test_bulk_is_all_or_nothing(app, field, supervisor, make_user):
    mine = [send(field, "living_environment", {i: "pass" for i in ITEMS}) for _ in range(2)]
    with app.app_context(), unit_of_work():
        ids = [_sub(i).id for i in mine]
    with app.app_context():
        with pytest.raises(NotFound) as err, unit_of_work():
            service.bulk_set_state(ids + [999999], "approved", actor=_user(supervisor))
        assert err.value.details == [999999]
        assert {_sub(i).state for i in mine} == {"received"}
        assert get_session().scalar(select(ReviewEvent.id)) is None
    with app.app_context(), unit_of_work():
        done = service.bulk_set_state(ids, "rejected", actor=_user(supervisor), comment="未见入户照片")
        assert len(done) == 2
    with app.app_context():
        assert {_sub(i).state for i in mine} == {"rejected"}


def test_an_edit_from_the_phone_puts_the_visit_back_to_edited(app, field, visit, supervisor):
    with app.app_context(), unit_of_work():
        service.set_state(_sub(visit).id, "rejected", actor=_user(supervisor), comment="照片不是本户")
    edit = build_instance(field.xforms["living_environment"], {"household": "H11A", **{i: "pass" for i in ITEMS}})
    edit = edit.replace(b"<instanceID>", f"<deprecatedID>{visit}</deprecatedID><instanceID>".encode())
    [resp] = field.phone.send(edit)
    assert resp.status_code == 201, resp.data
    with app.app_context():
        sub = _sub(visit)
        assert sub.state == "edited" and sub.version_count == 2
        assert [e.to_state for e in service.history(sub.id, actor=_user(supervisor))] == ["rejected", "edited"]


def test_a_rejected_visit_counts_nowhere_but_stays_marked_in_the_file(app, client, field, supervisor, api_token,
                                                                      login):
    kept = send(field, "living_environment", {i: "pass" for i in ITEMS})
    rejected = send(field, "living_environment", {**{i: "pass" for i in ITEMS}, "tidy": "fail"})
    staff = api_token("t1_staff")
    before = {r["code"]: r for r in client.get("/api/v1/areas/V11/register", headers=staff).json["households"]}
    assert before["H11A"]["visits_total"] == 2
    with app.app_context(), unit_of_work():
        rejected_id = _sub(rejected).id
        service.set_state(rejected_id, "rejected", actor=_user(supervisor), comment="两次走访照片相同")

    register = {r["code"]: r for r in client.get("/api/v1/areas/V11/register", headers=staff).json["households"]}
    assert register["H11A"]["visits_total"] == 1
    # the register's results come from the newest visit that counts: the kept one, where all items pass
    assert {r["name"]: r["display"] for r in register["H11A"]["results"]}.get("all_pass") == "是"
    book = client.get("/api/v1/areas/T1/book", headers=staff).json
    v11 = next(r for r in book["villages"] if r["village"] == "V11")
    assert v11["visits_in_month"] == 1

    file_json = client.get("/api/v1/households/H11A", headers=staff).json
    states = {v["submission_id"]: (v["state"], v["counted"]) for v in file_json["visits"]}
    assert states[rejected_id] == ("rejected", False)
    assert sorted(states.values()) == [("received", True), ("rejected", False)]

    login("t1_staff")
    page = client.get("/households/H11A").get_data(as_text=True)
    assert f'data-submission="{rejected_id}" data-state="rejected" class="rejected"' in page
    assert "已退回" in page and "另有 1 次走访被督查退回" in page and "走访记录</h2>" not in page
    assert "走访记录（1）" in page
