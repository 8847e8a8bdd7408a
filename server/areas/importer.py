"""Import areas from an XLSX/XLS/CSV table, with a per-row error report.

The template's columns: 区划代码, 名称, 层级, 上级代码 (see ``TEMPLATE_HEADERS``).
Rows may come in any order; parents resolve within the file and against the
database. Existing codes update their name ("updated"). Either every row is
valid and everything is stored in one unit of work, or nothing is stored.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.accounts import permissions
from server.areas.levels import PARENT_LEVEL, level_depth, level_label, normalise_level
from server.areas.models import Area
from server.areas.service import can_create_county
from server.audit.service import record_event
from server.db import get_session
from server.errors import Conflict, Invalid
from server.sheets import cell_text as _text
from server.sheets import find_header, parse_code, read_sheets
from server.uploads import safe_filename

TEMPLATE_HEADERS = ["区划代码", "名称", "层级", "上级代码"]
HEADER_ALIASES = {
    "code": {"区划代码", "代码", "编码", "区划编码", "行政区划代码", "code", "areacode", "area_code"},
    "name": {"名称", "区划名称", "名字", "name", "areaname", "area_name"},
    "level": {"层级", "级别", "区划层级", "level"},
    "parent": {"上级代码", "上级区划代码", "上级编码", "上级", "parent", "parentcode", "parent_code"},
}
NAME_MAX = 100


@dataclass
class Row:
    row: int
    code: str = ""
    name: str = ""
    level: str | None = None
    parent_code: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)

    def fail(self, zh: str, en: str) -> None:
        self.errors.append((zh, en))


# ---------------------------------------------------------------- reading

def parse_rows(sheets) -> list[Row]:
    found = find_header(sheets, HEADER_ALIASES, {"code", "name", "level"})
    if found is None:
        expected = "、".join(TEMPLATE_HEADERS)
        raise Invalid(f"找不到表头：第一行应为 {expected}。如果表头显示为乱码，请把文件另存为 UTF-8 编码的 CSV 或 .xlsx",
                      f"No header row found: expected {', '.join(TEMPLATE_HEADERS)}. If the headers look garbled, "
                      "save the file as UTF-8 CSV or .xlsx", code="bad_header")
    sheet, header_index, columns = found
    rows = []
    for number, cells in sheet.rows[header_index + 1:]:
        def cell(name):
            col = columns.get(name)
            return cells[col] if col is not None and col < len(cells) else None

        if all(_text(cell(name)) == "" for name in columns):
            continue  # blank row
        row = Row(number)
        row.code = parse_code(cell("code"), row, "区划代码", "Area code")
        row.parent_code = parse_code(cell("parent"), row, "上级代码", "Parent code")
        row.name = _text(cell("name"))
        level_text = _text(cell("level"))
        row.level = normalise_level(level_text)
        if not row.code:
            row.fail("缺少区划代码", "Area code is missing")
        if not row.name:
            row.fail("缺少名称", "Name is missing")
        elif len(row.name) > NAME_MAX:
            row.fail(f"名称超过 {NAME_MAX} 个字", f"Name is longer than {NAME_MAX} characters")
        if not level_text:
            row.fail("缺少层级", "Level is missing")
        elif row.level is None:
            row.fail(f"未知层级“{level_text}”：应为 县、乡镇、行政村 或 村民小组",
                     f"Unknown level {level_text!r}: use county, township, village or group")
        rows.append(row)
    return rows


# ---------------------------------------------------------------- checking

def _existing(codes: set[str]) -> dict[str, Area]:
    session, found, codes = get_session(), {}, sorted(c for c in codes if c)
    for start in range(0, len(codes), 500):
        for area in session.scalars(select(Area).where(Area.code.in_(codes[start:start + 500]))):
            found[area.code] = area
    return found


def check_rows(rows: list[Row], existing: dict[str, Area], *, actor) -> None:
    first: dict[str, Row] = {}
    for row in rows:
        if row.code and row.code in first:
            row.fail(f"区划代码与第 {first[row.code].row} 行重复", f"Same area code as row {first[row.code].row}")
        first.setdefault(row.code, row)
    for row in rows:
        if row.level is None or not row.code:
            continue
        _check_parent(row, first, existing)
        _check_existing_or_allowed(row, first, existing, actor)


def _check_parent(row: Row, in_file: dict[str, Row], existing: dict[str, Area]) -> None:
    if row.level == "county":
        if row.parent_code:
            row.fail("县级区划不填写上级代码", "A county has no parent code")
        return
    wanted = PARENT_LEVEL[row.level]
    if not row.parent_code:
        row.fail(f"缺少上级代码（{level_label(row.level)}的上级应为{level_label(wanted)}）",
                 f"Parent code is missing (the parent of a {row.level} is a {wanted})")
        return
    if row.parent_code == row.code:
        row.fail("上级代码不能是自己", "An area cannot be its own parent")
        return
    # An existing parent keeps its level whatever the file says (the file cannot change levels).
    parent_level = existing[row.parent_code].level if row.parent_code in existing else (
        in_file[row.parent_code].level if row.parent_code in in_file else None)
    if row.parent_code not in in_file and row.parent_code not in existing:
        row.fail(f"找不到上级区划“{row.parent_code}”（文件和系统中都没有）",
                 f"Unknown parent area {row.parent_code!r} (neither in the file nor in the system)")
    elif parent_level is not None and parent_level != wanted:
        row.fail(f"上级层级不对：{level_label(row.level)}的上级应为{level_label(wanted)}，"
                 f"而“{row.parent_code}”是{level_label(parent_level)}",
                 f"Wrong parent level: the parent of a {row.level} must be a {wanted}, "
                 f"but {row.parent_code!r} is a {parent_level}")


def _check_existing_or_allowed(row: Row, in_file: dict[str, Row], existing: dict[str, Area], actor) -> None:
    area = existing.get(row.code)
    if area is not None:
        if area.level != row.level:
            row.fail(f"区划“{row.code}”已存在，层级为{level_label(area.level)}，导入不能修改层级",
                     f"Area {row.code!r} exists as a {area.level}; an import cannot change its level")
        elif row.parent_code and getattr(existing.get(row.parent_code), "id", None) != area.parent_id:
            row.fail(f"区划“{row.code}”已存在于其他上级之下，导入不能移动区划",
                     f"Area {row.code!r} exists under another parent; an import cannot move areas")
        # Listing an unchanged area for context needs only sight of it; renaming needs area.manage.
        action = "area.view" if area.name == row.name else "area.manage"
        if not permissions.can(actor, action, area):
            row.fail(f"没有权限修改区划“{row.code}”", f"Not allowed to manage area {row.code!r}")
        return
    anchor = _existing_ancestor(row, in_file, existing)
    if anchor is None:
        if _reaches_new_county(row, in_file) and not can_create_county(actor):
            row.fail("没有权限新建县级区划", "Not allowed to create a county")
    elif not permissions.can(actor, "area.manage", anchor):
        row.fail(f"没有权限在“{anchor.name}”下新建区划", f"Not allowed to add areas under {anchor.code!r}")


def _chain(row: Row, in_file: dict[str, Row]):
    """The row's ancestors' codes, nearest first, following the file (cycle-safe)."""
    seen, code = {row.code}, row.parent_code
    while code and code not in seen:
        yield code
        seen.add(code)
        code = in_file[code].parent_code if code in in_file else ""


def _existing_ancestor(row: Row, in_file: dict[str, Row], existing: dict[str, Area]) -> Area | None:
    for code in _chain(row, in_file):
        if code in existing:
            return existing[code]
    return None


def _reaches_new_county(row: Row, in_file: dict[str, Row]) -> bool:
    if row.level == "county":
        return True
    return any(code in in_file and in_file[code].level == "county" for code in _chain(row, in_file))


# ---------------------------------------------------------------- storing

def _store(rows: list[Row], existing: dict[str, Area]) -> list[Area]:
    session, by_code, touched = get_session(), dict(existing), []
    for row in rows:
        area = existing.get(row.code)
        if area is not None and area.name != row.name:
            area.name = row.name
            touched.append(area)
    new = sorted((r for r in rows if r.code not in existing), key=lambda r: level_depth(r.level))
    try:
        for depth in sorted({level_depth(r.level) for r in new}):
            batch = [r for r in new if level_depth(r.level) == depth]
            areas = [Area(code=r.code, name=r.name, level=r.level, parent=by_code.get(r.parent_code), path="")
                     for r in batch]
            session.add_all(areas)
            session.flush()
            for area in areas:
                area.path = f"{area.parent.path if area.parent else '/'}{area.id}/"
                by_code[area.code] = area
            touched.extend(areas)
        session.flush()
    except IntegrityError as exc:
        raise Conflict("导入时区划被他人同时修改，请重新导入", "Areas changed during the import; import again",
                       code="import_conflict") from exc
    return touched


def _common_area(areas: list[Area]) -> Area | None:
    """The deepest area containing every touched area (for scoping the audit event)."""
    parts = [a.path.strip("/").split("/") for a in areas if a.path]
    if not parts:
        return None
    common = parts[0]
    for p in parts[1:]:
        n = 0
        while n < min(len(common), len(p)) and common[n] == p[n]:
            n += 1
        common = common[:n]
    return get_session().get(Area, int(common[-1])) if common else None


def import_areas(data: bytes, filename: str, *, actor, dry_run: bool = False) -> dict:
    """Check (and unless ``dry_run`` store) the areas of a table; returns the report.

    Raises Invalid with the per-row errors as details when storing a file with errors.
    """
    permissions.require(actor, "area.manage")
    filename = safe_filename(filename, default="areas.xlsx")
    cfg = current_app.config["ZOUFANG"]
    sheets = read_sheets(data, filename, max_bytes=cfg.import_max_bytes, max_unpacked=cfg.xlsform_max_unpacked)
    rows = parse_rows(sheets)
    existing = _existing({r.code for r in rows} | {r.parent_code for r in rows})
    check_rows(rows, existing, actor=actor)
    errors = [{"row": r.row, "code": r.code, "message": zh, "message_en": en} for r in rows for zh, en in r.errors]
    good = [r for r in rows if not r.errors]
    report = {
        "rows": len(rows),
        "created": [{"row": r.row, "code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent_code}
                    for r in good if r.code not in existing],
        "updated": [{"row": r.row, "code": r.code, "name": r.name, "old_name": existing[r.code].name}
                    for r in good if r.code in existing and existing[r.code].name != r.name],
        "unchanged": sum(1 for r in good if r.code in existing and existing[r.code].name == r.name),
        "errors": errors,
        "dry_run": dry_run,
    }
    if not rows and not errors:
        raise Invalid("文件中没有区划数据（表头下面是空的）", "The file has no area rows below the header", code="empty_import")
    if dry_run:
        return report
    if errors:
        raise Invalid(f"文件有 {len(errors)} 处错误，未导入任何区划；请改正后重新上传",
                      f"{len(errors)} problems in the file; nothing was imported", details=errors,
                      code="import_errors")
    touched = _store(rows, existing)
    record_event("area.import", actor=actor, target=filename,
                 detail={"rows": report["rows"], "created": len(report["created"]), "updated": len(report["updated"])},
                 area=_common_area(touched))
    return report
