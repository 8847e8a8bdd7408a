"""A survey designer previews a draft in a 390 × 844 phone browser (ODK Web Forms): a broken constraint
blocks sending; a test submission is kept apart from visits and is gone once the draft is published."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.accounts.permissions import SYSTEM
from server.db import get_session, unit_of_work
from server.forms import service as forms
from server.submissions.models import Submission
from server.submissions.models import TestSubmission as DraftTest
from server.webforms.assets import installed
from tests.browser.test_webforms_phone import submissions_to
from tests.browser.webforms_helpers import send
from tests.conftest import PASSWORD
from tests.forms.conftest import xlsform
from tests.openrosa.submit_client import app  # noqa: F401

pytestmark = pytest.mark.skipif(not installed(), reason="npm ci has not installed @getodk/web-forms")

SURVEY = [["type", "name", "label", "required", "constraint", "constraint_message"],
          ["text", "household", "户主姓名", "yes", "", ""],
          ["integer", "members", "家庭人口", "yes", ". > 0 and . < 30", "家庭人口应在 1 到 29 之间"],
          ["select_one yn", "insured", "是否参保", "", "", ""]]


def counts(app):  # noqa: F811
    with app.app_context():
        session = get_session()
        return (session.scalar(select(func.count(DraftTest.id))),
                session.scalar(select(func.count(Submission.id))))


def test_a_designer_previews_a_draft_and_publishing_discards_the_test(app, live_server, phone, make_user):  # noqa: F811
    make_user("designer", "C", username="designer")
    with app.app_context(), unit_of_work():
        forms.upload_xlsform(xlsform(SURVEY), "visit.xlsx", actor=SYSTEM, area_code="C")
    phone.goto(f"{live_server}/login")
    phone.fill("input[name=username]", "designer")
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server}/")

    phone.set_default_timeout(60_000)
    posts = submissions_to(phone)
    phone.goto(f"{live_server}/forms/visit/draft/preview")
    phone.wait_for_selector(".form-initialization-status.ready", state="attached")
    assert "草稿预览" in phone.inner_text("h1") and "测试记录：0 条" in phone.inner_text("#test-count")
    phone.get_by_label("户主姓名").fill("测试户主")
    members = phone.locator(".question-container:has(label:text-is('家庭人口')) input")
    members.press_sequentially("99")
    members.blur()
    phone.get_by_label("是", exact=True).check()
    send(phone)
    phone.wait_for_selector("text=家庭人口应在 1 到 29 之间")
    phone.wait_for_timeout(500)
    assert posts == [] and counts(app) == (0, 0)

    members.press("Control+A")
    members.press_sequentially("4")
    members.blur()
    send(phone)
    phone.wait_for_selector("#send-status.success")
    assert "测试记录已保存" in phone.inner_text("#send-status")
    assert counts(app) == (1, 0)  # a test submission, never a visit
    phone.reload()
    phone.wait_for_selector("text=已收到测试记录：1 条")

    phone.goto(f"{live_server}/forms/visit")
    phone.click("form[action$='/publish'] button")
    phone.wait_for_selector(".flash.success")
    assert counts(app) == (0, 0)
    assert phone.goto(f"{live_server}/forms/visit/draft/preview").status == 404
