"""THE permission matrix: every role × every action × where the area lies, against a table written out by hand.

Every user here is scoped to township T1. Places:
  inside  – V11, a village inside T1
  outside – T2, a sibling township
  above   – C, the county that contains T1 (a wider area is not "inside")
  none    – no area given (may the role do this at all?)
Cells read inside/outside/above/none; Y = allowed, . = refused.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server.accounts import permissions
from server.accounts.models import ROLES, User
from server.areas.models import Area
from server.db import get_session
from server.errors import Forbidden

PLACES = ("inside", "outside", "above", "none")
PLACE_AREA = {"inside": "V11", "outside": "T2", "above": "C", "none": None}

MATRIX = """
action              admin  designer  township  supervisor  cadre
area.view           Y..Y   Y..Y      Y..Y      Y..Y        Y..Y
area.manage         Y..Y   ....      ....      ....        ....
user.view           Y..Y   ....      ....      ....        ....
user.manage         Y..Y   ....      ....      ....        ....
token.manage_own    Y..Y   Y..Y      Y..Y      Y..Y        Y..Y
form.view           Y..Y   Y..Y      Y..Y      Y..Y        ....
form.manage         Y..Y   Y..Y      ....      ....        ....
form.assign         Y..Y   Y..Y      ....      ....        ....
form.receive        ....   ....      ....      ....        Y..Y
submission.submit   ....   ....      ....      ....        Y..Y
submission.view     Y..Y   ....      Y..Y      Y..Y        Y..Y
submission.review   Y..Y   ....      ....      Y..Y        ....
evidence.view       Y..Y   ....      Y..Y      Y..Y        ....
household.view      Y..Y   ....      Y..Y      Y..Y        Y..Y
household.manage    Y..Y   ....      Y..Y      ....        ....
household.assign    Y..Y   ....      Y..Y      ....        ....
household.view_id_number Y..Y ....   ....      ....        ....
audit.view          Y..Y   ....      ....      ....        ....
poverty.view        Y..Y   Y..Y      Y..Y      Y..Y        ....
poverty.manage      Y..Y   ....      ....      ....        ....
ledger.view         Y..Y   ....      Y..Y      Y..Y        Y..Y
ledger.update       Y..Y   ....      Y..Y      ....        Y..Y
ledger.verify       Y..Y   ....      Y..Y      ....        ....
"""


def _parse(text: str) -> tuple[tuple[str, ...], dict[str, dict[str, dict[str, bool]]]]:
    header, *rows = [line.split() for line in text.strip().splitlines()]
    roles = tuple(header[1:])
    table = {}
    for action, *cells in rows:
        assert len(cells) == len(roles), action
        table[action] = {role: {place: cell[i] == "Y" for i, place in enumerate(PLACES)}
                         for role, cell in zip(roles, cells)}
    return roles, table


MATRIX_ROLES, EXPECTED = _parse(MATRIX)
CASES = [(role, action, place) for action in EXPECTED for role in MATRIX_ROLES for place in PLACES]


def _user(username: str) -> User:
    return get_session().scalar(select(User).where(User.username == username))


def _area(code: str | None) -> Area | None:
    return None if code is None else get_session().scalar(select(Area).where(Area.code == code))


def test_the_matrix_covers_every_role_and_action():
    assert set(MATRIX_ROLES) == set(ROLES)
    assert set(EXPECTED) == set(permissions.ACTIONS), (
        "permissions.ACTIONS and this test's MATRIX differ: write the new action's row by hand")
    assert set(permissions.ACTION_LABELS) == set(permissions.ACTIONS)


@pytest.mark.parametrize("role,action,place", CASES, ids=[f"{r}-{a}-{p}" for r, a, p in CASES])
def test_permission_matrix(app, make_user, role, action, place):
    username = make_user(role, "T1")
    with app.app_context():
        user, area = _user(username), _area(PLACE_AREA[place])
        expected = EXPECTED[action][role][place]
        assert permissions.can(user, action, area) is expected
        if expected:
            permissions.require(user, action, area)
        else:
            with pytest.raises(Forbidden) as err:
                permissions.require(user, action, area)
            assert err.value.status == 403 and err.value.message.startswith("没有权限")


@pytest.mark.parametrize("role", ROLES)
def test_an_inactive_user_may_do_nothing(app, make_user, role):
    username = make_user(role, "C")
    with app.app_context():
        from server.db import unit_of_work

        with unit_of_work():
            _user(username).active = False
        user = _user(username)
        assert not any(permissions.can(user, action, area)
                       for action in permissions.ACTIONS for area in (None, _area("C"), _area("V11")))


def test_system_may_do_everything_and_nobody_nothing(app, areas):
    with app.app_context():
        for action in permissions.ACTIONS:
            for code in (None, "C", "T2", "G111"):
                assert permissions.can(permissions.SYSTEM, action, _area(code)) is True
                assert permissions.can(None, action, _area(code)) is False
        with pytest.raises(KeyError):
            permissions.can(permissions.SYSTEM, "no.such.action")


def test_several_areas_each_count_and_depth_does_not_matter(app, make_user):
    username = make_user("admin", "V12", "V21")
    with app.app_context():
        user = _user(username)
        allowed = {code: permissions.can(user, "user.manage", _area(code))
                   for code in ("C", "T1", "T2", "V11", "V12", "V21", "G111")}
        assert allowed == {"C": False, "T1": False, "T2": False, "V11": False, "V12": True, "V21": True,
                           "G111": False}


@pytest.mark.parametrize("scope", [("T1",), ("V11",), ("C",), ("V12", "T2"), ("G111",)])
def test_sql_area_filter_agrees_with_in_scope(app, make_user, scope):
    """area_filter (SQL, run on this test's database engine) and in_scope (Python) pick the same areas."""
    username = make_user("township", *scope)
    with app.app_context():
        user = _user(username)
        by_sql = set(get_session().scalars(select(Area.code).where(permissions.area_filter(user, Area.path))))
        by_python = {a.code for a in get_session().scalars(select(Area)) if permissions.in_scope(user, a)}
        assert by_sql == by_python
        assert by_sql  # each scope contains at least itself
