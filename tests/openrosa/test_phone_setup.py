"""Phone identities in the UI and the CLI: QR codes Collect can scan, new/revoke, village sheets, phone-url."""
from __future__ import annotations

import base64
import html
import json
import re
import zlib

import pytest
import segno
from sqlalchemy import select

from server.accounts.models import User
from server.accounts.permissions import SYSTEM
from server.accounts.phones import active_phone_token, issue_phone_token
from server.db import get_session, unit_of_work
from tests.conftest import csrf_from
from tests.openrosa.collect_client import CollectClient
from tests.openrosa.test_forms_out import app, publish  # noqa: F401  (the app fixture without ODK Validate)


def _user(username):
    return get_session().scalar(select(User).where(User.username == username))


def _user_id(app, username):
    with app.app_context():
        return _user(username).id


def _token(app, username):
    with app.app_context():
        token = active_phone_token(_user(username))
        return token.token if token else None


def _decode(payload: str) -> dict:
    return json.loads(zlib.decompress(base64.b64decode(payload)).decode("utf-8"))


def _payload(page: bytes) -> str:
    return html.unescape(re.search(rb'data-payload="([^"]+)"', page).group(1).decode())


@pytest.fixture
def people(app, make_user):
    """Admins of T1 and T2; cadres in V11 and V12 (T1) and V21 (T2)."""
    names = {"admin_t1": make_user("admin", "T1", username="admin_t1"),
             "admin_t2": make_user("admin", "T2", username="admin_t2")}
    from server.accounts.service import create_user

    with app.app_context(), unit_of_work():
        for username, display, area in [("li", "李明", "V11"), ("wang", "王芳", "V12"), ("zhao", "赵强", "V21")]:
            create_user(username, "correct-horse-battery", "cadre", [area], actor=SYSTEM, display_name=display)
    return names


def test_the_qr_code_decodes_to_collect_settings_for_the_cadre(app, client, login, people):
    login("admin_t1")
    page = client.get(f"/users/{_user_id(app, 'li')}/phone")
    assert page.status_code == 200
    assert 'data-payload' not in page.data.decode()  # no token yet: nothing to scan
    resp = client.post(f"/users/{_user_id(app, 'li')}/phone/renew", data={"csrf_token": csrf_from(page.data)})
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"])
    token = _token(app, "li")
    payload = _payload(page.data)
    assert _decode(payload) == {
        "general": {"server_url": f"http://localhost/key/{token}", "form_update_mode": "match_exactly",
                    "autosend": "wifi_and_cellular"},
        "admin": {},
        "project": {"name": "扶贫走访 · 李明"},
    }
    # the SVG on the page is the QR code of exactly that text
    expected_svg = segno.make(payload, error="m", micro=False).svg_inline(scale=4, omitsize=True, dark="#000",
                                                                          light="#fff", svgclass="qr")
    assert expected_svg in page.data.decode()


def test_the_scanned_url_works_in_collect(app, client, login, people):
    with app.app_context(), unit_of_work():
        publish("visit", ["V11"])
        issue_phone_token(_user("li"), actor=SYSTEM)
    login("admin_t1")
    page = client.get(f"/users/{_user_id(app, 'li')}/phone")
    url = _decode(_payload(page.data))["general"]["server_url"]
    assert [f["formID"] for f in CollectClient(client, url).form_list()] == ["visit"]


def test_an_admin_of_t1_cannot_see_or_change_a_t2_cadres_phone(app, client, login, people):
    with app.app_context(), unit_of_work():
        before = issue_phone_token(_user("zhao"), actor=SYSTEM).token
    login("admin_t1")
    zhao = _user_id(app, "zhao")
    page = client.get(f"/users/{zhao}/phone")
    assert page.status_code == 404
    assert before.encode() not in page.data
    csrf = csrf_from(client.get(f"/users/{_user_id(app, 'li')}/phone").data)
    for action in ("renew", "revoke"):
        assert client.post(f"/users/{zhao}/phone/{action}", data={"csrf_token": csrf}).status_code == 404
    assert _token(app, "zhao") == before
    assert client.get("/areas/V21/phone-sheet").status_code == 404


def test_a_cadre_sees_their_own_qr_but_no_one_elses(app, client, login, people):
    with app.app_context(), unit_of_work():
        issue_phone_token(_user("li"), actor=SYSTEM)
        issue_phone_token(_user("wang"), actor=SYSTEM)
    login("li")
    own = client.get("/me/phone", follow_redirects=True)
    assert own.status_code == 200
    assert _decode(_payload(own.data))["general"]["server_url"].endswith(_token(app, "li"))
    other = client.get(f"/users/{_user_id(app, 'wang')}/phone")
    assert other.status_code in (403, 404)
    assert _token(app, "wang").encode() not in other.data
    assert client.get("/areas/V11/phone-sheet").status_code == 403


def test_renewing_locks_out_the_old_phone_and_revoking_locks_out_all(app, client, login, people):
    with app.app_context(), unit_of_work():
        publish("visit", ["T1"])
        old = issue_phone_token(_user("li"), actor=SYSTEM).token
    login("admin_t1")
    li = _user_id(app, "li")
    csrf = csrf_from(client.get(f"/users/{li}/phone").data)
    assert client.post(f"/users/{li}/phone/renew", data={}).status_code == 400  # no CSRF token: refused
    assert _token(app, "li") == old
    assert client.post(f"/users/{li}/phone/renew", data={"csrf_token": csrf}).status_code == 302
    new = _token(app, "li")
    assert new != old
    assert CollectClient(client, f"http://localhost/key/{old}").get("/formList").status_code == 403
    assert CollectClient(client, f"http://localhost/key/{new}").get("/formList").status_code == 200
    assert client.post(f"/users/{li}/phone/revoke", data={"csrf_token": csrf}).status_code == 302
    assert _token(app, "li") is None
    assert CollectClient(client, f"http://localhost/key/{new}").get("/formList").status_code == 403


def test_the_village_sheet_shows_every_cadre_of_the_village_and_issues_missing_codes(app, client, login, people):
    with app.app_context(), unit_of_work():
        issue_phone_token(_user("li"), actor=SYSTEM)
    login("admin_t1")
    sheet = client.get("/areas/V11/phone-sheet")
    assert sheet.status_code == 200
    text = sheet.data.decode()
    assert "李明" in text and "王芳" not in text and "赵强" not in text
    assert "@media print" in text and text.count("<svg") == 1
    township = client.get("/areas/T1/phone-sheet").data.decode()
    assert "李明" in township and "王芳" in township and "赵强" not in township
    assert township.count("<svg") == 1  # 王芳 has no token yet
    resp = client.post("/areas/T1/phone-sheet/issue", data={"csrf_token": csrf_from(sheet.data)})
    assert resp.status_code == 302
    assert _token(app, "wang") is not None and _token(app, "zhao") is None
    assert client.get("/areas/T1/phone-sheet").data.decode().count("<svg") == 2


def test_phone_url_prints_the_server_url_and_issues_a_token_once(app, runner, people):
    first = runner.invoke(args=["phone-url", "li", "--base-url", "https://zf.example.cn/"])
    assert first.exit_code == 0, first.output
    token = _token(app, "li")
    assert first.output == f"https://zf.example.cn/key/{token}\n"
    again = runner.invoke(args=["phone-url", "li"], env={"ZOUFANG_BASE_URL": "http://10.0.0.5:8000"})
    assert again.output == f"http://10.0.0.5:8000/key/{token}\n"
    default = runner.invoke(args=["phone-url", "li"], env={"ZOUFANG_BASE_URL": ""})
    assert default.output == f"http://127.0.0.1:5000/key/{token}\n"
    renewed = runner.invoke(args=["phone-url", "li", "--new", "--qr-payload"])
    url, payload = renewed.output.splitlines()
    assert _token(app, "li") != token and url.endswith(_token(app, "li"))
    assert _decode(payload)["general"]["server_url"] == url


def test_phone_url_for_an_unknown_user_fails_clearly(runner, people):
    result = runner.invoke(args=["phone-url", "nobody"])
    assert result.exit_code == 5
    assert "找不到用户" in result.output

