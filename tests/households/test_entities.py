"""Update and registration forms on the households entity list: applied when current, kept and flagged
when the phone's copy is stale, settled by a person."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from server.accounts.models import User
from server.accounts.permissions import SYSTEM
from server.accounts.phones import issue_phone_token
from server.db import get_session, unit_of_work
from server.forms import service as forms
from server.households.assignments import assign_households
from server.households.models import HouseholdChange
from server.households.service import find_household
from server.submissions.models import Submission
from tests.forms.conftest import xlsform
from tests.households.test_entity_list import _households_csv
from tests.openrosa.collect_client import CollectClient
from tests.openrosa.submit_client import SubmitClient, app  # noqa: F401

UPDATE = [["type", "name", "label", "save_to"],
          ["select_one_from_file households.csv", "household", "户", ""],
          ["text", "phone", "电话", "phone"],
          ["text", "address", "住址", "address"]]
REGISTER = [["type", "name", "label", "save_to"],
            ["text", "code", "户编号", "code"],
            ["text", "head", "户主", "head_name"],
            ["geopoint", "gps", "位置", "geometry"]]


def _user(name):
    return get_session().scalar(select(User).where(User.username == name))


def update_xml(iid, household, base_version, phone="13912345678", address="新住址"):
    return (f'<?xml version="1.0"?><data id="hupd" version="1"><household>{household}</household>'
            f'<phone>{phone}</phone><address>{address}</address><meta><entity dataset="households" update="1" '
            f'baseVersion="{base_version}" trunkVersion="" branchId="" id="{household}"/>'
            f'<instanceID>{iid}</instanceID></meta></data>').encode()


def register_xml(iid, code, head):
    return (f'<?xml version="1.0"?><data id="hreg" version="1"><code>{code}</code><head>{head}</head>'
            f'<gps>27.5 109.7 300 4</gps><meta><entity dataset="households" create="1" id="{iid[5:]}">'
            f'<label>{head}</label></entity><instanceID>{iid}</instanceID></meta></data>').encode()


@pytest.fixture
def world(app, client, registry, api_token):
    with app.app_context(), unit_of_work():
        forms.upload_xlsform(xlsform(survey=UPDATE, choices=[], form_id="hupd", version="1", title="农户信息更新",
                                     extra_sheets={"entities": [["list_name", "entity_id"],
                                                                ["households", "${household}"]]}),
                             "u.xlsx", actor=SYSTEM, area_code="C")
        forms.upload_xlsform(xlsform(survey=REGISTER, choices=[], form_id="hreg", version="1", title="新识别农户",
                                     extra_sheets={"entities": [["list_name", "label"], ["households", "${head}"]]}),
                             "r.xlsx", actor=SYSTEM, area_code="C")
        for form_id in ("hupd", "hreg"):
            forms.publish_draft(form_id, actor=SYSTEM)
            forms.assign_form(form_id, "cadre", "C", actor=SYSTEM)
        assign_households("cadre_a", actor=SYSTEM, codes=["H11A"])
        tokens = {u: issue_phone_token(_user(u), actor=SYSTEM).token for u in ("cadre_a", "cadre_a2")}
    return SimpleNamespace(a=SubmitClient(client, f"/key/{tokens['cadre_a']}"),
                           a2=SubmitClient(client, f"/key/{tokens['cadre_a2']}"),
                           phone_a=CollectClient(client, f"http://localhost/key/{tokens['cadre_a']}"),
                           staff=api_token("t1_staff"), boss=api_token("boss"))


def _sub(iid):
    return get_session().scalar(select(Submission).where(Submission.instance_id == iid))


def test_a_current_update_is_applied_and_bumps_the_version(app, world):
    world.a.send(update_xml("uuid:u1", "H11A", 1))
    with app.app_context():
        h = find_household("H11A")
        assert (h.phone, h.address, h.version) == ("13912345678", "新住址", 2)
        [change] = get_session().scalars(select(HouseholdChange).where(HouseholdChange.household_id == h.id))
        assert change.source == "entity" and change.changes["phone"] == [None, "13912345678"]
        assert _sub("uuid:u1").household_flag is None
    rows = {r["name"]: r for r in _households_csv(world.phone_a, "hupd")[0]}
    assert rows["H11A"]["__version"] == "2" and rows["H11A"]["phone"] == "13912345678"


def test_a_stale_update_is_kept_flagged_and_not_applied(app, world, client):
    world.a.send(update_xml("uuid:u1", "H11A", 1))
    [resp] = world.a.send(update_xml("uuid:u2", "H11A", 1, phone="13800000000", address="旧手机的住址"))
    assert resp.status_code == 201  # nothing is lost
    with app.app_context():
        h = find_household("H11A")
        assert (h.phone, h.version) == ("13912345678", 2)
        sub = _sub("uuid:u2")
        assert sub.household_flag == "entity_conflict" and sub.household_id == h.id
        sid = sub.id
    # the cadre may not settle it; township staff may
    resp = client.post(f"/api/v1/submissions/{sid}/entity-conflict", json={"action": "apply"},
                       headers=world.boss)
    assert resp.status_code == 200 and resp.json["household_flag"] is None
    with app.app_context():
        h = find_household("H11A")
        assert (h.phone, h.address, h.version) == ("13800000000", "旧手机的住址", 3)
    again = client.post(f"/api/v1/submissions/{sid}/entity-conflict", json={"action": "apply"}, headers=world.boss)
    assert again.status_code == 409


def test_a_conflict_can_be_dismissed_and_only_by_staff(app, world, client, api_token):
    world.a.send(update_xml("uuid:u1", "H11A", 1))
    world.a.send(update_xml("uuid:u2", "H11A", 1, phone="13800000000"))
    with app.app_context():
        sid = _sub("uuid:u2").id
    cadre = api_token("cadre_a")
    assert client.post(f"/api/v1/submissions/{sid}/entity-conflict", json={"action": "apply"},
                       headers=cadre).status_code == 403
    bad = client.post(f"/api/v1/submissions/{sid}/entity-conflict", json={"action": "maybe"}, headers=world.staff)
    assert bad.status_code == 422
    ok = client.post(f"/api/v1/submissions/{sid}/entity-conflict", json={"action": "dismiss"}, headers=world.staff)
    assert ok.status_code == 200
    with app.app_context():
        assert find_household("H11A").phone == "13912345678"


def test_an_update_by_someone_elses_cadre_is_not_applied(app, world):
    world.a2.send(update_xml("uuid:x", "H11A", 1))
    with app.app_context():
        assert find_household("H11A").version == 1
        assert _sub("uuid:x").household_flag == "not_assigned"


def test_a_registration_creates_the_household_for_the_cadre(app, world):
    world.a.send(register_xml("uuid:r1", "H11NEW", "新户主"))
    with app.app_context():
        h = find_household("H11NEW")
        assert h.head_name == "新户主" and h.village.code == "V11" and h.category == "poor"
        assert (h.latitude, h.longitude) == (27.5, 109.7)
        assert [a.cadre.username for a in h.assignments] == ["cadre_a"]
        assert [p.reason for p in h.categories] == ["identified"]
        assert _sub("uuid:r1").household_id == h.id
    assert "H11NEW" in {r["name"] for r in _households_csv(world.phone_a, "hupd")[0]}
    world.a.send(register_xml("uuid:r2", "H11NEW", "重复"))
    with app.app_context():
        assert _sub("uuid:r2").household_flag == "entity_error"
        assert find_household("H11NEW").head_name == "新户主"


def test_staff_settle_a_conflict_on_the_visit_page(app, world, client, login):
    from tests.conftest import csrf_from

    world.a.send(update_xml("uuid:u1", "H11A", 1))
    world.a.send(update_xml("uuid:u2", "H11A", 1, phone="13800000000"))
    with app.app_context():
        sid = _sub("uuid:u2").id
    login("t1_staff")
    page = client.get(f"/submissions/{sid}")
    html = page.get_data(as_text=True)
    assert "农户信息冲突" in html and "仍按此记录更新" in html
    resp = client.post(f"/submissions/{sid}/entity-conflict", data={"action": "apply", "csrf_token": csrf_from(page.data)})
    assert resp.status_code == 302
    assert "仍按此记录更新" not in client.get(f"/submissions/{sid}").get_data(as_text=True)
    with app.app_context():
        assert find_household("H11A").phone == "13800000000"


def test_a_registration_links_the_visits_that_named_its_code_before(app, world, client):
    visit = [["type", "name", "label"], ["select_one_from_file households.csv", "household", "帮扶户"],
             ["text", "notes", "情况"]]
    with app.app_context(), unit_of_work():
        forms.upload_xlsform(xlsform(survey=visit, choices=[], form_id="hvisit", version="1", title="入户走访"),
                             "v.xlsx", actor=SYSTEM, area_code="C")
        forms.publish_draft("hvisit", actor=SYSTEM)
        forms.assign_form("hvisit", "cadre", "C", actor=SYSTEM)
    [resp] = world.a.send(b'<?xml version="1.0"?><data id="hvisit" version="1"><household>H11NEW</household>'
                          b'<notes>first visit</notes><meta><instanceID>uuid:before</instanceID></meta></data>')
    assert resp.status_code == 201
    with app.app_context():
        sid = _sub("uuid:before").id
    shown = client.get(f"/api/v1/submissions/{sid}", headers=world.staff).get_json()
    assert (shown["household"], shown["household_flag"], shown["household_code"]) == (
        None, "unknown_household", "H11NEW")  # staff see which code the visit named
    world.a.send(register_xml("uuid:r1", "H11NEW", "新户主"))
    with app.app_context():
        before = _sub("uuid:before")
        assert before.household.code == "H11NEW" and before.area.code == "V11"
        assert before.household_flag is None  # the registering cadre is the new household's cadre
