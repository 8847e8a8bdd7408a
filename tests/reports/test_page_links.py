"""The household pages lead to their PDFs: the file and visit records of a household, and a village or
township book as a background job."""
from __future__ import annotations

from tests.households.conftest import make_household, registry  # noqa: F401
from tests.openrosa.submit_client import app  # noqa: F401


def test_household_register_and_book_pages_link_their_pdfs(client, registry, login):  # noqa: F811
    login("t1_staff")
    page = client.get("/households/H11A").get_data(as_text=True)
    for url in ("/households/H11A/file.pdf", "/households/H11A/visits.pdf"):
        assert f'href="{url}"' in page
        resp = client.get(url)
        assert resp.status_code == 200 and resp.mimetype == "application/pdf" and resp.data.startswith(b"%PDF")
    register = client.get("/areas/V11/register").get_data(as_text=True)
    assert 'href="/reports?kind=village_book&amp;area=V11"' in register
    book = client.get("/areas/T1/book").get_data(as_text=True)
    assert 'href="/reports?kind=township_book&amp;area=T1"' in book
    form = client.get("/reports?kind=village_book&area=V11").get_data(as_text=True)
    assert 'value="V11"' in form
