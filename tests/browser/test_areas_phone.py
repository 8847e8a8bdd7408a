"""The area pages fit a 390 px phone, in a real headless Chromium."""
from __future__ import annotations

from tests.areas.conftest import make_xlsx
from tests.conftest import PASSWORD

# is_mobile widens the layout viewport to the content, so compare with the 390 px client width.
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_tree_create_form_and_import_report_fit_a_phone(live_server, phone, make_user, tmp_path):
    admin = make_user("admin", "C")
    phone.goto(f"{live_server}/login")
    phone.fill("input[name=username]", admin)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server}/")

    phone.goto(f"{live_server}/areas")
    assert phone.evaluate(OVERFLOW) <= 0
    assert phone.is_visible("text=东一村") and phone.is_visible("text=下级 2 个")
    phone.click("summary:has-text('东一村')")
    assert phone.is_visible("text=东一村一组")

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(make_xlsx([("V13", "东三村", "村", "T1"), ("V14", "东四村名字很长很长很长很长很长", "大队", "T9")]))
    phone.goto(f"{live_server}/areas/import")
    phone.set_input_files("input[type=file]", str(bad))
    phone.click("button:has-text('上传并检查')")
    phone.wait_for_selector("table.import-errors")
    assert phone.evaluate(OVERFLOW) <= 0
    assert "未知层级" in phone.inner_text("table.import-errors")
    phone.screenshot(path=str(tmp_path / "report.png"), full_page=True)

    good = tmp_path / "good.xlsx"
    good.write_bytes(make_xlsx([("V13", "东三村", "村", "T1")]))
    phone.set_input_files("input[type=file]", str(good))
    phone.click("button:has-text('上传并检查')")
    phone.click("button:has-text('确认导入')")
    phone.wait_for_url(f"{live_server}/areas")
    assert phone.is_visible("text=导入完成：新建 1 个")
    assert phone.is_visible("text=东三村")
