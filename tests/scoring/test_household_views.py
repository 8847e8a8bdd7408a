"""Scores and problems where township staff read them: the household file (page and JSON) and the
village register — the same values as computed by hand for the visits sent over OpenRosa."""
from __future__ import annotations

from tests.scoring.test_instruments import ITEMS, send


def _visits_by_form(file_json):
    return {v["form_id"]: {s["name"]: (s["status"], s["value"], s["display"]) for s in v["scores"]}
            for v in file_json["visits"]}


def test_the_household_file_and_register_show_scores_and_problems(field, client, api_token, login):
    send(field, "living_environment", {**{i: "pass" for i in ITEMS}, "clean_kitchen": "fail", "tidy": "fail",
                                      "necessities": "bedding wardrobe"})
    answers = {"talk_done": "yes", "measures_done": "yes", "data_done": "no", "env_done": "yes",
               "problems_found": "yes", "data_status": None}
    problems = [{"problem_desc": "屋顶漏雨", "problem_area": "housing", "problem_deadline": "2099-01-01"},
                {"problem_desc": "缺水", "problem_area": "water", "problem_deadline": "2099-01-01"}]
    send(field, "four_ones_visit", answers, {"problem": problems})

    staff = api_token("t1_staff")
    file_json = client.get("/api/v1/households/H11A", headers=staff).json
    scores = _visits_by_form(file_json)
    assert scores["living_environment"]["items_passed"][:2] == ("ok", 5.0)
    assert scores["living_environment"]["all_pass"] == ("ok", False, "否")
    assert scores["four_ones_visit"]["items_done"][:2] == ("ok", 3.0)
    assert scores["four_ones_visit"]["problems_count"][:2] == ("ok", 2.0)
    assert sorted(p["description"] for p in file_json["problems"]) == ["屋顶漏雨", "缺水"]
    assert {p["state"] for p in file_json["problems"]} == {"open"}

    register = {r["code"]: r for r in client.get("/api/v1/areas/V11/register", headers=staff).json["households"]}
    h = register["H11A"]
    assert h["open_problems"] == 2
    shown = {r["name"]: r["display"] for r in h["results"]}
    assert shown == {"all_pass": "否", "four_ones_complete": "否", "problems_count": "2"}
    assert register["H11B"]["results"] == [] and register["H11B"]["open_problems"] == 0

    login("t1_staff")
    page = client.get("/households/H11A").get_data(as_text=True)
    assert "达标项数(共 7 项)：5" in page and "屋顶漏雨" in page and "待整改" in page
    reg_page = client.get("/areas/V11/register").get_data(as_text=True)
    assert "五净一有一整齐达标：否" in reg_page and "发现问题数：2" in reg_page
