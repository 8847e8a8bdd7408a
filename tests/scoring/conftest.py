"""Scoring fixtures: the shipped instruments published to cadre_a's phone, instances built from a form's
own XForm (its primary instance, answers filled in by field name), and the stored scores read back."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from server.accounts.models import User
from server.accounts.permissions import SYSTEM
from server.accounts.phones import issue_phone_token
from server.db import get_session, unit_of_work
from server.forms import service as forms
from server.forms.instance_builder import build_instance  # noqa: F401  (tests import it from here)
from server.households.assignments import assign_households
from server.submissions.models import Submission
from tests.households.conftest import make_household, registry  # noqa: F401
from tests.openrosa.submit_client import SubmitClient, app  # noqa: F401

FORMS_DIR = Path(__file__).resolve().parents[2] / "forms" / "xlsform"
INSTRUMENTS = ("household_survey", "four_ones_visit", "living_environment")


def shipped(form_id: str) -> bytes:
    return (FORMS_DIR / f"{form_id}.xlsx").read_bytes()


def _user(name):
    return get_session().scalar(select(User).where(User.username == name))


@pytest.fixture
def field(app, client, registry):  # noqa: F811
    """The three instruments published and assigned to cadres; cadre_a (V11) helps H11A and H11B."""
    xforms = {}
    with app.app_context(), unit_of_work():
        for form_id in INSTRUMENTS:
            forms.upload_xlsform(shipped(form_id), f"{form_id}.xlsx", actor=SYSTEM, area_code="C")
            version = forms.publish_draft(form_id, actor=SYSTEM)
            forms.assign_form(form_id, "cadre", "C", actor=SYSTEM)
            xforms[form_id] = forms.get_xform_bytes(version)
        assign_households("cadre_a", actor=SYSTEM, codes=["H11A", "H11B"])
        token = issue_phone_token(_user("cadre_a"), actor=SYSTEM).token
    return SimpleNamespace(xforms=xforms, phone=SubmitClient(client, f"/key/{token}"), app=app)


@pytest.fixture
def scores(app):
    """scores(instance_id) → {name: (status, value, reason)} of that submission's current version."""
    def read(instance_id: str) -> dict:
        with app.app_context():
            sub = get_session().scalar(select(Submission).where(Submission.instance_id == instance_id))
            assert sub is not None, instance_id
            result = sub.current.score
            assert result is not None, "the submission was not scored"
            return {r["name"]: (r["status"], r["value"], r["reason"]) for r in result.rows}

    return read
