"""The household import through each transport: the page (upload → report → confirm), the JSON API, the CLI."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.areas.conftest import PNG, make_csv, make_xlsx
from tests.conftest import csrf_from
from tests.households.test_import import COL, HEADER, bad_register, family, stored


def upload_page(client, data, name):
    token = csrf_from(client.get("/households/import").data)
    return client.post("/households/import", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_page_upload_report_confirm(client, make_user, login, make_household, app):
    make_household("H1", "V11", head="王大")
    login(make_user("township", "T1"))
    rows = family("H1", "V11", "王大") + family("H2", "V12", "李二", seq=31)
    resp = upload_page(client, make_xlsx(rows, header=HEADER), "花名册.xlsx")
    html = resp.data.decode()
    assert resp.status_code == 200, html
    assert "共 6 行、2 户：新建 1 户，更新 1 户，无变化 0 户，错误 0 处" in html
    assert "成员" in html and "确认导入" in html and "李二" in html
    assert set(stored(app)) == {"H1"}  # checked, not stored
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', html).group(1)
    resp = client.post("/households/import/confirm", data={"csrf_token": csrf_from(resp.data), "sha256": sha,
                                                           "filename": "花名册.xlsx"})
    assert resp.status_code == 302
    got = stored(app)
    assert got["H2"][0] == "李二" and got["H1"][4] == 2 and len(got["H1"][5]) == 3
    follow = client.get(resp.headers["Location"])
    assert "导入完成：新建 1 户，更新 1 户，无变化 0 户" in follow.data.decode()
    again = client.post("/households/import/confirm", data={"csrf_token": csrf_from(follow.data), "sha256": sha})
    assert again.status_code == 400 and "重新上传" in again.data.decode()


def test_page_lists_bad_rows_offers_no_confirm_and_speaks_english(client, make_user, login, app):
    login(make_user("admin", "C"))
    rows, bad = bad_register()
    resp = upload_page(client, make_csv(rows, "gbk", header=HEADER), "bad.csv")
    html = resp.data.decode()
    assert resp.status_code == 422
    assert "sha256" not in html and "确认导入" not in html
    for row in bad:
        assert f'data-label="行号">{row}</td>' in html
    assert "校验位" in html and "没有户主行" in html
    assert stored(app) == {}
    client.get("/households/import?lang=en")
    html = upload_page(client, make_csv(rows, "gbk", header=HEADER), "bad.csv").data.decode()
    assert "The file has errors; no household was imported" in html and "check digit" in html


def test_page_refuses_a_png(client, make_user, login):
    login(make_user("admin", "C"))
    resp = upload_page(client, PNG, "花名册.xlsx")
    assert resp.status_code == 415 and "不是" in resp.data.decode()


def test_page_is_for_household_managers_only(client, make_user, login):
    login(make_user("supervisor", "C"))
    assert client.get("/households/import").status_code == 403


def test_template_download(client, make_user, login):
    login(make_user("township", "T1"))
    resp = client.get("/households/import/template.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(resp.data))
    assert [c.value for c in wb["农户"][1]] == HEADER and wb["农户"]["L2"].value == "杨明"
    assert "身份证号" in [c.value for c in wb["说明"]["A"]]


def upload_api(client, headers, data, name, **form):
    return client.post("/api/v1/households/import", data={"file": (io.BytesIO(data), name), **form},
                       headers=headers, content_type="multipart/form-data")


def test_api_dry_run_then_commit_then_unchanged(client, make_user, api_token, app):
    admin = api_token(make_user("admin", "C"))
    data = make_xlsx(family("H1", "V11", "王大") + family("H2", "V21", "赵二", seq=31), header=HEADER)
    dry = upload_api(client, admin, data, "a.xlsx", dry_run="true")
    assert dry.status_code == 200 and dry.json["dry_run"] is True and dry.json["created"] == 2
    assert dry.json["created_preview"][1] == {"row": 5, "code": "H2", "head_name": "赵二", "village_code": "V21",
                                              "members": 3}
    assert stored(app) == {}
    done = upload_api(client, admin, data, "a.xlsx")
    assert done.status_code == 200 and done.json["created"] == 2 and len(stored(app)) == 2
    again = upload_api(client, admin, data, "a.xlsx")
    assert again.json["created"] == 0 and again.json["unchanged"] == 2


def test_api_bad_rows_are_422_with_details(client, make_user, api_token, app):
    admin = api_token(make_user("admin", "C"))
    rows = family("H1", "V11", "王大")
    rows[1][COL["身份证号"]] = "4.30123E+17"
    resp = upload_api(client, admin, make_csv(rows, "utf-8", header=HEADER), "a.csv")
    assert resp.status_code == 422 and resp.json["error"]["code"] == "import_errors"
    [detail] = resp.json["error"]["details"]
    assert detail["row"] == 3 and detail["code"] == "H1" and "科学计数法" in detail["message"]
    assert stored(app) == {}


def test_api_scope_and_formats(client, make_user, api_token, app):
    staff = api_token(make_user("township", "T1"))
    cadre = api_token(make_user("cadre", "V11"))
    data = make_xlsx(family("H2", "V21", "赵二"), header=HEADER)
    assert upload_api(client, cadre, data, "a.xlsx").status_code == 403
    resp = upload_api(client, staff, data, "a.xlsx")
    assert resp.status_code == 422 and "没有权限" in resp.json["error"]["details"][0]["message"]
    assert upload_api(client, staff, PNG, "a.xlsx").status_code == 415
    assert upload_api(client, staff, data[:300], "a.xlsx").json["error"]["code"] == "corrupt_xlsx"
    assert upload_api(client, staff, data, "a.xlsx", dry_run="maybe").status_code == 422
    assert stored(app) == {}


def test_openapi_documents_the_import(client):
    spec = client.get("/api/v1/openapi.json").json
    op = spec["paths"]["/api/v1/households/import"]["post"]
    assert "multipart/form-data" in op["requestBody"]["content"]


def test_cli_import_dry_run_and_errors(runner, tmp_path, areas, app):
    path = tmp_path / "花名册.csv"
    path.write_bytes(make_csv(family("H1", "V11", "王大") + family("H2", "V12", "李二", seq=31), "gbk", header=HEADER))
    result = runner.invoke(args=["household", "import", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert "共 6 行、2 户：新建 2" in result.output and "未保存" in result.output and stored(app) == {}
    result = runner.invoke(args=["household", "import", str(path)])
    assert result.exit_code == 0 and "导入完成" in result.output and len(stored(app)) == 2

    rows = family("H3", "V11", "王三", seq=51)
    rows[0][COL["与户主关系"]] = "之子"
    path.write_bytes(make_csv(rows, "utf-8", header=HEADER))
    result = runner.invoke(args=["household", "import", str(path)])
    assert result.exit_code == 9
    assert "第 2 行 H3：户 H3 没有户主行" in result.output and "H3" not in stored(app)
