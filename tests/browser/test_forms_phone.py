"""The form pages fit a 390 px phone, in a real headless Chromium (uses ODK Validate when java is present)."""
from __future__ import annotations

from tests.conftest import PASSWORD
from tests.forms.conftest import PNG, SURVEY, duplicate_name, xlsform

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_upload_errors_and_form_page_fit_a_phone(live_server, phone, make_user, tmp_path):
    designer = make_user("designer", "C")
    phone.goto(f"{live_server}/login")
    phone.fill("input[name=username]", designer)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server}/")

    bad = tmp_path / "dup.xlsx"
    bad.write_bytes(duplicate_name())
    phone.goto(f"{live_server}/forms/upload")
    phone.set_input_files("input[type=file]", str(bad))
    phone.click("button:has-text('上传并转换')")
    phone.wait_for_selector("table.form-errors")
    assert phone.evaluate(OVERFLOW) <= 0
    assert "问题名称“household”重复" in phone.inner_text("table.form-errors")
    phone.screenshot(path=str(tmp_path / "errors.png"), full_page=True)

    survey = [SURVEY[0] + ["media::image"]] + [r + [None] for r in SURVEY[1:]] + \
        [["note", "hint", "示例照片", "example_photo_of_a_house_with_a_long_name.png"]]
    good = tmp_path / "visit.xlsx"
    good.write_bytes(xlsform(survey=survey, choices=[["list_name", "name", "label"], ["yn", "yes", "是"],
                                                     ["yn", "no", None]]))
    phone.set_input_files("input[type=file]", str(good))
    phone.click("button:has-text('上传并转换')")
    phone.wait_for_url(f"{live_server}/forms/visit")
    assert phone.is_visible("text=还缺少 1 个媒体文件")
    assert "选项缺少标签" in phone.inner_text("table.form-warnings")
    assert phone.evaluate(OVERFLOW) <= 0
    png = tmp_path / "example_photo_of_a_house_with_a_long_name.png"
    png.write_bytes(PNG)
    phone.set_input_files("form[action$='/media'] input[type=file]", str(png))
    phone.click("button:has-text('上传媒体文件')")
    phone.wait_for_selector("text=媒体文件已上传")
    phone.click("button:has-text('发布版本 1')")
    phone.wait_for_selector("text=当前发布版本")
    assert phone.evaluate(OVERFLOW) <= 0
    phone.screenshot(path=str(tmp_path / "form.png"), full_page=True)
    phone.goto(f"{live_server}/forms")
    assert phone.evaluate(OVERFLOW) <= 0 and phone.is_visible("text=走访表")
