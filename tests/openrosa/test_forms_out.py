"""Forms out over OpenRosa, driven by a client that behaves as ODK Collect does."""
from __future__ import annotations

import hashlib
from types import SimpleNamespace

import pytest
from defusedxml.ElementTree import fromstring
from sqlalchemy import select

from server import create_app
from server.accounts.models import User
from server.accounts.permissions import SYSTEM
from server.accounts.phones import issue_phone_token, revoke_phone_token
from server.db import get_session, unit_of_work
from server.forms import service as forms
from tests.conftest import PASSWORD, empty_database
from tests.forms.conftest import PNG, xlsform
from tests.openrosa.collect_client import CollectClient

MEDIA_SURVEY = [["type", "name", "label", "image"],
                ["note", "welcome", "欢迎", "logo.png"],
                ["text", "household", "户主姓名", ""]]


@pytest.fixture
def app(database_url, tmp_path):
    """ODK Validate off: these tests are about serving forms, not checking them."""
    app = create_app({"database_url": database_url, "data_dir": tmp_path / "data", "exports_dir": tmp_path / "exports",
                      "secret_key": "test-secret", "testing": True, "odk_validate": "off"})
    yield app
    empty_database(app)


def _user(username):
    return get_session().scalar(select(User).where(User.username == username))


def publish(form_id, assign_to, *, survey=None, media=None, title=None):
    """Upload, add media, publish and assign a form (as the operator)."""
    kw = {"survey": survey} if survey else {}
    forms.upload_xlsform(xlsform(form_id=form_id, title=title or f"表单{form_id}", **kw), f"{form_id}.xlsx",
                         actor=SYSTEM, area_code="C")
    for name, data in (media or {}).items():
        forms.upload_media(form_id, name, data, actor=SYSTEM)
    forms.publish_draft(form_id, actor=SYSTEM)
    for area in assign_to:
        forms.assign_form(form_id, "cadre", area, actor=SYSTEM)


@pytest.fixture
def world(app, make_user, client):
    """cadre_a in V11 (T1), cadre_b in V21 (T2); forms: visit (T1, with a picture), common (whole county),
    west (T2), ending (T1, closing)."""
    make_user("cadre", "V11", username="cadre_a")
    make_user("cadre", "V21", username="cadre_b")
    with app.app_context(), unit_of_work():
        publish("visit", ["T1"], survey=MEDIA_SURVEY, media={"logo.png": PNG})
        publish("common", ["C"])
        publish("west", ["T2"])
        publish("ending", ["T1"])
        forms.set_form_state("ending", "closing", actor=SYSTEM)
        tokens = {u: issue_phone_token(_user(u), actor=SYSTEM).token for u in ("cadre_a", "cadre_b")}
    phones = {u: CollectClient(client, f"http://localhost/key/{t}") for u, t in tokens.items()}
    return SimpleNamespace(tokens=tokens, a=phones["cadre_a"], b=phones["cadre_b"], client=client)


def stored_xform(app, form_id) -> bytes:
    with app.app_context():
        return forms.get_xform_bytes(forms.get_form(form_id, actor=SYSTEM).current)


def test_a_cadre_lists_exactly_their_assigned_open_forms(world):
    assert [f["formID"] for f in world.a.form_list()] == ["common", "visit"]
    assert [f["formID"] for f in world.b.form_list()] == ["common", "west"]


def test_the_advertised_hash_is_the_md5_of_exactly_the_downloaded_bytes(app, world):
    for entry in world.a.form_list():
        data = world.a.download_form(entry)  # asserts hash == md5(bytes)
        assert data == stored_xform(app, entry["formID"])
        assert entry["version"] and entry["name"] == f"表单{entry['formID']}"


def test_urls_are_absolute_and_keep_the_token_prefix(world):
    entries = {f["formID"]: f for f in world.a.form_list()}
    prefix = f"http://localhost/key/{world.tokens['cadre_a']}/forms/"
    assert entries["visit"]["downloadUrl"] == prefix + "visit/form.xml"
    assert entries["visit"]["manifestUrl"] == prefix + "visit/manifest"
    assert "manifestUrl" not in entries["common"]  # no media, none referenced


def test_basic_auth_without_a_token_gets_plain_urls(world, make_user):
    # HTTP Basic is honoured in testing (over HTTPS only in production); cadre_a's own password
    phone = CollectClient(world.client, "http://localhost", auth=("cadre_a", PASSWORD))
    entries = phone.form_list()
    assert [e["downloadUrl"] for e in entries] == ["http://localhost/forms/common/form.xml",
                                                    "http://localhost/forms/visit/form.xml"]
    phone.download_form(entries[0])


def test_form_id_query_keeps_one_form(world):
    assert [f["formID"] for f in world.a.form_list("visit")] == ["visit"]
    assert world.a.form_list("west") == []  # exists, but not this cadre's
    assert world.a.form_list("nonesuch") == []


def test_another_cadres_token_neither_sees_nor_downloads_the_form(world):
    visit = world.a.form_list("visit")[0]
    assert "visit" not in [f["formID"] for f in world.b.form_list()]
    theirs = visit["downloadUrl"].replace(world.tokens["cadre_a"], world.tokens["cadre_b"])
    for url in (theirs, theirs.replace("form.xml", "manifest"), theirs.replace("form.xml", "media/logo.png")):
        resp = world.b.get(url)
        assert resp.status_code == 404, url
        assert b"nature=\"error\"" in resp.data and "没有分配给您".encode() in resp.data
        assert b"<h:html" not in resp.data and b"PNG" not in resp.data


ROUTES = ["/formList", "/formList?formID=visit", "/forms/visit/form.xml", "/forms/visit/manifest",
          "/forms/visit/media/logo.png", "/forms/nonesuch/form.xml"]


@pytest.mark.parametrize("route", ROUTES)
def test_a_bad_or_revoked_token_gets_403_on_every_route(app, world, route):
    with app.app_context(), unit_of_work():
        revoke_phone_token(_user("cadre_a"), actor=SYSTEM)
    for phone in (world.a, CollectClient(world.client, "http://localhost/key/not-a-token")):
        resp = phone.get(route)  # the client checks X-OpenRosa-Version on every answer
        assert resp.status_code == 403, (route, resp.status_code)
        assert "手机链接无效或已被吊销".encode() in resp.data
        assert "WWW-Authenticate" not in resp.headers  # no password prompt on the phone


def test_every_answer_carries_the_openrosa_headers_even_errors_and_heads(world):
    for route, status in [("/formList", 200), ("/forms/visit/form.xml", 200), ("/forms/visit/manifest", 200),
                          ("/forms/visit/media/logo.png", 200), ("/forms/west/form.xml", 404),
                          ("/forms/visit/media/missing.png", 404)]:
        for method in ("GET", "HEAD"):
            assert world.a.get(route, method=method).status_code == status, (route, method)


def test_a_closing_form_leaves_the_list_and_a_download_says_why(app, world):
    assert world.b.get("/forms/ending/form.xml").status_code == 404  # not cadre_b's form at all
    resp = world.a.get("/forms/ending/form.xml")
    assert resp.status_code == 410
    assert "已停止下发".encode() in resp.data
    with app.app_context(), unit_of_work():
        forms.set_form_state("visit", "closed", actor=SYSTEM)
    assert [f["formID"] for f in world.a.form_list()] == ["common"]
    assert world.a.get("/forms/visit/form.xml").status_code == 410
    assert world.a.get("/forms/visit/manifest").status_code == 410
    with app.app_context(), unit_of_work():
        forms.set_form_state("ending", "open", actor=SYSTEM)
    assert [f["formID"] for f in world.a.form_list()] == ["common", "ending"]


def test_the_manifest_lists_media_with_hashes_of_the_served_bytes_and_answers_304(world):
    visit = world.a.form_list("visit")[0]
    entries, resp = world.a.manifest(visit["manifestUrl"])
    assert [e["filename"] for e in entries] == ["logo.png"]
    media = world.a.get(entries[0]["downloadUrl"])
    assert media.status_code == 200 and media.data == PNG and media.mimetype == "image/png"
    assert entries[0]["hash"] == "md5:" + hashlib.md5(media.data).hexdigest()
    assert entries[0]["downloadUrl"].startswith(f"http://localhost/key/{world.tokens['cadre_a']}/")
    etag = resp.headers["ETag"]
    again, not_modified = world.a.manifest(visit["manifestUrl"], etag=etag)
    assert again is None and not_modified.status_code == 304 and not_modified.data == b""
    # another phone's manifest names other URLs, so it carries another ETag
    common_b = world.b.get("/forms/common/manifest")
    assert common_b.status_code == 200 and common_b.headers["ETag"] != etag


def test_a_new_version_changes_the_hash_and_the_manifest_etag(app, world):
    visit = world.a.form_list("visit")[0]
    _, first = world.a.manifest(visit["manifestUrl"])
    with app.app_context(), unit_of_work():
        survey = MEDIA_SURVEY + [["integer", "members", "家庭人口", ""]]
        forms.upload_xlsform(xlsform(form_id="visit", version="2", survey=survey, title="表单visit"), "v2.xlsx",
                             actor=SYSTEM)
        forms.upload_media("visit", "logo.png", PNG + b"\x00", actor=SYSTEM)
        forms.publish_draft("visit", actor=SYSTEM)
    updated = world.a.form_list("visit")[0]
    assert updated["version"] == "2" and updated["hash"] != visit["hash"]
    world.a.download_form(updated)
    entries, second = world.a.manifest(updated["manifestUrl"], etag=first.headers["ETag"])
    assert second.status_code == 200 and entries[0]["hash"] == "md5:" + hashlib.md5(PNG + b"\x00").hexdigest()


def test_the_form_download_serves_an_etag(world):
    entry = world.a.form_list("common")[0]
    resp = world.a.get(entry["downloadUrl"])
    assert resp.headers["ETag"].strip('"') == entry["hash"].removeprefix("md5:")
    assert world.a.get(entry["downloadUrl"], headers={"If-None-Match": resp.headers["ETag"]}).status_code == 304
    root = fromstring(resp.data)
    assert root.tag == "{http://www.w3.org/1999/xhtml}html"


@pytest.mark.parametrize("name, status", [("..", 400), ("%2e%2e", 400), ("..%2F..%2Fdata", 400), ("sub/logo.png", 400),
                                          ("..%5C..%5Cx.png", 400), ("logo.png%00.txt", 400),
                                          ("Logo.PNG", 404)])
def test_path_tricks_in_a_media_name_are_refused(world, name, status):
    resp = world.a.get(f"/forms/visit/media/{name}")
    assert resp.status_code == status, (name, resp.status_code, resp.data[:200])
    assert PNG not in resp.data


def test_a_form_that_refers_to_media_not_yet_uploaded_still_gets_a_manifest(app, world):
    with app.app_context(), unit_of_work():
        publish("pictures", ["V11"], survey=MEDIA_SURVEY)  # refers to logo.png, none uploaded
    entry = world.a.form_list("pictures")[0]
    assert entry["manifestUrl"].endswith("/forms/pictures/manifest")
    entries, _ = world.a.manifest(entry["manifestUrl"])
    assert entries == []
