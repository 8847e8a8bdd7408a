"""Township staff on a 390 × 844 phone: the township book → a village register → a household file, in headless
Chromium, without horizontal overflow, the visit photo loading in the file."""
from __future__ import annotations

from tests.browser.test_submissions_phone import OVERFLOW, png
from tests.conftest import PASSWORD
from tests.households.conftest import make_household, registry  # noqa: F401
from tests.households.test_file import photo_visit, visited  # noqa: F401
from tests.households.test_entity_list import phones  # noqa: F401
from tests.openrosa.submit_client import app  # noqa: F401


def test_township_staff_walk_from_the_book_to_a_household_file(visited, live_server, phone):
    visited.phones.submit["cadre_a"].send(photo_visit("H11A", "uuid:real-photo", "door.png"),
                                          {"door.png": png(800, 600, (40, 120, 200))})
    phone.goto(f"{live_server}/login")
    phone.fill("input[name=username]", "t1_staff")
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server}/")
    phone.click("nav >> text=农户")
    phone.wait_for_selector("table.area-links")
    assert phone.evaluate(OVERFLOW) <= 0
    assert "西乡" not in phone.inner_text("table.area-links")

    phone.click("table.area-links tr:has-text('东乡') >> text=乡有簿")
    phone.wait_for_selector("table.book")
    assert phone.evaluate(OVERFLOW) <= 0
    assert phone.inner_text("table.book tr[data-code=V11] td[data-label='本月走访次数']") == "4"
    assert phone.inner_text("table.book tr[data-code=V12] td[data-label='从未走访户数']") == "1"

    phone.click("table.book >> text=东一村")
    phone.wait_for_selector("table.register")
    assert phone.evaluate(OVERFLOW) <= 0
    assert "王二" in phone.inner_text("table.register")

    phone.click("table.register >> text=H11A")
    phone.wait_for_selector("table.visits")
    assert phone.evaluate(OVERFLOW) <= 0
    assert "4312**********" in phone.inner_text("table.members")
    assert "cadre_a" in phone.inner_text("table.helpers")
    phone.wait_for_function("[...document.querySelectorAll('table.visits img.photo')]"
                            ".some(i => i.complete && i.naturalWidth === 800)")
    width = phone.evaluate("Math.max(...[...document.querySelectorAll('table.visits img.photo')]"
                           ".map(i => i.getBoundingClientRect().right))")
    assert 0 < width <= 390
    assert phone.evaluate(OVERFLOW) <= 0
