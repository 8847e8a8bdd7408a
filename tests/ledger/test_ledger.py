"""The problem ledger end to end: 四个一 visits through the real OpenRosa endpoint, moves with permissions,
evidence, overdue lists, scoping (API and pages)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server.db import get_session
from server.ledger.models import LedgerItem
from server.submissions.models import Submission
from tests.conftest import csrf_from
from tests.ledger.conftest import visit_xml

TWO = [("房屋漏雨", "housing", "申请危房改造", "镇住建站", "2020-01-31"),
       ("孩子辍学在家", "education", "劝返复学", "镇中心校", "2099-09-01")]


def _items(app):
    with app.app_context():
        return [(i.position, i.description, i.aspect, i.aspect_label, i.measure, i.unit, str(i.deadline), i.state,
                 len(i.events), i.household.code)
                for i in get_session().scalars(select(LedgerItem).order_by(LedgerItem.position))]


def _ids(app):
    with app.app_context():
        return list(get_session().scalars(select(LedgerItem.id).order_by(LedgerItem.position)))


def _submission_id(app, instance_id):
    with app.app_context():
        return get_session().scalar(select(Submission.id).where(Submission.instance_id == instance_id))


@pytest.fixture
def two(app, visits):
    """cadre_a's visit to H11A found two problems: one overdue (deadline 2020), one not."""
    visits.send["cadre_a"].send(visit_xml("H11A", "uuid:v1", TWO))
    return _ids(app)


def test_a_visit_with_two_problems_creates_two_items_and_a_repost_does_not_duplicate(app, visits, two):
    expected = [(0, "房屋漏雨", "housing", "住房安全保障", "申请危房改造", "镇住建站", "2020-01-31", "open", 1, "H11A"),
                (1, "孩子辍学在家", "education", "义务教育保障", "劝返复学", "镇中心校", "2099-09-01", "open", 1, "H11A")]
    assert _items(app) == expected
    [resp] = visits.send["cadre_a"].send(visit_xml("H11A", "uuid:v1", TWO))  # Collect re-sends
    assert resp.status_code in (201, 202)
    assert _items(app) == expected


def test_an_edited_visit_updates_the_items_it_created(app, visits, two):
    edited = [("房屋漏雨，墙体开裂", "housing", "申请危房改造", "镇住建站", "2020-02-28")]
    visits.send["cadre_a"].send(visit_xml("H11A", "uuid:v1-edit", edited, deprecated_id="uuid:v1"))
    items = _items(app)
    assert [(i[1], i[6], i[8]) for i in items] == [("房屋漏雨，墙体开裂", "2020-02-28", 2)]  # updated, noted
    assert _ids(app) == two[:1]  # the same item; the untouched second problem, removed by the edit, is gone


def test_visits_without_problems_or_household_add_nothing(app, visits):
    visits.send["cadre_a"].send(visit_xml("H11A", "uuid:none"))
    visits.send["cadre_a"].send(visit_xml("H99", "uuid:unknown", TWO))  # no such household: kept, flagged, no items
    assert _items(app) == []


def _move(client, headers, item_id, to, note=None, evidence=None):
    return client.post(f"/api/v1/ledger/{item_id}/transition", headers=headers,
                       json={"to": to, "note": note, "evidence_submission_id": evidence})


def test_cadre_progresses_fixed_needs_evidence_and_only_township_verifies(app, client, visits, two, api_token):
    cadre, staff, inspector = api_token("cadre_a"), api_token("t1_staff"), api_token("inspector")
    item = two[0]
    assert _move(client, cadre, item, "in_progress").status_code == 200
    resp = _move(client, cadre, item, "fixed")
    assert resp.status_code == 422 and resp.json["error"]["code"] == "evidence_required"
    assert "佐证" in resp.json["error"]["message"]
    assert _move(client, cadre, item, "fixed", note="已完成屋面翻修").json["state"] == "fixed"
    resp = _move(client, cadre, item, "verified")
    assert resp.status_code == 403 and "乡镇" in resp.json["error"]["message"]
    assert _move(client, inspector, item, "verified").status_code == 403  # supervisors look, they do not sign off
    resp = _move(client, staff, item, "verified", note="现场核实")
    assert resp.status_code == 200 and resp.json["state"] == "verified"
    assert [(e["from_state"], e["to_state"], e["actor"]) for e in resp.json["events"]] == [
        (None, "open", "cadre_a"), ("open", "in_progress", "cadre_a"), ("in_progress", "fixed", "cadre_a"),
        ("fixed", "verified", "t1_staff")]
    assert _move(client, staff, item, "fixed").status_code == 409  # not a move from verified
    assert _move(client, staff, item, "open").json["error"]["code"] == "reason_required"
    assert _move(client, staff, item, "open", note="回访发现又漏雨").json["state"] == "open"
    assert _move(client, cadre, two[1], "open", note="x").status_code == 409  # already open


def test_evidence_is_a_later_visit_to_the_same_household(app, client, visits, two, api_token):
    cadre = api_token("cadre_a")
    visits.send["cadre_a"].send(visit_xml("H11A", "uuid:later"))
    visits.send["cadre_a2"].send(visit_xml("H11B", "uuid:other-household"))
    resp = _move(client, cadre, two[0], "fixed", evidence=_submission_id(app, "uuid:other-household"))
    assert resp.status_code == 422 and resp.json["error"]["code"] == "bad_evidence"
    assert _move(client, cadre, two[0], "fixed", evidence=_submission_id(app, "uuid:v1")).status_code == 422
    resp = _move(client, cadre, two[0], "fixed", evidence=_submission_id(app, "uuid:later"))
    assert resp.status_code == 200 and resp.json["events"][-1]["evidence_submission_id"] == _submission_id(
        app, "uuid:later")


def test_scoped_by_area_and_assignment(app, client, visits, two, api_token):
    visits.send["cadre_b"].send(visit_xml("H21A", "uuid:west", TWO[:1]))
    for name in ("t2_staff", "cadre_a2", "cadre_b"):  # another township; same village but not their household
        headers = api_token(name)
        assert client.get(f"/api/v1/ledger/{two[0]}", headers=headers).status_code == 404, name
        assert _move(client, headers, two[0], "in_progress", note="x").status_code == 404, name
    listed = lambda name, query="": [i["household"] for i in client.get(  # noqa: E731
        f"/api/v1/ledger{query}", headers=api_token(name)).json["items"]]
    assert listed("t2_staff") == ["H21A"] and listed("cadre_a2") == [] and listed("cadre_a") == ["H11A", "H11A"]
    assert listed("boss") == ["H11A", "H21A", "H11A"]  # earliest deadline first
    assert listed("boss", "?area=V21") == ["H21A"] and listed("boss", "?cadre=cadre_a&state=open") == ["H11A"] * 2
    assert listed("inspector", "?state=verified") == []
    resp = client.get("/api/v1/ledger?state=done", headers=api_token("boss"))
    assert resp.status_code == 422


def test_overdue_items_are_listed_per_village_and_per_cadre(app, client, visits, two, api_token):
    visits.send["cadre_b"].send(visit_xml("H21A", "uuid:west", TWO[:1]))
    boss = api_token("boss")
    overdue = client.get("/api/v1/ledger?overdue=1", headers=boss).json["items"]
    assert [(i["household"], i["overdue"]) for i in overdue] == [("H11A", True), ("H21A", True)]
    summary = client.get("/api/v1/ledger/overdue", headers=boss).json
    assert [(v["code"], v["count"]) for v in summary["villages"]] == [("V11", 1), ("V21", 1)]
    assert [(c["username"], c["count"]) for c in summary["cadres"]] == [("cadre_a", 1), ("cadre_b", 1)]
    assert client.get("/api/v1/ledger/overdue", headers=api_token("t1_staff")).json["villages"] == [
        {"code": "V11", "name": "东一村", "count": 1}]
    _move(client, api_token("cadre_a"), two[0], "fixed", note="已修好")  # fixed: no longer overdue
    assert [i["household"] for i in client.get("/api/v1/ledger?overdue=1", headers=boss).json["items"]] == ["H21A"]


def _form_post(client, url, data):
    page = client.get(url)
    return client.post(f"{url}/transition", data={**data, "csrf_token": csrf_from(page.data)})


def test_pages_list_show_and_move_items(app, client, visits, two, login, make_user):
    login("cadre_a")
    page = client.get("/ledger?overdue=1").get_data(as_text=True)
    assert 'table class="cards ledger"' in page and 'data-label="整改时限"' in page
    assert "房屋漏雨" in page and "孩子辍学在家" not in page and "逾期" in page
    item = client.get(f"/ledger/{two[0]}").get_data(as_text=True)
    assert "处理记录" in item and "走访发现" in item and 'value="verified"' not in item
    resp = _form_post(client, f"/ledger/{two[0]}", {"to": "fixed", "note": ""})
    assert resp.status_code == 422 and "佐证" in resp.get_data(as_text=True)
    resp = _form_post(client, f"/ledger/{two[0]}", {"to": "fixed", "note": "已修好"})
    assert resp.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").data)})
    login("t1_staff")
    assert 'value="verified"' in client.get(f"/ledger/{two[0]}").get_data(as_text=True)
    assert _form_post(client, f"/ledger/{two[0]}", {"to": "verified"}).status_code == 302
    shown = client.get(f"/ledger/{two[0]}?lang=en").get_data(as_text=True)
    assert "Verified" in shown and "History" in shown and "Housing safety" in shown


def test_another_townships_staff_get_404_on_the_page(client, visits, two, login):
    login("t2_staff")
    assert client.get(f"/ledger/{two[0]}").status_code == 404
    assert "房屋漏雨" not in client.get("/ledger").get_data(as_text=True)


def test_problems_of_a_visit_sent_before_its_household_was_registered_reach_its_ledger(app, visits):
    from server.accounts.permissions import SYSTEM
    from server.db import unit_of_work
    from server.households.importer import import_households
    from tests.areas.conftest import make_xlsx
    from tests.households.test_import import HEADER, family

    visits.send["cadre_a"].send(visit_xml("H99", "uuid:early", TWO))
    assert _items(app) == []  # no household yet
    with app.app_context(), unit_of_work():
        import_households(make_xlsx([HEADER] + family("H99", "V11", "陈九", size=1)), "农户.xlsx", actor=SYSTEM)
    items = _items(app)
    assert [(i[1], i[7], i[9]) for i in items] == [("房屋漏雨", "open", "H99"), ("孩子辍学在家", "open", "H99")]
