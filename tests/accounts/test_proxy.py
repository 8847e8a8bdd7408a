"""Behind a reverse proxy (ZOUFANG_PROXY_HOPS = N): the client's address, scheme and host come from the last N
X-Forwarded-* values, which the proxies write. Without it those headers are ignored: any client could write
them, to put a false address in the audit log or to dodge the login limit."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from server import create_app
from server.accounts.models import User
from server.accounts.permissions import SYSTEM
from server.accounts.phones import issue_phone_token
from server.audit.models import AuditEvent
from server.db import get_session, unit_of_work
from tests.conftest import PASSWORD, csrf_from

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "zoufang.example.cn",
             "Referer": "https://zoufang.example.cn/login"}  # a browser's, which CSRF checks on HTTPS


@pytest.fixture
def proxied_app(app, database_url, tmp_path):
    """A second app on the same database, behind one proxy, with a login limit of 3 failures a minute."""
    other = create_app({
        "database_url": database_url, "data_dir": tmp_path / "data2", "exports_dir": tmp_path / "exports2",
        "secret_key": "test-secret", "testing": True, "login_rate_limit": "3 per minute", "proxy_hops": 1,
        "odk_validate": os.environ.get("ZOUFANG_ODK_VALIDATE", "auto"),
    })
    yield other
    other.extensions["zoufang_engine"].dispose()


def _login(client, username: str, password: str, headers: dict) -> int:
    page = client.get("/login", headers=headers)
    return client.post("/login", headers=headers, data={"username": username, "password": password,
                                                        "csrf_token": csrf_from(page.data)}).status_code


def _ips(app, action: str) -> list[str | None]:
    with app.app_context():
        return list(get_session().scalars(select(AuditEvent.ip).where(AuditEvent.action == action)
                                          .order_by(AuditEvent.id)))


def _phone_page(app, client, username: str, headers: dict) -> str:
    with app.app_context(), unit_of_work():
        issue_phone_token(get_session().scalar(select(User).where(User.username == username)), actor=SYSTEM)
    return client.get("/me/phone", headers=headers, follow_redirects=True).get_data(as_text=True)


def test_without_a_proxy_forwarding_headers_are_ignored(app, client, make_user):
    name = make_user("cadre", "V11")
    assert _login(client, name, "wrong-password", FORWARDED) == 401
    assert _login(client, name, PASSWORD, FORWARDED) == 302
    assert _ips(app, "login.failure") == ["127.0.0.1"] and _ips(app, "login.success") == ["127.0.0.1"]
    page = _phone_page(app, client, name, FORWARDED)
    assert "http://localhost/key/" in page and "zoufang.example.cn" not in page


def test_behind_a_proxy_the_forwarded_client_address_scheme_and_host_are_used(proxied_app, make_user):
    name = make_user("cadre", "V11")
    client = proxied_app.test_client()
    assert _login(client, name, PASSWORD, FORWARDED) == 302
    assert _ips(proxied_app, "login.success") == ["203.0.113.7"]
    page = _phone_page(proxied_app, client, name, FORWARDED)  # the Collect server URL and QR code phones must reach
    assert "https://zoufang.example.cn/key/" in page and "http://localhost/key/" not in page


def test_behind_a_proxy_the_login_limit_counts_each_client_and_only_the_proxy_written_address(proxied_app,
                                                                                              make_user):
    name = make_user("cadre", "V11")
    client = proxied_app.test_client()
    for forged in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):  # a client-written first value changes nothing
        assert _login(client, name, "wrong-password", {"X-Forwarded-For": f"{forged}, 203.0.113.7"}) == 401
    assert _login(client, name, PASSWORD, {"X-Forwarded-For": "198.51.100.4, 203.0.113.7"}) == 429
    assert _ips(proxied_app, "login.failure") == ["203.0.113.7"] * 3
    assert _login(client, name, PASSWORD, {"X-Forwarded-For": "203.0.113.8"}) == 302  # another client
