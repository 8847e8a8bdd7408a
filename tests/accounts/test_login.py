"""Web login: success, failures, CSRF, rate limit, safe redirects, sessions ending on password change."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from server.accounts.models import User
from server.audit.models import AuditEvent
from server.db import get_session
from tests.accounts.conftest import post_form, user_id
from tests.conftest import PASSWORD, csrf_from


def _events(app, action: str) -> list[SimpleNamespace]:
    with app.app_context():
        rows = get_session().scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        return [SimpleNamespace(actor_name=e.actor_name, actor_id=e.actor_id, ip=e.ip, detail=e.detail,
                                target=e.target) for e in rows]


def _attempt(client, username: str, password: str, **extra):
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_from(page.data), **extra})


def test_login_page_is_chinese_with_an_english_switch(client):
    page = client.get("/login")
    html = page.data.decode()
    assert page.status_code == 200
    assert "<h1>登录</h1>" in html and 'name="csrf_token"' in html and "English" in html
    assert 'name="viewport"' in html
    english = client.get("/login?lang=en").data.decode()
    assert "<h1>Log in</h1>" in english and "Username" in english


def test_login_success_opens_a_session_and_is_audited(app, client, make_user):
    name = make_user("cadre", "V11")
    assert client.get("/").status_code == 302
    resp = _attempt(client, name, PASSWORD)
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    [event] = _events(app, "login.success")
    assert event.actor_name == name and event.actor_id == user_id(app, name)
    assert event.ip == "127.0.0.1"
    with app.app_context():
        assert get_session().get(User, user_id(app, name)).password_hash.startswith("$argon2id$")


@pytest.mark.parametrize("case", ["wrong_password", "unknown_user", "inactive_user"])
def test_failed_login_is_refused_alike_and_audited_with_the_reason(app, client, make_user, case):
    name = make_user("cadre", "V11")
    if case == "inactive_user":
        with app.app_context():
            from server.db import unit_of_work

            with unit_of_work():
                get_session().get(User, user_id(app, name)).active = False
    username, password = {"wrong_password": (name, "not-the-password"), "unknown_user": ("nobody", PASSWORD),
                          "inactive_user": (name, PASSWORD)}[case]
    resp = _attempt(client, username, password)
    assert resp.status_code == 401
    assert "用户名或密码错误" in resp.data.decode()
    assert client.get("/").status_code == 302  # still logged out
    [event] = _events(app, "login.failure")
    assert event.actor_name == username and event.actor_id is None
    assert event.detail == {"reason": {"wrong_password": "bad_password", "unknown_user": "unknown_user",
                                       "inactive_user": "inactive"}[case]}


def test_login_without_csrf_token_is_400(app, client, make_user):
    name = make_user("cadre", "V11")
    resp = client.post("/login", data={"username": name, "password": PASSWORD})
    assert resp.status_code == 400
    assert "安全令牌" in resp.data.decode()
    assert client.get("/").status_code == 302
    assert _events(app, "login.success") == []
    bad = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": "forged"})
    assert bad.status_code == 400


def test_empty_fields_are_400_not_500(client):
    assert _attempt(client, "", "").status_code == 400


def test_failed_logins_are_rate_limited_per_address_and_username(limited_app, make_user):
    name = make_user("cadre", "V11")
    client = limited_app.test_client()
    for _ in range(3):
        assert _attempt(client, name, "wrong-password").status_code == 401
    blocked = _attempt(client, name, PASSWORD)  # even the right password waits now
    assert blocked.status_code == 429
    assert "登录失败次数过多" in blocked.data.decode()
    assert client.get("/").status_code == 302
    # Another username from the same address is counted separately.
    other = make_user("cadre", "V11")
    assert _attempt(client, other, PASSWORD).status_code == 302


def test_successful_logins_do_not_use_up_the_limit(limited_app, make_user):
    name = make_user("cadre", "V11")
    client = limited_app.test_client()
    for _ in range(6):
        assert _attempt(client, name, PASSWORD).status_code == 302
        assert client.post("/logout", data={"csrf_token": csrf_from(client.get("/tokens").data)}).status_code == 302


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example",
                                    "javascript:alert(1)", "http:/evil.example", "/%0a//evil.example".replace("%0a", "\n")])
def test_next_pointing_off_site_is_ignored(client, make_user, target):
    name = make_user("cadre", "V11")
    resp = _attempt(client, name, PASSWORD, next=target)
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"


def test_next_on_site_is_followed_from_the_login_redirect(client, make_user):
    name = make_user("admin", "C")
    bounce = client.get("/users?role=cadre")
    assert bounce.status_code == 302
    assert bounce.headers["Location"].startswith("/login?next=")
    page = client.get(bounce.headers["Location"])
    assert 'name="next" value="/users?role=cadre"' in page.data.decode()
    resp = client.post("/login", data={"username": name, "password": PASSWORD, "next": "/users?role=cadre",
                                       "csrf_token": csrf_from(page.data)})
    assert resp.headers["Location"] == "/users?role=cadre"


def test_logout_needs_post_and_ends_the_session(app, client, make_user, login):
    login(make_user("cadre", "V11"))
    assert client.get("/logout").status_code == 405
    resp = post_form(client, "/tokens", "/logout", {})
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    assert len(_events(app, "logout")) == 1


def test_password_reset_by_admin_ends_the_users_sessions(app, make_user, login, api_token):
    cadre = make_user("cadre", "V11")
    admin = make_user("admin", "C")
    cadre_client = login(cadre)
    assert cadre_client.get("/").status_code == 200
    resp = app.test_client().patch(f"/api/v1/users/{user_id(app, cadre)}", json={"password": "brand-new-pass"},
                                   headers=api_token(admin))
    assert resp.status_code == 200
    assert cadre_client.get("/").status_code == 302
    assert _attempt(app.test_client(), cadre, PASSWORD).status_code == 401
    assert _attempt(app.test_client(), cadre, "brand-new-pass").status_code == 302


def test_own_password_change_keeps_this_session_and_ends_the_others(app, make_user):
    name = make_user("supervisor", "T1")
    here, elsewhere = app.test_client(), app.test_client()
    for c in (here, elsewhere):
        assert _attempt(c, name, PASSWORD).status_code == 302
    wrong = post_form(here, "/password", "/password", {"current_password": "nope-nope", "new_password": "x" * 12})
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.data.decode()
    weak = post_form(here, "/password", "/password", {"current_password": PASSWORD, "new_password": "short"})
    assert weak.status_code == 422 and "密码至少 8 位" in weak.data.decode()
    ok = post_form(here, "/password", "/password", {"current_password": PASSWORD, "new_password": "a-new-password"})
    assert ok.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert [e.target for e in _events(app, "user.password")] == [name]


def test_deactivation_ends_the_session(app, make_user, login, api_token):
    cadre = make_user("cadre", "V11")
    c = login(cadre)
    resp = app.test_client().patch(f"/api/v1/users/{user_id(app, cadre)}", json={"active": False},
                                   headers=api_token(make_user("admin", "T1")))
    assert resp.status_code == 200 and resp.json["active"] is False
    assert c.get("/").status_code == 302
