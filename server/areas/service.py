"""Create, find and list areas of the county → township → village → group tree."""
from __future__ import annotations

from sqlalchemy import select

from server.accounts import permissions
from server.areas.models import LEVELS, Area
from server.audit.service import record_event
from server.db import get_session
from server.errors import Conflict, Invalid, NotFound

PARENT_LEVEL = {"township": "county", "village": "township", "group": "village"}


def create_area(code: str, name: str, level: str, parent_code: str | None, *, actor) -> Area:
    code, name = (code or "").strip(), (name or "").strip()
    if level not in LEVELS:
        raise Invalid(f"未知层级：{level}", f"Unknown level {level!r}", code="bad_level")
    if not code or not name:
        raise Invalid("区划代码和名称不能为空", "Area code and name are required", code="missing_field")
    session = get_session()
    parent = None
    if level == "county":
        if parent_code:
            raise Invalid("县级区划没有上级", "A county has no parent", code="bad_parent")
        permissions.require(actor, "area.manage")
    else:
        parent = session.scalar(select(Area).where(Area.code == parent_code)) if parent_code else None
        if parent is None:
            raise Invalid(f"找不到上级区划：{parent_code or '（空）'}", f"Unknown parent area {parent_code!r}",
                          code="unknown_parent")
        if parent.level != PARENT_LEVEL[level]:
            raise Invalid(f"{name} 的上级应为{PARENT_LEVEL[level]}级，而 {parent.name} 是{parent.level}级",
                          f"Parent of a {level} must be a {PARENT_LEVEL[level]}", code="bad_parent")
        permissions.require(actor, "area.manage", parent)
    if session.scalar(select(Area.id).where(Area.code == code)) is not None:
        raise Conflict(f"区划代码已存在：{code}", f"Area code already exists: {code}", code="duplicate_area")
    area = Area(code=code, name=name, level=level, parent=parent, path="")
    session.add(area)
    session.flush()
    area.path = f"{parent.path if parent else '/'}{area.id}/"
    session.flush()
    record_event("area.create", actor=actor, target=code, detail={"name": name, "level": level}, area=area)
    return area


def get_area(code: str, *, actor) -> Area:
    area = get_session().scalar(select(Area).where(Area.code == code))
    if area is None or not permissions.can(actor, "area.view", area):
        raise NotFound(f"找不到区划：{code}", f"Area not found: {code}")
    return area


def list_areas(*, actor, level: str | None = None) -> list[Area]:
    """Every area the user may see, in tree order."""
    permissions.require(actor, "area.view")
    q = select(Area).where(permissions.area_filter(actor, Area.path)).order_by(Area.path)
    if level:
        q = q.where(Area.level == level)
    return list(get_session().scalars(q))
