"""The Web Forms pages without a browser: bad links, missing media, the CSP, the asset allowlist."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from server.accounts.models import PhoneToken
from server.accounts.permissions import SYSTEM
from server.db import get_session, unit_of_work
from server.forms import service as forms
from server.webforms.assets import installed
from tests.forms.conftest import SURVEY, xlsform
from tests.households.conftest import make_household  # noqa: F401
from tests.scoring.conftest import app, field, registry  # noqa: F401

IMAGE_SURVEY = SURVEY[:1] + [row + [""] for row in SURVEY[1:]] + [["note", "photo_hint", "看示例照片", "example.png"]]
IMAGE_SURVEY[0] = SURVEY[0] + ["media::image"]


def test_the_list_shows_the_cadres_forms_and_what_web_forms_cannot_do(field, client):  # noqa: F811
    page = client.get(f"{field.phone.server_url}/web")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "五净一有一整齐" in text and 'href="/key/' in text
    assert text.count("不支持离线填写") == 3
    assert "Content-Security-Policy" in page.headers


def test_a_bad_or_revoked_link_is_a_chinese_403(field, client):  # noqa: F811
    bad = client.get("/key/not-a-token/web")
    assert bad.status_code == 403 and "链接无效、已过期或已被吊销" in bad.get_data(as_text=True)
    with field.app.app_context(), unit_of_work():
        for token in get_session().scalars(select(PhoneToken)):
            token.revoked_at = token.created_at
    for url in (f"{field.phone.server_url}/web", f"{field.phone.server_url}/web/living_environment"):
        revoked = client.get(url)
        assert revoked.status_code == 403 and "请向管理员重新获取" in revoked.get_data(as_text=True)


def test_a_form_whose_media_are_missing_says_so_and_is_not_loaded(field, client):  # noqa: F811
    with field.app.app_context(), unit_of_work():
        forms.upload_xlsform(xlsform(IMAGE_SURVEY), "visit.xlsx", actor=SYSTEM, area_code="C")
        forms.publish_draft("visit", actor=SYSTEM)
        forms.assign_form("visit", "cadre", "C", actor=SYSTEM)
    page = client.get(f"{field.phone.server_url}/web/visit").get_data(as_text=True)
    assert "此表单缺少媒体文件（example.png）" in page and 'id="webform"' not in page
    assert "缺少媒体文件：example.png" in client.get(f"{field.phone.server_url}/web").get_data(as_text=True)


@pytest.mark.skipif(not installed(), reason="npm ci has not installed @getodk/web-forms")
def test_the_fill_page_has_a_csp_with_exactly_what_web_forms_needs(field, client):  # noqa: F811
    page = client.get(f"{field.phone.server_url}/web/living_environment")
    csp = dict(d.strip().split(" ", 1) for d in page.headers["Content-Security-Policy"].split(";"))
    nonce = re.search(r"'nonce-([^']+)'", csp["script-src"]).group(1)
    assert csp["script-src"] == f"'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"
    assert csp["style-src"] == "'self' 'unsafe-inline'" and csp["default-src"] == "'none'"
    assert "unsafe-eval'" not in csp["script-src"].replace("wasm-unsafe-eval", "")
    html = page.get_data(as_text=True)
    assert f'<script type="importmap" nonce="{nonce}">' in html
    assert page.headers["Referrer-Policy"] == "no-referrer"
    # other pages keep no such policy
    assert "Content-Security-Policy" not in client.get("/login").headers


@pytest.mark.skipif(not installed(), reason="npm ci has not installed @getodk/web-forms")
def test_only_the_files_the_page_needs_are_served(client):
    ok = client.get("/webforms/assets/web-forms/index.js")
    assert ok.status_code == 200 and ok.mimetype == "text/javascript"
    assert client.get("/webforms/assets/vue.js").status_code == 200
    for name in ("web-forms/", "web-forms", "../package.json", "web-forms/../../vue/package.json",
                 "web-forms/favicon.ico", "web-forms/%2e%2e/index.js", "vue/dist/vue.global.js", ""):
        assert client.get(f"/webforms/assets/{name}").status_code == 404, name


def test_a_logged_in_cadre_goes_to_their_own_link(field, client, login):  # noqa: F811
    login("cadre_a")
    assert 'href="/web"' in client.get("/").get_data(as_text=True)  # 网页填写 in the header
    first = client.get("/web")
    assert first.status_code == 302 and first.headers["Location"].endswith(f"{field.phone.server_url}/web")


def test_a_logged_in_cadre_without_a_link_gets_one(field, client, login):  # noqa: F811
    login("cadre_b")  # no phone link yet: one is issued
    other = client.get("/web")
    assert other.status_code == 302 and field.phone.server_url not in other.headers["Location"]
    assert client.get(other.headers["Location"]).status_code == 200


def test_each_form_states_what_web_forms_cannot_do(field, client):  # noqa: F811
    from server.webforms.support import NO_OFFLINE, limitations

    page = client.get(f"{field.phone.server_url}/web/living_environment").get_data(as_text=True)
    assert "签名题暂以“上传图片”代替" in page and NO_OFFLINE in page
    assert "日期时间题" not in page  # start/end are preloaded, not asked
    assert limitations('<bind nodeset="/v/when" type="dateTime"/>')[0].startswith("日期时间题")
    assert limitations('<input ref="/v/code" appearance="barcode"/><bind nodeset="/v/code" type="barcode"/>')[0] \
        .startswith("不支持扫码题")
    assert limitations("<h:html/>") == [NO_OFFLINE]
