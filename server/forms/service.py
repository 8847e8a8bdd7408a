"""Forms: upload an XLSForm as a draft, publish it, open or close the form, read it back.

A form has at most one draft (editable: re-uploading replaces it) and any number
of published versions (frozen: XForm bytes, their MD5, and the media files).
Media and assignments live in ``media.py`` and ``assignments.py``; they are
re-exported here so every transport imports from one place.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from server.accounts import permissions
from server.areas.models import Area
from server.audit.service import record_event
from server.db import get_session, utcnow
from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.forms.models import FORM_STATE_LABELS, FORM_STATES, Form, FormMedia, FormVersion
from server.forms.xlsform import Conversion, convert_xlsform
from server.storage.blobs import get_store

__all__ = ["upload_xlsform", "publish_draft", "set_form_state", "list_forms", "get_form", "get_version",
           "can_view_form", "can_manage_form", "get_xform_bytes", "get_source_bytes",
           "upload_media", "media_status", "get_media_bytes", "assign_form", "unassign_form", "forms_for_user"]

ITEMSETS = "itemsets.csv"


# ---- finding forms and who may see them -------------------------------------------------

def _ancestor_ids(area: Area) -> list[int]:
    return [int(p) for p in area.path.strip("/").split("/") if p]


def _related_condition(actor):
    """SQL: the form's area lies inside one of the actor's areas, or contains one (a county's form)."""
    if actor is permissions.SYSTEM:
        return permissions.area_filter(actor, Area.path)
    ancestors = {i for own in actor.areas for i in _ancestor_ids(own)}
    return or_(permissions.area_filter(actor, Area.path), Area.id.in_(ancestors))


def can_view_form(actor, form: Form) -> bool:
    """Viewers see the forms of their areas and of the areas above them (the county's forms)."""
    return permissions.can_from_below(actor, "form.view", form.area)


def can_manage_form(actor, form: Form) -> bool:
    return permissions.can(actor, "form.manage", form.area)


def _find(ref) -> Form | None:
    """``ref`` is the form's database id (int) or its XForm id (str)."""
    session = get_session()
    if isinstance(ref, int):
        return session.get(Form, ref)
    return session.scalar(select(Form).where(Form.xml_form_id == str(ref)))


def _not_found(ref) -> NotFound:
    return NotFound(f"找不到表单：{ref}", f"Form not found: {ref}", code="form_not_found")


def get_form(ref, *, actor) -> Form:
    form = _find(ref)
    if form is None or not can_view_form(actor, form):
        raise _not_found(ref)
    return form


def manageable_form(ref, *, actor, action: str = "form.manage") -> Form:
    """The form, when the actor may ``action`` it; 404 when the actor cannot even see it."""
    form = _find(ref)
    if form is None or not (can_view_form(actor, form) or permissions.can(actor, action, form.area)):
        raise _not_found(ref)
    permissions.require(actor, action, form.area)
    return form


def list_forms(*, actor) -> list[Form]:
    permissions.require(actor, "form.view")
    q = select(Form).join(Area, Form.area_id == Area.id).where(_related_condition(actor)).order_by(Form.xml_form_id)
    return list(get_session().scalars(q))


def get_version(form: Form, version_id: int) -> FormVersion:
    for v in form.versions:
        if v.id == version_id:
            return v
    raise NotFound(f"找不到表单版本：{version_id}", f"Form version not found: {version_id}", code="version_not_found")


def get_xform_bytes(version: FormVersion) -> bytes:
    return get_store().read_bytes(version.xform_sha256)


def get_source_bytes(version: FormVersion) -> bytes:
    return get_store().read_bytes(version.source_sha256)


# ---- upload and publish --------------------------------------------------------------------

def _owner_area(area_code: str | None, *, actor) -> Area:
    session = get_session()
    if area_code:
        area = session.scalar(select(Area).where(Area.code == area_code.strip()))
        if area is None:
            raise Invalid(f"找不到区划：{area_code}", f"Unknown area {area_code!r}", code="unknown_area")
        return area
    if actor is permissions.SYSTEM:
        roots = list(session.scalars(select(Area).where(Area.parent_id.is_(None))))
        if len(roots) == 1:
            return roots[0]
        raise Invalid("请指定表单所属区划（--area）", "Give the area that owns the form (--area)", code="area_required")
    if not actor.areas:
        raise Forbidden("您没有负责的区划，不能上传表单", "You have no areas, so you cannot upload forms")
    return min(actor.areas, key=lambda a: (len(a.path), a.code))


def _auto_version(form: Form | None) -> str:
    """A timestamp version (YYYYMMDDHHMMSS) not yet used by this form."""
    taken = {v.version for v in form.versions} if form is not None else set()
    stamp = int(datetime.now().strftime("%Y%m%d%H%M%S"))
    while str(stamp) in taken:
        stamp += 1
    return str(stamp)


def _carry_media(form: Form, draft: FormVersion, conv: Conversion, replacing: bool) -> None:
    """Keep (or copy from the last published version) the media files the new XForm still expects."""
    expected = {m["filename"] for m in conv.media} - {ITEMSETS}
    if replacing:
        for m in list(draft.media):
            if m.filename not in expected:
                draft.media.remove(m)
    elif form.current is not None:
        for m in form.current.media:
            if m.filename in expected:
                draft.media.append(FormMedia(filename=m.filename, sha256=m.sha256, md5=m.md5, size=m.size,
                                             content_type=m.content_type))


def upload_xlsform(data: bytes, filename: str, *, actor, area_code: str | None = None) -> Form:
    """Convert and store as the form's draft (creating the form when its form_id is new)."""
    from server.uploads import safe_filename

    permissions.require(actor, "form.manage")
    filename = safe_filename(filename, default="form.xlsx")
    conv = convert_xlsform(data, filename)  # raises before anything is stored
    session = get_session()
    form = _find(conv.form_id)
    if form is None:
        area = _owner_area(area_code, actor=actor)
        permissions.require(actor, "form.manage", area)
        form = Form(xml_form_id=conv.form_id, title=conv.title, state="open", area=area,
                    created_by_id=actor.id)
        session.add(form)
    elif not can_manage_form(actor, form):
        raise Forbidden(f"表单编号“{conv.form_id}”属于{form.area.name}，您没有权限修改",
                        f"Form {conv.form_id!r} belongs to {form.area.name}; you may not change it",
                        code="forbidden")
    if conv.version is None:
        conv.with_version(_auto_version(form))
    elif any(v.version == conv.version for v in form.published):
        raise Conflict(f"版本 {conv.version} 已经发布过：请在 settings 表中修改 version 后重新上传",
                       f"Version {conv.version} is already published: change version in the settings sheet",
                       code="version_exists")
    xform_bytes = conv.xform.encode("utf-8")
    draft = form.draft
    replacing = draft is not None
    if draft is None:
        draft = FormVersion(status="draft")
        form.versions.append(draft)
    draft.version, draft.title, draft.source_filename = conv.version, conv.title, filename
    draft.source_sha256 = hashlib.sha256(data).hexdigest()
    draft.xform_sha256 = hashlib.sha256(xform_bytes).hexdigest()
    draft.xform_md5 = hashlib.md5(xform_bytes).hexdigest()
    draft.warnings, draft.validated, draft.validate_note = conv.warnings, conv.validated, conv.validate_note
    draft.scoring = conv.scoring
    draft.uploaded_by_id, draft.uploaded_at = actor.id, utcnow()
    form.title = conv.title
    _carry_media(form, draft, conv, replacing)
    try:
        session.flush()
    except IntegrityError as exc:  # the same form_id or version uploaded at the same moment
        raise Conflict("该表单正被同时上传，请重试", "The form is being uploaded concurrently; try again",
                       code="concurrent_upload") from exc
    store = get_store()  # blobs last: a refused upload leaves none behind
    store.put_bytes(data)
    store.put_bytes(xform_bytes)
    if conv.itemsets is not None:
        put_media(draft, ITEMSETS, conv.itemsets.encode("utf-8"), "text/csv")
    elif replacing:
        for m in [m for m in draft.media if m.filename == ITEMSETS]:
            draft.media.remove(m)
    session.flush()
    record_event("form.upload", actor=actor, target=form.xml_form_id, area=form.area,
                 detail={"version": draft.version, "filename": filename, "warnings": len(conv.warnings),
                         "validated": conv.validated, "replaced_draft": replacing})
    return form


def publish_draft(ref, *, actor) -> FormVersion:
    """Freeze the draft: its XForm bytes, MD5 and media no longer change."""
    form = manageable_form(ref, actor=actor)
    draft = form.draft
    if draft is None:
        raise Conflict(f"表单“{form.xml_form_id}”没有可发布的草稿：请先上传新版本",
                       f"Form {form.xml_form_id!r} has no draft to publish: upload a new version first",
                       code="no_draft")
    if any(v.version == draft.version for v in form.published):
        raise Conflict(f"版本 {draft.version} 已经发布过：请修改 settings 表中的 version 后重新上传",
                       f"Version {draft.version} is already published", code="version_exists")
    draft.status, draft.published_at = "published", utcnow()
    from server.webforms.preview import discard_test_submissions

    discard_test_submissions(draft)  # test submissions of the draft preview never outlive the draft
    get_session().flush()
    from server.forms.media import media_status

    missing = [m["filename"] for m in media_status(draft) if m["expected"] and m["media"] is None and not m["server"]]
    record_event("form.publish", actor=actor, target=form.xml_form_id, area=form.area,
                 detail={"version": draft.version, "md5": draft.xform_md5, "missing_media": missing})
    return draft


def set_form_state(ref, state: str, *, actor) -> Form:
    """open: served to phones; closing: no new downloads, submissions accepted; closed: neither."""
    state = (state or "").strip().lower()
    if state not in FORM_STATES:
        allowed = "、".join(f"{s}（{FORM_STATE_LABELS[s]}）" for s in FORM_STATES)
        raise Invalid(f"未知的表单状态：{state or '（空）'}，应为 {allowed}",
                      f"Unknown form state {state!r}: use open, closing or closed", code="bad_state")
    form = manageable_form(ref, actor=actor)
    old = form.state
    form.state = state
    get_session().flush()
    record_event("form.state", actor=actor, target=form.xml_form_id, area=form.area,
                 detail={"from": old, "to": state})
    return form


from server.forms.assignments import assign_form, forms_for_user, unassign_form  # noqa: E402
from server.forms.media import get_media_bytes, media_status, put_media, upload_media  # noqa: E402
