"""/api/v1/areas: list (scoped), create, import."""
from __future__ import annotations

import io

from tests.areas.conftest import PNG, make_csv, make_xlsx


def upload(client, headers, data, filename, dry_run=None):
    form = {"file": (io.BytesIO(data), filename)}
    if dry_run is not None:
        form["dry_run"] = dry_run
    return client.post("/api/v1/areas/import", data=form, headers=headers, content_type="multipart/form-data")


def test_list_is_scoped_and_filters_by_level_and_parent(client, make_user, api_token):
    staff = api_token(make_user("township", "T1"))
    codes = [a["code"] for a in client.get("/api/v1/areas", headers=staff).json["areas"]]
    assert codes == ["T1", "V11", "G111", "V12"]
    villages = client.get("/api/v1/areas?level=行政村", headers=staff).json["areas"]
    assert {a["code"] for a in villages} == {"V11", "V12"}
    assert villages[0]["parent_code"] == "T1" and villages[0]["level_label"] == "行政村"
    kids = client.get("/api/v1/areas?parent=V11", headers=staff).json["areas"]
    assert [a["code"] for a in kids] == ["G111"]
    assert client.get("/api/v1/areas?parent=T2", headers=staff).status_code == 404  # outside the scope
    assert client.get("/api/v1/areas/V21", headers=staff).status_code == 404
    assert client.get("/api/v1/areas/V11", headers=staff).json["name"] == "东一村"
    assert client.get("/api/v1/areas?level=大队", headers=staff).status_code == 422
    assert client.get("/api/v1/areas").status_code == 401


def test_create_checks_scope_and_input(client, make_user, api_token):
    admin_t1 = api_token(make_user("admin", "T1"))
    ok = client.post("/api/v1/areas", json={"code": "V13", "name": "东三村", "level": "village", "parent_code": "T1"},
                     headers=admin_t1)
    assert ok.status_code == 201 and ok.json == {"code": "V13", "name": "东三村", "level": "village",
                                                 "level_label": "行政村", "parent_code": "T1"}
    denied = client.post("/api/v1/areas", json={"code": "V22", "name": "西二村", "level": "村", "parent_code": "T2"},
                         headers=admin_t1)
    assert denied.status_code == 403 and denied.json["error"]["message"].startswith("没有权限")
    county = client.post("/api/v1/areas", json={"code": "C2", "name": "新县", "level": "县"}, headers=admin_t1)
    assert county.status_code == 403
    dup = client.post("/api/v1/areas", json={"code": "V13", "name": "x", "level": "village", "parent_code": "T1"},
                      headers=admin_t1)
    assert dup.status_code == 409
    bad = client.post("/api/v1/areas", json={"code": "V14", "level": "乡"}, headers=admin_t1)
    assert bad.status_code == 422 and {d["field"] for d in bad.json["error"]["details"]} == {"name"}
    staff = api_token(make_user("township", "T1"))
    assert client.post("/api/v1/areas", json={"code": "V19", "name": "x", "level": "村", "parent_code": "T1"},
                       headers=staff).status_code == 403


def test_import_dry_run_then_commit(client, make_user, api_token, area_names):
    admin = api_token(make_user("admin", "C"))
    data = make_xlsx([("V13", "东三村", "村", "T1"), ("G131", "东三村一组", "组", "V13")])
    dry = upload(client, admin, data, "a.xlsx", dry_run="true")
    assert dry.status_code == 200 and dry.json["dry_run"] is True and len(dry.json["created"]) == 2
    assert "V13" not in area_names()
    done = upload(client, admin, data, "a.xlsx")
    assert done.status_code == 200 and done.json["dry_run"] is False
    assert area_names()["G131"] == "东三村一组"


def test_import_with_bad_rows_is_422_with_details_and_stores_nothing(client, make_user, api_token, area_names):
    admin = api_token(make_user("admin", "C"))
    data = make_csv([("V13", "东三村", "村", "T1"), ("V14", "东四村", "村", "NOPE")], "gbk")
    resp = upload(client, admin, data, "bad.csv")
    assert resp.status_code == 422
    details = resp.json["error"]["details"]
    assert details == [{"row": 3, "code": "V14", "message": "找不到上级区划“NOPE”（文件和系统中都没有）",
                        "message_en": "Unknown parent area 'NOPE' (neither in the file nor in the system)"}]
    assert "V13" not in area_names()
    dry = upload(client, admin, data, "bad.csv", dry_run="1")
    assert dry.status_code == 200 and dry.json["errors"][0]["row"] == 3


def test_import_refuses_non_tables_and_bad_encodings(client, make_user, api_token):
    admin = api_token(make_user("admin", "C"))
    for name in ("fake.csv", "fake.xlsx"):
        resp = upload(client, admin, PNG, name)
        assert resp.status_code == 415 and resp.json["error"]["code"] == "not_a_spreadsheet"
    resp = upload(client, admin, "区划代码,名称,层级,上级代码\n".encode() + b"\x80\x81\xff\n", "x.csv")
    assert resp.status_code == 400 and resp.json["error"]["code"] == "bad_encoding"
    assert "UTF-8" in resp.json["error"]["message"]
    resp = client.post("/api/v1/areas/import", data={}, headers=admin)
    assert resp.status_code == 400 and resp.json["error"]["code"] == "no_file"
    truncated = make_xlsx([("V13", "东三村", "村", "T1")])[:-200]
    assert upload(client, admin, truncated, "cut.xlsx").status_code == 415


def test_township_staff_cannot_import(client, make_user, api_token, area_names):
    staff = api_token(make_user("township", "T1"))
    resp = upload(client, staff, make_xlsx([("V13", "东三村", "村", "T1")]), "a.xlsx")
    assert resp.status_code == 403
    assert "V13" not in area_names()


def test_dry_run_flag_is_validated(client, make_user, api_token, area_names):
    admin = api_token(make_user("admin", "C"))
    data = make_xlsx([("V13", "东三村", "村", "T1")])
    assert upload(client, admin, data, "a.xlsx", dry_run="True").json["dry_run"] is True
    resp = upload(client, admin, data, "a.xlsx", dry_run="maybe")
    assert resp.status_code == 422 and resp.json["error"]["details"][0]["field"] == "dry_run"
    assert "V13" not in area_names()


def test_openapi_documents_the_import(client):
    spec = client.get("/api/v1/openapi.json").json
    op = spec["paths"]["/api/v1/areas/import"]["post"]
    assert "multipart/form-data" in op["requestBody"]["content"]
    assert {"200", "415", "422"} <= set(op["responses"])
    assert {"Area", "AreaImportReport"} <= set(spec["components"]["schemas"])
