"""Area pages through the test client: tree, add one, import upload → report → confirm."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.areas.conftest import PNG, make_csv, make_xlsx
from tests.conftest import csrf_from


def test_tree_shows_only_the_users_areas_with_child_counts(client, make_user, login):
    login(make_user("township", "T1"))
    page = client.get("/areas")
    html = page.data.decode()
    assert page.status_code == 200
    assert "东乡" in html and "东一村一组" in html and "西乡" not in html and "西一村" not in html
    assert "下级 2 个" in html  # T1 has V11 and V12
    assert "新建区划" not in html and "批量导入" not in html  # township staff do not manage areas
    assert client.get("/areas/import").status_code == 403


def test_admin_adds_an_area_and_sees_errors_in_the_form(client, make_user, login, area_names):
    login(make_user("admin", "T1"))
    page = client.get("/areas")
    token = csrf_from(page.data)
    resp = client.post("/areas", data={"csrf_token": token, "code": "V13", "name": "东三村", "level": "village",
                                       "parent_code": "T1"})
    assert resp.status_code == 302 and area_names()["V13"] == "东三村"
    resp = client.post("/areas", data={"csrf_token": token, "code": "V22", "name": "西二村", "level": "village",
                                       "parent_code": "T2"})
    assert resp.status_code == 403 and "没有权限" in resp.data.decode()
    assert 'value="V22"' in resp.data.decode()  # the form keeps what was typed
    assert "V22" not in area_names()


def test_import_upload_report_confirm(client, make_user, login, area_names):
    login(make_user("admin", "C"))
    page = client.get("/areas/import")
    assert page.status_code == 200
    data = make_xlsx([("V13", "东三村", "村", "T1"), ("V11", "东一村（更名）", "村", "T1")])
    resp = client.post("/areas/import", data={"csrf_token": csrf_from(page.data), "file": (io.BytesIO(data), "a.xlsx")},
                       content_type="multipart/form-data")
    html = resp.data.decode()
    assert resp.status_code == 200
    assert "新建 1，更新名称 1" in html and "东一村（更名）" in html and "确认导入" in html
    assert "V13" not in area_names()  # only checked so far
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', html).group(1)
    resp = client.post("/areas/import/confirm", data={"csrf_token": csrf_from(resp.data), "sha256": sha,
                                                      "filename": "a.xlsx"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/areas")
    names = area_names()
    assert names["V13"] == "东三村" and names["V11"] == "东一村（更名）"
    follow = client.get("/areas")
    assert "导入完成：新建 1 个，更新 1 个区划" in follow.data.decode()
    # the same confirmation cannot be replayed
    again = client.post("/areas/import/confirm", data={"csrf_token": csrf_from(follow.data),
                                                       "sha256": sha, "filename": "a.xlsx"})
    assert again.status_code == 400


def test_import_report_lists_bad_rows_and_offers_no_confirm(client, make_user, login, area_names):
    login(make_user("admin", "C"))
    token = csrf_from(client.get("/areas/import").data)
    data = make_csv([("V13", "东三村", "村", "T1"), ("V14", "东四村", "大队", "T1")], "gbk")
    resp = client.post("/areas/import", data={"csrf_token": token, "file": (io.BytesIO(data), "a.csv")},
                       content_type="multipart/form-data")
    html = resp.data.decode()
    assert resp.status_code == 422
    assert "<td>3</td><td>V14</td>" in html and "未知层级" in html
    assert "确认导入" not in html and "sha256" not in html
    assert "V13" not in area_names()


def test_confirm_needs_the_sessions_own_upload(client, make_user, login, app):
    from server.storage.blobs import get_store

    with app.app_context():
        sha = get_store().put_bytes(make_xlsx([("V13", "东三村", "村", "T1")]))
    login(make_user("admin", "C"))
    token = csrf_from(client.get("/areas/import").data)
    resp = client.post("/areas/import/confirm", data={"csrf_token": token, "sha256": sha})
    assert resp.status_code == 400 and "重新上传" in resp.data.decode()


def test_import_page_refuses_a_png(client, make_user, login):
    login(make_user("admin", "C"))
    token = csrf_from(client.get("/areas/import").data)
    resp = client.post("/areas/import", data={"csrf_token": token, "file": (io.BytesIO(PNG), "areas.xlsx")},
                       content_type="multipart/form-data")
    assert resp.status_code == 415 and "不是" in resp.data.decode()


def test_template_download_imports_cleanly(client, make_user, login, app):
    login(make_user("admin", "C"))
    resp = client.get("/areas/template.xlsx")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.data)).worksheets[0]
    assert [c.value for c in ws[1]] == ["区划代码", "名称", "层级", "上级代码"]
    assert ws["A3"].value == "431228101201"
    # the template's example rows are a valid import once their county exists
    from server.accounts.permissions import SYSTEM
    from server.areas.importer import import_areas
    from server.areas.service import create_area
    from server.db import unit_of_work

    with app.app_context(), unit_of_work():
        create_area("431228", "芷江侗族自治县", "县", None, actor=SYSTEM)
        report = import_areas(resp.data, "template.xlsx", actor=SYSTEM, dry_run=True)
    assert report["errors"] == [] and len(report["created"]) == 2


def test_tree_in_english(client, make_user, login):
    login(make_user("admin", "C"))
    html = client.get("/areas?lang=en").data.decode()
    assert "Import" in html and "Township" in html and "Add an area" in html and "区划代码" not in html
