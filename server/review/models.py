"""Review history of a visit and spot-check samples.

A visit's review state lives on ``Submission.state`` (received, has_issues, edited,
approved, rejected); every change is a ``ReviewEvent`` — who, when, from what to what,
and the comment — so the history is complete. A ``Sample`` records how it was drawn
(area, form, dates, share, minimum per cadre, seed) so the same draw can be repeated;
its ``SampleItem`` rows are the queue a supervisor works through.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.accounts.models import User
from server.areas.models import Area
from server.db import Base, utcnow
from server.forms.models import Form
from server.submissions.models import Submission


class ReviewEvent(Base):
    __tablename__ = "review_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_name: Mapped[str | None] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    # The sample the change was made from, when it was made while working through one.
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("review_sample.id", ondelete="SET NULL"))

    submission: Mapped[Submission] = relationship()
    actor: Mapped[User | None] = relationship()


class Sample(Base):
    __tablename__ = "review_sample"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    created_by_name: Mapped[str | None] = mapped_column(String(64))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    form_id: Mapped[int | None] = mapped_column(ForeignKey("form.id"))
    # Visits received on since..until (local dates, inclusive) were the population.
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date] = mapped_column(Date)
    percent: Mapped[float] = mapped_column(Float)
    min_per_cadre: Mapped[int] = mapped_column(Integer, default=0)
    seed: Mapped[int] = mapped_column(BigInteger)
    population: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    # Anything else the draw used (e.g. flagged_only), so it can be repeated exactly.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)

    area: Mapped[Area] = relationship()
    form: Mapped[Form | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    items: Mapped[list["SampleItem"]] = relationship(back_populates="sample", order_by="SampleItem.position",
                                                     cascade="all, delete-orphan")


class SampleItem(Base):
    __tablename__ = "review_sample_item"
    __table_args__ = (UniqueConstraint("sample_id", "submission_id", name="uq_review_sample_item_sample_id_submission_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("review_sample.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    # Set when the supervisor gave this visit a review state from the queue.
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)

    sample: Mapped[Sample] = relationship(back_populates="items")
    submission: Mapped[Submission] = relationship()
