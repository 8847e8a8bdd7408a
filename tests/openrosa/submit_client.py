"""Sending submissions as ODK Collect does, and the fixtures the submission tests share.

``SubmitClient`` sends X-OpenRosa-Version and Date, does HEAD first and insists on
204 with X-OpenRosa-Accept-Content-Length, then POSTs multipart with
``xml_submission_file`` and one part per attachment named by its file name,
splitting after ``max_files`` attachments with ``*isIncomplete*=yes`` on all but
the last POST. Like Collect, it counts only 201 and 202 as success.
"""
from __future__ import annotations

import io
import uuid
from email.utils import formatdate
from pathlib import Path
from types import SimpleNamespace
from xml.sax.saxutils import escape

import pytest
from defusedxml.ElementTree import fromstring
from sqlalchemy import func, select

from server import create_app
from server.accounts.models import User
from server.accounts.permissions import SYSTEM
from server.accounts.phones import issue_phone_token
from server.db import get_session, unit_of_work
from server.forms import service as forms
from server.submissions.models import Submission, SubmissionAttachment, SubmissionVersion
from tests.conftest import empty_database
from tests.forms.conftest import xlsform

RESPONSE_NS = "{http://openrosa.org/http/response}"
LIMIT = 2 * 1024 * 1024  # the submission size limit of the test app
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x11" * 2000 + b"\xff\xd9"

SURVEY = [["type", "name", "label"],
          ["text", "household", "户主姓名"],
          ["integer", "members", "家庭人口"],
          ["image", "photo", "户主照片"],
          ["begin_repeat", "kids", "子女"],
          ["image", "kid_photo", "子女照片"],
          ["end_repeat", "", ""]]


def jpeg(tag: str) -> bytes:
    return JPEG[:20] + tag.encode() + JPEG[20:]


def instance(instance_id: str | None = None, *, form_id="visit", version="1", household="张三", photo="p1.jpg",
             kid_photos=("k1.jpg", "k2.jpg"), deprecated_id=None, device_id=None, extra="") -> bytes:
    """An instance XML as Collect writes it for the test form (root ``data``, meta/instanceID)."""
    instance_id = instance_id or f"uuid:{uuid.uuid4()}"
    kids = "".join(f"<kids><kid_photo>{escape(k)}</kid_photo></kids>" for k in kid_photos)
    meta = f"<instanceID>{instance_id}</instanceID>"
    if deprecated_id:
        meta += f"<deprecatedID>{deprecated_id}</deprecatedID>"
    if device_id:
        meta += f"<deviceID>{device_id}</deviceID>"
    return (f'<?xml version="1.0" encoding="UTF-8"?><data xmlns:jr="http://openrosa.org/javarosa" id="{form_id}" '
            f'version="{version}"><household>{escape(household)}</household><members>3</members>'
            f"<photo>{escape(photo or '')}</photo>{kids}{extra}<meta>{meta}</meta></data>").encode("utf-8")


def multipart(xml: bytes | None, files: dict[str, bytes], incomplete: bool = False) -> tuple[str, bytes]:
    """(content type, body) of a Collect submission POST, laid out as RFC 7578 says (and OkHttp, Collect's
    HTTP client, writes): every part's content ends with CRLF before the next delimiter, even an empty one
    (Werkzeug's test encoder leaves that CRLF out after an empty part). Names go in as they are."""
    boundary = f"zoufang-test-{uuid.uuid4().hex}"
    out = io.BytesIO()

    def part(disposition: str, data: bytes, content_type: str | None) -> None:
        head = f"--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\n"
        if content_type:
            head += f"Content-Type: {content_type}\r\n"
        out.write(head.encode("utf-8") + b"\r\n" + data + b"\r\n")

    if xml is not None:
        part('name="xml_submission_file"; filename="instance.xml"', xml, "text/xml")
    for name, data in files.items():
        part(f'name="{name}"; filename="{name}"', data, "image/jpeg")
    if incomplete:
        part('name="*isIncomplete*"', b"yes", None)
    out.write(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", out.getvalue()


def message(resp) -> str:
    root = fromstring(resp.data)
    assert root.tag == f"{RESPONSE_NS}OpenRosaResponse", resp.data
    return root.find(f"{RESPONSE_NS}message").text or ""


class SubmitClient:
    def __init__(self, client, server_url: str = "", auth=None, device_id: str = "collect:TESTDEVICE0001"):
        self.client, self.server_url, self.auth, self.device_id = client, server_url.rstrip("/"), auth, device_id

    def _headers(self) -> dict:
        return {"X-OpenRosa-Version": "1.0", "Date": formatdate(usegmt=True),
                "User-Agent": "org.odk.collect.android/v2024.2.0"}

    def url(self) -> str:
        return f"{self.server_url}/submission?deviceID={self.device_id}"

    def head(self):
        resp = self.client.open(self.url(), method="HEAD", headers=self._headers(), auth=self.auth)
        assert resp.headers.get("X-OpenRosa-Version") == "1.0"
        return resp

    def post_raw(self, content_type: str, body: bytes, **kw):
        resp = self.client.post(self.url(), data=body, content_type=content_type, headers=self._headers(),
                                auth=self.auth, **kw)
        assert resp.headers.get("X-OpenRosa-Version") == "1.0", resp.status
        assert resp.headers.get("Date")
        return resp

    def post(self, xml: bytes | None, files: dict[str, bytes] | None = None, incomplete: bool = False):
        return self.post_raw(*multipart(xml, files or {}, incomplete))

    def send(self, xml: bytes, files: dict[str, bytes] | None = None, max_files: int = 100) -> list:
        """HEAD, then as many POSTs as Collect would make; raises unless every POST got 201/202."""
        head = self.head()
        assert head.status_code == 204, head.status
        assert int(head.headers["X-OpenRosa-Accept-Content-Length"]) > 0
        items = list((files or {}).items())
        batches = [dict(items[i:i + max_files]) for i in range(0, len(items), max_files)] or [{}]
        responses = []
        for n, batch in enumerate(batches):
            resp = self.post(xml, batch, incomplete=n < len(batches) - 1)
            assert resp.status_code in (201, 202), (resp.status_code, resp.data.decode())
            responses.append(resp)
        return responses


# ---- fixtures ---------------------------------------------------------------------------------

@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({"database_url": database_url, "data_dir": tmp_path / "data", "exports_dir": tmp_path / "exports",
                      "secret_key": "test-secret", "testing": True, "odk_validate": "off",
                      "submission_max_bytes": LIMIT})
    yield app
    empty_database(app)


def _user(username):
    return get_session().scalar(select(User).where(User.username == username))


def publish(form_id: str, assign_to: list[str], *, version="1", title=None) -> None:
    forms.upload_xlsform(xlsform(survey=SURVEY, form_id=form_id, version=version, title=title or f"表单{form_id}"),
                         f"{form_id}.xlsx", actor=SYSTEM, area_code="C")
    forms.publish_draft(form_id, actor=SYSTEM)
    for area in assign_to:
        forms.assign_form(form_id, "cadre", area, actor=SYSTEM)


@pytest.fixture
def world(app, make_user, client):
    """cadre_a in V11 (T1), cadre_b in V21 (T2), an admin; form ``visit`` assigned to T1's cadres,
    ``west`` to T2's; each cadre with a phone link."""
    make_user("cadre", "V11", username="cadre_a")
    make_user("cadre", "V21", username="cadre_b")
    make_user("admin", "C", username="boss")
    with app.app_context(), unit_of_work():
        publish("visit", ["T1"], title="走访表")
        publish("west", ["T2"], title="西乡表")
        tokens = {name: issue_phone_token(_user(name), actor=SYSTEM).token for name in ("cadre_a", "cadre_b")}
    return SimpleNamespace(app=app, tokens=tokens,
                           a=SubmitClient(client, f"/key/{tokens['cadre_a']}"),
                           b=SubmitClient(client, f"/key/{tokens['cadre_b']}"))


@pytest.fixture
def stored(app):
    """stored() → (submissions, versions, attachments, blob files)."""
    def count():
        with app.app_context():
            session = get_session()
            rows = tuple(session.scalar(select(func.count()).select_from(m))
                         for m in (Submission, SubmissionVersion, SubmissionAttachment))
        blobs = Path(app.config["ZOUFANG"].data_dir) / "blobs"
        files = sum(1 for p in blobs.rglob("*") if p.is_file() and p.relative_to(blobs).parts[0] != "tmp")
        return (*rows, files)

    return count


@pytest.fixture
def submissions(app):
    """submissions() → every submission as plain data, with its versions and attachments."""
    from server.storage.blobs import get_store

    def read():
        with app.app_context():
            out = []
            for sub in get_session().scalars(select(Submission).order_by(Submission.id)):
                versions = [SimpleNamespace(instance_id=v.instance_id, deprecated_id=v.deprecated_id,
                                            xml=get_store().read_bytes(v.xml_sha256), submitter=v.submitter_id,
                                            device_id=v.device_id, expected=list(v.expected_attachments),
                                            attachments={a.name: get_store().read_bytes(a.sha256)
                                                         for a in v.attachments})
                            for v in sub.versions]
                submitter = get_session().get(User, sub.submitter_id)
                out.append(SimpleNamespace(id=sub.id, form=sub.form_id, instance_id=sub.instance_id,
                                           current_instance_id=sub.current_instance_id,
                                           submitter=submitter.username if submitter else None,
                                           device_id=sub.device_id, received_at=sub.received_at,
                                           form_version_id=sub.form_version_id, incomplete=sub.incomplete,
                                           state=sub.state, version_count=sub.version_count, versions=versions,
                                           current=versions[-1]))
            return out

    return read
