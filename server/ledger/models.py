"""The problem ledger (问题台账) of the 四个一 visit: each problem found becomes an item on the household.

An item has a measure, a responsible unit and a deadline, and moves
open → in_progress → fixed (with evidence) → verified ("逐人逐户对账销号", seed 001);
every move is kept in ``LedgerEvent``. Items are created from the visit's repeat
entries; ``(submission_id, position)`` makes that idempotent, and an edited visit
(same submission, a new version) updates the items it created.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.accounts.models import User
from server.db import Base, utcnow
from server.households.models import Household
from server.submissions.models import Submission

STATES = ("open", "in_progress", "fixed", "verified")
STATE_LABELS = {"open": "待整改", "in_progress": "整改中", "fixed": "已整改", "verified": "已验收销号"}
OPEN_STATES = ("open", "in_progress")  # still to be fixed: these can be overdue


class LedgerItem(Base):
    __tablename__ = "ledger_item"
    __table_args__ = (UniqueConstraint("submission_id", "position", name="uq_ledger_item_submission_id_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    # The visit that raised it, and which problem of that visit (0, 1, …)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text)
    aspect: Mapped[str | None] = mapped_column(String(32))  # the problem_area choice name, e.g. "housing"
    aspect_label: Mapped[str | None] = mapped_column(String(100))  # its label in the form, e.g. 住房安全保障
    measure: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(100))  # 责任单位
    deadline: Mapped[date | None] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    household: Mapped[Household] = relationship()
    submission: Mapped[Submission | None] = relationship()
    raised_by: Mapped[User | None] = relationship()
    events: Mapped[list["LedgerEvent"]] = relationship(back_populates="item", order_by="LedgerEvent.id",
                                                       cascade="all, delete-orphan")

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    def overdue_on(self, day: date) -> bool:
        return self.deadline is not None and self.deadline < day and self.state in OPEN_STATES


class LedgerEvent(Base):
    """One step in an item's history: created (from_state None), a transition, or an update from an edited visit."""

    __tablename__ = "ledger_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("ledger_item.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    evidence_submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    item: Mapped[LedgerItem] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
    evidence_submission: Mapped[Submission | None] = relationship()

    @property
    def from_label(self) -> str:
        return STATE_LABELS.get(self.from_state, self.from_state or "")

    @property
    def to_label(self) -> str:
        return STATE_LABELS.get(self.to_state, self.to_state)
