"""Reading submissions: lists per form with filters, one submission, its XML, answers and attachments.

Who sees what: a cadre sees the visits they sent; township staff, supervisors and
admins see the visits whose area lies inside one of theirs (visits with no area
only county-wide users). Anything outside is answered as "not found".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO

from sqlalchemy import and_, func, or_, select

from server.accounts import permissions
from server.accounts.models import User, UserArea
from server.areas.models import Area
from server.audit.times import day_start_utc
from server.db import get_session
from server.errors import Forbidden, NotFound
from server.forms.models import Form
from server.forms.service import get_xform_bytes
from server.storage.blobs import get_store
from server.submissions.answers import Answer, read_answers
from server.submissions.models import Submission, SubmissionAttachment, SubmissionVersion
from server.submissions.xform_labels import form_labels

MAX_PER_PAGE = 200
# Content types shown inline; anything else (HTML, SVG, …) is served as a download so it cannot run as a page.
INLINE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "audio/", "video/")


@dataclass
class SubmissionPage:
    items: list[Submission]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _visible(actor):
    """SQL condition on Submission (joined with its Area) for what ``actor`` may see."""
    if actor is permissions.SYSTEM:
        return Submission.id.is_not(None)
    if actor.role == "cadre":
        return Submission.submitter_id == actor.id
    scoped = permissions.area_filter(actor, Area.path)
    if permissions.county_wide(actor):
        return or_(scoped, Submission.area_id.is_(None))
    return scoped


def _not_found(what: str) -> NotFound:
    return NotFound(f"找不到走访记录：{what}", f"Submission not found: {what}", code="submission_not_found")


def _form(xml_form_id: str) -> Form:
    form = get_session().scalar(select(Form).where(Form.xml_form_id == xml_form_id))
    if form is None:
        raise NotFound(f"找不到表单：{xml_form_id}", f"Form not found: {xml_form_id}", code="form_not_found")
    return form


def _filter_area(actor, code: str) -> Area:
    area = get_session().scalar(select(Area).where(Area.code == code))
    if area is None:
        raise NotFound(f"找不到区划：{code}", f"Area not found: {code}", code="area_not_found")
    if not permissions.in_scope(actor, area) and actor.role != "cadre":
        raise Forbidden(f"区划“{area.name}”不在您的范围内", f"Area {code} is outside your areas", code="forbidden")
    return area


def list_submissions(xml_form_id: str, *, actor, area: str | None = None, cadre: str | None = None,
                     since: date | None = None, until: date | None = None, state: str | None = None,
                     page: int = 1, per_page: int = 50) -> SubmissionPage:
    permissions.require(actor, "submission.view")
    form = _form(xml_form_id)
    conditions = [Submission.form_id == form.id, _visible(actor)]
    if area:
        conditions.append(Area.path.startswith(_filter_area(actor, area).path, autoescape=True))
    if cadre:
        conditions.append(Submission.submitter_id.in_(select(User.id).where(User.username == cadre)))
    if since:  # dates are China-time calendar days, as the pages show them
        conditions.append(Submission.received_at >= day_start_utc(since))
    if until:
        conditions.append(Submission.received_at < day_start_utc(until + timedelta(days=1)))
    if state:
        conditions.append(Submission.state == state)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    base = select(Submission).outerjoin(Area, Submission.area_id == Area.id).where(and_(*conditions))
    session = get_session()
    total = session.scalar(select(func.count()).select_from(base.subquery()))
    items = list(session.scalars(base.order_by(Submission.received_at.desc(), Submission.id.desc())
                                 .limit(per_page).offset((page - 1) * per_page)))
    return SubmissionPage(items, total, page, per_page)


def get_submission(submission_id: int, *, actor) -> Submission:
    permissions.require(actor, "submission.view")
    q = (select(Submission).outerjoin(Area, Submission.area_id == Area.id)
         .where(Submission.id == submission_id, _visible(actor)))
    sub = get_session().scalar(q)
    if sub is None:
        raise _not_found(str(submission_id))
    return sub


def _version(sub: Submission, instance_id: str | None) -> SubmissionVersion:
    if instance_id is None:
        return sub.current
    found = next((v for v in sub.versions if v.instance_id == instance_id), None)
    if found is None:
        raise _not_found(instance_id)
    return found


def submission_xml(submission_id: int, *, actor, instance_id: str | None = None) -> bytes:
    """The XML exactly as received (the current version, or an earlier one by its instanceID)."""
    return get_store().read_bytes(_version(get_submission(submission_id, actor=actor), instance_id).xml_sha256)


def submission_answers(sub: Submission, *, lang: str = "zh") -> list[Answer]:
    form_version = sub.form_version
    labels = form_labels(form_version.xform_sha256, lambda: get_xform_bytes(form_version))
    return read_answers(get_store().read_bytes(sub.current.xml_sha256), labels, lang)


def open_attachment(submission_id: int, name: str, *, actor,
                    instance_id: str | None = None) -> tuple[SubmissionAttachment, IO[bytes]]:
    version = _version(get_submission(submission_id, actor=actor), instance_id)
    att = next((a for a in version.attachments if a.name == name), None)
    if att is None:
        raise NotFound(f"找不到附件：{name}", f"Attachment not found: {name}", code="attachment_not_found")
    return att, get_store().open(att.sha256)


def served_type(content_type: str) -> tuple[str, bool]:
    """(media type to send, inline?) for an attachment whose type the phone declared."""
    ct = (content_type or "").lower()
    if ct.startswith(INLINE_TYPES):
        return ct, True
    return "application/octet-stream", False


def form_counts(*, actor) -> list[tuple[Form, int]]:
    """The forms with submissions the actor may see, and how many each."""
    permissions.require(actor, "submission.view")
    q = (select(Form, func.count(Submission.id)).join(Submission, Submission.form_id == Form.id)
         .outerjoin(Area, Submission.area_id == Area.id).where(_visible(actor))
         .group_by(Form.id).order_by(Form.xml_form_id))
    return [(form, n) for form, n in get_session().execute(q)]


def cadre_choices(*, actor) -> list[User]:
    """The submitters the actor may filter by: themselves for a cadre, else the cadres in their areas."""
    if actor is not permissions.SYSTEM and actor.role == "cadre":
        return [actor]
    q = (select(User).join(UserArea, UserArea.user_id == User.id).join(Area, Area.id == UserArea.area_id)
         .where(User.role == "cadre", permissions.area_filter(actor, Area.path)).distinct().order_by(User.username))
    return list(get_session().scalars(q))
