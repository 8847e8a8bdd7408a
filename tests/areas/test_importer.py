"""The import service: formats, encodings, normalisation, per-row errors, all-or-nothing."""
from __future__ import annotations

import codecs

import pytest
from sqlalchemy import select

from server.accounts.permissions import SYSTEM
from server.areas.importer import import_areas
from server.db import get_session, unit_of_work
from server.errors import BadRequest, Forbidden, Invalid, TooLarge, UnsupportedType
from tests.areas.conftest import PNG, make_csv, make_xlsx

NEW_TREE = [  # children before parents on purpose
    ("431228101201", "岩桥村", "行政村", "431228101"),
    ("43122810120101", "岩桥村一组", "村民小组", "431228101201"),
    ("431228101", "岩桥镇", "乡镇", "431228"),
    ("431228", "芷江侗族自治县", "县", ""),
]


def run(app, data, filename, *, actor=SYSTEM, dry_run=False):
    with app.app_context(), unit_of_work():
        return import_areas(data, filename, actor=actor, dry_run=dry_run)


def user(username):
    from server.accounts.models import User

    return get_session().scalar(select(User).where(User.username == username))


def test_xlsx_with_rows_in_any_order_builds_the_tree(app, area_rows):
    report = run(app, make_xlsx(NEW_TREE), "区划.xlsx")
    assert report["rows"] == 4 and report["errors"] == [] and report["updated"] == []
    assert sorted(c["code"] for c in report["created"]) == sorted(r[0] for r in NEW_TREE)
    rows = area_rows()
    assert rows["431228"] == ("芷江侗族自治县", "county", None, True)
    assert rows["431228101"] == ("岩桥镇", "township", "431228", True)
    assert rows["431228101201"] == ("岩桥村", "village", "431228101", True)
    assert rows["43122810120101"] == ("岩桥村一组", "group", "431228101201", True)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_in_every_encoding_excel_writes(app, area_rows, encoding):
    report = run(app, make_csv(NEW_TREE, encoding), "areas.csv")
    assert report["errors"] == []
    assert area_rows()["431228101201"] == ("岩桥村", "village", "431228101", True)


def test_undecodable_csv_is_refused_with_a_clear_message(app, area_names):
    data = make_csv(NEW_TREE, "utf-8") + b"\x80\xff,bad,\xff\xfe\n"
    with pytest.raises(BadRequest) as err:
        run(app, data, "areas.csv")
    assert err.value.code == "bad_encoding" and "UTF-8" in err.value.message and err.value.status == 400
    assert area_names() == {}


def test_csv_in_a_wrong_legacy_encoding_reports_the_header(app):
    """Big5 bytes decode as GB18030 mojibake: the header check says what to do."""
    data = "區劃代碼,名稱,層級,上級代碼\n1,東鄉,鄉,\n".encode("big5")
    with pytest.raises(Invalid) as err:
        run(app, data, "areas.csv")
    assert err.value.code == "bad_header" and "乱码" in err.value.message


@pytest.mark.parametrize("name", ["areas.csv", "areas.xlsx", "areas.xls"])
def test_a_png_is_not_a_table(app, name):
    with pytest.raises(UnsupportedType) as err:
        run(app, PNG, name)
    assert err.value.status == 415


def test_one_bad_row_of_each_kind_is_reported_and_nothing_is_stored(app, areas, area_names):
    before = area_names()
    rows = [
        ("V13", "东三村", "行政村", "T1"),       # 2: fine
        ("", "无代码村", "行政村", "T1"),         # 3: missing code
        ("V14", "", "行政村", "T1"),             # 4: missing name
        ("V15", "东五村", "大队", "T1"),          # 5: unknown level
        ("V13", "东三村重复", "行政村", "T1"),     # 6: duplicate code in the file
        ("V16", "东六村", "行政村", "T9"),         # 7: unknown parent
        ("V17", "东七村", "行政村", "C"),          # 8: wrong parent level
        ("G999", "一组", "村民小组", ""),          # 9: missing parent
        ("T1", "东乡", "行政村", "T1"),            # 10: existing code with another level (and own parent)
        ("V18", "东八村", "行政村", "T2"),         # 11: fine on its own
    ]
    with pytest.raises(Invalid) as err:
        run(app, make_xlsx(rows), "bad.xlsx")
    by_row = {}
    for d in err.value.details:
        by_row.setdefault(d["row"], []).append(d["message"])
        assert d["message_en"]
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "缺少区划代码" in by_row[3][0]
    assert "缺少名称" in by_row[4][0]
    assert "未知层级" in by_row[5][0] and "大队" in by_row[5][0]
    assert "第 2 行重复" in by_row[6][0]
    assert "找不到上级区划" in by_row[7][0] and "T9" in by_row[7][0]
    assert "上级层级不对" in by_row[8][0]
    assert "缺少上级代码" in by_row[9][0]
    assert any("层级" in m for m in by_row[10])
    assert err.value.status == 422 and err.value.exit_code == 9
    assert area_names() == before  # V13 and V18 were fine but nothing is stored


def test_dry_run_reports_and_stores_nothing(app, areas, area_names):
    before = area_names()
    report = run(app, make_xlsx([("V13", "东三村", "村", "T1"), ("V11", "东一村（新）", "村", "T1")]), "a.xlsx",
                 dry_run=True)
    assert [c["code"] for c in report["created"]] == ["V13"]
    assert report["updated"] == [{"row": 3, "code": "V11", "name": "东一村（新）", "old_name": "东一村"}]
    assert report["dry_run"] is True
    assert area_names() == before
    # errors in a dry run come back in the report, not as an exception
    report = run(app, make_xlsx([("V13", "东三村", "村", "T404")]), "a.xlsx", dry_run=True)
    assert report["errors"][0]["row"] == 2 and report["created"] == []


def test_reimport_updates_names_and_counts_unchanged(app, areas, area_names):
    rows = [("C", "测试县", "县", ""), ("T1", "东乡镇", "乡镇", "C"), ("V11", "东一村", "村", "T1")]
    report = run(app, make_xlsx(rows), "again.xlsx")
    assert report["created"] == [] and report["unchanged"] == 2
    assert report["updated"] == [{"row": 3, "code": "T1", "name": "东乡镇", "old_name": "东乡"}]
    assert area_names()["T1"] == "东乡镇"


def test_import_cannot_move_an_existing_area(app, areas, area_names):
    with pytest.raises(Invalid) as err:
        run(app, make_xlsx([("V11", "东一村", "村", "T2")]), "move.xlsx")
    assert "不能移动" in err.value.details[0]["message"]


def test_codes_typed_as_numbers_come_back_as_text(app, area_rows):
    rows = [(431228, "芷江县", "县", None), (431228101.0, "岩桥镇", "镇", 431228.0),
            ("431228101201.0", "岩桥村", "村", "431228101")]
    report = run(app, make_xlsx(rows), "floats.xlsx")
    assert report["errors"] == []
    assert area_rows()["431228101201"][2] == "431228101"


def test_scientific_notation_and_rounded_codes_are_errors(app, area_names):
    rows = [("4.31228E+11", "岩桥村", "村", "431228101"), (4.312281012010011e16, "一组", "组", "431228101201"),
            (12.5, "半村", "村", "1")]
    with pytest.raises(Invalid) as err:
        run(app, make_xlsx(rows), "sci.xlsx")
    msgs = {}
    for d in err.value.details:
        msgs[d["row"]] = msgs.get(d["row"], "") + d["message"]
    assert "科学计数法" in msgs[2] and "文本" in msgs[2]
    assert "15 位" in msgs[3]
    assert "不是整数" in msgs[4]
    assert area_names() == {}


def test_full_width_digits_spaces_and_level_spellings(app, area_rows):
    rows = [("４３１２２８", "  芷江县\u3000", " County ", ""),
            (" 431228101 ", "岩桥镇 ", "镇", "４３１２２８ "),
            ("431228101201", "\u3000岩桥村", "行政村 ", "431228101"),
            ("43122810120101", "岩桥村  一组", "GROUP", "431228101201")]
    report = run(app, make_csv(rows, "utf-8-sig"), "wide.csv")
    assert report["errors"] == []
    got = area_rows()
    assert got["431228"][:2] == ("芷江县", "county")
    assert got["431228101"][:3] == ("岩桥镇", "township", "431228")
    assert got["431228101201"][0] == "岩桥村"
    assert got["43122810120101"][:2] == ("岩桥村 一组", "group")


def test_blank_rows_title_rows_and_header_aliases(app, area_names):
    rows = [(None, None, None, None), ("431228", "芷江县", "县", None), ("", "  ", "", ""),
            ("431228101", "岩桥镇", "乡镇", "431228")]
    data = make_xlsx(rows, header=["代码", "区划名称*", "级别", "上级区划代码"], title_rows=[["芷江县区划表"]])
    report = run(app, data, "titled.xlsx")
    assert report["rows"] == 2 and report["errors"] == []
    assert area_names() == {"431228": "芷江县", "431228101": "岩桥镇"}


def test_merged_cells_fill_their_whole_range(app, area_rows):
    rows = [("431228", "芷江县", "县", None),
            ("431228101", "岩桥镇", "乡镇", "431228"),
            ("431228101201", "岩桥村", "行政村", "431228101"),
            ("431228101202", "大洪山村", None, None),
            ("431228101203", "黄家垅村", None, None)]
    data = make_xlsx(rows, merges=["C4:C6", "D4:D6"])
    report = run(app, data, "merged.xlsx")
    assert report["errors"] == [] and len(report["created"]) == 5
    assert area_rows()["431228101203"][1:3] == ("village", "431228101")


def test_missing_header_is_a_file_level_error(app):
    with pytest.raises(Invalid) as err:
        run(app, make_xlsx([("1", "x", "县", "")], header=["编号", "名字x", "类型"]), "nohead.xlsx")
    assert err.value.code == "bad_header" and "区划代码" in err.value.message


def test_empty_table_is_an_error(app):
    with pytest.raises(Invalid) as err:
        run(app, make_xlsx([]), "empty.xlsx")
    assert err.value.code == "empty_import"


def test_oversize_file_is_refused(app):
    app.config["ZOUFANG"] = app.config["ZOUFANG"].with_overrides({"import_max_bytes": 100})
    with pytest.raises(TooLarge):
        run(app, make_csv(NEW_TREE * 5), "big.csv")


def test_township_staff_cannot_import(app, make_user, area_names):
    staff = make_user("township", "T1")
    with app.app_context(), unit_of_work(), pytest.raises(Forbidden):
        import_areas(make_xlsx([("V13", "东三村", "村", "T1")]), "a.xlsx", actor=user(staff))
    assert "V13" not in area_names()


def test_admin_of_one_township_imports_only_inside_it(app, make_user, area_names):
    admin = make_user("admin", "T1")
    rows = [("V13", "东三村", "村", "T1"), ("V22", "西二村", "村", "T2"), ("T1", "东乡", "乡镇", "C"),
            ("T2", "西乡（改）", "乡镇", "C"), ("C9", "新县", "县", "")]
    with app.app_context(), unit_of_work():
        report = import_areas(make_xlsx(rows), "a.xlsx", actor=user(admin), dry_run=True)
    msgs = {e["row"]: e["message"] for e in report["errors"]}
    assert sorted(msgs) == [3, 5, 6]  # T1 listed unchanged is fine: it is in sight
    assert "没有权限" in msgs[3] and "西乡" in msgs[3]
    assert "没有权限" in msgs[5]
    assert "县级" in msgs[6]
    assert [c["code"] for c in report["created"]] == ["V13"]
    assert "V22" not in area_names()


def test_import_records_one_audit_event(app, areas):
    from server.audit.models import AuditEvent

    run(app, make_xlsx([("V13", "东三村", "村", "T1"), ("V14", "东四村", "村", "T1")]), "audit.xlsx")
    with app.app_context():
        events = list(get_session().scalars(select(AuditEvent).where(AuditEvent.action == "area.import")))
        assert len(events) == 1
        assert events[0].detail == {"rows": 2, "created": 2, "updated": 0}
        assert events[0].target == "audit.xlsx" and events[0].area.code == "T1"


def test_utf16_bom_is_the_only_nul_containing_csv_accepted(app):
    data = codecs.BOM_UTF16_LE + "区划代码\t名称\t层级\t上级代码\r\n431228\t芷江县\t县\t\r\n".encode("utf-16-le")
    report = run(app, data, "unicode.csv", dry_run=True)
    assert report["rows"] == 1 and report["errors"] == []


def test_legacy_xls_with_numeric_codes_and_merged_cells(app, area_rows):
    """tests/areas/data/areas.xls was written by xlwt: numbers for codes, 层级/上级代码 merged over two rows."""
    from pathlib import Path

    data = (Path(__file__).parent / "data" / "areas.xls").read_bytes()
    report = run(app, data, "areas.xls")
    assert report["errors"] == [] and report["rows"] == 4
    rows = area_rows()
    assert rows["431228101"][1:3] == ("township", "431228")
    assert rows["431228101202"] == ("大洪山村", "village", "431228101", True)


def test_an_ole2_file_that_is_not_a_workbook(app):
    with pytest.raises(UnsupportedType) as err:
        run(app, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "fake.xls")
    assert err.value.code == "corrupt_xls"
