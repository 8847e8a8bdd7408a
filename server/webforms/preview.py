"""Draft preview for survey designers: the current draft in Web Forms, and its test submissions.

Test submissions live in their own table (``TestSubmission``), so no visit list,
household file, register, ledger or score ever reads them; they are not linked to
households, raise no problems and update no entities. Publishing the draft
deletes them (``discard_test_submissions``, called by ``publish_draft``).
"""
from __future__ import annotations

import csv
import io

from sqlalchemy import delete, select

from server.db import get_session, utcnow
from server.errors import BadRequest, Conflict, NotFound
from server.forms.models import Form, FormVersion
from server.forms.service import get_xform_bytes, manageable_form
from server.households.entity_list import ENTITY_LIST, PROPERTIES
from server.storage.blobs import get_store
from server.submissions.instance import parse_instance
from server.submissions.models import TestSubmission
from server.submissions.upload import SubmissionUpload
from server.webforms.pages import WebForm, web_form

# Made-up households for the preview's household choice: a designer tries the form, not anyone's visits.
SAMPLE_HOUSEHOLDS = [("TEST001", "测试户一"), ("TEST002", "测试户二")]


def draft_of(ref, *, actor) -> tuple[Form, FormVersion]:
    form = manageable_form(ref, actor=actor)
    if form.draft is None:
        raise NotFound(f"表单“{form.xml_form_id}”没有草稿可预览：请先上传新版本",
                       f"Form {form.xml_form_id!r} has no draft to preview", code="no_draft")
    return form, form.draft


def preview(ref, *, actor) -> tuple[WebForm, list[TestSubmission]]:
    form, draft = draft_of(ref, actor=actor)
    return web_form(form, draft), test_submissions(draft)


def test_submissions(version: FormVersion) -> list[TestSubmission]:
    return list(get_session().scalars(select(TestSubmission).where(TestSubmission.form_version_id == version.id)
                                      .order_by(TestSubmission.id)))


def draft_xform(ref, *, actor) -> bytes:
    return get_xform_bytes(draft_of(ref, actor=actor)[1])


def sample_households_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("name", "label", "__version", *PROPERTIES))
    for code, head in SAMPLE_HOUSEHOLDS:
        writer.writerow((code, f"{code} {head}（示例村）", 1, head, "示例村", "", "", 1, "", "", ""))
    return out.getvalue().encode("utf-8")


def draft_media(ref, filename: str, *, actor) -> tuple[bytes | io.BufferedIOBase, str]:
    """(bytes or an open stream, content type) of one of the draft's media; households.csv is made up."""
    _form, draft = draft_of(ref, actor=actor)
    media = next((m for m in draft.media if m.filename == filename), None)
    if media is not None:
        return get_store().open(media.sha256), media.content_type
    if filename == ENTITY_LIST:
        return sample_households_csv(), "text/csv"
    raise NotFound(f"找不到媒体文件：{filename}", f"Media file not found: {filename}", code="media_not_found")


def store_test_submission(ref, upload: SubmissionUpload, *, actor) -> TestSubmission:
    """Keep one test submission of the draft (its XML and attachments in the blob store)."""
    form, draft = draft_of(ref, actor=actor)
    inst = parse_instance(upload.xml)
    if inst.form_id != form.xml_form_id or inst.version != draft.version:
        raise BadRequest(f"测试记录不属于当前草稿（表单 {form.xml_form_id}，版本 {draft.version}）：请刷新预览页",
                         "This test submission is not of the current draft", code="not_this_draft")
    session = get_session()
    if session.scalar(select(TestSubmission.id).where(TestSubmission.form_version_id == draft.id,
                                                      TestSubmission.instance_id == inst.instance_id)):
        raise Conflict("这条测试记录已经收到", "This test submission was already received", code="duplicate_test")
    store = get_store()
    files = []
    for part in upload.attachments:
        if part.name in inst.texts:
            part.stream.seek(0)
            sha, size = store.put_stream(part.stream)
            files.append({"name": part.name, "sha256": sha, "size": size, "content_type": part.content_type})
    test = TestSubmission(form_version_id=draft.id, instance_id=inst.instance_id,
                          xml_sha256=store.put_bytes(upload.xml), attachments=files,
                          submitter_id=actor.id, received_at=utcnow())
    session.add(test)
    session.flush()
    return test


def discard_test_submissions(version: FormVersion) -> int:
    """Delete the draft's test submissions (their blobs stay for the store's own collection)."""
    result = get_session().execute(delete(TestSubmission).where(TestSubmission.form_version_id == version.id))
    return result.rowcount or 0
