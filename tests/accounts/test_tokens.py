"""API tokens: create (secret shown once), use, list without secrets, revoke → 401."""
from __future__ import annotations

import re

from sqlalchemy import select

from server.accounts.models import ApiToken
from server.db import get_session
from tests.accounts.conftest import post_form
from tests.conftest import csrf_from


def test_create_use_list_and_revoke_a_token_through_the_api(app, client, make_user, api_token):
    name = make_user("township", "T1")
    boot = api_token(name)
    created = client.post("/api/v1/tokens", json={"name": "导出脚本"}, headers=boot)
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    secret, token_id = created.json["token"], created.json["id"]
    assert secret.startswith("zf_") and created.json["name"] == "导出脚本"
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).json["username"] == name
    listed = client.get("/api/v1/tokens", headers=headers).json["tokens"]
    assert {t["name"] for t in listed} == {"test", "导出脚本"}
    assert all("token" not in t and "token_hash" not in t for t in listed)
    assert secret not in client.get("/api/v1/tokens", headers=headers).data.decode()
    with app.app_context():
        stored = get_session().get(ApiToken, token_id)
        assert stored.token_hash != secret and secret not in stored.token_hash
        assert stored.last_used_at is not None  # the use above was recorded
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=boot).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=boot).status_code == 204  # already revoked: fine
    assert client.get("/api/v1/me", headers=boot).status_code == 200  # the other token still works


def test_someone_elses_token_cannot_be_revoked_except_by_their_admin(app, client, make_user, api_token):
    owner = make_user("cadre", "V21")
    owner_headers = api_token(owner)
    tid = client.get("/api/v1/tokens", headers=owner_headers).json["tokens"][0]["id"]
    for stranger in (make_user("cadre", "V21"), make_user("admin", "T1")):
        assert client.delete(f"/api/v1/tokens/{tid}", headers=api_token(stranger)).status_code == 404
    assert client.get("/api/v1/me", headers=owner_headers).status_code == 200
    assert client.delete(f"/api/v1/tokens/{tid}", headers=api_token(make_user("admin", "T2"))).status_code == 204
    assert client.get("/api/v1/me", headers=owner_headers).status_code == 401


def test_a_deactivated_users_tokens_stop_working(app, client, make_user, api_token):
    name = make_user("cadre", "V11")
    headers = api_token(name)
    uid = client.get("/api/v1/me", headers=headers).json["id"]
    assert client.patch(f"/api/v1/users/{uid}", json={"active": False},
                        headers=api_token(make_user("admin", "C"))).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_my_tokens_page_shows_the_secret_once_and_revokes(app, client, make_user, login):
    login(make_user("cadre", "V11"))
    resp = post_form(client, "/tokens", "/tokens", {"name": "手机脚本"})
    assert resp.status_code == 201
    secret = re.search(r"zf_[A-Za-z0-9_-]{20,}", resp.data.decode()).group(0)
    api = app.test_client()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    again = client.get("/tokens").data.decode()
    assert "手机脚本" in again and secret not in again
    with app.app_context():
        tid = get_session().scalar(select(ApiToken.id).where(ApiToken.name == "手机脚本"))
    page = client.get("/tokens")
    resp = client.post(f"/tokens/{tid}/revoke", data={"csrf_token": csrf_from(page.data)})
    assert resp.status_code == 302
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert "已吊销" in client.get("/tokens").data.decode()


def test_revoking_needs_the_csrf_token(client, make_user, login, api_token):
    name = make_user("cadre", "V11")
    headers = api_token(name)
    login(name)
    tid = client.get("/api/v1/tokens", headers=headers).json["tokens"][0]["id"]
    assert client.post(f"/tokens/{tid}/revoke").status_code == 400
    assert client.get("/api/v1/me", headers=headers).status_code == 200
