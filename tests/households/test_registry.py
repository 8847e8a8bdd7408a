"""Who sees which households; categories with their history; assignments added, replaced and removed."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from server.accounts.models import User
from server.accounts.permissions import SYSTEM
from server.areas.models import Area
from server.db import get_session, unit_of_work
from server.errors import Forbidden, Invalid, NotFound
from server.households.assignments import assign_households, cadre_households
from server.households.models import HouseholdChange
from server.households.privacy import mask_id_number, shown_id_number
from server.households.service import get_household, list_households, record_change, set_category, update_fields


def _user(name):
    return get_session().scalar(select(User).where(User.username == name))


def _codes(actor):
    return [h.code for h in list_households(actor=actor)]


def test_staff_see_their_areas_and_cadres_only_what_they_are_assigned(app, registry):
    with app.app_context(), unit_of_work():
        assert _codes(_user("boss")) == ["H11A", "H11B", "H12A", "H21A"]
        assert _codes(_user("t1_staff")) == ["H11A", "H11B", "H12A"]
        assert _codes(_user("cadre_a")) == []  # in the village, but not assigned to anyone yet
        assign_households("cadre_a", actor=_user("t1_staff"), codes=["H11A"])
        assert _codes(_user("cadre_a")) == ["H11A"]
        assert _codes(_user("cadre_a2")) == []
        with pytest.raises(NotFound):
            get_household("H11B", actor=_user("cadre_a"))
        with pytest.raises(NotFound):
            get_household("H21A", actor=_user("t1_staff"))
        assert get_household("H11A", actor=_user("cadre_a")).head_name == "王一"


def test_assign_by_village_replace_and_remove_keep_history(app, registry):
    today = date.today()
    with app.app_context(), unit_of_work():
        t1 = _user("t1_staff")
        v11 = get_session().scalar(select(Area).where(Area.code == "V11"))
        assert assign_households("cadre_a", actor=t1, village=v11, on=today - timedelta(days=30)) == 2
        assert [h.code for h in cadre_households(_user("cadre_a"))] == ["H11A", "H11B"]
        assert assign_households("cadre_a2", actor=t1, codes=["H11B"], mode="replace") == 1
        assert [h.code for h in cadre_households(_user("cadre_a"))] == ["H11A"]
        assert [h.code for h in cadre_households(_user("cadre_a2"))] == ["H11B"]
        h = get_household("H11B", actor=t1)
        assert [(a.cadre.username, a.end) for a in h.assignments] == [("cadre_a", today), ("cadre_a2", None)]
        assert [u.username for u in h.helpers()] == ["cadre_a2"]
        assert [u.username for u in h.helpers(today - timedelta(days=1))] == ["cadre_a"]  # who helped yesterday
        assert assign_households("cadre_a", actor=t1, codes=["H11A"], mode="remove") == 1
        assert cadre_households(_user("cadre_a")) == []


def test_assignments_are_checked(app, registry):
    with app.app_context(), unit_of_work():
        t1 = _user("t1_staff")
        with pytest.raises(Forbidden):
            assign_households("cadre_b", actor=t1, codes=["H21A"])  # not the staff's township
        with pytest.raises(Invalid) as exc:
            assign_households("cadre_b", actor=_user("boss"), codes=["H11A"])  # cadre_b works in V21
        assert exc.value.code == "cadre_elsewhere"
        with pytest.raises(NotFound) as exc:
            assign_households("cadre_a", actor=t1, codes=["H11A", "NOPE"])
        assert "NOPE" in exc.value.message
        with pytest.raises(Invalid):
            assign_households("t1_staff", actor=t1, codes=["H11A"])  # not a cadre
        with pytest.raises(Forbidden):
            assign_households("cadre_a", actor=_user("cadre_a"), codes=["H11A"])


def test_category_changes_are_kept_as_periods(app, registry):
    with app.app_context(), unit_of_work():
        h = get_household("H11A", actor=SYSTEM)
        assert set_category(h, "脱贫户", since=date(2019, 12, 1), reason="exited", actor=SYSTEM)
        assert not set_category(h, "exited", since=date(2020, 1, 1), reason="exited", actor=SYSTEM)
        assert set_category(h, "returned", since=date(2021, 6, 1), reason="returned", actor=SYSTEM)
        assert h.category == "returned" and h.category_label == "返贫户"
        assert [(p.category, p.since, p.until, p.reason_label) for p in h.categories] == [
            ("poor", date(2015, 1, 1), date(2019, 12, 1), "新识别纳入"),
            ("exited", date(2019, 12, 1), date(2021, 6, 1), "正常退出"),
            ("returned", date(2021, 6, 1), None, "返贫标注")]
        with pytest.raises(Invalid):
            set_category(h, "富裕户", since=None, reason="update", actor=SYSTEM)


def test_changes_bump_the_entity_version_and_are_recorded(app, registry):
    with app.app_context(), unit_of_work():
        h = get_household("H11A", actor=SYSTEM)
        assert h.version == 1
        changes = update_fields(h, {"phone": "13900000000", "head_name": "王一"})
        assert changes == {"phone": [None, "13900000000"]}
        record_change(h, changes, source="update", actor=SYSTEM)
        record_change(h, {}, source="update", actor=SYSTEM)  # nothing changed: no new version
        assert h.version == 2
        get_session().flush()
        [row] = get_session().scalars(select(HouseholdChange).where(HouseholdChange.household_id == h.id))
        assert row.changes == {"phone": [None, "13900000000"]} and row.source == "update"


def test_id_numbers_are_masked_for_all_but_admins(app, registry):
    assert mask_id_number("431228197001010011") == "4312**********0011"
    with app.app_context():
        assert shown_id_number("431228197001010011", _user("t1_staff")) == "4312**********0011"
        assert shown_id_number("431228197001010011", _user("boss")) == "431228197001010011"
        assert shown_id_number(None, _user("t1_staff")) is None
