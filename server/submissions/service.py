"""Ingest: one submission POST → the visit stored exactly once, with its attachments.

Order, so that nothing Collect was told is received can be lost and nothing refused
leaves a trace:

1. every check that can refuse (instance XML safety and encoding, form, version,
   assignment, state, attachment names, instanceID conflicts) runs first;
2. then the raw XML and each attachment go to the content-addressed blob store,
   which fsyncs them (all of one POST together);
3. then the rows are written; the caller commits, and only then answers 201/202.

A duplicate POST (same instanceID, identical XML) stores only the attachments not
yet present — that is how Collect's split uploads (``*isIncomplete*``) complete.
Two identical POSTs racing: the unique constraints let one insert win; the loser
gets ``SubmissionRace`` and the caller re-runs it, which then takes the duplicate path.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from server.accounts import permissions
from server.db import get_session, utcnow
from server.errors import BadRequest, Conflict, Forbidden, NotFound
from server.forms.models import Form, FormVersion
from server.forms.service import get_xform_bytes
from server.households.entities import process_entity, saveto_paths
from server.households.linking import household_code, household_paths, link
from server.ledger.ingest import sync_problems
from server.scoring.service import score_submission
from server.storage.blobs import get_store
from server.storage.local import SpooledBlob
from server.submissions.instance import Instance, binary_paths, parse_instance
from server.submissions.models import Submission, SubmissionAttachment, SubmissionVersion
from server.submissions.upload import AttachmentPart, SubmissionUpload
from server.uploads import safe_filename

CREATED, EDITED, DUPLICATE = "created", "edited", "duplicate"


class SubmissionRace(Exception):
    """Another request stored the same instanceID (or attachment) first: roll back and run again."""


@dataclass
class IngestResult:
    status: str  # created | edited | duplicate
    submission_id: int
    instance_id: str
    added: list[str] = field(default_factory=list)  # attachments stored by this request
    missing: list[str] = field(default_factory=list)  # attachments the instance expects that have not arrived
    ignored: list[str] = field(default_factory=list)  # parts the instance does not reference (not stored)


# ---- checks ------------------------------------------------------------------------------

def is_assigned(user, form: Form) -> bool:
    """The form is assigned to the user's role in an area containing, or inside, one of the user's areas
    (the rule formList uses, but regardless of the form's state)."""
    if user is permissions.SYSTEM:
        return True
    ancestors = {int(p) for own in user.areas for p in own.path.strip("/").split("/") if p}
    return any(a.role == user.role and (a.area_id in ancestors or permissions.in_scope(user, a.area))
               for a in form.assignments)


def _form_and_version(inst: Instance, actor) -> tuple[Form, FormVersion]:
    form = get_session().scalars(select(Form).options(joinedload(Form.assignments))
                                 .where(Form.xml_form_id == inst.form_id)).unique().first()
    if form is None:
        raise NotFound(f"服务器上没有表单“{inst.form_id}”：请在 Collect 中“获取空白表单”更新表单",
                       f"No form {inst.form_id!r} on this server", code="form_not_found")
    if not is_assigned(actor, form):
        raise Forbidden(f"表单“{form.title}”没有分配给您，不能提交", f"Form {inst.form_id!r} is not assigned to you",
                        code="form_not_assigned")
    # the one published version asked for (not every version of the form, drafts and all)
    version = get_session().scalar(select(FormVersion).where(
        FormVersion.form_id == form.id, FormVersion.status == "published", FormVersion.version == inst.version,
    ).order_by(FormVersion.id).limit(1))
    if version is None:
        raise NotFound(f"表单“{form.title}”的版本 {inst.version or '（空）'} 不存在：请在 Collect 中下载最新版本",
                       f"Form {inst.form_id!r} has no published version {inst.version!r}", code="version_not_found")
    return form, version


def _checked_parts(parts: list[AttachmentPart]) -> None:
    """Attachment names must be bare file names (Collect never sends paths); each at most once."""
    seen = set()
    for part in parts:
        try:
            clean = safe_filename(part.name)
        except BadRequest:
            clean = ""
        if clean != part.name:
            shown = "".join(ch for ch in part.name if ch.isprintable())[:100]  # the message goes back as XML
            raise BadRequest(f"附件文件名无效：{shown}", f"Invalid attachment name {shown!r}",
                             code="bad_attachment_name")
        if part.name in seen:
            raise BadRequest(f"附件重复：{part.name}", f"Attachment {part.name!r} sent twice", code="duplicate_part")
        seen.add(part.name)


def _version_by_instance(form: Form, instance_id: str) -> SubmissionVersion | None:
    return get_session().scalar(select(SubmissionVersion).where(SubmissionVersion.form_id == form.id,
                                                                SubmissionVersion.instance_id == instance_id))


# ---- storing -----------------------------------------------------------------------------

def _store_attachments(version: SubmissionVersion, parts: list[AttachmentPart], xml=None,
                       ) -> tuple[list[str], Callable[[], None]]:
    """Put the parts not yet present (and the instance XML, when given) in the blob store — all fsync'd
    together — then add the attachments' rows. First copy wins. Returns the names added and ``synced``:
    the blobs are durable once it has returned (call it before flushing; other work can go on meanwhile)."""
    present = set(version.present_attachments)
    todo = []
    for part in parts:
        if part.name in present:
            continue
        part.stream.seek(0)  # a re-run after a race reads the spooled part again
        todo.append(part)
    items = ([xml] if xml is not None else []) + [part.stream for part in todo]
    if not items:
        return [], _nothing
    stored, synced = get_store().put_many_pending(items)
    if xml is not None:
        (xml_sha, _), stored = stored[0], stored[1:]
        if xml_sha != version.xml_sha256:  # pragma: no cover - the same bytes were hashed twice
            raise RuntimeError("instance XML changed while it was stored")
    for part, (sha, size) in zip(todo, stored):
        version.attachments.append(SubmissionAttachment(name=part.name, sha256=sha, size=size,
                                                        content_type=part.content_type))
    return [part.name for part in todo], synced


def _nothing() -> None:
    pass


def _xml_item(upload: SubmissionUpload):
    """What to store as the instance: its spooled part (moved into place, not copied) or its bytes."""
    return upload.xml_stream if isinstance(upload.xml_stream, SpooledBlob) else upload.xml


def _new_version(form: Form, fv: FormVersion, inst: Instance, xml: bytes, xml_sha: str, expected: list[str], *,
                 actor, device_id: str | None) -> SubmissionVersion:
    """The version's row (its XML is stored with the attachments, by ``_store_attachments``)."""
    return SubmissionVersion(form_id=form.id, instance_id=inst.instance_id, deprecated_id=inst.deprecated_id,
                             form_version_id=fv.id, xml_sha256=xml_sha, xml_size=len(xml),
                             instance_name=inst.instance_name, submitter_id=actor.id, device_id=device_id,
                             expected_attachments=expected, received_at=utcnow(), attachments=[])


def _make_current(sub: Submission, version: SubmissionVersion) -> None:
    sub.current_instance_id, sub.form_version_id = version.instance_id, version.form_version_id
    sub.xml_sha256, sub.instance_name = version.xml_sha256, version.instance_name
    sub.submitter_id, sub.device_id, sub.updated_at = version.submitter_id, version.device_id, version.received_at


def visit_area_id(actor) -> int | None:
    """The area a cadre's visit belongs to: their one area, or the lowest area containing all of them."""
    paths = [a.path.strip("/").split("/") for a in getattr(actor, "areas", [])]
    if not paths:
        return None
    common = paths[0]
    for p in paths[1:]:
        n = 0
        while n < min(len(common), len(p)) and common[n] == p[n]:
            n += 1
        common = common[:n]
    return int(common[-1]) if common else None


def _is_unique_violation(exc: IntegrityError) -> bool:
    orig = exc.orig
    return getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(orig)


def _flush() -> None:
    try:
        get_session().flush()
    except IntegrityError as exc:
        if _is_unique_violation(exc):  # another request inserted the same instanceID or attachment first
            raise SubmissionRace() from exc
        raise


def ingest_submission(upload: SubmissionUpload, *, actor, device_id: str | None = None) -> IngestResult:
    """Store one submission POST; raises a 4xx DomainError before storing anything when it must refuse."""
    permissions.require(actor, "submission.submit")
    inst = parse_instance(upload.xml)
    form, fv = _form_and_version(inst, actor)
    _checked_parts(upload.attachments)
    accepted = [p for p in upload.attachments if p.name in inst.texts]
    ignored = [p.name for p in upload.attachments if p.name not in inst.texts]
    expected = inst.referenced(binary_paths(fv.xform_sha256, lambda: get_xform_bytes(fv)))
    device_id = (inst.device_id or device_id or "")[:255] or None
    xml_sha = hashlib.sha256(upload.xml).hexdigest()

    existing = _version_by_instance(form, inst.instance_id)
    if existing is not None:
        if existing.xml_sha256 != xml_sha:
            raise Conflict("这份记录的编号（instanceID）已被另一份内容不同的记录使用，服务器保留先收到的一份",
                           f"instanceID {inst.instance_id} was already received with different content",
                           code="instance_conflict")
        added, synced = _store_attachments(existing, accepted)
        sub = existing.submission
        if existing is sub.current:
            sub.incomplete = bool(existing.missing_attachments)
        synced()  # every blob durable before a row refers to it (and before SQLite's write lock is taken)
        _flush()
        return IngestResult(DUPLICATE, sub.id, inst.instance_id, added, existing.missing_attachments, ignored)

    if form.state == "closed":
        raise Conflict(f"表单“{form.title}”已关闭，不再接收新的提交", f"Form {form.xml_form_id!r} is closed",
                       code="form_closed")
    replaced = _version_by_instance(form, inst.deprecated_id) if inst.deprecated_id else None
    version = _new_version(form, fv, inst, upload.xml, xml_sha, expected, actor=actor, device_id=device_id)
    if replaced is not None:  # an edit: the old XML stays as an earlier version
        sub = replaced.submission
        sub.versions.append(version)
        sub.version_count = len(sub.versions)
        status = EDITED
    else:  # new — also an edit whose original never reached us: keep it rather than lose it
        sub = Submission(form_id=form.id, instance_id=inst.instance_id, received_at=version.received_at,
                         state="received", version_count=1, area_id=visit_area_id(actor))
        sub.versions.append(version)
        get_session().add(sub)
        status = CREATED
    _make_current(sub, version)
    # the blobs now (nothing below refuses a visit): their folders' fsyncs run while the visit is linked and scored
    added, synced = _store_attachments(version, accepted, xml=_xml_item(upload))
    xform = lambda: get_xform_bytes(fv)  # noqa: E731  read only when a cache misses
    with get_session().no_autoflush:  # the rows go out in one flush, with the household already linked
        link(sub, household_code(inst.leaves, household_paths(fv.xform_sha256, xform)), actor)
        process_entity(sub, inst.entity, inst.leaves, saveto_paths(fv.xform_sha256, xform), actor=actor)
    sync_problems(sub, upload.xml, actor=actor)  # problems found in the visit → the household's ledger
    score_submission(sub, upload.xml)  # the scoring sheet's results, in this transaction; never raises
    sub.incomplete = bool(version.missing_attachments)
    synced()  # every blob durable (file and folder fsync'd) before a row refers to it
    _flush()
    return IngestResult(status, sub.id, inst.instance_id, added, version.missing_attachments, ignored)
