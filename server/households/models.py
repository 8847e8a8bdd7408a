"""The household registry (一户一档): households, members, category history, cadre assignments, changes.

A household lives in a village (and, when known, a villager group of it); the
village decides who may see it. Its category changes over time (动态管理): the
current value is on the household, every value it has had is in
``HouseholdCategory``. ``version`` is the ODK entity version: it goes up by one
on every change, so a phone's update form can say which version it started from.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.accounts.models import User
from server.areas.models import Area
from server.db import Base, utcnow

# category → label. 贫困户 and its kinds (seed 000: 低保 A/B, 五保/特困; 残疾人贫困户), then the later states.
CATEGORIES = {
    "poor": "贫困户",
    "poor_dibao": "低保贫困户",
    "poor_wubao": "特困（五保）贫困户",
    "poor_disabled": "残疾人贫困户",
    "exited": "脱贫户",
    "edge": "边缘户",
    "monitored": "监测户",
    "returned": "返贫户",
}
# How a household entered or left a category (seed 001).
CATEGORY_REASONS = {
    "identified": "新识别纳入",
    "exited": "正常退出",
    "removed": "识别不精准剔除",
    "returned": "返贫标注",
    "import": "导入",
    "update": "信息更新",
}
RELATIONS = ("户主", "配偶", "之子", "之女", "之儿媳", "之女婿", "之孙子", "之孙女", "之父", "之母", "兄弟姐妹", "其他")
HEALTH = ("健康", "长期慢性病", "大病", "残疾")
LABOUR = ("普通劳动力", "技能劳动力", "弱劳动力", "丧失劳动力", "无劳动力")
SCHOOLING = ("在校", "辍学", "学龄前", "非在校")
POVERTY_CAUSES = ("因病", "因残", "因学", "因灾", "缺土地", "缺水", "缺技术", "缺劳力", "缺资金", "交通条件落后",
                  "自身发展动力不足")


class Household(Base):
    __tablename__ = "household"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # 建档立卡户编号
    head_name: Mapped[str] = mapped_column(String(50))
    village_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    address: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    category: Mapped[str] = mapped_column(String(16))
    main_cause: Mapped[str | None] = mapped_column(String(20))
    secondary_cause: Mapped[str | None] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    village: Mapped[Area] = relationship(foreign_keys=[village_id])
    group: Mapped[Area | None] = relationship(foreign_keys=[group_id])
    members: Mapped[list["Member"]] = relationship(back_populates="household", order_by="Member.position",
                                                   cascade="all, delete-orphan")
    categories: Mapped[list["HouseholdCategory"]] = relationship(order_by="HouseholdCategory.id",
                                                                 cascade="all, delete-orphan")
    assignments: Mapped[list["Assignment"]] = relationship(back_populates="household", order_by="Assignment.id",
                                                           cascade="all, delete-orphan")

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    def helpers(self, on: date | None = None) -> list[User]:
        """The cadres assigned on ``on`` (default today)."""
        on = on or date.today()
        return [a.cadre for a in self.assignments if a.active_on(on)]


class Member(Base):
    __tablename__ = "household_member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(50))
    relation: Mapped[str | None] = mapped_column(String(16))
    sex: Mapped[str | None] = mapped_column(String(4))
    birth_date: Mapped[date | None] = mapped_column(Date)
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)  # 身份证号: shown masked
    health: Mapped[str | None] = mapped_column(String(16))
    labour: Mapped[str | None] = mapped_column(String(16))
    schooling: Mapped[str | None] = mapped_column(String(16))
    basic_insurance: Mapped[bool | None] = mapped_column(Boolean)
    serious_illness_insurance: Mapped[bool | None] = mapped_column(Boolean)
    migrant_months: Mapped[int | None] = mapped_column(Integer)

    household: Mapped[Household] = relationship(back_populates="members")


class HouseholdCategory(Base):
    """One period in a category: from ``since`` until ``until`` (open while current)."""

    __tablename__ = "household_category"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(16))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def reason_label(self) -> str:
        return CATEGORY_REASONS.get(self.reason, self.reason)


class Assignment(Base):
    """A cadre responsible for a household from ``start`` until ``end`` (open-ended while current)."""

    __tablename__ = "household_assignment"
    __table_args__ = (UniqueConstraint("household_id", "cadre_id", "start", name="uq_household_assignment_household_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"))
    cadre_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    household: Mapped[Household] = relationship(back_populates="assignments")
    cadre: Mapped[User] = relationship(foreign_keys=[cadre_id])

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


class HouseholdChange(Base):
    """What changed in a household, by whom and through what (import, entity update, the UI)."""

    __tablename__ = "household_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    # {"field": [old, new], …}; members as {"members": [old count, new count]} plus changed member names
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
