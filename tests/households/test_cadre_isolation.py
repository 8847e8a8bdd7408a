"""One cadre never sees another cadre's households — through every route that lists or serves households,
with each kind of credential a cadre holds: the phone link (OpenRosa), an API token, a browser login.

cadre_a helps H11A (王一); cadre_a2 helps H11B (王二) in the same village, and has sent a visit to it."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.households.test_entity_list import _visit, phones  # noqa: F401  (fixture)
from tests.openrosa.submit_client import app  # noqa: F401

THEIRS = ("H11B", "王二")
OWN = ("H11A", "王一")


@pytest.fixture
def world(phones):
    [resp] = phones.submit["cadre_a2"].send(_visit("H11B", "uuid:theirs"))
    assert resp.status_code == 201
    [resp] = phones.submit["cadre_a"].send(_visit("H11A", "uuid:mine"))
    assert resp.status_code == 201
    return phones


def _text(resp) -> str:
    if resp.mimetype.endswith("spreadsheetml.sheet"):
        wb = load_workbook(io.BytesIO(resp.data), read_only=True)
        return "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row)
    return resp.get_data(as_text=True)


LISTS = ["/households", "/households?q=王", "/areas/V11/register", "/ledger", "/submissions",
         "/forms/hvisit/submissions"]
API_LISTS = ["/api/v1/areas/V11/register", "/api/v1/areas/V11/register.xlsx", "/api/v1/forms/hvisit/submissions",
             "/api/v1/ledger", "/api/v1/ledger/overdue"]
# a township book is for township staff: a cadre is refused, and the refusal names no household either
REFUSED = ["/areas/T1/book", "/areas/C/book"]
DIRECT = ["/households/H11B", "/api/v1/households/H11B"]


def test_phone_link_lists_and_serves_only_own_households(world):
    phone = world.cadre_a
    [entry] = phone.form_list("hvisit")
    for url in (phone.server_url + "/formList", entry["downloadUrl"], entry["manifestUrl"],
                entry["manifestUrl"].replace("manifest", "media/households.csv")):
        body = phone.get(url).get_data(as_text=True)
        assert not any(t in body for t in THEIRS), url
    assert OWN[0] in phone.get(entry["manifestUrl"].replace("manifest", "media/households.csv")).get_data(as_text=True)


def test_api_token_lists_and_serves_only_own_households(client, world, api_token):
    headers = api_token("cadre_a")
    for url in API_LISTS:
        resp = client.get(url, headers=headers)
        assert resp.status_code == 200, (url, resp.status_code)
        assert not any(t in _text(resp) for t in THEIRS), url
    assert OWN[0] in _text(client.get("/api/v1/areas/V11/register", headers=headers))
    assert client.get("/api/v1/households/H11A", headers=headers).status_code == 200
    for url in DIRECT + ["/api/v1" + u for u in REFUSED]:
        resp = client.get(url, headers=headers)
        assert resp.status_code in (403, 404), (url, resp.status_code)
        assert THEIRS[1] not in _text(resp), url  # (the 404 repeats the code asked for, nothing more)


def test_browser_login_lists_and_serves_only_own_households(client, world, login):
    login("cadre_a")
    for url in LISTS:
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
        assert not any(t in _text(resp) for t in THEIRS), url
    assert OWN[1] in client.get("/households").get_data(as_text=True)
    for url in DIRECT + REFUSED + ["/areas/V11/phone-sheet"]:
        resp = client.get(url)
        assert resp.status_code in (403, 404), (url, resp.status_code)
        assert THEIRS[1] not in _text(resp), url


def test_the_other_cadre_is_not_blind(client, world, api_token):
    """The same routes do show H11B to its own cadre: the checks above can fail."""
    headers = api_token("cadre_a2")
    assert THEIRS[0] in _text(client.get("/api/v1/areas/V11/register", headers=headers))
    assert client.get("/api/v1/households/H11B", headers=headers).status_code == 200
