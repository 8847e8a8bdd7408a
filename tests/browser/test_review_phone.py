"""Spot-checks on a 390 × 844 phone: a supervisor draws a sample, opens the visit the evidence checks flagged
(sent 5 km from the household's recorded location), rejects it with a comment, and the household file then
shows that visit as rejected (已退回)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from server.accounts.models import User
from server.audit.times import CHINA
from server.db import get_session, unit_of_work
from server.evidence.models import EvidenceFlag
from server.households.models import Household
from server.review.sampling import draw_sample
from server.submissions.models import Submission
from tests.conftest import PASSWORD
from tests.evidence.conftest import TAKEN, visit  # noqa: F401  (fixture)
from tests.evidence.images import photo
from tests.households.conftest import make_household, registry  # noqa: F401  (fixtures)
from tests.openrosa.submit_client import app  # noqa: F401
from tests.scoring.conftest import field  # noqa: F401  (fixture)

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
FAR_GPS = "27.445 109.6 320 5"  # 0.045° of latitude north of H11A ≈ 5.0 km


def _login(phone, live_server, username):
    phone.goto(f"{live_server}/login")
    phone.fill("input[name=username]", username)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server}/")


def test_a_supervisor_rejects_a_flagged_visit_on_a_phone(visit, app, make_user, live_server, phone):
    with app.app_context(), unit_of_work():  # the household's recorded location
        h11a = get_session().scalar(select(Household).where(Household.code == "H11A"))
        h11a.latitude, h11a.longitude = 27.4, 109.6
    clean = visit(photos={"clean.jpg": photo(11, TAKEN, size=(1600, 1200))})
    far = visit(photos={"far.jpg": photo(12, TAKEN, size=(1600, 1200))}, visit_gps=FAR_GPS)
    with app.app_context():  # the evidence check (run by its own job after the visit was stored) flagged it
        kinds = {f.kind for f in get_session().scalars(select(EvidenceFlag).where(EvidenceFlag.submission_id == far))}
        assert "gps_far" in kinds
        assert "gps_far" not in {f.kind for f in get_session().scalars(
            select(EvidenceFlag).where(EvidenceFlag.submission_id == clean))}
    make_user("supervisor", "C", username="inspector")
    today = datetime.now(CHINA).date().isoformat()

    _login(phone, live_server, "inspector")
    phone.goto(f"{live_server}/review")
    phone.select_option("select[name=area]", "T1")
    phone.fill("input[name=since]", today)
    phone.fill("input[name=until]", today)
    phone.fill("input[name=percent]", "100")
    phone.fill("input[name=min_per_cadre]", "1")
    assert phone.evaluate(OVERFLOW) <= 0
    phone.click("form.draw button[type=submit]")
    phone.wait_for_selector("table.queue")
    assert "已审核 0 / 2" in phone.inner_text(".progress")
    assert phone.evaluate(OVERFLOW) <= 0

    row = phone.locator(f"table.queue tr[data-submission='{far}']")
    assert "疑点" in row.inner_text()
    row.locator("td").nth(1).locator("a").click()
    phone.wait_for_selector("form#review-form")
    assert "公里" in phone.inner_text("ul.flags")  # the reason, with the distance
    assert "相距 5.00 公里" in phone.inner_text("ul.location")
    assert phone.evaluate(OVERFLOW) <= 0
    width = phone.evaluate("document.querySelector('.photos img.photo').getBoundingClientRect().width")
    assert 0 < width <= 390
    # rejecting without a comment: the service's message, nothing changed
    phone.click("#btn-reject")
    phone.wait_for_selector(".flash.error")
    assert "请写明意见" in phone.inner_text(".flash.error")
    phone.fill("#review-comment", "定位离农户约5公里，请说明走访地点")
    phone.locator("#btn-reject").scroll_into_view_if_needed()
    phone.click("#btn-reject")
    phone.wait_for_selector(".flash.success")
    assert "已退回" in phone.inner_text(".flash.success")
    with app.app_context():
        assert get_session().get(Submission, far).state == "rejected"

    phone.goto(f"{live_server}/households/H11A")
    visits = phone.inner_text(f"table.visits tr[data-submission='{far}']")
    assert "已退回" in visits
    assert "已退回" not in phone.inner_text(f"table.visits tr[data-submission='{clean}']")
    assert phone.evaluate(OVERFLOW) <= 0


def test_keyboard_shortcuts_on_a_desktop(visit, app, make_user, live_server, browser):
    visit(), visit()  # two visits to H11A
    make_user("supervisor", "T1", username="t1_insp")
    today = datetime.now(CHINA).date()
    with app.app_context(), unit_of_work():
        user = get_session().scalar(select(User).where(User.username == "t1_insp"))
        sample = draw_sample(actor=user, area_code="T1", since=today, until=today, percent=100, seed=1)
        sample_id, order = sample.id, [i.submission_id for i in sample.items]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    _login(page, live_server, "t1_insp")
    page.goto(f"{live_server}/review/samples/{sample_id}/items/1")
    assert "键盘" in page.inner_text(".shortcuts")
    page.keyboard.press("j")
    page.wait_for_url(f"{live_server}/review/samples/{sample_id}/items/2")
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(f"{live_server}/review/samples/{sample_id}/items/1")
    page.keyboard.press("a")  # approve → the next item
    page.wait_for_url(f"{live_server}/review/samples/{sample_id}/items/2")
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "review-comment"
    page.keyboard.type("照片模糊")
    page.keyboard.press("j")  # typing in the comment box does not navigate
    assert page.url.endswith("/items/2")
    page.keyboard.press("Control+Enter")  # rejects with the comment
    page.wait_for_url(f"{live_server}/review/samples/{sample_id}")
    with app.app_context():
        states = [get_session().get(Submission, sid).state for sid in order]
    assert states == ["approved", "rejected"]
    assert "已审核 2 / 2" in page.inner_text(".progress")
    context.close()
