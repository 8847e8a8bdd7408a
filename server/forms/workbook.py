"""Read an XLSForm workbook before pyxform does: size limits, formulas, and the rows.

pyxform reads cached cell values, so a formula saved without its result (e.g. a
workbook written by a script, never opened in Excel) silently becomes an empty
cell; we refuse it and name the cell instead. Sheets are streamed (read-only)
with their declared dimensions ignored, because a sheet may claim a million rows.

The rows are kept (``{sheet: [(excel_row, {header: value})]}``) so errors that
pyxform reports without a row ("Unknown question type 'x'") can be placed.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter
from pyxform import constants

from server.errors import Invalid, TooLarge, UnsupportedType

MAX_ROWS = 20_000      # rows with content, per sheet
MAX_COLUMNS = 1_000    # the right-most column holding a value
XLSFORM_SHEETS = frozenset(constants.SUPPORTED_SHEET_NAMES)
SCORING_SHEETS = frozenset({"scoring", "scoring_choices"})  # ignored by pyxform, read by server.scoring.sheet

Row = tuple[int, dict]


@dataclass
class WorkbookRows:
    sheets: dict[str, list[Row]] = field(default_factory=dict)  # lower-cased sheet name → rows under the header

    def rows(self, sheet: str) -> list[Row]:
        return self.sheets.get(sheet, [])

    def setting(self, name: str) -> str | None:
        """A value from the settings sheet (first data row), or None."""
        for _, values in self.rows("settings")[:1]:
            value = values.get(name)
            return str(value).strip() if value not in (None, "") else None
        return None

    def find(self, sheet: str, column: str, value: str) -> list[int]:
        """Excel row numbers where ``column`` holds ``value`` (whitespace-trimmed)."""
        return [n for n, values in self.rows(sheet) if str(values.get(column) or "").strip() == value]


def _too_large(zh: str, en: str) -> TooLarge:
    return TooLarge(f"工作表过大：{zh}", f"Sheet too large: {en}", code="sheet_too_large")


def _unreadable(kind: str, exc: Exception) -> UnsupportedType:
    return UnsupportedType(f"无法读取该 {kind} 文件（文件损坏或不是 Excel 工作簿）",
                           f"Cannot read this {kind} file (damaged, or not an Excel workbook): {exc}",
                           code="corrupt_xlsx" if kind == ".xlsx" else "corrupt_xls")


def _relevant(names: list[str]) -> set[str]:
    """The sheets pyxform reads (the XLSForm ones, or the only sheet, read as survey) and the scoring sheets."""
    if len(names) == 1:
        return set(names)
    return {n for n in names if n.lower() in XLSFORM_SHEETS | SCORING_SHEETS}


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _SheetCollector:
    """Counts a sheet's rows and columns as they stream by and keeps the relevant ones."""

    def __init__(self, title: str, keep: bool):
        self.title, self.keep = title, keep
        self.headers: list[str] | None = None
        self.rows: list[Row] = []
        self.count = 0

    def add(self, row_number: int, values) -> None:
        last = max((i for i, v in enumerate(values, start=1) if not _blank(v)), default=0)
        if not last:
            return
        self.count += 1
        if self.count > MAX_ROWS:
            raise _too_large(f"“{self.title}”超过 {MAX_ROWS} 行", f"{self.title!r} has more than {MAX_ROWS} rows")
        if last > MAX_COLUMNS:
            raise _too_large(f"“{self.title}”第 {row_number} 行用到第 {last} 列（{get_column_letter(last)}），"
                             f"上限 {MAX_COLUMNS} 列", f"{self.title!r} row {row_number} uses column {last}, "
                             f"limit {MAX_COLUMNS}")
        if not self.keep:
            return
        if self.headers is None:
            self.headers = [str(v).strip() if not _blank(v) else "" for v in values]
            return
        self.rows.append((row_number, {h: v for h, v in zip(self.headers, values) if h and not _blank(v)}))


def read_workbook(data: bytes, kind: str) -> WorkbookRows:
    """Check limits and formulas; return the rows of the sheets pyxform will read."""
    return _read_xlsx(data) if kind == ".xlsx" else _read_xls(data)


def _read_xlsx(data: bytes) -> WorkbookRows:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for damaged or foreign content
        raise _unreadable(".xlsx", exc) from exc
    out, formulas = WorkbookRows(), []
    try:
        relevant = _relevant(wb.sheetnames)
        for ws in wb.worksheets:
            ws.reset_dimensions()  # the stored dimension may lie; read what is there
            keep = ws.title in relevant
            collector = _SheetCollector(ws.title, keep)
            for cells in ws.iter_rows():  # padding cells (EmptyCell) carry no row or coordinate
                row_number = next((c.row for c in cells if getattr(c, "row", None)), None)
                if row_number is None:
                    continue
                if keep:
                    formulas += [(ws.title, c.coordinate) for c in cells if getattr(c, "data_type", "") == "f"]
                collector.add(row_number, [getattr(c, "value", None) for c in cells])
            if keep:
                out.sheets["survey" if len(wb.sheetnames) == 1 else ws.title.lower()] = collector.rows
    except (TooLarge, Invalid):
        raise
    except Exception as exc:
        raise _unreadable(".xlsx", exc) from exc
    finally:
        wb.close()
    if formulas:
        _check_cached_values(data, formulas, out)
    return out


def _check_cached_values(data: bytes, formulas: list[tuple[str, str]], out: WorkbookRows) -> None:
    """Every formula must carry the value Excel computed, since that is all pyxform reads."""
    from openpyxl import load_workbook

    wanted: dict[str, set[str]] = {}
    for title, coord in formulas:
        wanted.setdefault(title, set()).add(coord)
    missing = []
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for title, coords in wanted.items():
            ws = wb[title]
            ws.reset_dimensions()
            cached = {}
            for cells in ws.iter_rows():
                for cell in cells:
                    coord = getattr(cell, "coordinate", None)
                    if coord in coords:
                        cached[coord] = cell.value
                        if isinstance(cell.value, str) and cell.value.startswith("="):
                            cached[coord] = None
            missing += [(title, c) for c in sorted(coords, key=_coord_key) if _blank(cached.get(c))]
    finally:
        wb.close()
    if missing:
        details = [{"sheet": title, "row": _coord_key(coord)[0], "column": coord.rstrip("0123456789"),
                    "cell": coord,
                    "message": f"单元格 {title}!{coord} 是公式但没有计算结果：请在 Excel 中打开并保存，或改为直接填写值",
                    "message_en": f"Cell {title}!{coord} holds a formula without a cached value: open and save the "
                                  f"workbook in Excel, or type the value instead"} for title, coord in missing]
        raise Invalid(f"工作簿中有 {len(missing)} 个公式没有计算结果，未保存", f"{len(missing)} formula cell(s) have "
                      "no cached value; nothing was stored", details=details, code="formula_without_value")


def _coord_key(coord: str) -> tuple[int, str]:
    letters = coord.rstrip("0123456789")
    return int(coord[len(letters):]), letters


def _read_xls(data: bytes) -> WorkbookRows:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except Exception as exc:  # XLRDError, CompDocError, … for encrypted or foreign OLE2 files
        raise UnsupportedType("无法读取该 .xls 文件（文件损坏、加密，或不是 Excel 工作簿）；可另存为 .xlsx 后重试",
                              "Cannot read this .xls file (damaged, encrypted or not a workbook); save it as .xlsx",
                              code="corrupt_xls") from exc
    out = WorkbookRows()
    try:
        names = book.sheet_names()
        relevant = _relevant(names)
        for name in names:
            sheet = book.sheet_by_name(name)
            if sheet.ncols > MAX_COLUMNS * 16 or sheet.nrows > MAX_ROWS * 50:
                raise _too_large(f"“{name}”有 {sheet.nrows} 行 × {sheet.ncols} 列",
                                 f"{name!r} has {sheet.nrows} rows × {sheet.ncols} columns")
            collector = _SheetCollector(name, name in relevant)
            for r in range(sheet.nrows):
                collector.add(r + 1, sheet.row_values(r))
            if name in relevant:
                out.sheets["survey" if len(names) == 1 else name.lower()] = collector.rows
            book.unload_sheet(name)
    except TooLarge:
        raise
    except Exception as exc:
        raise _unreadable(".xls", exc) from exc
    finally:
        book.release_resources()
    return out
