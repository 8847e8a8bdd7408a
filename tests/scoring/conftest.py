"""Scoring fixtures: the shipped instruments published to cadre_a's phone, instances built from a form's
own XForm (its primary instance, answers filled in by field name), and the stored scores read back."""
from __future__ import annotations

import copy
import uuid
from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree as ET

import pytest
from defusedxml.ElementTree import fromstring
from sqlalchemy import select

from server.accounts.models import User
from server.accounts.permissions import SYSTEM
from server.accounts.phones import issue_phone_token
from server.db import get_session, unit_of_work
from server.forms import service as forms
from server.households.assignments import assign_households
from server.submissions.models import Submission
from tests.households.conftest import make_household, registry  # noqa: F401
from tests.openrosa.submit_client import SubmitClient, app  # noqa: F401

FORMS_DIR = Path(__file__).resolve().parents[2] / "forms" / "xlsform"
INSTRUMENTS = ("household_survey", "four_ones_visit", "living_environment")
XF = "{http://www.w3.org/2002/xforms}"
JR_TEMPLATE = "{http://openrosa.org/javarosa}template"


def shipped(form_id: str) -> bytes:
    return (FORMS_DIR / f"{form_id}.xlsx").read_bytes()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _fill(el: ET.Element, answers: dict) -> None:
    for child in el:
        name = _local(child.tag)
        child.tag = name
        if len(child):
            _fill(child, answers)
        elif name in answers:
            value = answers[name]
            child.text = "" if value is None else str(value)


def build_instance(xform: str | bytes, answers: dict, repeats: dict[str, list[dict]] | None = None,
                   instance_id: str | None = None) -> bytes:
    """An instance as Collect would write it: the XForm's primary instance, each ``repeats[name]`` entry
    one copy of the repeat (none when the list is empty), leaves filled from ``answers`` by name.
    An answer of None leaves the element empty; a name in ``drop`` of answers removes it."""
    doc = fromstring(xform)
    root = copy.deepcopy(doc.find(f".//{XF}instance")[0])
    for rep_name, entries in (repeats or {}).items():
        parents = [p for p in root.iter() for c in p if _local(c.tag) == rep_name]
        parent = parents[0]
        kids = [c for c in parent if _local(c.tag) == rep_name]
        position = list(parent).index(kids[0])
        for c in kids:
            parent.remove(c)
        for n, entry in enumerate(entries):
            node = copy.deepcopy(kids[-1])
            node.attrib.pop(JR_TEMPLATE, None)
            _fill(node, entry)
            parent.insert(position + n, node)
    for el in [e for e in root.iter() if e.get(JR_TEMPLATE) is not None]:
        el.attrib.pop(JR_TEMPLATE)
    _fill(root, {k: v for k, v in answers.items()})
    root.tag = _local(root.tag)
    for el in root.iter():
        if _local(el.tag) == "instanceID":
            el.text = instance_id or f"uuid:{uuid.uuid4()}"
    for name in answers.get("__drop__", ()):
        for parent in list(root.iter()):
            for c in [c for c in parent if _local(c.tag) == name]:
                parent.remove(c)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


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
