"""Households in the small test tree: two in V11 (T1), one in V12 (T1), one in V21 (T2); cadres in V11 and V21."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from server.accounts.permissions import SYSTEM
from server.areas.models import Area
from server.db import get_session, unit_of_work
from server.households.idcard import make_id_number
from server.households.service import new_household, replace_members


def _area(code):
    return get_session().scalar(select(Area).where(Area.code == code))


@pytest.fixture
def make_household(app):
    """make_household(code, village, head="户主", category="poor", members=1) → code."""
    def make(code: str, village: str, head: str = "户主", category: str = "poor", members: int = 1, **fields):
        with app.app_context(), unit_of_work():
            h = new_household(code, head, _area(village), category=category, since=date(2015, 1, 1), actor=SYSTEM,
                              **fields)
            replace_members(h, [{"name": head if n == 0 else f"{head}家人{n}", "relation": "户主" if n == 0 else "之子",
                                 "sex": "男", "birth_date": date(1970 + n, 1, 1),
                                 "id_number": make_id_number("431228", date(1970 + n, 1, 1), 11 + n * 2)}
                                for n in range(members)])
        return code

    return make


@pytest.fixture
def registry(make_user, make_household):
    make_user("cadre", "V11", username="cadre_a")
    make_user("cadre", "V11", username="cadre_a2")
    make_user("cadre", "V21", username="cadre_b")
    make_user("township", "T1", username="t1_staff")
    make_user("admin", "C", username="boss")
    make_household("H11A", "V11", head="王一", latitude=27.4, longitude=109.6)
    make_household("H11B", "V11", head="王二", members=3)
    make_household("H12A", "V12", head="李三")
    make_household("H21A", "V21", head="赵四", category="edge")
    return SimpleNamespace()
