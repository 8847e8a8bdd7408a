"""Changing a poverty line through the poverty service re-scores the affected visits — those of the
line's area and year — and only those: other townships and other years keep their results untouched."""
from __future__ import annotations

from sqlalchemy import select

from server.accounts.permissions import SYSTEM
from server.accounts.phones import issue_phone_token
from server.db import get_session, unit_of_work
from server.households.assignments import assign_households
from server.poverty.service import set_line
from server.submissions.models import Submission
from tests.openrosa.submit_client import SubmitClient
from tests.scoring.conftest import _user, build_instance
from tests.scoring.test_instruments import CHECKS, FOUR, INCOME, YEAR



def _send(phone, xform, household, year):
    xml = build_instance(xform, {"household": household, "ref_year": str(year), **INCOME, **CHECKS},
                         {"member": FOUR})
    [resp] = phone.send(xml)
    assert resp.status_code == 201
    return xml.split(b"<instanceID>")[1].split(b"</instanceID>")[0].decode()


def _state(app, instance_id):
    with app.app_context():
        sub = get_session().scalar(select(Submission).where(Submission.instance_id == instance_id))
        result = sub.current.score
        line = {r["name"]: r for r in result.rows}["income_line"]
        return line["status"], line["value"], result.poverty_line, result.computed_at


def test_a_changed_line_rescores_its_area_and_year_only(field, client, app):
    with app.app_context(), unit_of_work():
        assign_households("cadre_b", actor=SYSTEM, codes=["H21A"])
        phone_b = SubmitClient(client, f"/key/{issue_phone_token(_user('cadre_b'), actor=SYSTEM).token}")
    xform = field.xforms["household_survey"]
    t1_now = _send(field.phone, xform, "H11A", YEAR)
    t1_before = _send(field.phone, xform, "H11B", YEAR - 1)
    t2_now = _send(phone_b, xform, "H21A", YEAR)
    for iid in (t1_now, t1_before, t2_now):
        assert _state(app, iid)[:3] == ("uncomputable", None, None)  # no line yet
    untouched = {iid: _state(app, iid)[3] for iid in (t1_before, t2_now)}

    with app.app_context(), unit_of_work():
        set_line("T1", YEAR, 8000, actor=SYSTEM)
    assert _state(app, t1_now)[:3] == ("ok", "below", 8000.0)  # 7 250 < 8 000
    for iid, computed_at in untouched.items():
        assert _state(app, iid) == ("uncomputable", None, None, computed_at)  # not even re-run

    with app.app_context(), unit_of_work():
        set_line("C", YEAR, 5000, actor=SYSTEM)  # the county line: T1's own line still wins there
    assert _state(app, t1_now)[:3] == ("ok", "below", 8000.0)
    assert _state(app, t2_now)[:3] == ("ok", "at_or_above", 5000.0)
    assert _state(app, t1_before)[3] == untouched[t1_before]

    with app.app_context(), unit_of_work():
        set_line("T1", YEAR, 7000, actor=SYSTEM)  # lowered below the household's 7 250
    assert _state(app, t1_now)[:3] == ("ok", "at_or_above", 7000.0)
