"""/api/v1/me, /users: area scoping at the endpoints, validation, never a hash in the output."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from server.accounts.models import User
from server.db import get_session
from tests.accounts.conftest import user_id


def _count_users(app) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count(User.id)))


def _no_secrets(body) -> None:
    text = json.dumps(body)
    assert "password_hash" not in text and "token_hash" not in text and "$argon2" not in text


def test_me_answers_with_the_token_owner(app, client, make_user, api_token):
    name = make_user("cadre", "V11")
    resp = client.get("/api/v1/me", headers=api_token(name))
    assert resp.status_code == 200
    assert resp.json["username"] == name and resp.json["role"] == "cadre"
    assert [a["code"] for a in resp.json["areas"]] == ["V11"]
    _no_secrets(resp.json)


def test_no_token_or_a_bad_one_is_401_with_a_chinese_message(client, areas):
    for headers in ({}, {"Authorization": "Bearer zf_not-a-real-token"}, {"Authorization": "Basic eDp5"}):
        resp = client.get("/api/v1/me", headers=headers)
        assert resp.status_code == 401
        assert resp.json["error"]["code"] == "unauthenticated" and "令牌" in resp.json["error"]["message"]


def test_admin_lists_only_users_inside_their_areas_with_filters(client, make_user, api_token):
    admin_t1 = make_user("admin", "T1", username="admin_t1")
    make_user("cadre", "V11", username="cadre_v11")
    make_user("cadre", "G111", username="cadre_g111")
    make_user("township", "T1", username="staff_t1")
    make_user("cadre", "V21", username="cadre_v21")
    make_user("admin", "C", username="admin_c")
    headers = api_token(admin_t1)
    names = lambda resp: sorted(u["username"] for u in resp.json["users"])  # noqa: E731
    resp = client.get("/api/v1/users", headers=headers)
    assert resp.status_code == 200
    assert names(resp) == ["admin_t1", "cadre_g111", "cadre_v11", "staff_t1"]
    _no_secrets(resp.json)
    assert names(client.get("/api/v1/users?role=cadre", headers=headers)) == ["cadre_g111", "cadre_v11"]
    assert names(client.get("/api/v1/users?area=V11", headers=headers)) == ["cadre_g111", "cadre_v11"]
    assert client.get("/api/v1/users?area=V21", headers=headers).status_code == 404  # outside: not even named
    bad = client.get("/api/v1/users?role=king", headers=headers)
    assert bad.status_code == 422 and bad.json["error"]["details"][0]["field"] == "role"
    county = client.get("/api/v1/users", headers=api_token("admin_c"))
    assert len(county.json["users"]) == 6


@pytest.mark.parametrize("role", ["designer", "township", "supervisor", "cadre"])
def test_only_admins_may_list_users(client, make_user, api_token, login, role):
    name = make_user(role, "C")
    resp = client.get("/api/v1/users", headers=api_token(name))
    assert resp.status_code == 403 and resp.json["error"]["code"] == "forbidden"
    assert "没有权限" in resp.json["error"]["message"]
    assert login(name).get("/users").status_code == 403


def test_admin_outside_the_area_cannot_see_or_change_a_user(app, client, make_user, api_token):
    admin_t1 = make_user("admin", "T1")
    other = make_user("cadre", "V21")
    headers = api_token(admin_t1)
    uid = user_id(app, other)
    assert client.get(f"/api/v1/users/{uid}", headers=headers).status_code == 404
    resp = client.patch(f"/api/v1/users/{uid}", json={"role": "admin"}, headers=headers)
    assert resp.status_code == 404
    assert client.patch(f"/api/v1/users/{uid}", json={"active": False}, headers=headers).status_code == 404
    with app.app_context():
        u = get_session().get(User, uid)
        assert (u.role, u.active) == ("cadre", True)
    assert client.get("/api/v1/users/999999", headers=headers).status_code == 404


def test_admin_may_see_but_not_change_a_user_who_reaches_outside_their_area(app, client, make_user, api_token):
    headers = api_token(make_user("admin", "T1"))
    both = user_id(app, make_user("cadre", "V11", "V21"))
    assert client.get(f"/api/v1/users/{both}", headers=headers).status_code == 200
    resp = client.patch(f"/api/v1/users/{both}", json={"role": "supervisor"}, headers=headers)
    assert resp.status_code == 403
    with app.app_context():
        assert get_session().get(User, both).role == "cadre"


def test_admin_creates_and_updates_users_inside_their_area_only(app, client, make_user, api_token):
    headers = api_token(make_user("admin", "T1"))
    before = _count_users(app)
    outside = client.post("/api/v1/users", headers=headers,
                          json={"username": "newbie", "password": "long-enough-pw", "role": "cadre", "areas": ["T2"]})
    assert outside.status_code == 403 and _count_users(app) == before
    mixed = client.post("/api/v1/users", headers=headers, json={
        "username": "newbie", "password": "long-enough-pw", "role": "cadre", "areas": ["V11", "V21"]})
    assert mixed.status_code == 403 and _count_users(app) == before
    created = client.post("/api/v1/users", headers=headers, json={
        "username": "newbie", "password": "long-enough-pw", "role": "cadre", "areas": ["V11"],
        "display_name": "新干部", "phone": "13800000000"})
    assert created.status_code == 201
    assert created.json["display_name"] == "新干部" and created.json["active"] is True
    _no_secrets(created.json)
    uid = created.json["id"]
    moved = client.patch(f"/api/v1/users/{uid}", headers=headers, json={"areas": ["V12", "G111"], "role": "township"})
    assert moved.status_code == 200
    assert sorted(a["code"] for a in moved.json["areas"]) == ["G111", "V12"] and moved.json["role"] == "township"
    away = client.patch(f"/api/v1/users/{uid}", headers=headers, json={"areas": ["T2"]})
    assert away.status_code == 403
    assert sorted(a["code"] for a in client.get(f"/api/v1/users/{uid}", headers=headers).json["areas"]) == [
        "G111", "V12"]


@pytest.mark.parametrize("body,status,code", [
    ({"username": "x y", "password": "long-enough-pw", "role": "cadre", "areas": ["V11"]}, 422, "bad_username"),
    ({"username": "ok", "password": "short", "role": "cadre", "areas": ["V11"]}, 422, "weak_password"),
    ({"username": "ok", "password": "long-enough-pw", "role": "king", "areas": ["V11"]}, 422, "invalid"),
    ({"username": "ok", "password": "long-enough-pw", "role": "cadre", "areas": []}, 422, "invalid"),
    ({"username": "ok", "password": "long-enough-pw", "role": "cadre", "areas": ["NOPE"]}, 422, "unknown_area"),
    ({"username": "ok", "password": "long-enough-pw", "role": "cadre"}, 422, "invalid"),
    ({"username": "ok", "password": "long-enough-pw", "role": "cadre", "areas": ["V11"], "is_root": True}, 422,
     "invalid"),
    ({"username": "dup", "password": "long-enough-pw", "role": "cadre", "areas": ["V11"]}, 409, "duplicate_username"),
])
def test_bad_user_input_is_a_specific_4xx_and_stores_nothing(app, client, make_user, api_token, body, status, code):
    make_user("cadre", "V11", username="dup")
    headers = api_token(make_user("admin", "C"))
    before = _count_users(app)
    resp = client.post("/api/v1/users", json=body, headers=headers)
    assert resp.status_code == status
    assert resp.json["error"]["code"] == code
    assert resp.json["error"]["message"] and resp.json["error"]["message_en"]
    assert _count_users(app) == before


def test_non_json_body_is_400(client, make_user, api_token):
    headers = api_token(make_user("admin", "C"))
    resp = client.post("/api/v1/users", data="username=x", headers=headers)
    assert resp.status_code == 400 and resp.json["error"]["code"] == "bad_json"


def test_users_see_themselves_but_cannot_change_themselves(app, client, make_user, api_token):
    name = make_user("cadre", "V11")
    headers, uid = api_token(name), user_id(app, name)
    assert client.get(f"/api/v1/users/{uid}", headers=headers).json["username"] == name
    assert client.patch(f"/api/v1/users/{uid}", json={"role": "admin"}, headers=headers).status_code == 403


def test_admin_cannot_lock_themselves_out(app, client, make_user, api_token):
    name = make_user("admin", "C")
    headers, uid = api_token(name), user_id(app, name)
    for body in ({"active": False}, {"role": "cadre"}):
        resp = client.patch(f"/api/v1/users/{uid}", json=body, headers=headers)
        assert resp.status_code == 422 and resp.json["error"]["code"] == "self_change"


def test_session_cookie_reads_the_api_but_cannot_write_it(client, make_user, login):
    name = make_user("admin", "C")
    login(name)
    assert client.get("/api/v1/me").json["username"] == name
    resp = client.post("/api/v1/users", json={"username": "viacookie", "password": "long-enough-pw",
                                              "role": "cadre", "areas": ["V11"]})
    assert resp.status_code == 401  # the API skips CSRF, so writes need a bearer token
