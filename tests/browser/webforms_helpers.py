"""Driving ODK Web Forms in Playwright: open a form on a phone link, answer 五净一有一整齐."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_submissions_phone import png

ITEMS = ("门窗净", "卧室净", "厨房净", "个人卫生净", "宅前宅后净", "一有:基本生活用品齐全", "一整齐:院内摆设整齐有序")
NECESSITIES = ("床褥", "衣柜", "碗橱", "餐桌", "椅子", "电视机")


def open_form(page, url: str, title: str) -> None:
    page.set_default_timeout(60_000)  # Web Forms compiles its wasm and shrinks photos in workers: slow on a busy CI
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 27.4, "longitude": 109.6, "accuracy": 5})
    page.goto(url)
    page.click(f"a.webform-link:has-text('{title}')")
    page.wait_for_selector(".form-initialization-status.ready", state="attached")


def household_options(page) -> list[str]:
    page.click(".question-container .p-select")
    page.wait_for_selector("li[role=option]")
    options = page.locator("li[role=option]").all_inner_texts()
    page.keyboard.press("Escape")
    return [o.strip() for o in options]


def choose_household(page, text: str) -> None:
    page.click(".question-container .p-select")
    page.click(f"li[role=option]:has-text('{text}')")


def fill_living_environment(page, household: str, *, skip: str | None = None) -> None:
    """Every required answer (all seven items pass, nine photos); ``skip`` leaves that question out."""
    choose_household(page, household)
    if skip != "inspector_name":
        page.get_by_label("检查人姓名").fill("张干部")
    page.click(".get-location-button")
    page.click(".p-dialog button:has-text('Save location')")
    for item in ITEMS:
        page.locator(".question-container", has=page.locator(f"label:text-is('{item}')")) \
            .get_by_label("达标", exact=True).check()
    for thing in NECESSITIES:
        page.get_by_label(thing, exact=True).check()
    files = page.locator("input[type=file]")
    for n in range(files.count()):
        files.nth(n).set_input_files(files=[{"name": f"photo{n}.png", "mimeType": "image/png",
                                             "buffer": png(64, 48, (20 * n, 120, 60))}])
    # Web Forms shrinks each photo asynchronously and only then sets the answer: on a busy machine a Send
    # clicked before that finds the photo questions empty and stops at "required", without any POST.
    expect(page.locator(".preview-captured-image")).to_have_count(
        page.locator(".choose-image-button").count(), timeout=60_000)
    page.get_by_label("签字人姓名").fill("王一")


def send(page) -> None:
    page.click(".footer button:has-text('Send')")
