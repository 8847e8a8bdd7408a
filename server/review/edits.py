"""An edit sent by the cadre puts the visit back in "edited": whatever a reviewer had decided, they have to
look again. Registered on every session when ``server.models`` is imported."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from server.db import utcnow
from server.review.models import ReviewEvent
from server.submissions.models import SubmissionVersion


@event.listens_for(Session, "before_flush")
def mark_edited(session: Session, flush_context, instances) -> None:
    """A new version of a visit already stored (an edit sent with deprecatedID) puts it in "edited",
    whatever a reviewer had decided: the reviewer has to look again. Recorded in its history."""
    for obj in session.new:
        if not isinstance(obj, SubmissionVersion) or obj.deprecated_id is None:
            continue
        sub = obj.submission
        if sub is None or sub.id is None or sub.state == "edited":
            continue
        session.add(ReviewEvent(submission_id=sub.id, actor_id=obj.submitter_id, actor_name=None,
                                from_state=sub.state, to_state="edited", at=utcnow(),
                                comment=None))
        sub.state = "edited"
