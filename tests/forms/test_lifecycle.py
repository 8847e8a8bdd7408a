"""Draft → published versions, media files, states and assignments."""
from __future__ import annotations

import hashlib
import io
import re

import pytest
from sqlalchemy import select

from server.accounts.permissions import SYSTEM
from server.errors import BadRequest, Conflict, Invalid, TooLarge
from server.forms import service
from tests.conftest import csrf_from
from tests.forms.conftest import PNG, SURVEY, snap, xlsform

IMAGE_SURVEY = SURVEY + [["note", "photo_hint", "看示例照片"]]
IMAGE_SURVEY[0] = SURVEY[0] + ["media::image"]
IMAGE_SURVEY[-1] = ["note", "photo_hint", "看示例照片", "example.png"]


def upload(svc, data, name="visit.xlsx", **kw):
    return svc(lambda: snap(service.upload_xlsform(data, name, actor=SYSTEM, **kw)))


def form(svc, ref="visit"):
    return svc(lambda: snap(service.get_form(ref, actor=SYSTEM)))


def draft_or_current(svc, which, fn, *args):
    """fn(version, *args) on the form's draft or current version, inside the service context."""
    return svc(lambda: fn(getattr(service.get_form("visit", actor=SYSTEM), which), *args))


def test_publishing_twice_is_409(svc, areas, client, api_token, designer):
    upload(svc, xlsform())
    headers = api_token(designer)
    assert client.post("/api/v1/forms/visit/publish", headers=headers).status_code == 200
    again = client.post("/api/v1/forms/visit/publish", headers=headers)
    assert again.status_code == 409 and again.json["error"]["code"] == "no_draft"


def test_uploading_an_already_published_version_is_409_and_stores_nothing(svc, areas, stored):
    upload(svc, xlsform())
    svc(service.publish_draft, "visit", actor=SYSTEM)
    before = stored()
    with pytest.raises(Conflict) as err:
        upload(svc, xlsform(title="改过的标题"))
    assert err.value.code == "version_exists" and "version" in err.value.message
    assert stored() == before


def test_cli_publish_twice_exits_6(runner, areas, upload_file):
    assert runner.invoke(args=["form", "upload", str(upload_file(xlsform(), "v.xlsx"))]).exit_code == 0
    assert runner.invoke(args=["form", "publish", "visit"]).exit_code == 0
    result = runner.invoke(args=["form", "publish", "visit"])
    assert result.exit_code == 6 and "没有可发布的草稿" in result.output


def test_reupload_replaces_the_draft_and_a_new_version_keeps_the_old_one(svc, areas):
    upload(svc, xlsform(version="1", title="第一稿"))
    upload(svc, xlsform(version="1", title="第二稿"))
    f = form(svc)
    assert [(v.version, v.status, v.title) for v in f.versions] == [("1", "draft", "第二稿")]
    svc(service.publish_draft, "visit", actor=SYSTEM)
    upload(svc, xlsform(version="2", title="第二版"))
    f = form(svc)
    assert [(v.version, v.status) for v in f.versions] == [("1", "published"), ("2", "draft")]
    assert f.title == "第二版" and f.current.version == "1"
    old_md5 = f.current.xform_md5
    svc(service.publish_draft, "visit", actor=SYSTEM)
    f = form(svc)
    assert f.current.version == "2" and f.versions[0].xform_md5 == old_md5  # frozen


def test_missing_version_gets_a_timestamp_written_into_the_xform(svc, areas):
    upload(svc, xlsform(version=None))
    f = form(svc)
    version = f.draft.version
    assert re.fullmatch(r"20\d{12}", version)
    xml = draft_or_current(svc, "draft", service.get_xform_bytes)
    assert f'<data id="visit" version="{version}">'.encode() in xml
    assert hashlib.md5(xml).hexdigest() == f.draft.xform_md5
    svc(service.publish_draft, "visit", actor=SYSTEM)
    upload(svc, xlsform(version=None))  # the same second gives the next free stamp, never a duplicate
    f = form(svc)
    assert f.draft.version != f.current.version


def test_expected_media_upload_and_carry_over(svc, areas):
    upload(svc, xlsform(survey=IMAGE_SURVEY))
    status = draft_or_current(svc, "draft", service.media_status)
    assert [(s["filename"], s["kind"], s["expected"], s["media"]) for s in status] == \
        [("example.png", "images", True, None)]
    svc(service.upload_media, "visit", "example.png", PNG, actor=SYSTEM)
    svc(service.upload_media, "visit", "extra.csv", b"a,b\n1,2\n", actor=SYSTEM)
    f = form(svc)
    assert [(m.filename, m.content_type, m.md5) for m in f.draft.media] == [
        ("example.png", "image/png", hashlib.md5(PNG).hexdigest()),
        ("extra.csv", "text/csv", hashlib.md5(b"a,b\n1,2\n").hexdigest())]
    svc(service.publish_draft, "visit", actor=SYSTEM)
    with pytest.raises(Conflict):  # published media are frozen
        svc(service.upload_media, "visit", "example.png", b"other", actor=SYSTEM)
    upload(svc, xlsform(survey=IMAGE_SURVEY, version="2"))
    f = form(svc)
    assert [m.filename for m in f.draft.media] == ["example.png"]  # still expected: carried over
    assert [m.filename for m in f.current.media] == ["example.png", "extra.csv"]
    assert draft_or_current(svc, "draft", service.get_media_bytes, "example.png")[1] == PNG


def test_itemsets_csv_is_stored_as_media(svc, areas):
    survey = [["type", "name", "label", "choice_filter"], ["select_one county", "county", "县", None],
              ["select_one_external village", "village", "村", "county=${county}"]]
    choices = [["list_name", "name", "label"], ["county", "c1", "芷江"]]
    external = [["list_name", "name", "label", "county"], ["village", "v1", "东一村", "c1"]]
    upload(svc, xlsform(survey=survey, choices=choices, extra_sheets={"external_choices": external}))
    f = form(svc)
    media = {m.filename: m for m in f.draft.media}
    assert set(media) == {"itemsets.csv"}
    _, data = draft_or_current(svc, "draft", service.get_media_bytes, "itemsets.csv")
    assert b"village" in data and b"v1" in data
    status = draft_or_current(svc, "draft", service.media_status)
    assert [(s["filename"], s["expected"], s["media"] is not None) for s in status] == [("itemsets.csv", True, True)]


@pytest.mark.parametrize("name", ["../../x", "..\\..\\x.png", "sub/x.png", "/etc/passwd", ".."])
def test_media_names_with_paths_are_400(svc, areas, stored, name):
    upload(svc, xlsform())
    before = stored()
    with pytest.raises(BadRequest) as err:
        svc(service.upload_media, "visit", name, PNG, actor=SYSTEM)
    assert err.value.status == 400 and err.value.code == "bad_filename"
    assert stored() == before


def test_media_name_path_trick_through_ui_api_and_cli(svc, areas, client, login, api_token, designer, runner,
                                                      tmp_path):
    upload(svc, xlsform())
    resp = client.post("/api/v1/forms/visit/media", data={"file": (io.BytesIO(PNG), "../../x")},
                       headers=api_token(designer), content_type="multipart/form-data")
    assert resp.status_code == 400 and "路径" in resp.json["error"]["message"]
    login(designer)
    token = csrf_from(client.get("/forms/visit").data)
    resp = client.post("/forms/visit/media", data={"file": (io.BytesIO(PNG), "../../x"), "csrf_token": token},
                       content_type="multipart/form-data")
    assert resp.status_code == 400 and "不能包含路径" in resp.data.decode()
    # the CLI takes the name of a real file, so a path can only arrive as the file's own name
    (tmp_path / "ok.png").write_bytes(PNG)
    assert runner.invoke(args=["form", "media", "visit", str(tmp_path / "ok.png")]).exit_code == 0
    assert [m.filename for m in form(svc).draft.media] == ["ok.png"]


def test_media_over_the_limit_is_413(app, svc, areas):
    upload(svc, xlsform())
    limit = app.config["ZOUFANG"].media_max_bytes
    with pytest.raises(TooLarge):
        svc(service.upload_media, "visit", "big.bin", b"\0" * (limit + 1), actor=SYSTEM)


def test_states_and_what_phones_receive(svc, areas, make_user, app):
    from server.accounts.models import User
    from server.db import get_session

    cadre_v11 = make_user("cadre", "V11")
    cadre_v21 = make_user("cadre", "V21")
    township_t1 = make_user("township", "T1")
    upload(svc, xlsform(), area_code="C")

    def received(username):
        def run():
            user = get_session().scalar(select(User).where(User.username == username))
            return [f.xml_form_id for f in service.forms_for_user(user)]
        return svc(run)

    svc(service.assign_form, "visit", "cadre", "T1", actor=SYSTEM)
    assert received(cadre_v11) == []  # no published version yet
    svc(service.publish_draft, "visit", actor=SYSTEM)
    assert received(cadre_v11) == ["visit"]          # T1 contains V11
    assert received(cadre_v21) == []                 # V21 is in T2
    assert received(township_t1) == []               # assigned to cadres only
    svc(service.assign_form, "visit", "cadre", "G111", actor=SYSTEM)
    svc(service.unassign_form, "visit", "cadre", "T1", actor=SYSTEM)
    assert received(cadre_v11) == ["visit"]          # G111 lies inside V11
    for state, expected in (("closing", []), ("closed", []), ("open", ["visit"])):
        svc(service.set_form_state, "visit", state, actor=SYSTEM)
        assert received(cadre_v11) == expected
    with pytest.raises(Invalid) as err:
        svc(service.set_form_state, "visit", "paused", actor=SYSTEM)
    assert err.value.code == "bad_state"


def test_state_and_assignment_through_api_and_cli(svc, areas, client, api_token, designer, runner):
    upload(svc, xlsform())
    headers = api_token(designer)
    resp = client.post("/api/v1/forms/visit/state", json={"state": "closing"}, headers=headers)
    assert resp.status_code == 200 and resp.json["state"] == "closing"
    assert client.post("/api/v1/forms/visit/state", json={"state": "x"}, headers=headers).status_code == 422
    resp = client.post("/api/v1/forms/visit/assignments", json={"role": "cadre", "area": "T2"}, headers=headers)
    assert resp.status_code == 201 and resp.json == {"role": "cadre", "area": "T2", "area_name": "西乡"}
    assert client.post("/api/v1/forms/visit/assignments", json={"area": "NOPE"}, headers=headers).status_code == 422
    listed = client.get("/api/v1/forms/visit/assignments", headers=headers).json["assignments"]
    assert [(a["role"], a["area"]) for a in listed] == [("cadre", "T2")]
    assert client.delete("/api/v1/forms/visit/assignments", json={"role": "cadre", "area": "T2"},
                         headers=headers).status_code == 204
    result = runner.invoke(args=["form", "state", "visit", "closed"])
    assert result.exit_code == 0 and "closed" in result.output
    result = runner.invoke(args=["form", "assign", "visit", "--role", "cadre", "--area", "V21"])
    assert result.exit_code == 0
    assert runner.invoke(args=["form", "assign", "visit", "--area", "NOPE"]).exit_code == 9
    f = form(svc)
    assert f.state == "closed" and f.assignments == [("cadre", "V21")]


def test_ui_form_page_state_assign_and_downloads(svc, areas, client, login, designer):
    workbook = xlsform(survey=IMAGE_SURVEY)
    upload(svc, workbook)
    login(designer)
    page = client.get("/forms/visit").data.decode()
    assert "example.png" in page and "缺少" in page and "还缺少 1 个媒体文件" in page
    token = csrf_from(page.encode())
    resp = client.post("/forms/visit/media", data={"file": (io.BytesIO(PNG), "example.png"), "csrf_token": token},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    page = client.get("/forms/visit").data.decode()
    assert "还缺少" not in page
    assert client.post("/forms/visit/state", data={"state": "closing", "csrf_token": token}).status_code == 302
    assert client.post("/forms/visit/assignments", data={"role": "cadre", "area": "T1", "csrf_token": token}
                       ).status_code == 302
    page = client.get("/forms/visit").data.decode()
    assert "停止下发" in page and "东乡（T1）" in page
    source = client.get(re.search(r'href="(/forms/visit/versions/\d+/source)"', page).group(1))
    assert source.status_code == 200 and source.data == workbook
    media = client.get(re.search(r'href="(/forms/visit/versions/\d+/media/example.png)"', page).group(1))
    assert media.data == PNG
    assert client.post("/forms/visit/assignments/remove",
                       data={"role": "cadre", "area": "T1", "csrf_token": token}).status_code == 302
    assert client.post("/forms/visit/publish", data={}).status_code == 400  # no CSRF token


def test_api_form_detail_shows_expected_and_uploaded_media(svc, areas, client, api_token, designer):
    upload(svc, xlsform(survey=IMAGE_SURVEY))
    headers = api_token(designer)
    client.post("/api/v1/forms/visit/media", data={"file": (io.BytesIO(PNG), "example.png")}, headers=headers,
                content_type="multipart/form-data")
    body = client.get("/api/v1/forms/visit", headers=headers).json
    assert body["draft"]["media_status"] == [{"filename": "example.png", "kind": "images", "expected": True,
                                              "uploaded": True, "md5": hashlib.md5(PNG).hexdigest(),
                                              "size": len(PNG)}]
    assert body["draft"]["media"][0]["hash"] == f"md5:{hashlib.md5(PNG).hexdigest()}"
    assert client.get("/api/v1/forms/nope", headers=headers).status_code == 404
    assert client.get("/api/v1/forms").status_code == 401
