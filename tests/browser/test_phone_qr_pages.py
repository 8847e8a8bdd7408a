"""The phone QR pages (tests/openrosa/test_phone_setup.py tests what they hold) fit a phone screen and print cleanly."""
from __future__ import annotations

import pytest

from server.accounts.permissions import SYSTEM
from server.accounts.phones import issue_phone_token
from server.db import unit_of_work
from tests.conftest import PASSWORD
from tests.openrosa.test_phone_setup import _user, _user_id, people  # noqa: F401  (fixture)


@pytest.mark.parametrize("path", ["/users/{li}/phone", "/areas/T1/phone-sheet"])
def test_qr_pages_fit_a_phone_and_print_without_the_menu(app, people, live_server, phone, path, tmp_path):
    with app.app_context(), unit_of_work():
        issue_phone_token(_user("li"), actor=SYSTEM)
    phone.goto(f"{live_server}/login")
    phone.fill("input[name=username]", "admin_t1")
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server}/")
    assert phone.goto(live_server + path.format(li=_user_id(app, "li"))).status == 200
    assert phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    box = phone.locator("svg.qr").first.bounding_box()
    assert 200 <= box["width"] <= 390 and abs(box["width"] - box["height"]) < 2  # big enough to scan, square
    phone.screenshot(path=str(tmp_path / "screen.png"), full_page=True)
    phone.emulate_media(media="print")
    assert not phone.locator("header.top").is_visible()
    assert phone.locator("svg.qr").first.is_visible()
