"""The draft preview without a browser: who may open it, CSRF on test submissions, nothing reaches visits."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from server.accounts.permissions import SYSTEM
from server.db import get_session, unit_of_work
from server.forms import service as forms
from server.submissions.models import Submission
from server.submissions.models import TestSubmission as DraftTest
from tests.forms.conftest import xlsform
from tests.openrosa.submit_client import app  # noqa: F401

INSTANCE = (b'<?xml version="1.0"?><visit id="visit" version="1"><household>A</household><members>2</members>'
            b'<insured>yes</insured><meta><instanceID>uuid:test-1</instanceID></meta></visit>')


def _draft(app):  # noqa: F811
    with app.app_context(), unit_of_work():
        forms.upload_xlsform(xlsform(), "visit.xlsx", actor=SYSTEM, area_code="C")


def _post(client, headers):
    boundary, body = encode_multipart({"xml_submission_file": FileStorage(io.BytesIO(INSTANCE), "instance.xml",
                                                                          content_type="text/xml")})
    return client.post("/forms/visit/draft/submission", data=body, headers=headers,
                       content_type=f"multipart/form-data; boundary={boundary}")


def _counts(app):  # noqa: F811
    with app.app_context():
        s = get_session()
        return s.scalar(select(func.count(DraftTest.id))), s.scalar(select(func.count(Submission.id)))


def test_only_designers_preview_and_test_submissions_need_the_page_token(app, client, make_user, login):  # noqa: F811
    _draft(app)
    make_user("cadre", "C", username="cad")
    login("cad")
    assert client.get("/forms/visit/draft/preview").status_code in (403, 404)
    assert client.get("/forms/visit/draft/form.xml").status_code in (403, 404)

    make_user("designer", "C", username="des")
    client.post("/logout", data={"csrf_token": re.search(
        rb'name="csrf_token" value="([^"]+)"', client.get("/").data).group(1).decode()})
    login("des")
    page = client.get("/forms/visit/draft/preview")
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers
    token = re.search(r'data-csrf="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert client.get("/forms/visit/draft/media/households.csv").data.startswith(b"name,label,__version")
    assert client.get("/forms/visit/draft/media/nothing.png").status_code == 404

    refused = _post(client, {})
    assert refused.status_code == 400 and "页面已过期" in refused.get_data(as_text=True)
    assert _counts(app) == (0, 0)
    sent = _post(client, {"X-CSRFToken": token})
    assert sent.status_code == 201 and "测试记录已保存" in sent.get_data(as_text=True)
    again = _post(client, {"X-CSRFToken": token})
    assert again.status_code == 409
    assert _counts(app) == (1, 0)
