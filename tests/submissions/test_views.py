"""The submission pages: forms with visits, a form's visits with filters, one visit with its photos."""
from __future__ import annotations

import re


def _detail_url(html: str, name: str) -> str:
    return re.search(r'href="(/submissions/\d+)">' + re.escape(name), html).group(1)


def test_township_staff_browse_filter_and_open_a_visit(client, login, visits):
    login("t1_staff")
    index = client.get("/submissions").get_data(as_text=True)
    assert "走访表" in index and "/forms/visit/submissions" in index and "西乡表" not in index
    page = client.get("/forms/visit/submissions").get_data(as_text=True)
    assert "共 2 条" in page and "东一村" in page
    filtered = client.get("/forms/visit/submissions?area=V12").get_data(as_text=True)
    assert "共 0 条" in filtered and "没有符合条件的走访记录" in filtered
    url = _detail_url(page, "uuid:a1")
    detail = client.get(url).get_data(as_text=True)
    assert "户主姓名" in detail and "王五" in detail
    assert f'<img class="photo" src="{url}/attachments/a1.jpg"' in detail
    assert client.get(f"{url}/attachments/a1.jpg").status_code == 200
    assert client.get(f"{url}/xml").data.startswith(b"<?xml")


def test_bad_filters_show_on_the_page(client, login, visits):
    login("t1_staff")
    resp = client.get("/forms/visit/submissions?since=yesterday")
    assert resp.status_code == 422 and "日期格式" in resp.get_data(as_text=True)
    resp = client.get("/forms/visit/submissions?area=T2")
    assert resp.status_code == 403 and "不在您的范围内" in resp.get_data(as_text=True)


def test_other_townships_visits_are_not_found(client, login, visits):
    login("t1_staff")
    page = client.get("/forms/visit/submissions").get_data(as_text=True)
    url = _detail_url(page, "uuid:a1")
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)})
    login("t2_staff")
    assert client.get(url).status_code == 404
    assert client.get(f"{url}/attachments/a1.jpg").status_code == 404
    assert "共 0 条" in client.get("/forms/visit/submissions").get_data(as_text=True)


def test_a_cadre_sees_only_their_own_and_english_works(client, login, visits):
    login("cadre_b")
    index = client.get("/submissions?lang=en").get_data(as_text=True)
    assert "Visits" in index and "西乡表" in index and "走访表" not in index
    assert "/forms/visit" not in index


def test_designers_have_no_visit_pages(client, login, visits):
    login("designer1")
    assert client.get("/submissions").status_code == 403
