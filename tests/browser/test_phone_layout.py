"""The UI fits a 390 × 844 phone screen and switches between Chinese and English."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

PAGES = ["/", "/forms", "/areas", "/users", "/audit", "/review", "/evidence/photos"]


def _log_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize("path", PAGES)
def test_admin_pages_fit_a_phone_screen(live_server, phone, make_user, path, tmp_path):
    admin = make_user("admin", "C")
    _log_in(phone, live_server, admin)
    resp = phone.goto(f"{live_server}{path}")
    assert resp.status == 200
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} is {overflow}px wider than a 390px phone"
    phone.screenshot(path=str(tmp_path / "page.png"), full_page=True)


def test_login_page_in_chinese_then_english(live_server, phone):
    phone.goto(f"{live_server}/login")
    assert "登录" in phone.inner_text("body")
    phone.click("text=English")
    phone.wait_for_load_state()
    body = phone.inner_text("body")
    assert "Log in" in body or "Login" in body or "Sign in" in body
    # The choice sticks for later pages.
    phone.goto(f"{live_server}/login")
    assert "登录" not in phone.inner_text("h1")
