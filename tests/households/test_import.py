"""The household import service: new households, re-import with changes, all-or-nothing, bad rows of each kind."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from server.accounts.permissions import SYSTEM
from server.db import get_session, unit_of_work
from server.errors import Invalid
from server.households.idcard import make_id_number
from server.households.import_rows import TEMPLATE_HEADERS
from server.households.importer import import_households
from server.households.models import Household, HouseholdCategory, HouseholdChange
from tests.areas.conftest import make_csv, make_xlsx

HEADER = TEMPLATE_HEADERS
COL = {name: i for i, name in enumerate(HEADER)}


def person(code, village, name, relation, born, seq, **cells) -> list:
    """One register row; household columns only when given (as on member rows of real registers)."""
    row = [None] * len(HEADER)
    values = {"户编号": code, "行政村代码": village, "成员姓名": name, "与户主关系": relation,
              "身份证号": make_id_number("431228", born, seq), "出生日期": born.isoformat(), **cells}
    for header, value in values.items():
        row[COL[header]] = value
    return row


def family(code, village, head, *, size=3, category="贫困户", seq=1, **head_cells) -> list[list]:
    """A household: the head row with the household columns, then spouse and children."""
    rows = [person(code, village, head, "户主", date(1970, 3, 1), seq, 户主姓名=head, 户类别=category,
                   性别="男", 健康状况="健康", 劳动能力="普通劳动力", 基本医疗保险="是", 大病保险="是", 务工月数=6,
                   **head_cells)]
    kin = [("配偶", date(1972, 5, 6), "妻"), ("之子", date(1995, 7, 8), "子"), ("之女", date(2001, 9, 10), "女")]
    for i, (relation, born, suffix) in enumerate(kin[:size - 1]):
        rows.append(person(code, village, head[0] + suffix + str(i), relation, born, seq + 2 * (i + 1),
                           健康状况="健康", 在校情况="在校" if relation == "之女" else "非在校"))
    return rows


def run(app, data, filename="农户.xlsx", *, actor=SYSTEM, dry_run=False):
    with app.app_context(), unit_of_work():
        return import_households(data, filename, actor=actor, dry_run=dry_run)


def stored(app) -> dict:
    """{code: (head, village code, group code, category, version, [(name, relation, id number)])}."""
    with app.app_context():
        out = {}
        for h in get_session().scalars(select(Household)):
            out[h.code] = (h.head_name, h.village.code, h.group.code if h.group else None, h.category, h.version,
                           [(m.name, m.relation, m.id_number) for m in h.members])
        return out


def errors_by_row(exc_or_report) -> dict[int, str]:
    details = exc_or_report.details if isinstance(exc_or_report, Invalid) else exc_or_report["errors"]
    out: dict[int, str] = {}
    for d in details:
        assert d["message_en"], d
        out[d["row"]] = out.get(d["row"], "") + d["message"] + "；"
    return out


def test_good_file_creates_households_and_members(app, areas):
    rows = family("H1", "V11", "王大", size=4) + family("H2", "V12", "李二", size=2, seq=21, 住址="东二村 5 号",
                                                       经度=109.6, 纬度=27.4, 主要致贫原因="因病")
    report = run(app, make_xlsx(rows, header=HEADER))
    assert report["errors"] == [] and report["created"] == 2 and report["updated"] == [] and report["unchanged"] == 0
    assert report["rows"] == 6 and report["households"] == 2
    got = stored(app)
    assert got["H1"][:5] == ("王大", "V11", None, "poor", 1)
    assert [m[:2] for m in got["H1"][5]] == [("王大", "户主"), ("王妻0", "配偶"), ("王子1", "之子"), ("王女2", "之女")]
    with app.app_context():
        h = get_session().scalar(select(Household).where(Household.code == "H2"))
        assert (h.address, h.longitude, h.latitude, h.main_cause) == ("东二村 5 号", 109.6, 27.4, "因病")
        head = h.members[0]
        assert (head.sex, head.birth_date, head.health, head.labour) == ("男", date(1970, 3, 1), "健康", "普通劳动力")
        assert (head.basic_insurance, head.serious_illness_insurance, head.migrant_months) == (True, True, 6)
        assert [(p.category, p.reason, p.until) for p in h.categories] == [("poor", "import", None)]


def test_group_code_implies_its_village(app, areas):
    rows = family("H1", None, "王大", size=1, 村民小组代码="G111")
    run(app, make_xlsx(rows, header=HEADER))
    assert stored(app)["H1"][1:3] == ("V11", "G111")


def test_reimport_updates_changed_households_only(app, areas):
    rows = family("H1", "V11", "王大") + family("H2", "V11", "王二", seq=31) + family("H3", "V12", "李三", seq=51)
    run(app, make_xlsx(rows, header=HEADER))
    rows[0][COL["住址"]] = "东一村 8 号"                  # H1: a household field
    rows[0][COL["户类别"]] = "脱贫户"                     # H1: category
    rows[4][COL["健康状况"]] = "大病"                    # H2: a member field
    del rows[5]                                        # H2: one member fewer
    dry = run(app, make_xlsx(rows, header=HEADER), dry_run=True)
    assert dry["created"] == 0 and dry["unchanged"] == 1 and dry["dry_run"] is True
    changes = {u["code"]: u["changes"] for u in dry["updated"]}
    assert changes["H1"] == {"address": [None, "东一村 8 号"], "category": ["poor", "exited"]}
    assert changes["H2"]["members"] == [["王二", "王妻0", "王子1"], ["王二", "王妻0"]]
    assert {c: v[4] for c, v in stored(app).items()} == {"H1": 1, "H2": 1, "H3": 1}  # the dry run stored nothing

    report = run(app, make_xlsx(rows, header=HEADER))
    assert {u["code"] for u in report["updated"]} == {"H1", "H2"} and report["unchanged"] == 1
    got = stored(app)
    assert {c: v[4] for c, v in got.items()} == {"H1": 2, "H2": 2, "H3": 1}
    assert got["H1"][3] == "exited" and len(got["H2"][5]) == 2
    with app.app_context():
        session = get_session()
        logged = {(c.household_id, c.source): c.changes for c in session.scalars(select(HouseholdChange))}
        h1 = session.scalar(select(Household).where(Household.code == "H1"))
        assert logged[(h1.id, "import")]["category"] == ["poor", "exited"]
        periods = session.scalars(select(HouseholdCategory).where(HouseholdCategory.household_id == h1.id)
                                  .order_by(HouseholdCategory.id)).all()
        assert [(p.category, p.reason, p.until is None) for p in periods] == [("poor", "import", False),
                                                                              ("exited", "import", True)]
        assert len(logged) == 2

    again = run(app, make_xlsx(rows, header=HEADER))
    assert again["updated"] == [] and again["unchanged"] == 3
    assert {c: v[4] for c, v in stored(app).items()} == {"H1": 2, "H2": 2, "H3": 1}


def test_households_absent_from_the_file_are_left_alone(app, areas, make_household):
    make_household("OLD1", "V21", head="赵四")
    run(app, make_xlsx(family("H1", "V11", "王大"), header=HEADER))
    assert set(stored(app)) == {"OLD1", "H1"}


def test_columns_missing_from_the_file_keep_their_stored_values(app, areas):
    rows = family("H1", "V11", "王大", 住址="东一村 1 号")
    run(app, make_xlsx(rows, header=HEADER))
    keep = [h for h in HEADER if h not in ("住址", "健康状况")]
    slim = [[r[COL[h]] for h in keep] for r in rows]
    report = run(app, make_xlsx(slim, header=keep))
    assert report["updated"] == [] and report["unchanged"] == 1


BAD_KINDS = {
    "check digit": "校验位", "birth date": "不一致", "unknown village": "找不到行政村代码", "duplicate": "重复",
    "float": "科学计数法", "no head": "没有户主行",
}


def bad_register(n_households=150):
    """About 1 % of rows bad, one of each of six kinds; returns (rows, {excel row: kind})."""
    rows = []
    for i in range(n_households):
        rows += family(f"H{i:03d}", "V11" if i % 2 else "V12", f"王{i}", size=4, seq=(i * 8) % 990 + 1)
        for k, r in enumerate(rows[-4:]):  # unique numbers, all odd (men): only the head row says 男
            r[COL["身份证号"]] = make_id_number(f"43{i:04d}", date(1960 + 10 * k, 1, 1), 101 + 2 * k)
            r[COL["出生日期"]] = None
    bad = {}

    def spoil(index, kind, fn):
        fn(rows[index])
        bad[index + 2] = kind  # header is row 1

    spoil(9, "check digit", lambda r: r.__setitem__(COL["身份证号"], r[COL["身份证号"]][:17]
                                                   + ("0" if r[COL["身份证号"]][17] != "0" else "1")))
    spoil(30, "birth date", lambda r: r.__setitem__(COL["出生日期"], "1901.1.1"))
    for r in rows[45:48]:  # H011 moved to a village that does not exist: said once, on its head row
        r[COL["行政村代码"]] = "V99"
    spoil(44, "unknown village", lambda r: r.__setitem__(COL["行政村代码"], "V99"))
    spoil(70, "duplicate", lambda r: r.__setitem__(COL["身份证号"], rows[3][COL["身份证号"]]))
    spoil(101, "float", lambda r: r.__setitem__(COL["身份证号"], 4.30123197001011e17))
    spoil(120, "no head", lambda r: r.__setitem__(COL["与户主关系"], "之子"))  # head row of H030
    return rows, bad


def test_about_one_percent_bad_rows_of_six_kinds_are_each_named_and_nothing_is_stored(app, areas):
    rows, bad = bad_register()
    assert len(rows) == 600 and len(bad) == 6 and rows[44][COL["与户主关系"]] == "户主"
    with pytest.raises(Invalid) as err:
        run(app, make_xlsx(rows, header=HEADER))
    got = errors_by_row(err.value)
    assert sorted(got) == sorted(bad)
    for row, kind in bad.items():
        assert BAD_KINDS[kind] in got[row], (row, kind, got[row])
    assert "第 5 行" in got[72]  # the duplicate names the first row with that number
    assert err.value.code == "import_errors" and err.value.status == 422
    assert stored(app) == {}
    report = run(app, make_xlsx(rows, header=HEADER), dry_run=True)
    assert sorted(errors_by_row(report)) == sorted(bad) and report["created"] == 150 - 6


def test_row_errors_of_other_kinds(app, areas):
    rows = family("H1", "V11", "王大", size=2) + family("H2", "V11", "王二", size=2, seq=31) \
        + family("H3", "V11", "王三", size=2, seq=51) + family("H4", "V11", "王四", size=1, seq=71)
    rows[1][COL["住址"]] = "别处"                 # 3: contradicts the head row
    rows[2][COL["户类别"]] = "富裕户"             # 4: unknown category
    rows[3][COL["与户主关系"]] = "邻居"           # 5: unknown relation
    rows[3][COL["健康状况"]] = "很好"             # 5: unknown health
    rows[4][COL["务工月数"]] = 13                 # 6: out of range
    rows[4][COL["纬度"]] = 95                     # 6: out of range
    rows[5][COL["成员姓名"]] = None               # 7: missing name
    rows[5][COL["出生日期"]] = "1980-13-45"       # 7: bad date
    rows[5][COL["在校情况"]] = "上学"             # 7: unknown schooling
    rows.append(person("H4", "V11", "王四弟", "户主", date(1980, 1, 1), 91))  # 9: second head
    report = run(app, make_xlsx(rows, header=HEADER), dry_run=True)
    got = errors_by_row(report)
    assert "不一致" in got[3] and "住址" in got[3]
    assert "户类别" in got[4] and "富裕户" in got[4]
    assert "邻居" in got[5] and "很好" in got[5]
    assert "务工月数" in got[6] and "纬度" in got[6]
    assert "缺少成员姓名" in got[7] and "1980-13-45" in got[7] and "上学" in got[7]
    assert "多个户主" in got[9]
    assert 8 not in got


def test_township_staff_import_only_inside_their_township(app, make_user):
    from server.accounts.models import User

    make_user("township", "T1", username="t1")
    rows = family("H1", "V11", "王大") + family("H2", "V21", "赵二", seq=31)
    with app.app_context(), unit_of_work():
        actor = get_session().scalar(select(User).where(User.username == "t1"))
        report = import_households(make_xlsx(rows, header=HEADER), "a.xlsx", actor=actor, dry_run=True)
    got = errors_by_row(report)
    assert list(got) == [5] and "没有权限" in got[5] and "西一村" in got[5]
    assert report["created"] == 1


def test_township_staff_cannot_take_over_a_household_of_another_township(app, make_user, make_household):
    from server.accounts.models import User

    make_household("H21", "V21", head="赵四")
    make_user("township", "T1", username="t1")
    with app.app_context(), unit_of_work():
        actor = get_session().scalar(select(User).where(User.username == "t1"))
        report = import_households(make_xlsx(family("H21", "V11", "王大"), header=HEADER), "a.xlsx", actor=actor,
                                   dry_run=True)
    assert "管理范围之外" in errors_by_row(report)[2]


def test_an_id_number_registered_in_another_household_is_an_error(app, areas, make_household):
    make_household("OLD1", "V21", head="赵四")
    with app.app_context():
        number = get_session().scalar(select(Household).where(Household.code == "OLD1")).members[0].id_number
    rows = family("H1", "V11", "王大", size=2)
    rows[1][COL["身份证号"]] = number
    rows[1][COL["出生日期"]] = None
    report = run(app, make_csv(rows, "utf-8", header=HEADER), "a.csv", dry_run=True)
    assert "OLD1" in errors_by_row(report)[3]
