"""The audit log records logins, user and permission changes, tokens; admins filter it (UI and API)."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select, update

from server.audit.models import AuditEvent
from server.db import get_session, unit_of_work
from tests.conftest import PASSWORD, csrf_from


def _try_login(app, username, password):
    c = app.test_client()
    page = c.get("/login")
    return c.post("/login", data={"username": username, "password": password, "csrf_token": csrf_from(page.data)})


@pytest.fixture
def busy_log(app, client, make_user, api_token):
    """An admin for the whole county, and a little of everything in the log."""
    boss = make_user("admin", "C", username="boss")
    headers = api_token(boss)  # token.create
    assert _try_login(app, boss, PASSWORD).status_code == 302  # login.success
    assert _try_login(app, boss, "wrong-password").status_code == 401  # login.failure
    assert _try_login(app, "ghost", "whatever-pw").status_code == 401  # login.failure, unknown user
    created = client.post("/api/v1/users", headers=headers, json={
        "username": "east", "password": "long-enough-pw", "role": "cadre", "areas": ["V11"]})
    client.post("/api/v1/users", headers=headers, json={
        "username": "west", "password": "long-enough-pw", "role": "cadre", "areas": ["V21"]})
    client.patch(f"/api/v1/users/{created.json['id']}", headers=headers, json={"role": "supervisor"})
    token = client.post("/api/v1/tokens", headers=headers, json={"name": "tmp"})
    client.delete(f"/api/v1/tokens/{token.json['id']}", headers=headers)
    return headers


def test_every_kind_of_event_is_recorded_with_who_and_where_from(app, client, busy_log):
    events = client.get("/api/v1/audit", headers=busy_log).json["events"]
    actions = [e["action"] for e in events]
    for action in ("login.success", "login.failure", "user.create", "user.permissions", "token.create",
                   "token.revoke"):
        assert action in actions, action
    change = next(e for e in events if e["action"] == "user.permissions")
    assert change["actor"] == "boss" and change["target"] == "east"
    assert change["detail"] == {"role": ["cadre", "supervisor"]}
    assert change["ip"] == "127.0.0.1" and change["area"] == "V11"
    assert change["at"].endswith("Z")
    assert events == sorted(events, key=lambda e: e["id"], reverse=True)  # newest first
    assert "long-enough-pw" not in str(events) and "$argon2" not in str(events)  # no passwords, no hashes


def test_api_filters_by_action_and_username(client, busy_log):
    def actions(query):
        resp = client.get(f"/api/v1/audit?{query}", headers=busy_log)
        assert resp.status_code == 200
        return sorted({e["action"] for e in resp.json["events"]})

    assert actions("action=login") == ["login.failure", "login.success"]
    assert actions("action=user.create") == ["user.create"]
    ghost = client.get("/api/v1/audit?username=ghost", headers=busy_log).json["events"]
    assert [(e["action"], e["detail"]) for e in ghost] == [("login.failure", {"reason": "unknown_user"})]
    assert client.get("/api/v1/audit?action=nothing.like.this", headers=busy_log).json["events"] == []
    page = client.get("/api/v1/audit?limit=2&offset=1", headers=busy_log).json["events"]
    everything = client.get("/api/v1/audit", headers=busy_log).json["events"]
    assert [e["id"] for e in page] == [e["id"] for e in everything[1:3]]


def _rows(resp) -> list[str]:
    """The action of each row on the audit page, as its CSS class."""
    assert resp.status_code == 200
    return re.findall(r'<tr class="event ([a-z_-]+)">', resp.data.decode())


def _backdate(app, action: str, when: datetime) -> None:
    with app.app_context(), unit_of_work():
        get_session().execute(update(AuditEvent).where(AuditEvent.action == action).values(at=when))


def test_date_range_filters(app, client, busy_log, login):
    # 2024-05-01 16:30 UTC is 2024-05-02 00:30 in China.
    _backdate(app, "user.create", datetime(2024, 5, 1, 16, 30))
    _backdate(app, "token.revoke", datetime(2024, 5, 3, 12, 0))
    api = lambda q: sorted({e["action"] for e in client.get(f"/api/v1/audit?{q}", headers=busy_log).json["events"]})  # noqa: E731
    assert api("since=2024-05-01T00:00:00&until=2024-05-02T00:00:00") == ["user.create"]
    assert api("since=2024-05-02T00:00:00%2B08:00&until=2024-05-04T00:00:00%2B08:00") == ["token.revoke",
                                                                                      "user.create"]
    assert api("until=2024-05-02T00:00:00%2B08:00") == []  # 00:30 China time is after that midnight
    bad = client.get("/api/v1/audit?since=yesterday", headers=busy_log)
    assert bad.status_code == 422 and bad.json["error"]["details"][0]["field"] == "since"

    web = login("boss")
    day2 = _rows(web.get("/audit?since=2024-05-02&until=2024-05-02"))
    assert day2 == ["user-create"] * 3  # boss (by make_user), east, west
    assert _rows(web.get("/audit?since=2024-05-01&until=2024-05-01")) == []
    assert _rows(web.get("/audit?since=2024-05-02&until=2024-05-03")) == ["token-revoke"] + ["user-create"] * 3
    assert web.get("/audit?since=2024-13-40").status_code == 422


def test_web_page_filters_by_action_and_username(client, busy_log, login):
    web = login("boss")
    resp = web.get("/audit?action=login")
    assert sorted(set(_rows(resp))) == ["login-failure", "login-success"]
    page = resp.data.decode()
    assert "reason: unknown_user" in page and "登录失败" in page and "table-wrap" in page
    assert _rows(web.get("/audit?username=ghost")) == ["login-failure"]
    change = web.get("/audit?action=user.permissions")
    assert _rows(change) == ["user-permissions"]
    assert "role: cadre → supervisor" in change.data.decode()
    assert _rows(web.get("/audit?action=user.create&username=boss")) == ["user-create", "user-create"]


def test_admin_of_a_township_sees_only_events_filed_inside_it(app, client, busy_log, make_user, api_token):
    headers = api_token(make_user("admin", "T1", username="east_admin"))
    events = client.get("/api/v1/audit", headers=headers).json["events"]
    targets = {(e["action"], e["target"]) for e in events}
    assert ("user.create", "east") in targets
    assert ("user.create", "west") not in targets
    assert all(e["area"] is not None for e in events)  # unfiled events (unknown usernames) stay county-level
    assert not any(e["actor"] == "ghost" for e in events)


@pytest.mark.parametrize("role", ["designer", "township", "supervisor", "cadre"])
def test_only_admins_read_the_log(app, client, make_user, api_token, login, role):
    name = make_user(role, "C")
    resp = client.get("/api/v1/audit", headers=api_token(name))
    assert resp.status_code == 403 and "审计日志" in resp.json["error"]["message"]
    assert login(name).get("/audit").status_code == 403


def test_anonymous_gets_401_or_the_login_page(client, areas):
    assert client.get("/api/v1/audit").status_code == 401
    resp = client.get("/audit?action=login")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?next=")


def test_cli_actions_are_recorded_as_system_from_cli(app, runner, areas):
    runner.invoke(args=["user", "create", "fromcli", "--role", "cadre", "--area", "V11", "--password",
                        "long-enough-pw"])
    with app.app_context():
        ev = get_session().scalar(select(AuditEvent).where(AuditEvent.target == "fromcli"))
        assert (ev.action, ev.actor_name, ev.actor_id, ev.ip) == ("user.create", "system", None, "cli")


def test_log_in_english(client, busy_log, login):
    web = login("boss")
    page = web.get("/audit?lang=en").data.decode()
    assert "Audit log" in page and "failed login" in page
