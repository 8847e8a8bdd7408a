"""Poverty lines as data: one amount (元 per person per year) per area and year.

The line that applies to a household is the one of the most specific area containing
it for that year (a village line beats its township's, which beats the county's):
the seeds use 2300, 2736, 2952, 3500 and 4000 元 in different years and places.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.accounts.models import User
from server.areas.models import Area
from server.db import Base, utcnow


class PovertyLine(Base):
    __tablename__ = "poverty_line"
    __table_args__ = (UniqueConstraint("area_id", "year", name="uq_poverty_line_area_id_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))  # 元 per person per year
    note: Mapped[str | None] = mapped_column(String(255))  # source: the document that set it
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    area: Mapped[Area] = relationship()
    set_by: Mapped[User | None] = relationship()
