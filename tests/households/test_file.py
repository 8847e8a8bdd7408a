"""The household file (一户一档): service, page and JSON, with visits sent through the real OpenRosa endpoint."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from server.accounts.permissions import SYSTEM
from server.db import get_session, unit_of_work
from server.forms import service as forms
from server.households.assignments import assign_households
from server.households.service import get_household, set_category
from server.submissions.models import Submission
from tests.forms.conftest import xlsform
from tests.households.test_entity_list import _visit, phones  # noqa: F401
from tests.openrosa.submit_client import app, jpeg  # noqa: F401

SURVEY_XLSX = Path(__file__).resolve().parents[2] / "forms" / "xlsform" / "household_survey.xlsx"
PHOTO_SURVEY = [["type", "name", "label"],
                ["select_one_from_file households.csv", "household", "帮扶户"],
                ["image", "photo", "房屋照片"],
                ["text", "notes", "情况"]]
HOUSE = jpeg("house-of-H11A")
FULL_ID = re.compile(r"\d{17}[\dX]")


def photo_visit(code: str, instance_id: str, photo: str = "house.jpg") -> bytes:
    return (f'<?xml version="1.0"?><data id="hphoto" version="1"><household>{code}</household>'
            f'<photo>{photo}</photo><notes>门窗净</notes><meta><instanceID>{instance_id}</instanceID></meta>'
            f'</data>').encode()


def survey(code: str, instance_id: str, *, year: int, day: str, size: int, net: str, per_capita: str) -> bytes:
    """A 入户调查测算表 instance as Collect writes it: the income figures are the phone's calculations."""
    return (f'<?xml version="1.0"?><data id="household_survey" version="2026112201"><today>{day}</today>'
            f'<grp_household><household>{code}</household><ref_year>{year}</ref_year><head_name>王一</head_name>'
            f'</grp_household><member><m_name>王一</m_name></member><calc_hh_size>{size}</calc_hh_size>'
            f'<grp_income><inc_wage_local>1000</inc_wage_local></grp_income>'
            f'<calc_net_income>{net}</calc_net_income><calc_per_capita>{per_capita}</calc_per_capita>'
            f'<meta><instanceID>{instance_id}</instanceID></meta></data>').encode()


def publish_photo_form() -> None:
    forms.upload_xlsform(xlsform(survey=PHOTO_SURVEY, form_id="hphoto", version="1", title="房屋照片走访"),
                         "hphoto.xlsx", actor=SYSTEM, area_code="C")
    forms.publish_draft("hphoto", actor=SYSTEM)
    forms.assign_form("hphoto", "cadre", "C", actor=SYSTEM)


def submission_id(instance_id: str) -> int:
    return get_session().scalar(select(Submission.id).where(Submission.instance_id == instance_id))


@pytest.fixture
def visited(app, phones):
    """H11A: a visit and a photo visit by its helper cadre_a, then a visit by cadre_a2 (flagged: not theirs)."""
    with app.app_context(), unit_of_work():
        publish_photo_form()
    phones.submit["cadre_a"].send(_visit("H11A", "uuid:talk"))
    phones.submit["cadre_a"].send(photo_visit("H11A", "uuid:photo"), {"house.jpg": HOUSE})
    phones.submit["cadre_a2"].send(_visit("H11A", "uuid:other"))
    with app.app_context():
        ids = {iid: submission_id(iid) for iid in ("uuid:talk", "uuid:photo", "uuid:other")}
    return SimpleNamespace(ids=ids, phones=phones)


def test_the_file_masks_id_numbers_for_township_staff_and_shows_them_to_admins(client, login, api_token, visited):
    login("t1_staff")
    page = client.get("/households/H11B").get_data(as_text=True)
    assert "王二" in page and "王二家人2" in page and "4312**********" in page
    assert not FULL_ID.search(page)
    members = client.get("/api/v1/households/H11B", headers=api_token("t1_staff")).json["members"]
    assert len(members) == 3 and all("*" in m["id_number"] for m in members)
    admin = client.get("/api/v1/households/H11B", headers=api_token("boss")).json["members"]
    assert all(FULL_ID.fullmatch(m["id_number"]) for m in admin)
    assert admin[0]["id_number"][:4] + "**********" + admin[0]["id_number"][-4:] == members[0]["id_number"]


def test_basic_situation_category_history_and_helpers(app, client, api_token, visited):
    with app.app_context(), unit_of_work():
        household = get_household("H11A", actor=SYSTEM)
        household.address, household.main_cause = "东一村3号", "因病"
        set_category(household, "exited", since=date(2024, 12, 1), reason="exited", actor=SYSTEM)
        assign_households("cadre_a2", actor=SYSTEM, codes=["H11A"], mode="replace", on=date(2099, 1, 1))
    data = client.get("/api/v1/households/H11A", headers=api_token("t1_staff")).json
    assert (data["head_name"], data["village"], data["address"], data["main_cause"]) == ("王一", "V11", "东一村3号", "因病")
    assert (data["latitude"], data["longitude"], data["category_label"]) == (27.4, 109.6, "脱贫户")
    assert [(c["label"], c["since"], c["until"], c["reason_label"]) for c in data["categories"]] == [
        ("贫困户", "2015-01-01", "2024-12-01", "新识别纳入"), ("脱贫户", "2024-12-01", None, "正常退出")]
    # cadre_a today (ends when cadre_a2 takes over in 2099), cadre_a2 only from then on
    assert [(h["username"], h["end"], h["current"]) for h in data["helpers"]] == [
        ("cadre_a", "2099-01-01", True), ("cadre_a2", None, False)]


def test_visits_through_openrosa_appear_newest_first_with_photo_links(client, login, api_token, visited):
    data = client.get("/api/v1/households/H11A", headers=api_token("t1_staff")).json
    ids = visited.ids
    assert [v["submission_id"] for v in data["visits"]] == [ids["uuid:other"], ids["uuid:photo"], ids["uuid:talk"]]
    other, photo, talk = data["visits"]
    assert (photo["cadre"], photo["form_title"], photo["photos"], photo["state_label"]) == \
        ("cadre_a", "房屋照片走访", ["house.jpg"], "已接收")
    assert (other["cadre"], other["household_flag"], other["household_flag_label"]) == \
        ("cadre_a2", "not_assigned", "提交人不是该户的帮扶干部")
    assert talk["photos"] == [] and talk["household_flag"] is None and all(v["openable"] for v in data["visits"])
    login("t1_staff")
    page = client.get("/households/H11A").get_data(as_text=True)
    photo_url = f"/submissions/{ids['uuid:photo']}/attachments/house.jpg"
    assert f'href="{photo_url}"' in page and f'href="/submissions/{ids["uuid:talk"]}"' in page
    assert "提交人不是该户的帮扶干部" in page
    assert client.get(photo_url).data == HOUSE  # the link really serves the photo


def test_a_cadre_sees_the_whole_timeline_but_opens_only_their_own_visits(client, login, api_token, visited):
    data = client.get("/api/v1/households/H11A", headers=api_token("cadre_a")).json
    assert {v["cadre"]: v["openable"] for v in data["visits"]} == {"cadre_a": True, "cadre_a2": False}
    login("cadre_a")
    page = client.get("/households/H11A").get_data(as_text=True)
    assert f'href="/submissions/{visited.ids["uuid:other"]}"' not in page
    assert f'href="/submissions/{visited.ids["uuid:photo"]}/attachments/house.jpg"' in page


def test_a_cadre_gets_404_for_a_household_not_assigned_to_them(client, login, api_token, visited):
    assert client.get("/api/v1/households/H11B", headers=api_token("cadre_a")).status_code == 404
    assert client.get("/api/v1/households/H11A", headers=api_token("cadre_b")).status_code == 404
    login("cadre_a")
    assert client.get("/households/H11A").status_code == 200
    resp = client.get("/households/H11B")
    assert resp.status_code == 404 and "找不到农户" in resp.get_data(as_text=True)


def test_township_staff_get_404_outside_their_township(client, login, api_token, visited):
    resp = client.get("/api/v1/households/H21A", headers=api_token("t1_staff"))
    assert resp.status_code == 404 and resp.json["error"]["code"] == "household_not_found"
    assert client.get("/api/v1/households/H21A", headers=api_token("boss")).status_code == 200
    login("t1_staff")
    assert client.get("/households/H21A").status_code == 404
    assert client.get("/households/NOPE").status_code == 404


def test_income_history_is_read_from_the_household_survey(app, client, login, api_token, phones):
    with app.app_context(), unit_of_work():
        forms.upload_xlsform(SURVEY_XLSX.read_bytes(), "household_survey.xlsx", actor=SYSTEM, area_code="C")
        forms.publish_draft("household_survey", actor=SYSTEM)
        forms.assign_form("household_survey", "cadre", "C", actor=SYSTEM)
    send = phones.submit["cadre_a"]
    send.send(survey("H11A", "uuid:s2024", year=2024, day="2025-01-10", size=4, net="14200.5", per_capita="3550.13"))
    send.send(survey("H11A", "uuid:s2025", year=2025, day="2026-01-08", size=4, net="17600", per_capita="4400"))
    send.send(_visit("H11A", "uuid:talk"))  # not a survey: no income row
    data = client.get("/api/v1/households/H11A", headers=api_token("t1_staff")).json
    assert [(i["reference_year"], i["survey_date"], i["household_size"], i["net_income"], i["per_capita_income"])
            for i in data["incomes"]] == [(2025, "2026-01-08", 4, "17600", "4400"),
                                           (2024, "2025-01-10", 4, "14200.5", "3550.13")]
    assert len(data["visits"]) == 3
    login("t1_staff")
    page = client.get("/households/H11A").get_data(as_text=True)
    assert "3550.13" in page and "17600" in page and "入户调查测算表" in page


def test_the_file_in_english(client, login, visited):
    login("t1_staff")
    page = client.get("/households/H11A?lang=en").get_data(as_text=True)
    assert "Household file" in page and "Members" in page and "Visits" in page and "Received" in page
