"""Who may see, upload, publish and assign forms (role × inside/outside the form's area)."""
from __future__ import annotations

import io

import pytest

from server.accounts.permissions import SYSTEM
from server.forms import service
from tests.conftest import csrf_from
from tests.forms.conftest import snap, xlsform
from tests.forms.test_must_show import api_upload


@pytest.fixture
def county_form(svc, areas):
    """A form owned by county C, and one owned by township T2."""
    svc(service.upload_xlsform, xlsform(), "visit.xlsx", actor=SYSTEM, area_code="C")
    svc(service.upload_xlsform, xlsform(form_id="t2_check", title="西乡检查"), "t2.xlsx", actor=SYSTEM,
        area_code="T2")
    return "visit"


def test_designer_of_t2_sees_but_cannot_manage_the_county_form(client, api_token, make_user, county_form, stored):
    headers = api_token(make_user("designer", "T2"))
    listed = [f["form_id"] for f in client.get("/api/v1/forms", headers=headers).json["forms"]]
    assert listed == ["t2_check", "visit"]
    before = stored()
    for resp in (client.post("/api/v1/forms/visit/publish", headers=headers),
                 client.post("/api/v1/forms/visit/state", json={"state": "closed"}, headers=headers),
                 client.post("/api/v1/forms/visit/assignments", json={"area": "T2"}, headers=headers),
                 client.post("/api/v1/forms/visit/media", data={"file": (io.BytesIO(b"x"), "a.png")},
                             headers=headers, content_type="multipart/form-data"),
                 api_upload(client, headers, xlsform(version="2"), "visit.xlsx")):
        assert resp.status_code == 403, resp.json
    assert stored() == before
    # its own township's form it manages
    assert client.post("/api/v1/forms/t2_check/publish", headers=headers).status_code == 200


def test_designer_of_t1_does_not_see_the_t2_form(client, api_token, make_user, county_form):
    headers = api_token(make_user("designer", "T1"))
    assert [f["form_id"] for f in client.get("/api/v1/forms", headers=headers).json["forms"]] == ["visit"]
    assert client.get("/api/v1/forms/t2_check", headers=headers).status_code == 404
    assert client.post("/api/v1/forms/t2_check/publish", headers=headers).status_code == 404


def test_designer_cannot_assign_outside_own_area(svc, client, api_token, make_user, areas):
    headers = api_token(make_user("designer", "T1"))
    assert api_upload(client, headers, xlsform(), "visit.xlsx").status_code == 201
    form = svc(lambda: snap(service.get_form("visit", actor=SYSTEM)))
    assert form.area == "T1"  # a new form belongs to the uploader's area
    assert client.post("/api/v1/forms/visit/assignments", json={"area": "V11"}, headers=headers).status_code == 201
    assert client.post("/api/v1/forms/visit/assignments", json={"area": "V21"}, headers=headers).status_code == 403


def test_designer_cannot_create_a_form_in_an_area_outside_scope(client, api_token, make_user, areas, stored):
    headers = api_token(make_user("designer", "T1"))
    before = stored()
    assert api_upload(client, headers, xlsform(), "visit.xlsx", area="T2").status_code == 403
    assert stored() == before


@pytest.mark.parametrize("role", ["cadre", "township", "supervisor"])
def test_roles_without_form_manage_cannot_upload(client, api_token, login, make_user, areas, stored, role):
    username = make_user(role, "T1")
    before = stored()
    resp = api_upload(client, api_token(username), xlsform(), "visit.xlsx")
    assert resp.status_code == 403 and resp.json["error"]["code"] == "forbidden"
    login(username)
    assert client.get("/forms/upload").status_code == 403
    token = csrf_from(client.get("/").data)
    resp = client.post("/forms/upload", data={"file": (io.BytesIO(xlsform()), "visit.xlsx"), "csrf_token": token},
                       content_type="multipart/form-data")
    assert resp.status_code == 403
    assert stored() == before


@pytest.mark.parametrize("role,sees", [("township", True), ("supervisor", True), ("cadre", False)])
def test_who_may_view_forms(client, login, make_user, county_form, role, sees):
    login(make_user(role, "T1"))
    listing = client.get("/forms")
    page = client.get("/forms/visit")
    if sees:
        assert listing.status_code == 200 and "走访表" in listing.data.decode()
        assert page.status_code == 200 and "发布版本" not in page.data.decode()  # no manage buttons
        assert "t2_check" not in listing.data.decode()
    else:
        assert listing.status_code == 403 and page.status_code == 404


def test_upload_publish_state_assign_and_media_are_audited(svc, client, api_token, designer, areas):
    from server.audit.models import AuditEvent
    from server.db import get_session
    from sqlalchemy import select

    headers = api_token(designer)
    assert api_upload(client, headers, xlsform(), "visit.xlsx").status_code == 201
    client.post("/api/v1/forms/visit/media", data={"file": (io.BytesIO(b"a,b\n"), "list.csv")}, headers=headers,
                content_type="multipart/form-data")
    client.post("/api/v1/forms/visit/publish", headers=headers)
    client.post("/api/v1/forms/visit/state", json={"state": "closing"}, headers=headers)
    client.post("/api/v1/forms/visit/assignments", json={"area": "T1"}, headers=headers)
    events = svc(lambda: [(e.action, e.actor_name, e.target, e.area_id is not None)
                          for e in get_session().scalars(select(AuditEvent).where(AuditEvent.action.like("form.%"))
                                                         .order_by(AuditEvent.id))])
    assert events == [(a, designer, "visit", True) for a in
                      ("form.upload", "form.media", "form.publish", "form.state", "form.assign")]


def test_failed_upload_leaves_no_audit_event(svc, client, api_token, designer, areas):
    from server.audit.models import AuditEvent
    from server.db import get_session
    from sqlalchemy import func, select
    from tests.forms.conftest import duplicate_name

    assert api_upload(client, api_token(designer), duplicate_name(), "d.xlsx").status_code == 422
    assert svc(lambda: get_session().scalar(select(func.count()).select_from(AuditEvent)
                                            .where(AuditEvent.action == "form.upload"))) == 0
