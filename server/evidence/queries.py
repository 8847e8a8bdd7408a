"""Reading evidence: a visit's flags and the photo gallery, scoped exactly as the visits themselves
(``server.submissions.queries._visible``) and only for users allowed ``evidence.view``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, exists, func, select

from server.accounts import permissions
from server.accounts.models import User
from server.areas.models import Area
from server.db import get_session
from server.evidence.models import EvidenceFlag, PhotoPrint
from server.forms.models import Form
from server.submissions import queries as submissions
from server.submissions.models import Submission

MAX_PER_PAGE = 200


@dataclass
class GalleryItem:
    photo: PhotoPrint
    submission: Submission
    flags: list[EvidenceFlag]


@dataclass
class GalleryPage:
    items: list[GalleryItem]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def submission_flags(submission_id: int, *, actor) -> tuple[Submission, list[EvidenceFlag]]:
    permissions.require(actor, "evidence.view")
    sub = submissions.get_submission(submission_id, actor=actor)  # 404 outside the actor's areas
    flags = list(get_session().scalars(select(EvidenceFlag).where(EvidenceFlag.submission_id == sub.id)
                                       .order_by(EvidenceFlag.id)))
    return sub, flags


def gallery(*, actor, area: str | None = None, cadre: str | None = None, form: str | None = None,
            question: str | None = None, since: date | None = None, until: date | None = None,
            flag: str | None = None, page: int = 1, per_page: int = 48) -> GalleryPage:
    """Photos of the visits the actor may see, newest visit first, each with its flags."""
    permissions.require(actor, "evidence.view")
    conditions = [submissions._visible(actor)]
    if area:
        conditions.append(Area.path.startswith(submissions._filter_area(actor, area).path, autoescape=True))
    if cadre:
        conditions.append(Submission.submitter_id.in_(select(User.id).where(User.username == cadre)))
    if form:
        conditions.append(Submission.form_id.in_(select(Form.id).where(Form.xml_form_id == form)))
    if question:
        conditions.append(PhotoPrint.question == question)
    if since:
        conditions.append(Submission.received_at >= datetime.combine(since, time.min))
    if until:
        conditions.append(Submission.received_at < datetime.combine(until + timedelta(days=1), time.min))
    if flag:
        conditions.append(exists().where(EvidenceFlag.submission_id == PhotoPrint.submission_id,
                                         EvidenceFlag.kind == flag,
                                         (EvidenceFlag.attachment == PhotoPrint.attachment)
                                         | EvidenceFlag.attachment.is_(None)))
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    base = (select(PhotoPrint, Submission).join(Submission, Submission.id == PhotoPrint.submission_id)
            .outerjoin(Area, Submission.area_id == Area.id).where(and_(*conditions)))
    session = get_session()
    total = session.scalar(select(func.count()).select_from(base.subquery()))
    rows = session.execute(base.order_by(Submission.received_at.desc(), PhotoPrint.id)
                           .limit(per_page).offset((page - 1) * per_page)).all()
    sub_ids = {s.id for _, s in rows}
    by_photo: dict[tuple[int, str | None], list[EvidenceFlag]] = {}
    if sub_ids:
        for f in session.scalars(select(EvidenceFlag).where(EvidenceFlag.submission_id.in_(sub_ids))
                                 .order_by(EvidenceFlag.id)):
            by_photo.setdefault((f.submission_id, f.attachment), []).append(f)
    items = [GalleryItem(p, s, by_photo.get((s.id, p.attachment), []) + by_photo.get((s.id, None), []))
             for p, s in rows]
    return GalleryPage(items, total, page, per_page)


def photo_for_thumbnail(submission_id: int, name: str, *, actor) -> PhotoPrint:
    """The print of a photo the actor may see (its blob is what the thumbnail is made from)."""
    from server.errors import NotFound

    permissions.require(actor, "evidence.view")
    sub = submissions.get_submission(submission_id, actor=actor)
    found = get_session().scalar(select(PhotoPrint).where(PhotoPrint.submission_id == sub.id,
                                                          PhotoPrint.attachment == name))
    if found is None:
        raise NotFound(f"找不到照片：{name}", f"Photo not found: {name}", code="attachment_not_found")
    return found
