"""The shipped 四个一走访 form published for cadres, households H11A/H11B (V11, T1) and H21A (V21, T2)
assigned to their cadres, and visits sent as Collect sends them."""
from __future__ import annotations

from types import SimpleNamespace
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import select

from server.accounts.models import User
from server.accounts.permissions import SYSTEM
from server.accounts.phones import issue_phone_token
from server.config import ROOT
from server.db import get_session, unit_of_work
from server.forms import service as forms
from server.households.assignments import assign_households
from tests.households.conftest import make_household, registry  # noqa: F401
from tests.openrosa.submit_client import SubmitClient, app  # noqa: F401

FORM = ROOT / "forms" / "xlsform" / "four_ones_visit.xlsx"
VERSION = "2026112201"


def visit_xml(household: str, instance_id: str, problems=(), *, deprecated_id: str | None = None) -> bytes:
    """A 四个一 visit as Collect writes it; ``problems`` are (desc, area, measure, unit, deadline) tuples."""
    reps = "".join(
        f"<problem><problem_desc>{escape(d)}</problem_desc><problem_area>{a}</problem_area>"
        f"<problem_measure>{escape(m)}</problem_measure><problem_unit>{escape(u)}</problem_unit>"
        f"<problem_deadline>{dl}</problem_deadline></problem>" for d, a, m, u, dl in problems)
    meta = f"<instanceID>{instance_id}</instanceID>"
    if deprecated_id:
        meta += f"<deprecatedID>{deprecated_id}</deprecatedID>"
    return (f'<?xml version="1.0"?><data xmlns:jr="http://openrosa.org/javarosa" id="four_ones_visit" '
            f'version="{VERSION}"><grp_visit><household>{household}</household><cadre_name>干部</cadre_name>'
            f'<visit_date>2026-03-01</visit_date></grp_visit><talk_done>yes</talk_done>'
            f'<problems_found>{"yes" if problems else "no"}</problems_found>{reps}'
            f'<meta>{meta}</meta></data>').encode()


def _user(name):
    return get_session().scalar(select(User).where(User.username == name))


@pytest.fixture
def visits(app, client, registry, make_user):  # noqa: F811
    make_user("township", "T2", username="t2_staff")
    make_user("supervisor", "C", username="inspector")
    with app.app_context(), unit_of_work():
        form = forms.upload_xlsform(FORM.read_bytes(), FORM.name, actor=SYSTEM, area_code="C")
        forms.publish_draft(form.id, actor=SYSTEM)
        forms.assign_form(form.id, "cadre", "C", actor=SYSTEM)
        assign_households("cadre_a", actor=SYSTEM, codes=["H11A"])
        assign_households("cadre_a2", actor=SYSTEM, codes=["H11B"])
        assign_households("cadre_b", actor=SYSTEM, codes=["H21A"])
        tokens = {u: issue_phone_token(_user(u), actor=SYSTEM).token for u in ("cadre_a", "cadre_a2", "cadre_b")}
    return SimpleNamespace(send={u: SubmitClient(client, f"/key/{t}") for u, t in tokens.items()})
