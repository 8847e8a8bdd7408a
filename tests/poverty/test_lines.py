"""Poverty lines: which line applies (the most specific area, per year), validation, scope, and the re-score hook."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from server.accounts.models import User
from server.accounts.permissions import SYSTEM
from server.areas.models import Area
from server.db import get_session, unit_of_work
from server.errors import Forbidden, Invalid, NotFound
from server.poverty.demo import load_demo_lines
from server.poverty.models import PovertyLine
from server.poverty.service import delete_line, line_for, list_lines, set_line


def _area(code):
    return get_session().scalar(select(Area).where(Area.code == code))


def _user(name):
    return get_session().scalar(select(User).where(User.username == name))


@pytest.fixture
def lines(app, areas):
    with app.app_context(), unit_of_work():
        ids = {"C2020": set_line("C", 2020, 4000, "县 2020 年退出标准", actor=SYSTEM).id,
               "V11_2020": set_line("V11", 2020, "4200.50", actor=SYSTEM).id,
               "T1_2019": set_line("T1", 2019, 3747, actor=SYSTEM).id,
               "C2014": set_line("C", 2014, 2736, actor=SYSTEM).id}
    return ids


def test_the_most_specific_area_wins_per_year(app, lines):
    with app.app_context():
        assert line_for(_area("V11"), 2020) == (4200.5, lines["V11_2020"])  # village beats county
        assert line_for(_area("G111"), 2020) == (4200.5, lines["V11_2020"])  # a group gets its village's
        assert line_for(_area("V12"), 2020) == (4000.0, lines["C2020"])  # no village line: the county's
        assert line_for(_area("T1"), 2020) == (4000.0, lines["C2020"])
        assert line_for(_area("V12"), 2019) == (3747.0, lines["T1_2019"])  # township line for 2019 only
        assert line_for(_area("V21"), 2019) is None  # T2 has no line for 2019, nor the county
        assert line_for(_area("V21"), 2014) == (2736.0, lines["C2014"])
        assert line_for(_area("V11"), 2015) is None


def test_setting_again_changes_the_one_line_of_that_area_and_year(app, lines):
    with app.app_context(), unit_of_work():
        line = set_line("C", 2020, "4100", "更正", actor=SYSTEM)
        assert line.id == lines["C2020"] and line.amount == Decimal("4100.00") and line.note == "更正"
        assert get_session().scalar(select(func.count()).select_from(PovertyLine)) == 4


@pytest.mark.parametrize("year,amount,code,text", [
    (2020, 0, "bad_amount", "大于 0"), (2020, -5, "bad_amount", "大于 0"), (2020, 100000, "bad_amount", "小于 100000"),
    (2020, "四千", "bad_amount", "金额无效"), (1999, 4000, "bad_year", "2000–2100"), (2101, 4000, "bad_year", "2000–2100"),
])
def test_invalid_year_or_amount_is_refused_in_chinese(app, areas, year, amount, code, text):
    with app.app_context(), pytest.raises(Invalid) as err:
        set_line("C", year, amount, actor=SYSTEM)
    assert err.value.code == code and text in err.value.message


def test_area_must_exist_and_lie_in_the_admins_areas(app, make_user):
    make_user("admin", "T1", username="t1_admin")
    make_user("township", "T1", username="t1_staff")
    with app.app_context():
        with pytest.raises(NotFound, match="找不到区划"):
            set_line("NOPE", 2020, 4000, actor=SYSTEM)
        with pytest.raises(NotFound):  # T2 is outside this admin's areas
            set_line("T2", 2020, 4000, actor=_user("t1_admin"))
        with pytest.raises(Forbidden, match="没有权限设定贫困线"):
            set_line("V11", 2020, 4000, actor=_user("t1_staff"))
        with unit_of_work():
            assert set_line("V11", 2020, 4000, actor=_user("t1_admin")).area.code == "V11"


def test_lists_show_own_areas_and_those_above_never_a_siblings(app, lines, make_user):
    make_user("township", "T2", username="t2_staff")
    make_user("cadre", "V11", username="cadre_v11")
    with app.app_context():
        seen = {(line.area.code, line.year) for line in list_lines(actor=_user("t2_staff"))}
        assert seen == {("C", 2020), ("C", 2014)}
        assert [line.year for line in list_lines(actor=SYSTEM)] == [2020, 2020, 2019, 2014]  # newest first
        with pytest.raises(Forbidden):
            list_lines(actor=_user("cadre_v11"))


def test_demo_lines_give_the_county_a_line_every_year(app, areas):
    with app.app_context(), unit_of_work():
        assert load_demo_lines("C", "V11") == 14
        assert line_for(_area("V12"), 2016)[0] == 2952.0
        assert line_for(_area("V11"), 2020)[0] == 4200.0 and line_for(_area("V12"), 2020)[0] == 4000.0


# The re-score hook is tested end to end, with real visits and the real engine, in
# tests/scoring/test_recompute.py.
