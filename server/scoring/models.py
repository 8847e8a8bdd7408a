"""Scoring results: one row per submission version, holding every scoring row's outcome.

The definition lives on ``FormVersion.scoring`` (frozen with the XForm). A result
is kept per submission *version* so an edit gets its own scores and the earlier
ones stay with the earlier XML; the visit shows its current version's. The
parameters used are stored beside the values, so a recomputation after a poverty
line changes can find the results it affects (area subtree and year).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from server.areas.models import Area
from server.db import Base, utcnow
from server.forms.models import FormVersion
from server.submissions.models import Submission, SubmissionVersion


class ScoreResult(Base):
    __tablename__ = "score_result"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    submission_version_id: Mapped[int] = mapped_column(ForeignKey("submission_version.id", ondelete="CASCADE"),
                                                       unique=True)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_version.id", ondelete="CASCADE"), index=True)
    # The area whose poverty line applies (the household's village, else the visit's area) and the year.
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"), index=True)
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    poverty_line: Mapped[float | None] = mapped_column(Float)
    # The id of the poverty-line row used; not a foreign key: that table belongs to server.poverty.
    poverty_line_id: Mapped[int | None] = mapped_column(Integer)
    # [{"name", "status": "ok" | "uncomputable", "value", "reason", "reason_en"}] in sheet order.
    rows: Mapped[list] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    submission: Mapped[Submission] = relationship()
    form_version: Mapped[FormVersion] = relationship()
    area: Mapped[Area | None] = relationship()
    # ``version.score`` on SubmissionVersion comes from this backref, so the visit page can show the
    # scores of ``sub.current`` without the submissions package importing this one.
    version: Mapped[SubmissionVersion] = relationship(
        backref=backref("score", uselist=False, cascade="all, delete-orphan", passive_deletes=True))

    def shown(self, lang: str | None = None) -> list[dict]:
        """The rows as the page and the API show them (labels in ``lang``, the request's by default)."""
        from server.scoring.display import display_rows

        return display_rows(self, lang)
