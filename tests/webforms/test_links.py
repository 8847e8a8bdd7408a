"""Where people find the browser forms: the designer's draft preview link on the form page, the web link on a
cadre's phone page, and the pages in English."""
from __future__ import annotations

from sqlalchemy import select

from server.accounts.models import User
from server.accounts.permissions import SYSTEM
from server.db import get_session, unit_of_work
from server.forms import service as forms
from tests.forms.conftest import SURVEY, xlsform
from tests.households.conftest import make_household  # noqa: F401
from tests.scoring.conftest import app, field, registry  # noqa: F401


def test_a_draft_page_links_its_browser_preview(app, client, make_user, login):
    make_user("designer", "C", username="d1")
    with app.app_context(), unit_of_work():
        forms.upload_xlsform(xlsform(survey=SURVEY, form_id="draftonly", version="1"), "d.xlsx", actor=SYSTEM,
                             area_code="C")
    login("d1")
    page = client.get("/forms/draftonly").get_data(as_text=True)
    assert 'href="/forms/draftonly/draft/preview"' in page and "在浏览器中试填草稿" in page
    assert "Try the draft in the browser" in client.get("/forms/draftonly?lang=en").get_data(as_text=True)


def test_the_phone_page_gives_the_web_link_and_the_pages_speak_english(field, client, login):  # noqa: F811
    login("boss")
    with field.app.app_context():
        cadre_id = get_session().scalar(select(User.id).where(User.username == "cadre_a"))
    page = client.get(f"/users/{cadre_id}/phone").get_data(as_text=True)
    assert f"{field.phone.server_url}/web" in page.replace("http://localhost", "")
    english = client.get(f"{field.phone.server_url}/web?lang=en").get_data(as_text=True)
    assert "These are the forms assigned to you" in english
