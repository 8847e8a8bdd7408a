"""The problem ledger on a 390 × 844 phone: a cadre marks a problem from a 四个一 visit fixed with a note,
township staff verify it (销号), and the household file shows it closed."""
from __future__ import annotations

from tests.conftest import PASSWORD
from tests.households.conftest import make_household, registry  # noqa: F401  (fixtures)
from tests.openrosa.submit_client import app  # noqa: F401
from tests.scoring.conftest import field  # noqa: F401  (fixture)
from tests.scoring.test_instruments import send

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _login(phone, live_server, username):
    phone.goto(f"{live_server}/login")
    phone.fill("input[name=username]", username)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server}/")


def test_a_problem_goes_from_open_to_verified_on_phones(field, live_server, browser):
    answers = {"talk_done": "yes", "measures_done": "yes", "data_done": "yes", "env_done": "yes",
               "problems_found": "yes", "data_status": None}
    send(field, "four_ones_visit", answers, {"problem": [{"problem_desc": "屋顶漏雨", "problem_area": "housing",
                                                          "problem_deadline": "2099-01-01"}]})
    for username, to, note in (("cadre_a", "fixed", "已请村里修好屋顶"), ("t1_staff", "verified", "现场核实")):
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
        phone = context.new_page()
        _login(phone, live_server, username)
        phone.click("nav >> text=问题台账")
        phone.click("text=屋顶漏雨")
        phone.wait_for_selector("form.transition")
        assert phone.evaluate(OVERFLOW) <= 0
        phone.select_option("select[name=to]", to)
        phone.fill("textarea[name=note]", note)
        phone.click("form.transition button[type=submit]")
        phone.wait_for_selector(f"text={note}")
        assert phone.evaluate(OVERFLOW) <= 0
        context.close()
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    phone = context.new_page()
    _login(phone, live_server, "t1_staff")
    phone.goto(f"{live_server}/households/H11A")
    assert "已验收销号" in phone.inner_text("table.problems")
    context.close()
