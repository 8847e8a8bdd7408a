"""Poverty lines through the JSON API, the page and the CLI."""
from __future__ import annotations

from tests.conftest import csrf_from


def test_api_sets_lists_and_deletes_within_scope(client, make_user, api_token):
    boss, t1 = api_token(make_user("admin", "C")), api_token(make_user("township", "T1"))
    resp = client.post("/api/v1/poverty-lines", headers=boss, json={"area": "C", "year": 2020, "amount": "4000",
                                                                     "note": "退出标准"})
    assert resp.status_code == 200 and resp.json["amount"] == "4000.00" and resp.json["area_name"] == "测试县"
    client.post("/api/v1/poverty-lines", headers=boss, json={"area": "V21", "year": 2020, "amount": 4300})
    village = client.post("/api/v1/poverty-lines", headers=boss, json={"area": "V11", "year": 2020, "amount": 4200})
    # township staff see their areas' lines and the county's, never another township's; they may not set any
    assert [(r["area"], r["amount"]) for r in client.get("/api/v1/poverty-lines", headers=t1).json["lines"]] == [
        ("C", "4000.00"), ("V11", "4200.00")]
    resp = client.post("/api/v1/poverty-lines", headers=t1, json={"area": "V11", "year": 2021, "amount": 4000})
    assert resp.status_code == 403 and resp.json["error"]["message"].startswith("没有权限设定贫困线")
    assert client.delete(f"/api/v1/poverty-lines/{village.json['id']}", headers=t1).status_code == 403
    assert client.delete(f"/api/v1/poverty-lines/{village.json['id']}", headers=boss).status_code == 204
    assert client.delete(f"/api/v1/poverty-lines/{village.json['id']}", headers=boss).status_code == 404
    assert len(client.get("/api/v1/poverty-lines?year=2020", headers=boss).json["lines"]) == 2
    assert client.get("/api/v1/poverty-lines?year=2019", headers=boss).json["lines"] == []


def test_api_refuses_bad_input_in_chinese(client, make_user, api_token):
    boss = api_token(make_user("admin", "C"))
    cases = [({"area": "C", "year": 2020, "amount": -1}, 422, "大于 0"),
             ({"area": "C", "year": 1990, "amount": 4000}, 422, "2000–2100"),
             ({"area": "C", "year": 2020, "amount": "很多"}, 422, "金额"),
             ({"year": 2020, "amount": 4000}, 422, "必填"),
             ({"area": "NOPE", "year": 2020, "amount": 4000}, 404, "找不到区划")]
    for body, status, text in cases:
        resp = client.post("/api/v1/poverty-lines", headers=boss, json=body)
        assert resp.status_code == status and text in resp.json["error"]["message"], (body, resp.json)
    cadre = api_token(make_user("cadre", "V11"))
    assert client.get("/api/v1/poverty-lines", headers=cadre).status_code == 403


def test_page_lists_adds_and_edits_lines(client, make_user, login):
    login(make_user("admin", "C"))
    page = client.get("/poverty-lines")
    assert page.status_code == 200 and "尚未设定贫困线" in page.get_data(as_text=True)
    token = csrf_from(page.data)
    resp = client.post("/poverty-lines", data={"area": "V11", "year": "2020", "amount": "4200", "note": "村定标准",
                                               "csrf_token": token})
    assert resp.status_code == 302
    shown = client.get("/poverty-lines").get_data(as_text=True)
    assert 'data-year="2020" data-area="V11"' in shown and "4200.00" in shown and 'data-label="标准（元）"' in shown
    edit = client.get("/poverty-lines?area=V11&year=2020&amount=4200.00&note=x").get_data(as_text=True)
    assert 'value="4200.00"' in edit and '<option value="V11" selected' in edit
    client.post("/poverty-lines", data={"area": "V11", "year": "2020", "amount": "4250", "csrf_token": token})
    assert "4250.00" in client.get("/poverty-lines").get_data(as_text=True)
    resp = client.post("/poverty-lines", data={"area": "V11", "year": "2020", "amount": "0", "csrf_token": token})
    assert resp.status_code == 422 and "贫困线金额应大于 0" in resp.get_data(as_text=True)
    assert "Poverty lines" in client.get("/poverty-lines?lang=en").get_data(as_text=True)


def test_page_is_read_only_for_township_and_closed_to_cadres(client, make_user, login):
    login(make_user("township", "T1"))
    page = client.get("/poverty-lines").get_data(as_text=True)
    assert "设定或修改" not in page
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").data)})
    login(make_user("cadre", "V11"))
    assert client.get("/poverty-lines").status_code == 403


def test_cli_sets_and_lists(runner, areas):
    result = runner.invoke(args=["poverty-line", "set", "C", "2020", "4000", "--note", "2020 年退出标准"])
    assert result.exit_code == 0, result.output
    assert "测试县（C）2020 年：4000.00 元" in result.output
    runner.invoke(args=["poverty-line", "set", "V11", "2020", "4200"])
    listed = runner.invoke(args=["poverty-line", "list"]).output.splitlines()
    assert listed == ["2020\tC\t测试县\t4000.00\t2020 年退出标准", "2020\tV11\t东一村\t4200.00\t"]
    bad = runner.invoke(args=["poverty-line", "set", "C", "2020", "0"])
    assert bad.exit_code == 9 and "错误：贫困线金额应大于 0" in bad.output
    assert runner.invoke(args=["poverty-line", "set", "ZZ", "2020", "4000"]).exit_code == 5
    assert "尚未设定" in runner.invoke(args=["poverty-line", "list", "--year", "2019"]).output
