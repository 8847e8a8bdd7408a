"""Bulk assignment through the API, the page and the CLI — the same service, the same checks."""
from __future__ import annotations

from server.households.service import find_household
from tests.conftest import csrf_from


def helpers(app, code):
    with app.app_context():
        return [u.username for u in find_household(code).helpers()]


def test_api_assigns_by_village_and_by_codes(app, client, registry, api_token):
    staff = api_token("t1_staff")
    resp = client.post("/api/v1/households/assignments", json={"cadre": "cadre_a", "village": "V11"}, headers=staff)
    assert resp.status_code == 200 and resp.json == {"changed": 2}
    assert helpers(app, "H11A") == ["cadre_a"] and helpers(app, "H11B") == ["cadre_a"]
    resp = client.post("/api/v1/households/assignments",
                       json={"cadre": "cadre_a2", "codes": ["H11B"], "mode": "replace"}, headers=staff)
    assert resp.json == {"changed": 1} and helpers(app, "H11B") == ["cadre_a2"]


def test_api_refuses_bad_requests_with_reasons(app, client, registry, api_token):
    staff = api_token("t1_staff")
    url = "/api/v1/households/assignments"
    both = client.post(url, json={"cadre": "cadre_a", "village": "V11", "codes": ["H11A"]}, headers=staff)
    assert both.status_code == 422 and "二选一" in both.json["error"]["message"]
    missing = client.post(url, json={"cadre": "cadre_a", "codes": ["H11A", "NOPE1", "NOPE2"]}, headers=staff)
    assert missing.status_code == 404 and [d["code"] for d in missing.json["error"]["details"]] == ["NOPE1", "NOPE2"]
    outside = client.post(url, json={"cadre": "cadre_b", "codes": ["H21A"]}, headers=staff)
    assert outside.status_code == 403
    assert client.post(url, json={"cadre": "cadre_a", "codes": ["H11A"]},
                       headers=api_token("cadre_a")).status_code == 403
    assert helpers(app, "H11A") == []


def test_the_page_assigns_from_a_pasted_list(app, client, registry, login):
    login("t1_staff")
    page = client.get("/households/assign")
    assert page.status_code == 200 and "cadre_a" in page.get_data(as_text=True)
    resp = client.post("/households/assign", data={"cadre": "cadre_a", "mode": "add", "codes": "H11A，H11B\n",
                                                   "csrf_token": csrf_from(page.data)})
    assert resp.status_code == 302
    assert "已更新 2 户的帮扶干部" in client.get("/households/assign").get_data(as_text=True)
    bad = client.post("/households/assign", data={"cadre": "cadre_a", "codes": "H21A",
                                                  "csrf_token": csrf_from(page.data)})
    assert bad.status_code == 403 and "不在您的范围内" in bad.get_data(as_text=True)


def test_the_cli_assigns_and_exits_with_a_code_on_errors(app, runner, registry):
    ok = runner.invoke(args=["household", "assign", "cadre_b", "--codes", "H21A"])
    assert ok.exit_code == 0, ok.output
    assert helpers(app, "H21A") == ["cadre_b"]
    bad = runner.invoke(args=["household", "assign", "cadre_b", "--codes", "H11A"])
    assert bad.exit_code == 9 and "工作区划不包括" in bad.output
    none = runner.invoke(args=["household", "assign", "cadre_b"])
    assert none.exit_code == 9


def test_the_households_page_links_import_and_assignment_for_staff_only(client, registry, login):
    login("t1_staff")
    html = client.get("/households").get_data(as_text=True)
    assert 'href="/households/assign"' in html and 'href="/households/import"' in html
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/households").data)})
    login("cadre_a")
    html = client.get("/households").get_data(as_text=True)
    assert "/households/assign" not in html and "/households/import" not in html
    assert 'href="/ledger"' in html and 'href="/poverty-lines"' not in html  # the nav follows permissions
