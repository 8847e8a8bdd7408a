"""Cadres fill the instruments in a 390 × 844 phone browser with ODK Web Forms (headless Chromium):
only their own households, photos, scored in the household file; required answers block sending;
a network error keeps the answers for a retry."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server.accounts.models import PhoneToken
from server.db import get_session, unit_of_work
from server.submissions.models import Submission
from server.webforms.assets import installed
from tests.browser.webforms_helpers import fill_living_environment, household_options, open_form, send
from tests.households.conftest import make_household  # noqa: F401
from tests.scoring.conftest import app, field, registry, scores  # noqa: F401

pytestmark = pytest.mark.skipif(not installed(), reason="npm ci has not installed @getodk/web-forms")
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def link(field, live_server) -> str:  # noqa: F811
    return f"{live_server}{field.phone.server_url}/web"


def submissions_to(page) -> list:
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/submission" in r.url else None)
    return posts


def living_environment_visits(app) -> list[tuple]:  # noqa: F811
    with app.app_context():
        subs = get_session().scalars(select(Submission)).all()
        return [(s.instance_id, s.household.code if s.household else None,
                 len(s.current.attachments)) for s in subs]


def test_a_cadre_fills_living_environment_on_a_phone(field, live_server, phone, client, login,  # noqa: F811
                                                     scores):  # noqa: F811
    open_form(phone, link(field, live_server), "五净一有一整齐")
    assert phone.locator(".webform-notes").inner_text().count("不支持离线填写") == 1
    assert household_options(phone) == ["H11A 王一（东一村）", "H11B 王二（东一村）"]  # never H12A 李三
    fill_living_environment(phone, "H11A")
    assert phone.evaluate(OVERFLOW) <= 0
    send(phone)
    phone.wait_for_selector("#send-status.success")
    assert "走访记录已提交成功" in phone.inner_text("#send-status")
    # the form starts again, empty, for the next household
    phone.wait_for_function("document.querySelector('input[type=text]').value === ''")

    visits = living_environment_visits(field.app)
    assert len(visits) == 1
    instance_id, household, photos = visits[0]
    assert household == "H11A" and photos == 9
    assert scores(instance_id)["items_passed"][:2] == ("ok", 7.0)
    login("t1_staff")
    page = client.get("/households/H11A").get_data(as_text=True)
    assert "达标项数(共 7 项)：7" in page


def test_a_required_answer_left_empty_blocks_sending(field, live_server, phone):  # noqa: F811
    posts = submissions_to(phone)
    open_form(phone, link(field, live_server), "五净一有一整齐")
    fill_living_environment(phone, "H11B", skip="inspector_name")
    send(phone)
    phone.wait_for_selector(".validation-message:visible")
    phone.wait_for_timeout(500)
    assert posts == [] and phone.locator("#send-status").is_hidden()
    assert living_environment_visits(field.app) == []


def test_a_network_error_keeps_the_answers_and_sending_again_works(field, live_server, phone):  # noqa: F811
    open_form(phone, link(field, live_server), "五净一有一整齐")
    fill_living_environment(phone, "H11B")
    phone.route("**/submission*", lambda route: route.abort("internetdisconnected"))
    send(phone)
    phone.wait_for_selector("#send-status.error")
    assert "网络错误" in phone.inner_text("#send-status")
    assert phone.get_by_label("检查人姓名").input_value() == "张干部"
    assert living_environment_visits(field.app) == []

    phone.unroute("**/submission*")
    send(phone)
    phone.wait_for_selector("#send-status.success")
    assert [v[1:] for v in living_environment_visits(field.app)] == [("H11B", 9)]


def test_a_refusal_is_shown_in_chinese_and_the_answers_stay(field, live_server, phone):  # noqa: F811
    open_form(phone, link(field, live_server), "五净一有一整齐")
    fill_living_environment(phone, "H11A")
    with field.app.app_context(), unit_of_work():  # the link is revoked while the cadre fills the form
        for token in get_session().scalars(select(PhoneToken)):
            token.revoked_at = token.created_at
    send(phone)
    phone.wait_for_selector("#send-status.error")
    status = phone.inner_text("#send-status")
    assert "发送失败（403）" in status and "手机链接无效或已被吊销" in status
    assert phone.get_by_label("签字人姓名").input_value() == "王一"
    assert living_environment_visits(field.app) == []
