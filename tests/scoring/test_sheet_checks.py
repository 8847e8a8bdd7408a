"""Upload refuses a malformed scoring sheet through the real upload service, naming sheet, row and column,
and stores nothing; a good sheet is stored, translated to XPath, with the form version."""
from __future__ import annotations

import io

import pytest

from server.accounts.permissions import SYSTEM
from server.errors import Invalid
from server.forms import service as forms
from tests.forms.conftest import stored, svc, xlsform  # noqa: F401

SURVEY = [["type", "name", "label"],
          ["text", "head", "户主"],
          ["integer", "size", "人口"],
          ["decimal", "income", "收入"],
          ["select_one yn", "ok", "达标"],
          ["begin_repeat", "member", "成员"],
          ["integer", "months", "务工月数"],
          ["end_repeat", "", ""]]
CHOICES = [["list_name", "name", "label"], ["yn", "yes", "是"], ["yn", "no", "否"]]
HEADER = ["name", "type", "expression", "label::Chinese (zh)", "label::English (en)", "choice_list"]
GRADES = [["list_name", "name", "label::Chinese (zh)", "label::English (en)"],
          ["level", "low", "低", "Low"], ["level", "high", "高", "High"]]
GOOD = [["per_head", "number", "${income} div ${size}", "人均收入", "Per head", ""],
        ["months", "number", "sum(${months}) + count(${member})", "务工", "Months", ""],
        ["passed", "boolean", "${ok} = 'yes' and ${score:per_head} > ${param:poverty_line}", "达标", "Passes", ""],
        ["level", "grade", "if(${score:passed}, 'high', 'low')", "等级", "Level", "level"]]


def upload(scoring, grades=GRADES):
    sheets = {"scoring": [HEADER] + scoring, "scoring_choices": grades}
    return forms.upload_xlsform(xlsform(survey=SURVEY, choices=CHOICES, extra_sheets=sheets), "visit.xlsx",
                                actor=SYSTEM, area_code="C")


def test_a_good_sheet_is_stored_with_the_version_as_xpath(svc, areas):
    definition = svc(lambda: upload(GOOD).draft.scoring)
    rows = {r["name"]: r for r in definition["rows"]}
    assert [r["name"] for r in definition["rows"]] == ["per_head", "months", "passed", "level"]
    assert rows["per_head"]["xpath"] == "/data/income div /data/size"
    assert rows["months"]["xpath"] == "sum(/data/member/months) + count(/data/member)"
    assert rows["passed"]["xpath"] == "/data/ok = 'yes' and $score__per_head > $param__poverty_line"
    assert rows["passed"]["params"] == ["poverty_line"] and rows["level"]["scores"] == ["passed"]
    assert definition["choices"]["level"][1] == {"name": "high", "zh": "高", "en": "High"}


BAD = [
    ("unknown field", [GOOD[0], ["x", "number", "${incme} + 1", "x", "x", ""]], 3, "expression", "incme"),
    ("bad syntax", [["x", "number", "${income} + * 2", "x", "x", ""]], 2, "expression", "语法错误"),
    ("divide by a text field", [["x", "number", "${income} div ${head}", "x", "x", ""]], 2, "expression", "文本题"),
    ("score not above", [["x", "number", "${score:y} + 1", "x", "x", ""], ["y", "number", "1 + ${size}", "y", "y", ""]],
     2, "expression", "score:y"),
    ("unknown param", [["x", "boolean", "${income} > ${param:line}", "x", "x", ""]], 2, "expression", "param:line"),
    ("grade not in choices", [["x", "grade", "if(${ok} = 'yes', 'high', 'medium')", "x", "x", "level"]], 2,
     "expression", "medium"),
    ("unknown choice list", [["x", "grade", "'high'", "x", "x", "levels"]], 2, "choice_list", "levels"),
    ("unknown type", [["x", "score", "${size}", "x", "x", ""]], 2, "type", "score"),
    ("boolean row yields a number", [["x", "boolean", "${size} + 1", "x", "x", ""]], 2, "expression", "类型不符"),
    ("repeat field outside sum", [["x", "number", "${months} + 1", "x", "x", ""]], 2, "expression", "sum()"),
    ("internal function", [["x", "number", "zf-number(${size}, 'x')", "x", "x", ""]], 2, "expression", "zf-number"),
    ("duplicate name", [GOOD[0], GOOD[0]], 3, "name", "per_head"),
]


@pytest.mark.parametrize("case, rows, row, column, fragment", BAD, ids=[c[0] for c in BAD])
def test_a_malformed_row_is_refused_with_its_row_named(svc, areas, stored, case, rows, row, column, fragment):
    before = stored()
    with pytest.raises(Invalid) as err:
        svc(upload, rows)
    assert err.value.code == "xlsform_invalid"
    [issue] = [d for d in err.value.details if d["row"] == row]
    assert (issue["sheet"], issue["column"]) == ("scoring", column), issue
    assert fragment in issue["message"] + issue["message_en"], issue
    assert issue["message"] != issue["message_en"]  # Chinese, with English beside it
    assert stored() == before


def test_every_problem_is_reported_at_once(svc, areas):
    with pytest.raises(Invalid) as err:
        svc(upload, [r for _, rows, *_ in BAD[:3] for r in rows])
    assert len(err.value.details) >= 3


def test_the_json_api_shows_the_rows_like_pyxform_errors(client, make_user, api_token):
    make_user("designer", "C", username="designer")
    sheets = {"scoring": [HEADER, ["x", "number", "${nope} + 1", "x", "x", ""]]}
    data = xlsform(survey=SURVEY, choices=CHOICES, extra_sheets=sheets)
    resp = client.post("/api/v1/forms", headers=api_token("designer"),
                       data={"file": (io.BytesIO(data), "visit.xlsx"), "area": "C"})
    assert resp.status_code == 422, resp.get_json()
    [detail] = resp.get_json()["error"]["details"]
    assert (detail["sheet"], detail["row"], detail["column"]) == ("scoring", 2, "expression")
