"""What a phone may download: its forms' current published versions and their media.

A phone sees only the forms ``forms_for_user`` gives its user (assigned to the
user's role around the user's areas, open, published). Anything else is 404 —
except a form that was assigned but is now closing or closed, which answers 410
so the cadre learns why.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO

from sqlalchemy import select

from server.db import get_session
from server.errors import DomainError, NotFound
from server.forms.assignments import forms_for_user
from server.forms.media import clean_media_name
from server.forms.models import Form, FormVersion
from server.forms.xform import media_references
from server.storage.blobs import get_store


@dataclass(frozen=True)
class PhoneMedia:
    """One file of a phone's manifest: an uploaded media file, or the server-made entity list."""

    filename: str
    md5: str
    content_type: str
    entity_list: bool = False


class FormNotOpen(DomainError):
    status = 410
    exit_code = 6
    code = "form_not_open"


def _not_found(xml_form_id: str) -> NotFound:
    return NotFound(f"找不到表单“{xml_form_id}”，或该表单没有分配给您",
                    f"Form {xml_form_id!r} not found or not assigned to you", code="form_not_found")


def _assigned(user, form: Form) -> bool:
    """The assignment rule of ``forms_for_user``, ignoring the form's state."""
    return any(a.role == user.role and any(a.area.contains(own) or own.contains(a.area) for own in user.areas)
               for a in form.assignments)


def phone_forms(user, form_id: str | None = None) -> list[tuple[Form, FormVersion]]:
    """(form, current published version) for each form the phone receives; ``form_id`` keeps one."""
    forms = forms_for_user(user)
    if form_id is not None:
        forms = [f for f in forms if f.xml_form_id == form_id]
    return [(f, f.current) for f in forms]


def phone_version(user, xml_form_id: str) -> FormVersion:
    """The version a phone downloads now, or 404 (not its form) / 410 (its form, no longer handed out)."""
    for form, version in phone_forms(user, xml_form_id):
        return version
    form = get_session().scalar(select(Form).where(Form.xml_form_id == xml_form_id))
    if form is not None and user is not None and form.state != "open" and _assigned(user, form):
        raise FormNotOpen(f"表单“{form.title}”已停止下发，不能再下载；请联系管理员",
                          f"Form {xml_form_id!r} is {form.state}: it can no longer be downloaded")
    raise _not_found(xml_form_id)


@lru_cache(maxsize=1024)
def _refers_to_media(xform_sha256: str) -> bool:
    """Cached by content hash: the bytes behind a sha256 never change."""
    return bool(media_references(get_store().read_bytes(xform_sha256)))


def wants_manifest(version: FormVersion) -> bool:
    """True when the version has media files or its XForm refers to some."""
    return bool(version.media) or _refers_to_media(version.xform_sha256)


def phone_xform(user, xml_form_id: str) -> tuple[FormVersion, bytes]:
    version = phone_version(user, xml_form_id)
    return version, get_store().read_bytes(version.xform_sha256)


@lru_cache(maxsize=1024)
def _uses_entity_list(xform_sha256: str) -> bool:
    from server.households.entity_list import ENTITY_LIST

    return any(m["filename"] == ENTITY_LIST for m in media_references(get_store().read_bytes(xform_sha256)))


def _entity_list(user) -> tuple[PhoneMedia, bytes]:
    from server.households.entity_list import ENTITY_LIST, households_csv_with_md5

    data, md5 = households_csv_with_md5(user)
    return PhoneMedia(ENTITY_LIST, md5, "text/csv", entity_list=True), data


def phone_media_list(user, xml_form_id: str) -> list[PhoneMedia]:
    """The version's media; households.csv, when the form uses it, is this cadre's own list (never uploaded)."""
    version = phone_version(user, xml_form_id)
    out = {m.filename: PhoneMedia(m.filename, m.md5, m.content_type) for m in version.media}
    if _uses_entity_list(version.xform_sha256):
        entry, _ = _entity_list(user)
        out[entry.filename] = entry
    return [out[name] for name in sorted(out)]


def phone_media(user, xml_form_id: str, filename: str) -> tuple[PhoneMedia, BinaryIO]:
    """The media file and an open stream of its bytes (the caller closes it)."""
    name = clean_media_name(filename)
    version = phone_version(user, xml_form_id)
    if _uses_entity_list(version.xform_sha256):
        entry, data = _entity_list(user)
        if entry.filename == name:
            return entry, io.BytesIO(data)
    media = next((m for m in version.media if m.filename == name), None)
    if media is None:
        raise NotFound(f"找不到媒体文件：{name}", f"Media file not found: {name}", code="media_not_found")
    return PhoneMedia(media.filename, media.md5, media.content_type), get_store().open(media.sha256)
