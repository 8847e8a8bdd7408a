"""Create, find and list areas of the county → township → village → group tree."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from server.accounts import permissions
from server.areas.levels import CODE_RE, PARENT_LEVEL, clean_text, level_label, normalise_level
from server.areas.models import LEVELS, Area
from server.audit.service import record_event
from server.db import get_session
from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.staging import commit_staged, stage_import

__all__ = ["PARENT_LEVEL", "create_area", "get_area", "list_areas", "area_tree", "can_create_county",
           "stage_area_import", "commit_staged_import"]


def can_create_county(actor) -> bool:
    """A new county lies in nobody's scope: only the shell (SYSTEM) or a county-wide admin may add one."""
    return permissions.can(actor, "area.manage") and permissions.county_wide(actor)


def create_area(code: str, name: str, level: str, parent_code: str | None, *, actor) -> Area:
    code, name, parent_code = clean_text(code), " ".join((name or "").split()), clean_text(parent_code or "")
    level_in = level
    level = normalise_level(level)
    if level not in LEVELS:
        raise Invalid(f"未知层级：{level_in}（应为 县、乡镇、行政村 或 村民小组）", f"Unknown level {level_in!r}",
                      code="bad_level")
    if not code or not name:
        raise Invalid("区划代码和名称不能为空", "Area code and name are required", code="missing_field")
    if not CODE_RE.match(code):
        raise Invalid(f"区划代码“{code}”无效：只能包含数字和字母（最多 32 位）",
                      f"Area code {code!r} is invalid: digits and letters only (at most 32)", code="bad_code")
    if len(name) > 100:
        raise Invalid("名称不能超过 100 个字", "Name is longer than 100 characters", code="bad_name")
    session = get_session()
    parent = None
    if level == "county":
        if parent_code:
            raise Invalid("县级区划没有上级", "A county has no parent", code="bad_parent")
        permissions.require(actor, "area.manage")
        if not can_create_county(actor):
            raise Forbidden("没有权限新建县级区划", "Not allowed to create a county", code="forbidden")
    else:
        parent = session.scalar(select(Area).where(Area.code == parent_code)) if parent_code else None
        if parent is None:
            raise Invalid(f"找不到上级区划：{parent_code or '（空）'}", f"Unknown parent area {parent_code!r}",
                          code="unknown_parent")
        if parent.level != PARENT_LEVEL[level]:
            raise Invalid(f"{name} 的上级应为{level_label(PARENT_LEVEL[level])}，而 {parent.name} 是"
                          f"{level_label(parent.level)}", f"Parent of a {level} must be a {PARENT_LEVEL[level]}",
                          code="bad_parent")
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
    area = get_session().scalar(select(Area).where(Area.code == clean_text(code)))
    if area is None or not permissions.can(actor, "area.view", area):
        raise NotFound(f"找不到区划：{code}", f"Area not found: {code}")
    return area


def list_areas(*, actor, level: str | None = None, parent: str | None = None) -> list[Area]:
    """Every area the user may see, in tree order; ``parent`` (a code) keeps its direct children."""
    permissions.require(actor, "area.view")
    q = select(Area).where(permissions.area_filter(actor, Area.path)).order_by(Area.path)
    if level:
        wanted = normalise_level(level)
        if wanted is None:
            raise Invalid(f"未知层级：{level}", f"Unknown level {level!r}", code="bad_level")
        q = q.where(Area.level == wanted)
    if parent:
        q = q.where(Area.parent_id == get_area(parent, actor=actor).id)
    return list(get_session().scalars(q))


@dataclass
class Node:
    area: Area
    children: list["Node"] = field(default_factory=list)


def area_tree(*, actor) -> list[Node]:
    """The visible areas as a forest: one root per scope area, children sorted by code."""
    areas = list_areas(actor=actor)
    nodes = {a.id: Node(a) for a in areas}
    roots = []
    for area in sorted(areas, key=lambda a: a.code):
        node = nodes[area.id]
        if area.parent_id in nodes:
            nodes[area.parent_id].children.append(node)
        else:
            roots.append(node)
    return roots


def stage_area_import(data: bytes, filename: str, *, actor) -> dict:
    """A dry run; when the file is clean, keep its bytes so the user can confirm without re-uploading.

    The report then carries ``upload_sha256``, the blob to pass to ``commit_staged_import``.
    """
    from server.areas.importer import import_areas

    return stage_import(import_areas, data, filename, actor=actor, changes=lambda r: r["created"] or r["updated"])


def commit_staged_import(sha256: str, filename: str, *, actor) -> dict:
    from server.areas.importer import import_areas

    return commit_staged(import_areas, sha256, filename, actor=actor)
