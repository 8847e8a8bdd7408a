"""Setting a visit's review state, one at a time or in bulk, with the full history.

Reviewers (supervisors, admins) set ``has_issues``, ``approved``, ``rejected`` or put a visit
back to ``received``; ``edited`` is set by the system when the cadre sends a new version
(see ``server.review.edits``). Every change is a ``ReviewEvent`` and an audit event filed under the
visit's area. A reviewer acts only on visits inside their areas (others are "not found", as
for reading them). Sending a visit back (has_issues, rejected) needs a comment: the cadre
has to know what to fix.
"""
from __future__ import annotations

from sqlalchemy import select

from server.accounts import permissions
from server.audit.service import record_event
from server.db import get_session, utcnow
from server.errors import Invalid, NotFound
from server.review.models import ReviewEvent, SampleItem
from server.submissions import queries
from server.submissions.models import SUBMISSION_STATE_LABELS, Submission

# States a reviewer may set ("edited" only ever comes from a new version sent by the cadre).
REVIEW_STATES = ("received", "has_issues", "approved", "rejected")
NEEDS_COMMENT = ("has_issues", "rejected")
MAX_COMMENT = 2000
MAX_BULK = 500


def _check(state: str, comment: str | None) -> str | None:
    if state not in REVIEW_STATES:
        allowed = "、".join(f"{s}（{SUBMISSION_STATE_LABELS[s]}）" for s in REVIEW_STATES)
        raise Invalid(f"审核状态只能是：{allowed}", f"Review state must be one of {', '.join(REVIEW_STATES)}",
                      code="bad_review_state")
    comment = (comment or "").strip() or None
    if comment and len(comment) > MAX_COMMENT:
        raise Invalid(f"意见最多 {MAX_COMMENT} 字", f"A comment may have at most {MAX_COMMENT} characters",
                      code="comment_too_long")
    if state in NEEDS_COMMENT and not comment:
        raise Invalid(f"标记为“{SUBMISSION_STATE_LABELS[state]}”时请写明意见，干部需要知道要改什么",
                      f"Marking a visit '{state}' needs a comment: the cadre must know what to fix",
                      code="comment_required")
    return comment


def _reviewable(submission_id: int, actor) -> Submission:
    permissions.require(actor, "submission.review")
    sub = queries.get_submission(submission_id, actor=actor)  # NotFound outside the actor's areas
    if sub.area is not None:
        permissions.require(actor, "submission.review", sub.area)
    return sub


def _apply(sub: Submission, state: str, comment: str | None, actor, sample_id: int | None) -> ReviewEvent:
    session = get_session()
    ev = ReviewEvent(submission_id=sub.id, actor_id=getattr(actor, "id", None), actor_name=actor.username,
                     from_state=sub.state, to_state=state, comment=comment, sample_id=sample_id, at=utcnow())
    session.add(ev)
    record_event("submission.review", actor=actor, target=f"submission:{sub.id}", area=sub.area,
                 detail={"from": sub.state, "to": state, "comment": comment, "instance_id": sub.instance_id,
                         "sample_id": sample_id})
    sub.state = state
    sub.updated_at = ev.at
    if sample_id is not None:
        item = session.scalar(select(SampleItem).where(SampleItem.sample_id == sample_id,
                                                       SampleItem.submission_id == sub.id))
        if item is None:
            raise NotFound(f"抽查样本 {sample_id} 中没有这条走访记录", f"Visit not in sample {sample_id}",
                           code="sample_item_not_found")
        item.reviewed_at = ev.at
    return ev


def set_state(submission_id: int, state: str, *, actor, comment: str | None = None,
              sample_id: int | None = None) -> Submission:
    comment = _check(state, comment)
    sub = _reviewable(submission_id, actor)
    _apply(sub, state, comment, actor, sample_id)
    get_session().flush()
    return sub


def bulk_set_state(submission_ids: list[int], state: str, *, actor, comment: str | None = None) -> list[Submission]:
    """All or nothing: one visit the actor may not review (or that does not exist) refuses the whole batch."""
    comment = _check(state, comment)
    ids = list(dict.fromkeys(int(i) for i in submission_ids))
    if not ids:
        raise Invalid("请选择走访记录", "Choose at least one visit", code="empty_selection")
    if len(ids) > MAX_BULK:
        raise Invalid(f"一次最多审核 {MAX_BULK} 条", f"At most {MAX_BULK} visits at once", code="too_many")
    subs = []
    missing = []
    for sid in ids:
        try:
            subs.append(_reviewable(sid, actor))
        except NotFound:
            missing.append(sid)
    if missing:
        shown = ", ".join(str(i) for i in missing[:20])
        raise NotFound(f"找不到这些走访记录（或不在您的范围内）：{shown}", f"Visits not found: {shown}",
                       code="submission_not_found", details=missing)
    for sub in subs:
        _apply(sub, state, comment, actor, None)
    get_session().flush()
    return subs


def history(submission_id: int, *, actor) -> list[ReviewEvent]:
    """Oldest first. Whoever may see the visit sees its review history (the cadre their own)."""
    sub = queries.get_submission(submission_id, actor=actor)
    return list(get_session().scalars(select(ReviewEvent).where(ReviewEvent.submission_id == sub.id)
                                      .order_by(ReviewEvent.at, ReviewEvent.id)))


def latest_comment(submission_id: int) -> ReviewEvent | None:
    return get_session().scalar(select(ReviewEvent).where(ReviewEvent.submission_id == submission_id,
                                                          ReviewEvent.comment.is_not(None))
                                .order_by(ReviewEvent.at.desc(), ReviewEvent.id.desc()).limit(1))
