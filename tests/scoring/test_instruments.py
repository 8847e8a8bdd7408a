"""End to end over OpenRosa: each shipped instrument, an instance built from its own XForm sent from
cadre_a's phone, and the stored scores against figures worked out by hand. Bad answers never cost the
visit: it is always kept (201) and the rows that cannot be computed say why."""
from __future__ import annotations

from server.db import get_session, unit_of_work
from tests.scoring.conftest import build_instance

YEAR = 2024
ITEMS = ("clean_doors", "clean_bedroom", "clean_kitchen", "clean_hygiene", "clean_yard", "has_necessities", "tidy")
INCOME = {"inc_wage_local": "8000", "inc_wage_migrant": "12000", "inc_farming_gross": "6000",
          "inc_business_gross": "2000", "cost_production": "3000", "inc_property": "500", "inc_dibao": "1800",
          "inc_pension": "1200", "inc_eco_comp": "300", "inc_subsidy_other": "200"}  # net 29 000
CHECKS = {"house_rating": "B", "food_secured": "yes", "clothing_secured": "yes", "edu_secured": "yes",
          "medical_secured": "yes", "housing_secured": "yes", "water_quantity": "yes", "water_quality": "yes",
          "water_convenience": "yes", "water_reliability": "yes"}


def member(name, relation="child", out_of_school=0, uninsured=0):
    return {"m_name": name, "m_relation": relation, "m_sex": "male", "m_birth_date": "1980-01-01",
            "m_insurance": "basic_medical critical_illness", "m_out_of_school": out_of_school,
            "m_uninsured": uninsured, "m_migrant_months": "0", "m_migrant_n": "0"}


FOUR = [member("王一", "head"), member("李二", "spouse"), member("王三"), member("王四")]


def send(field, form_id, answers, repeats=None):
    xml = build_instance(field.xforms[form_id], {"household": "H11A", **answers}, repeats)
    [resp] = field.phone.send(xml)
    assert resp.status_code == 201, resp.data
    return xml.split(b"<instanceID>")[1].split(b"</instanceID>")[0].decode()


def put_line(app, amount, year=YEAR, area="C"):
    """A poverty line straight into the poverty module's table (no re-scoring job: it is there before the visit)."""
    from sqlalchemy import select

    from server.areas.models import Area
    from server.poverty.models import PovertyLine

    with app.app_context(), unit_of_work():
        session = get_session()
        line = PovertyLine(area_id=session.scalar(select(Area.id).where(Area.code == area)), year=year,
                           amount=amount)
        session.add(line)
        session.flush()
        return line.id


# ---- 五净一有一整齐 ------------------------------------------------------------------------------

def test_living_environment_five_of_seven(field, scores):
    answers = {item: "pass" for item in ITEMS}
    answers.update(clean_kitchen="fail", tidy="fail", necessities="bedding wardrobe cupboard dining_table chairs")
    got = scores(send(field, "living_environment", answers))
    assert got["items_passed"] == ("ok", 5.0, None)
    assert got["all_pass"] == ("ok", False, None)
    assert got["necessities_present"] == ("ok", 5.0, None)


def test_living_environment_all_seven_and_none_of_the_necessities(field, scores):
    got = scores(send(field, "living_environment", {**{i: "pass" for i in ITEMS}, "necessities": "none"}))
    assert got["items_passed"] == ("ok", 7.0, None) and got["all_pass"] == ("ok", True, None)
    assert got["necessities_present"] == ("ok", 0.0, None)


def test_living_environment_unanswered_items_count_as_not_passed(field, scores):
    got = scores(send(field, "living_environment", {"__drop__": ITEMS + ("necessities",)}))
    assert got["items_passed"] == ("ok", 0.0, None) and got["necessities_present"] == ("ok", 0.0, None)


# ---- 四个一走访 ----------------------------------------------------------------------------------

def test_four_ones_three_done_two_problems(field, scores):
    answers = {"talk_done": "yes", "measures_done": "yes", "data_done": "no", "env_done": "yes",
               "measures_reviewed": "education health industry", "problems_found": "yes", "data_status": None}
    problems = [{"problem_desc": "屋顶漏雨", "problem_area": "housing"}, {"problem_desc": "缺水", "problem_area": "water"}]
    got = scores(send(field, "four_ones_visit", answers, {"problem": problems}))
    assert got["items_done"] == ("ok", 3.0, None)
    assert got["four_ones_complete"] == ("ok", False, None)
    assert got["problems_count"] == ("ok", 2.0, None)
    assert got["measure_kinds_reviewed"] == ("ok", 3.0, None)
    assert got["base_data_corrected"] == ("ok", False, None)


def test_four_ones_complete_without_problems(field, scores):
    answers = {"talk_done": "yes", "measures_done": "yes", "data_done": "yes", "env_done": "yes",
               "data_status": "corrected", "problems_found": "no"}
    got = scores(send(field, "four_ones_visit", answers, {"problem": []}))
    assert got["items_done"] == ("ok", 4.0, None) and got["four_ones_complete"] == ("ok", True, None)
    assert got["problems_count"] == ("ok", 0.0, None) and got["base_data_corrected"] == ("ok", True, None)


# ---- 入户调查测算表 -------------------------------------------------------------------------------

def survey(field, income=INCOME, members=FOUR, checks=CHECKS, **extra):
    return send(field, "household_survey", {"ref_year": str(YEAR), **income, **checks, **extra}, {"member": members})


def test_household_survey_income_and_checks(field, scores, app):
    line_id = put_line(app, 4000)
    got = scores(survey(field))
    assert got["household_size"] == ("ok", 4.0, None)
    assert got["net_income"] == ("ok", 29000.0, None)
    assert got["per_capita_income"] == ("ok", 7250.0, None)
    assert got["checks_met"] == ("ok", 6.0, None)
    for check in ("food", "clothing", "education", "medical", "housing", "water"):
        assert got[f"check_{check}"] == ("ok", True, None), check
    assert line_id is not None
    assert got["income_line"] == ("ok", "at_or_above", None)
    assert got["exit_ready"] == ("ok", True, None)


def test_household_survey_below_the_line_with_an_uneven_share(field, scores, app):
    put_line(app, 4000)
    income = {**{k: "0" for k in INCOME}, "inc_wage_local": "10001"}
    got = scores(survey(field, income=income, members=FOUR[:3],
                        checks={**CHECKS, "house_rating": "D"}))
    assert got["per_capita_income"] == ("ok", 10001 / 3, None)
    assert got["check_housing"] == ("ok", False, None) and got["checks_met"] == ("ok", 5.0, None)
    assert got["income_line"] == ("ok", "below", None) and got["exit_ready"] == ("ok", False, None)


def test_a_child_out_of_school_fails_the_education_check(field, scores):
    got = scores(survey(field, members=FOUR[:3] + [member("王五", out_of_school=1)]))
    assert got["check_education"] == ("ok", False, None) and got["check_medical"] == ("ok", True, None)


def test_no_members_household_size_zero_per_capita_cannot_be_computed(field, scores):
    got = scores(survey(field, members=[]))
    assert got["household_size"] == ("ok", 0.0, None)
    assert got["net_income"] == ("ok", 29000.0, None)
    assert got["per_capita_income"] == ("uncomputable", None, "家庭人口为 0")
    assert got["income_line"] == ("uncomputable", None, "家庭人口为 0")
    assert got["exit_ready"][0] == "uncomputable"


def test_a_missing_income_answer_is_named(field, scores):
    got = scores(survey(field, __drop__=("inc_pension",)))
    assert got["net_income"] == ("uncomputable", None, "缺少答案：inc_pension")
    assert got["per_capita_income"] == ("uncomputable", None, "缺少答案：inc_pension")
    assert got["household_size"] == ("ok", 4.0, None) and got["check_food"] == ("ok", True, None)


def test_text_where_a_number_is_expected(field, scores):
    got = scores(survey(field, income={**INCOME, "inc_wage_local": "八千"}))
    status, value, reason = got["net_income"]
    assert (status, value) == ("uncomputable", None) and reason.startswith("不是数字：inc_wage_local")


def test_a_blank_migrant_wage_counts_as_zero(field, scores):
    got = scores(survey(field, income={**INCOME, "inc_wage_migrant": None}))
    assert got["net_income"] == ("ok", 17000.0, None)


def test_a_line_set_later_is_picked_up_by_recompute(field, scores, app):
    instance_id = survey(field)
    assert scores(instance_id)["income_line"] == ("uncomputable", None, "没有该地区该年份的贫困线")
    put_line(app, 8000, area="T1")
    from server.scoring.service import recompute

    with app.app_context(), unit_of_work():
        assert recompute(area="V21", year=YEAR) == 0  # another township: untouched
        assert recompute(area="T1", year=YEAR - 1) == 0  # another year: untouched
        assert recompute(area="T1", year=YEAR) == 1
    got = scores(instance_id)
    assert got["income_line"] == ("ok", "below", None) and got["exit_ready"] == ("ok", False, None)
