"""Where scores show: per submission version (an edit is scored anew, the old version keeps its scores),
the submission JSON (labelled, both languages) and the visit page."""
from __future__ import annotations

from sqlalchemy import select

from server.db import get_session
from server.scoring.models import ScoreResult
from server.submissions.models import Submission
from tests.scoring.conftest import build_instance
from tests.scoring.test_instruments import FOUR, INCOME, YEAR, put_line, survey


def _submission_id(app, instance_id):
    with app.app_context():
        return get_session().scalar(select(Submission.id).where(Submission.instance_id == instance_id))


def test_an_edit_is_scored_and_the_first_version_keeps_its_scores(field, scores, app):
    first = survey(field)
    edit = build_instance(field.xforms["household_survey"],
                          {"household": "H11A", "ref_year": str(YEAR), **INCOME, "inc_wage_local": "0"},
                          {"member": FOUR}, instance_id="uuid:edit-1")
    edit = edit.replace(b"<instanceID>", f"<deprecatedID>{first}</deprecatedID><instanceID>".encode())
    [resp] = field.phone.send(edit)
    assert resp.status_code == 201
    assert scores(first)["net_income"] == ("ok", 21000.0, None)  # the current (edited) version
    with app.app_context():
        rows = list(get_session().scalars(select(ScoreResult).order_by(ScoreResult.id)))
        assert [r.rows[1]["value"] for r in rows] == [29000.0, 21000.0]
        assert rows[0].submission_id == rows[1].submission_id and rows[0].year == YEAR


def test_the_submission_json_carries_labelled_scores(field, app, make_user, api_token, client):
    put_line(app, 4000)
    sub_id = _submission_id(app, survey(field, members=FOUR[:3]))
    make_user("admin", "C", username="scorer")
    headers = api_token("scorer")
    data = client.get(f"/api/v1/submissions/{sub_id}", headers=headers).get_json()
    shown = {s["name"]: s for s in data["scores"]}
    assert shown["net_income"]["display"] == "29000" and shown["net_income"]["label"] == "家庭纯收入(元)"
    assert shown["per_capita_income"]["value"] == 29000 / 3 and shown["per_capita_income"]["display"] == "9666.67"
    assert shown["check_food"]["display"] == "是" and shown["check_food"]["value"] is True
    if data["score_parameters"]["poverty_line"] is not None:
        assert shown["income_line"]["display"] == "达到或高于贫困线"
        assert data["score_parameters"]["poverty_line"] == 4000 and data["score_parameters"]["year"] == YEAR
        assert data["score_parameters"]["area"] == "V11"  # the household's village
    english = {s["name"]: s for s in client.get(f"/api/v1/submissions/{sub_id}?lang=en",
                                                headers=headers).get_json()["scores"]}
    assert english["check_food"]["display"] == "Yes" and english["check_food"]["label"] == "Enough to eat"


def test_the_visit_page_lists_scores_and_why_one_cannot_be_computed(field, app, make_user, login):
    sub_id = _submission_id(app, survey(field, members=[]))
    make_user("admin", "C", username="viewer")
    browser = login("viewer")
    page = browser.get(f"/submissions/{sub_id}").get_data(as_text=True)
    assert "<h2>评分</h2>" in page
    assert 'data-score="per_capita_income"><span class="badge warn">无法计算：家庭人口为 0</span>' in page
    assert 'data-score="household_size">0</dd>' in page
    english = browser.get(f"/submissions/{sub_id}?lang=en").get_data(as_text=True)
    assert "<h2>Scores</h2>" in english and "Cannot be computed: Household size is 0" in english


def test_a_failing_scorer_never_costs_the_visit(field, app, monkeypatch):
    import server.scoring.service as scoring

    def broken(*_a, **_kw):
        raise RuntimeError("scorer bug")

    monkeypatch.setattr(scoring, "evaluate", broken)
    instance_id = survey(field)  # asserts 201
    with app.app_context():
        sub = get_session().scalar(select(Submission).where(Submission.instance_id == instance_id))
        assert sub is not None and sub.current.score is None
