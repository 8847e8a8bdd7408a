"""The area tree: county → township → village → villager group."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base

LEVELS = ("county", "township", "village", "group")
LEVEL_LABELS = {"county": "县", "township": "乡镇", "village": "行政村", "group": "村民小组"}


class Area(Base):
    __tablename__ = "area"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    # Materialised path of ids, "/1/4/17/": an area lies inside another when its
    # path starts with the other's. Set by the service on insert.
    path: Mapped[str] = mapped_column(String(255), index=True, default="")

    parent: Mapped["Area | None"] = relationship(remote_side="Area.id")

    def contains(self, other: "Area") -> bool:
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Area {self.code} {self.name}>"
