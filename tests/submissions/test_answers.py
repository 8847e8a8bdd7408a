"""Reading an instance with the labels of its XForm: the shipped 四个一走访 form, in Chinese and English."""
from __future__ import annotations

from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from server.submissions.answers import read_answers
from server.submissions.xform_labels import read_form_labels

FORM = Path(__file__).resolve().parents[2] / "forms" / "xlsform" / "four_ones_visit.xlsx"

INSTANCE = """<?xml version="1.0"?><data id="four_ones_visit" version="1">
<grp_visit><household>H001</household><household_note/><cadre_name>杨明</cadre_name><visit_date>2026-11-20</visit_date></grp_visit>
<visit_gps>27.1 109.2 400 5</visit_gps>
<grp_talk><talk_done>yes</talk_done><talk_what>收入情况</talk_what><talk_income_change>up_little</talk_income_change>
<talk_lbs_concerns>food housing</talk_lbs_concerns><talk_notes/></grp_talk>
<problems_found>yes</problems_found>
<problem><problem_desc>屋顶漏雨</problem_desc><problem_area>housing</problem_area></problem>
<problem><problem_desc>缺少饮水</problem_desc><problem_area>water</problem_area></problem>
<visit_photo>1700000000.jpg</visit_photo>
<meta><instanceID>uuid:x</instanceID></meta></data>"""


@pytest.fixture(scope="module")
def labels():
    return read_form_labels(convert(xlsform=str(FORM), file_type=".xlsx", validate=False).xform.encode())


def _choice_value(labels, path, zh_label):
    """The stored value of the choice labelled ``zh_label`` (so the test does not guess the workbook's names)."""
    return next(v for v, lab in labels.question(path).choices.items() if lab.get("zh") == zh_label)


def test_the_form_has_chinese_by_default_and_english(labels):
    assert labels.default_language == "zh"
    assert set(labels.languages) == {"zh", "en"}
    q = labels.question("/data/grp_visit/visit_date")
    assert (q.labels["zh"], q.labels["en"], q.type) == ("走访日期", "Date of the visit", "date")
    assert labels.question("/data/visit_photo").type == "binary"
    assert labels.question("/data/problem").control == "repeat"


def test_answers_carry_question_and_choice_labels_in_form_order(labels):
    xml = INSTANCE
    for path, zh, placeholder in [("/data/grp_talk/talk_income_change", "有所增加", "up_little"),
                                  ("/data/problem/problem_area", "住房安全保障", "housing"),
                                  ("/data/problem/problem_area", "饮水安全", "water")]:
        xml = xml.replace(f">{placeholder}<", f">{_choice_value(labels, path, zh)}<", 1)
    food = _choice_value(labels, "/data/grp_talk/talk_lbs_concerns", "吃")
    housing = _choice_value(labels, "/data/grp_talk/talk_lbs_concerns", "住房安全")
    xml = xml.replace("food housing", f"{food} {housing}")
    yes = _choice_value(labels, "/data/grp_talk/talk_done", "是")
    xml = xml.replace(">yes<", f">{yes}<")

    answers = {a.path: a for a in read_answers(xml.encode(), labels, "zh")}
    assert answers["/data/grp_visit"].kind == "group" and answers["/data/grp_visit"].label == "走访信息"
    assert answers["/data/grp_visit/visit_date"].label == "走访日期"
    assert answers["/data/grp_visit/visit_date"].display == "2026-11-20"
    assert answers["/data/grp_talk/talk_done"].display == "是"
    assert answers["/data/grp_talk/talk_income_change"].display == "有所增加"
    assert answers["/data/grp_talk/talk_lbs_concerns"].display == "吃、住房安全"
    assert answers["/data/problem[1]"].kind == "repeat" and answers["/data/problem[1]"].label == "发现的问题 #1"
    assert answers["/data/problem[2]/problem_desc"].display == "缺少饮水"
    assert answers["/data/problem[2]/problem_area"].display == "饮水安全"
    assert answers["/data/visit_photo"].is_file and answers["/data/visit_photo"].label == "走访照片"
    assert not answers["/data/grp_talk/talk_what"].is_file
    assert not any("/meta" in p for p in answers)  # meta is bookkeeping, not an answer
    order = list(answers)
    assert order.index("/data/grp_visit/visit_date") < order.index("/data/grp_talk/talk_done") \
        < order.index("/data/problem[2]/problem_area") < order.index("/data/visit_photo")

    english = {a.path: a for a in read_answers(xml.encode(), labels, "en")}
    assert english["/data/grp_visit/visit_date"].label == "Date of the visit"
    assert english["/data/grp_talk/talk_done"].display == "Yes"


def test_unknown_fields_and_values_show_as_sent(labels):
    xml = b'<data id="four_ones_visit"><extra>42</extra><grp_talk><talk_done>maybe</talk_done></grp_talk></data>'
    answers = {a.path: a for a in read_answers(xml, labels, "zh")}
    assert (answers["/data/extra"].label, answers["/data/extra"].display) == ("extra", "42")
    assert answers["/data/grp_talk/talk_done"].display == "maybe"


def test_a_form_without_languages_uses_its_inline_labels():
    from tests.forms.conftest import xlsform

    survey = [["type", "name", "label"], ["select_one yn", "ok", "一切正常?"], ["image", "photo", "照片"]]
    choices = [["list_name", "name", "label"], ["yn", "y", "正常"], ["yn", "n", "不正常"]]
    xform = convert(xlsform=xlsform(survey=survey, choices=choices, form_id="plain", version="1"),
                    file_type=".xlsx", validate=False).xform
    labels = read_form_labels(xform.encode())
    assert labels.languages == []
    xml = b'<data id="plain"><ok>n</ok><photo>a.jpg</photo><meta><instanceID>uuid:1</instanceID></meta></data>'
    answers = {a.path: a for a in read_answers(xml, labels, "en")}
    assert (answers["/data/ok"].label, answers["/data/ok"].display) == ("一切正常?", "不正常")
    assert answers["/data/photo"].is_file
