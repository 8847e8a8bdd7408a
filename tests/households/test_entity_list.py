"""households.csv per cadre through Collect's own requests, visits linked to their household, and
the promise that one cadre's phone link never yields another cadre's households."""
from __future__ import annotations

import csv
import hashlib
import io
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from server.accounts.models import User
from server.accounts.permissions import SYSTEM
from server.accounts.phones import issue_phone_token
from server.db import get_session, unit_of_work
from server.forms import service as forms
from server.households.assignments import assign_households
from server.submissions.models import Submission
from tests.forms.conftest import xlsform
from tests.openrosa.collect_client import MANIFEST, CollectClient
from tests.openrosa.submit_client import SubmitClient, app  # noqa: F401

SURVEY = [["type", "name", "label"],
          ["select_one_from_file households.csv", "household", "帮扶户"],
          ["calculate", "head", "", ],
          ["text", "notes", "情况"]]


def _user(name):
    return get_session().scalar(select(User).where(User.username == name))


def _visit(household: str, instance_id: str) -> bytes:
    return (f'<?xml version="1.0"?><data id="hvisit" version="1"><household>{household}</household>'
            f'<head/><notes>好</notes><meta><instanceID>{instance_id}</instanceID></meta></data>').encode()


@pytest.fixture
def phones(app, client, registry):
    survey = [row[:] for row in SURVEY]
    survey[2] = ["calculate", "head", "", "pulldata('households', 'head_name', 'name', ${household})"]
    survey[0] = ["type", "name", "label", "calculation"]
    for row in survey[1:]:
        row += [""] * (4 - len(row))
    with app.app_context(), unit_of_work():
        forms.upload_xlsform(xlsform(survey=survey, form_id="hvisit", version="1", title="入户走访"), "h.xlsx",
                             actor=SYSTEM, area_code="C")
        forms.publish_draft("hvisit", actor=SYSTEM)
        forms.assign_form("hvisit", "cadre", "C", actor=SYSTEM)
        assign_households("cadre_a", actor=SYSTEM, codes=["H11A"])
        assign_households("cadre_a2", actor=SYSTEM, codes=["H11B"])
        assign_households("cadre_b", actor=SYSTEM, codes=["H21A"])
        tokens = {u: issue_phone_token(_user(u), actor=SYSTEM).token for u in ("cadre_a", "cadre_a2", "cadre_b")}
    return SimpleNamespace(tokens=tokens, **{u: CollectClient(client, f"http://localhost/key/{t}")
                                             for u, t in tokens.items()},
                           submit={u: SubmitClient(client, f"/key/{t}") for u, t in tokens.items()})


def _households_csv(phone: CollectClient, form_id: str = "hvisit"):
    [entry] = phone.form_list(form_id)
    entries, resp = phone.manifest(entry["manifestUrl"])
    [media] = [e for e in entries if e["filename"] == "households.csv"]
    data = phone.get(media["downloadUrl"])
    assert data.status_code == 200
    assert media["hash"] == "md5:" + hashlib.md5(data.data).hexdigest()
    return list(csv.DictReader(io.StringIO(data.data.decode("utf-8")))), resp, media


def test_each_cadre_receives_only_their_households_as_an_entity_list(phones):
    rows, resp, _ = _households_csv(phones.cadre_a)
    assert [r["name"] for r in rows] == ["H11A"]
    assert list(rows[0])[:3] == ["name", "label", "__version"]
    assert rows[0]["label"] == "H11A 王一（东一村）" and rows[0]["__version"] == "1"
    assert rows[0]["head_name"] == "王一" and rows[0]["members"] == "1" and rows[0]["category"] == "贫困户"
    assert rows[0]["geometry"] == "27.4 109.6 0 0"
    assert b'<mediaFile type="entityList">' in resp.data
    assert [r["name"] for r in _households_csv(phones.cadre_a2)[0]] == ["H11B"]
    assert [r["name"] for r in _households_csv(phones.cadre_b)[0]] == ["H21A"]


def test_a_reassignment_reaches_the_phone_at_its_next_refresh(app, phones):
    _, first, media = _households_csv(phones.cadre_a)
    [entry] = phones.cadre_a.form_list("hvisit")
    unchanged, resp = phones.cadre_a.manifest(entry["manifestUrl"], etag=first.headers["ETag"].strip('"'))
    assert unchanged is None and resp.status_code == 304  # cheap while nothing changed
    with app.app_context(), unit_of_work():
        assign_households("cadre_a", actor=SYSTEM, codes=["H11B"], mode="replace")
    entries, resp = phones.cadre_a.manifest(entry["manifestUrl"], etag=first.headers["ETag"].strip('"'))
    assert resp.status_code == 200
    rows, _, media_after = _households_csv(phones.cadre_a)
    assert [r["name"] for r in rows] == ["H11A", "H11B"]
    assert media_after["hash"] != media["hash"]
    assert [r["name"] for r in _households_csv(phones.cadre_a2)[0]] == []  # replaced: no longer theirs


def test_no_phone_link_yields_another_cadres_households(phones):
    """Every OpenRosa route that lists or serves households, with each token, in every combination."""
    owners = {"cadre_a": {"H11A"}, "cadre_a2": {"H11B"}, "cadre_b": {"H21A"}}
    others = {code for codes in owners.values() for code in codes}
    for name, phone in (("cadre_a", phones.cadre_a), ("cadre_a2", phones.cadre_a2), ("cadre_b", phones.cadre_b)):
        [entry] = phone.form_list("hvisit")
        for url in (entry["downloadUrl"], entry["manifestUrl"],
                    entry["manifestUrl"].replace("manifest", "media/households.csv")):
            body = phone.get(url).data.decode("utf-8")
            assert not any(code in body for code in others - owners[name]), (name, url)
        # another cadre's URLs, with this cadre's token, still give this cadre's list
        for other, token in phones.tokens.items():
            url = entry["manifestUrl"].replace(phones.tokens[name], token).replace("manifest", "media/households.csv")
            body = phone.get(url).data.decode("utf-8")
            assert {r["name"] for r in csv.DictReader(io.StringIO(body))} == owners[other]


def test_visits_are_linked_to_their_household_and_odd_ones_flagged(app, phones):
    send = phones.submit["cadre_a"]
    for code, iid in (("H11A", "uuid:own"), ("H11B", "uuid:not-mine"), ("H99", "uuid:unknown")):
        [resp] = send.send(_visit(code, iid))
        assert resp.status_code == 201  # nothing is lost
    with app.app_context():
        subs = {s.instance_id: s for s in get_session().scalars(select(Submission))}
        own, not_mine, unknown = subs["uuid:own"], subs["uuid:not-mine"], subs["uuid:unknown"]
        assert own.household.code == "H11A" and own.household_flag is None and own.area.code == "V11"
        assert not_mine.household.code == "H11B" and not_mine.household_flag == "not_assigned"
        assert unknown.household is None and unknown.household_flag == "unknown_household"


def test_the_shipped_instruments_are_household_bound(app):
    from pathlib import Path

    from pyxform.xls2xform import convert

    from server.households.linking import _read_paths

    root = Path(__file__).resolve().parents[2] / "forms" / "xlsform"
    found = {p.stem: _read_paths(convert(xlsform=str(p), file_type=".xlsx", validate=False).xform.encode())
             for p in root.glob("*.xlsx")}
    assert found == {"four_ones_visit": ("/data/grp_visit/household",),
                     "household_survey": ("/data/grp_household/household",),
                     "living_environment": ("/data/grp_visit/household",)}


def test_a_pulldata_lookup_alone_marks_the_key_field():
    from server.households.linking import _read_paths

    xform = (b'<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"><h:head>'
             b'<model><bind nodeset="/data/head" type="string" '
             b'calculate="pulldata(\'households\', \'head_name\', \'name\',  /data/code )"/></model>'
             b'</h:head><h:body/></h:html>')
    assert _read_paths(xform) == ("/data/code",)


def test_a_visit_sent_before_its_household_was_registered_is_linked_by_the_import(app, phones):
    from server.households.file import household_file
    from tests.areas.conftest import make_xlsx
    from tests.households.test_import import HEADER, family

    send = phones.submit["cadre_a"]
    for code, iid in (("H77", "uuid:early"), ("H88", "uuid:still-unknown")):
        [resp] = send.send(_visit(code, iid))
        assert resp.status_code == 201
    with app.app_context():
        early = get_session().scalar(select(Submission).where(Submission.instance_id == "uuid:early"))
        assert early.household is None and early.household_flag == "unknown_household"
        assert early.household_code == "H77"
    with app.app_context(), unit_of_work():
        from server.households.importer import import_households

        report = import_households(make_xlsx([HEADER] + family("H77", "V11", "陈七", size=2)), "农户.xlsx",
                                   actor=SYSTEM)
        assert report["created"] == 1
    with app.app_context():
        subs = {s.instance_id: s for s in get_session().scalars(select(Submission))}
        early, other = subs["uuid:early"], subs["uuid:still-unknown"]
        assert early.household.code == "H77" and early.area.code == "V11"
        # linked as sent: cadre_a is not (yet) one of the new household's cadres, so a person looks at it
        assert early.household_flag == "not_assigned"
        assert other.household is None and other.household_flag == "unknown_household"
        visits = household_file("H77", actor=_user("t1_staff")).visits  # in the household's file now
        assert [v.submission.instance_id for v in visits] == ["uuid:early"]
