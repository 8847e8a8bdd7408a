"""The accounts and audit pages, filled with data, fit a 390 × 844 phone screen (real headless Chromium)."""
from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD


def _overflow(page) -> int:
    # Not window.innerWidth: a mobile browser widens its layout viewport to fit content that overflows.
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def _log_in(page, base, username, password=PASSWORD):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


@pytest.fixture
def crowded(make_user, api_token):
    boss = make_user("admin", "C", username="county_admin_with_a_long_name")
    for i in range(12):
        make_user(["cadre", "township", "supervisor"][i % 3], "V11", "V12", "G111", "V21",
                  username=f"cadre_number_{i:02d}_with_a_long_username")
    api_token(boss)
    return boss


@pytest.mark.parametrize("path", ["/users", "/users/new", "/users?role=cadre&area=T1", "/tokens", "/password",
                                  "/audit", "/audit?action=login"])
def test_pages_fit_a_phone(live_server, phone, crowded, path, tmp_path):
    _log_in(phone, live_server, crowded)
    phone.wait_for_url(f"{live_server}/")
    resp = phone.goto(f"{live_server}{path}")
    assert resp.status == 200
    assert _overflow(phone) <= 0, f"{path} is {_overflow(phone)}px wider than the phone"
    phone.screenshot(path=str(tmp_path / "page.png"), full_page=True)


def test_user_edit_and_new_token_fit_a_phone(live_server, phone, crowded):
    _log_in(phone, live_server, crowded)
    phone.wait_for_url(f"{live_server}/")
    phone.goto(f"{live_server}/users")
    phone.click("text=cadre_number_00_with_a_long_username")
    phone.wait_for_url(re.compile(r".*/users/\d+$"))
    assert "cadre_number_00_with_a_long_username" in phone.inner_text("h1")
    assert _overflow(phone) <= 0
    phone.goto(f"{live_server}/tokens")
    phone.fill("input[name=name]", "一个相当长的令牌名称用于测试手机屏幕宽度")
    phone.click("text=创建令牌")
    secret = phone.inner_text("code.secret")
    assert secret.startswith("zf_")
    assert _overflow(phone) <= 0


def test_failed_login_message_on_a_phone(live_server, phone, crowded):
    _log_in(phone, live_server, crowded, "wrong-password")
    phone.wait_for_selector("[role=alert]")
    assert "用户名或密码错误" in phone.inner_text("[role=alert]")
    assert _overflow(phone) <= 0
