"""A job row: what was asked, by whom, how far it got, and the file it made."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.accounts.models import User
from server.db import Base, utcnow

STATUSES = ("queued", "running", "done", "failed", "expired")
STATUS_LABELS = {"queued": "排队中", "running": "生成中", "done": "已完成", "failed": "失败", "expired": "已过期删除"}


class Job(Base):
    __tablename__ = "job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # 0–100
    message: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str | None] = mapped_column(String(255))  # the download's name
    path: Mapped[str | None] = mapped_column(String(255))  # under exports_dir
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User | None] = relationship()

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)
