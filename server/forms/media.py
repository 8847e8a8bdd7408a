"""Media files of a form version: what the XForm expects, what has been uploaded."""
from __future__ import annotations

import hashlib
import mimetypes

from server.audit.service import record_event
from server.db import get_session
from server.errors import BadRequest, Conflict, NotFound
from server.forms.models import FormMedia, FormVersion
from server.forms.xform import media_references
from server.storage.blobs import get_store
from server.uploads import check_size, safe_filename


def media_status(version: FormVersion) -> list[dict]:
    """Expected and uploaded files together: [{"filename", "kind", "expected", "media"}], by name."""
    from server.forms.service import get_xform_bytes

    from server.households.entity_list import ENTITY_LIST

    expected = {m["filename"]: m["kind"] for m in media_references(get_xform_bytes(version))}
    uploaded = {m.filename: m for m in version.media}
    # "server": made by the server for each phone (households.csv: the cadre's own households), never uploaded
    return [{"filename": name, "kind": expected.get(name, ""), "expected": name in expected,
             "media": uploaded.get(name), "server": name == ENTITY_LIST}
            for name in sorted(set(expected) | set(uploaded))]


def put_media(version: FormVersion, filename: str, data: bytes, content_type: str) -> FormMedia:
    """Add or replace ``filename`` on the version (the bytes go to the blob store)."""
    sha = get_store().put_bytes(data)
    media = next((m for m in version.media if m.filename == filename), None)
    if media is None:
        media = FormMedia(filename=filename)
        version.media.append(media)
    media.sha256, media.md5 = sha, hashlib.md5(data).hexdigest()
    media.size, media.content_type = len(data), content_type
    return media


def clean_media_name(filename: str | None) -> str:
    """The file name as given, or 400: no folders, no "..", no control characters."""
    raw = (filename or "").strip()
    name = safe_filename(raw)
    if name != raw or name in (".", ".."):
        raise BadRequest(f"文件名“{raw}”无效：不能包含路径（/、\\ 或 ..），请只用文件名本身",
                         f"Invalid file name {raw!r}: no folders or '..', just the name", code="bad_filename")
    return name


def upload_media(ref, filename: str | None, data: bytes, *, actor) -> FormMedia:
    """Add or replace one media file of the form's draft."""
    from flask import current_app

    from server.forms.service import manageable_form

    form = manageable_form(ref, actor=actor)
    name = clean_media_name(filename)
    check_size(data, current_app.config["ZOUFANG"].media_max_bytes)
    if not data:
        raise BadRequest("文件是空的", "The file is empty", code="empty_file")
    draft = form.draft
    if draft is None:
        raise Conflict("已发布的版本不能再改媒体文件：请先上传新版本（草稿）再上传媒体文件",
                       "Published versions are frozen: upload a new draft first, then its media", code="no_draft")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    media = put_media(draft, name, data, content_type)
    get_session().flush()
    record_event("form.media", actor=actor, target=form.xml_form_id, area=form.area,
                 detail={"version": draft.version, "filename": name, "size": len(data), "md5": media.md5})
    return media


def get_media_bytes(version: FormVersion, filename: str) -> tuple[FormMedia, bytes]:
    media = next((m for m in version.media if m.filename == filename), None)
    if media is None:
        raise NotFound(f"找不到媒体文件：{filename}", f"Media file not found: {filename}", code="media_not_found")
    return media, get_store().read_bytes(media.sha256)
