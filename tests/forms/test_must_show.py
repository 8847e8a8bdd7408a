"""Issue 2 "Must show": six uploads, each through the UI, the API and the CLI.

A valid XLSForm is stored as a draft and publishes with the MD5 of the served XForm;
every failure answers with its own 4xx (or CLI exit code), names the row where
pyxform knows it, and stores nothing: no form, no version, no media, no blob."""
from __future__ import annotations

import hashlib
import io

import pytest

from tests.conftest import csrf_from
from tests.forms.conftest import FAILURES, xlsform


def ui_upload(client, data: bytes, name: str, **fields):
    token = csrf_from(client.get("/forms/upload").data)
    return client.post("/forms/upload", data={"file": (io.BytesIO(data), name), "csrf_token": token, **fields},
                       content_type="multipart/form-data")


def api_upload(client, headers, data: bytes, name: str, **fields):
    return client.post("/api/v1/forms", data={"file": (io.BytesIO(data), name), **fields}, headers=headers,
                       content_type="multipart/form-data")


@pytest.mark.parametrize("case", FAILURES, ids=[c[0] for c in FAILURES])
def test_ui_refuses_bad_uploads_readably_and_stores_nothing(client, login, designer, stored, case):
    _, build, filename, status, _, row, fragment = case
    login(designer)
    before = stored()
    resp = ui_upload(client, build(), filename)
    page = resp.data.decode()
    assert resp.status_code == status
    assert fragment in page
    if row:
        assert f'<td data-label="行号">{row}</td>' in page
    assert 'role="alert"' in page and "上传 XLSForm" in page  # the upload page again, with the error on it
    assert stored() == before


@pytest.mark.parametrize("case", FAILURES, ids=[c[0] for c in FAILURES])
def test_api_refuses_bad_uploads_with_details_and_stores_nothing(client, api_token, designer, stored, case):
    _, build, filename, status, _, row, fragment = case
    before = stored()
    resp = api_upload(client, api_token(designer), build(), filename)
    assert resp.status_code == status
    error = resp.json["error"]
    assert error["message"] and error["message_en"]
    if row:
        assert [d["row"] for d in error["details"]] == [row]
        assert error["details"][0]["sheet"] == "survey"
        assert fragment in error["details"][0]["message"]
    else:
        assert fragment in error["message"]
    assert stored() == before


@pytest.mark.parametrize("case", FAILURES, ids=[c[0] for c in FAILURES])
def test_cli_refuses_bad_uploads_with_exit_codes_and_stores_nothing(runner, areas, stored, upload_file, case):
    _, build, filename, _, exit_code, row, fragment = case
    before = stored()
    result = runner.invoke(args=["form", "upload", str(upload_file(build(), filename))])
    assert result.exit_code == exit_code, result.output
    assert fragment in result.output
    if row:
        assert f"survey 表第 {row} 行" in result.output
    assert stored() == before


def test_duplicate_name_names_row_column_and_name_everywhere(client, login, api_token, runner, designer,
                                                             upload_file):
    from tests.forms.conftest import duplicate_name

    data = duplicate_name()
    login(designer)
    page = ui_upload(client, data, "dup.xlsx").data.decode()
    assert "问题名称“household”重复" in page and ">4<" in page and ">survey<" in page
    detail = api_upload(client, api_token(designer), data, "dup.xlsx").json["error"]["details"][0]
    assert (detail["sheet"], detail["row"], detail["column"]) == ("survey", 4, "name")
    assert "[row : 4]" in detail["message_en"]
    out = runner.invoke(args=["form", "upload", str(upload_file(data, "dup.xlsx"))]).output
    assert "survey 表第 4 行（name 列）：问题名称“household”重复" in out


def test_unknown_type_row_is_found_although_pyxform_gives_none(client, api_token, designer):
    from tests.forms.conftest import unknown_type

    detail = api_upload(client, api_token(designer), unknown_type(), "u.xlsx").json["error"]["details"][0]
    assert (detail["sheet"], detail["row"], detail["column"]) == ("survey", 3, "type")
    assert "integr" in detail["message"] and "Unknown question type 'integr'" in detail["message_en"]


def test_valid_form_through_the_ui_is_a_draft_that_publishes(client, login, designer, stored, app):
    login(designer)
    before = stored()
    resp = ui_upload(client, xlsform(), "visit.xlsx")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/forms/visit")
    page = client.get("/forms/visit").data.decode()
    assert "草稿" in page and "未运行 ODK Validate" in page and "发布版本 1" in page
    forms, versions, media, blobs = stored()
    assert (forms, versions, media) == (before[0] + 1, before[1] + 1, before[2])
    assert blobs == before[3] + 2  # the workbook and the XForm
    token = csrf_from(page.encode())
    assert client.post("/forms/visit/publish", data={"csrf_token": token}).status_code == 302
    page = client.get("/forms/visit").data.decode()
    assert "当前发布版本" in page and "发布版本 1" not in page
    xform = client.get(_xform_link(page))
    assert xform.status_code == 200 and xform.data.startswith(b"<?xml")
    assert hashlib.md5(xform.data).hexdigest() in page


def _xform_link(page: str) -> str:
    import re

    return re.search(r'href="(/forms/visit/versions/\d+/xform)"', page).group(1)


def test_valid_form_through_the_api_is_a_draft_that_publishes(client, api_token, designer):
    headers = api_token(designer)
    resp = api_upload(client, headers, xlsform(), "visit.xlsx")
    assert resp.status_code == 201
    body = resp.json
    assert (body["form_id"], body["draft"]["version"], body["draft"]["status"]) == ("visit", "1", "draft")
    assert body["current"] is None and body["draft"]["validated"] is False
    assert "未运行 ODK Validate" in body["draft"]["validate_note"]
    published = client.post("/api/v1/forms/visit/publish", headers=headers)
    assert published.status_code == 200 and published.json["status"] == "published"
    xform = client.get(f"/api/v1/forms/visit/versions/{published.json['id']}/xform", headers=headers)
    assert hashlib.md5(xform.data).hexdigest() == published.json["xform_md5"]
    assert published.json["hash"] == f"md5:{published.json['xform_md5']}"
    listed = client.get("/api/v1/forms", headers=headers).json["forms"]
    assert [(f["form_id"], f["current_version"], f["draft_version"]) for f in listed] == [("visit", "1", None)]


def test_valid_form_through_the_cli_uploads_and_publishes(runner, areas, upload_file, app):
    path = upload_file(xlsform(), "visit.xlsx")
    result = runner.invoke(args=["form", "upload", str(path), "--publish"])
    assert result.exit_code == 0, result.output
    assert "visit" in result.output and "已发布" in result.output
    md5 = result.output.split("md5:")[1].split()[0]
    from server.forms import service
    from server.accounts.permissions import SYSTEM

    with app.app_context():
        form = service.get_form("visit", actor=SYSTEM)
        assert form.current.version == "1" and form.draft is None
        assert hashlib.md5(service.get_xform_bytes(form.current)).hexdigest() == md5 == form.current.xform_md5
    listed = runner.invoke(args=["form", "list"])
    assert "visit\t走访表\topen" in listed.output and "published=1" in listed.output


def test_english_ui_shows_pyxform_text_and_english_labels(client, login, designer):
    from tests.forms.conftest import duplicate_name

    login(designer)
    client.get("/forms?lang=en")
    page = ui_upload(client, duplicate_name(), "dup.xlsx").data.decode()
    assert "The XLSForm has 1 error(s); nothing was stored" in page
    assert "[row : 4] On the &#39;survey&#39; sheet" in page and ">Row<" in page
    assert ui_upload(client, xlsform(), "visit.xlsx").status_code == 302
    page = client.get("/forms/visit").data.decode()
    assert "Publish version 1" in page and "Draft" in page
