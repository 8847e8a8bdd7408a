"""What real registers look like: GBK CSV, XLS, merged cells, blank rows, full-width digits, floats, odd dates."""
from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from server.errors import Invalid, UnsupportedType
from server.households.idcard import make_id_number
from tests.areas.conftest import PNG, make_csv, make_xlsx
from tests.households.test_import import COL, HEADER, errors_by_row, family, run, stored

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig"])
def test_csv_in_the_encodings_excel_writes(app, areas, encoding):
    rows = family("H1", "V11", "王大") + family("H2", "V12", "李二", seq=31, 住址="东二村（上屋场）")
    report = run(app, make_csv(rows, encoding, header=HEADER), "农户.csv")
    assert report["errors"] == [] and report["created"] == 2
    assert stored(app)["H1"][0] == "王大"


def test_full_width_digits_and_trailing_spaces(app, areas):
    rows = family("H1", "V11", "王大", size=2)
    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    for r in rows:
        r[COL["身份证号"]] = r[COL["身份证号"]].translate(wide) + "  "
        r[COL["户编号"]] = "Ｈ１ "
        r[COL["行政村代码"]] = " Ｖ１１\u3000"
        r[COL["成员姓名"]] = r[COL["成员姓名"]] + " "
        r[COL["出生日期"]] = r[COL["出生日期"]].translate(wide)
    rows[0][COL["与户主关系"]] = "户主 "
    rows[0][COL["户类别"]] = " 贫困户\u3000"
    rows[0][COL["务工月数"]] = "６"
    report = run(app, make_csv(rows, "utf-8", header=[h + " " for h in HEADER]), "wide.csv")
    assert report["errors"] == []
    got = stored(app)["H1"]
    assert got[:4] == ("王大", "V11", None, "poor")
    assert got[5][0] == ("王大", "户主", make_id_number("431228", date(1970, 3, 1), 1))


def test_blank_rows_title_rows_merged_cells_and_unknown_columns_in_xlsx(app, areas):
    """Household columns merged down over each household's member rows, as registers are often laid out."""
    header = HEADER + ["备注"]
    rows = [r + [None] for r in family("H1", "V11", "王大", size=3)] + [[None] * len(header)] \
        + [r + ["新户"] for r in family("H2", "V12", "李二", size=2, seq=31)]
    for r in rows[1:3] + rows[5:6]:  # member rows: household columns blank, filled by the merge
        r[COL["户编号"]] = r[COL["行政村代码"]] = None
    merges = []
    for col in ("户编号", "行政村代码"):
        letter = chr(ord("A") + COL[col])
        merges += [f"{letter}3:{letter}5", f"{letter}7:{letter}8"]  # title row 1, header row 2
    data = make_xlsx(rows, header=header, merges=merges, title_rows=[["东乡农户登记表"]])
    report = run(app, data, "merged.xlsx")
    assert report["errors"] == [] and report["rows"] == 5 and report["created"] == 2
    assert report["warnings"][0]["message"] == "忽略未知列“备注”"
    assert [len(v[5]) for v in stored(app).values()] == [3, 2]


def test_legacy_xls_with_numeric_codes_date_cells_and_merged_cells(app, areas):
    """tests/households/data/households.xls was written by xlwt: a title row, 户编号 typed as numbers,
    date cells, household columns merged over each household's rows."""
    report = run(app, (DATA / "households.xls").read_bytes(), "households.xls")
    assert report["errors"] == [] and report["created"] == 2 and report["rows"] == 5
    got = stored(app)
    assert got["1001"][:4] == ("王大", "V11", None, "poor") and len(got["1001"][5]) == 3
    assert got["1002"][3] == "poor_dibao"


@pytest.mark.parametrize("written, expected", [
    (datetime(1970, 3, 1), date(1970, 3, 1)), (date(1970, 3, 1), date(1970, 3, 1)), (25628, date(1970, 3, 1)),
    ("1970-03-01", date(1970, 3, 1)), ("1970.3.1", date(1970, 3, 1)), ("19700301", date(1970, 3, 1)),
    (19700301, date(1970, 3, 1)), ("1970/3/1", date(1970, 3, 1)), ("1970年3月1日", date(1970, 3, 1)),
    ("1970.03", date(1970, 3, 1)), (None, date(1970, 3, 1)),
])
def test_birth_dates_in_every_common_spelling(app, areas, written, expected):
    rows = family("H1", "V11", "王大", size=1)
    rows[0][COL["出生日期"]] = written
    report = run(app, make_xlsx(rows, header=HEADER), dry_run=True)
    assert report["errors"] == [], report["errors"]


@pytest.mark.parametrize("written, reason", [
    (4.30123197001011e17, "科学计数法"), ("4.30123E+17", "科学计数法"), ("43122819700301001", "18 位"),
])
def test_id_numbers_spoilt_by_spreadsheets_are_row_errors(app, areas, written, reason):
    rows = family("H1", "V11", "王大", size=2)
    rows[1][COL["身份证号"]] = written
    report = run(app, make_xlsx(rows, header=HEADER), dry_run=True)
    got = errors_by_row(report)
    assert list(got) == [3] and reason in got[3]


def test_a_png_renamed_xlsx_is_415(app, areas):
    with pytest.raises(UnsupportedType) as err:
        run(app, PNG, "农户.xlsx")
    assert err.value.status == 415 and err.value.code == "not_a_spreadsheet"


def test_a_truncated_xlsx_is_415(app, areas):
    data = make_xlsx(family("H1", "V11", "王大"), header=HEADER)
    with pytest.raises(UnsupportedType) as err:
        run(app, data[: len(data) // 2], "农户.xlsx")
    assert err.value.code == "corrupt_xlsx" and "损坏" in err.value.message


def test_a_file_without_the_needed_columns(app, areas):
    with pytest.raises(Invalid) as err:
        run(app, make_xlsx([("H1", "王大", "户主")], header=["户编号", "成员姓名", "与户主关系"]))
    assert err.value.code == "bad_header" and "身份证号" in err.value.message and "行政村代码" in err.value.message
    with pytest.raises(Invalid) as err:
        run(app, make_xlsx([("x", "y")], header=["甲", "乙"]))
    assert err.value.code == "bad_header"


def test_an_empty_register(app, areas):
    with pytest.raises(Invalid) as err:
        run(app, make_xlsx([], header=HEADER))
    assert err.value.code == "empty_import"


def test_the_template_imports_cleanly(app, areas):
    from server.households.import_template import template_xlsx

    data = template_xlsx()
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["农户", "说明"] and [c.value for c in wb["农户"][1]] == HEADER
    report = run(app, data, "template.xlsx", dry_run=True)
    # the example's village code is a real county's, not in the test tree: the only complaint
    assert report["households"] == 1 and report["rows"] == 3
    assert [e["message"][:8] for e in report["errors"]] == ["找不到行政村代码"]
