"""Read an uploaded table (.xlsx, .xls or .csv) into rows of raw cell values.

The content decides the format (``server.uploads.sniff_spreadsheet``), never the
name. Merged cells are filled with the value of their top-left cell. CSV text is
decoded as UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (a superset of
GBK, what Excel in China saves "CSV" as); anything else is refused with a message
telling the user how to save the file.
"""
from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field

from server.errors import BadRequest, TooLarge, UnsupportedType
from server.uploads import check_size, sniff_spreadsheet

MAX_ROWS = 50_000  # a county has a few thousand areas; a province some tens of thousands
MAX_CELLS = 1_000_000  # guards the in-memory workbook openpyxl builds to see merged cells
MAX_COLUMNS = 50  # columns kept per row; area sheets use four


@dataclass
class Sheet:
    name: str
    # (row number as Excel shows it, cell values) — blank rows included, for the caller to skip
    rows: list[tuple[int, list]] = field(default_factory=list)


def read_sheets(data: bytes, filename: str, *, max_bytes: int, max_unpacked: int) -> list[Sheet]:
    if filename.lower().endswith(".csv") and data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: UTF-16 with a BOM (its NUL bytes defeat the CSV sniff).
        check_size(data, max_bytes)
        return [_read_csv(data.decode("utf-16"))]
    kind = sniff_spreadsheet(data, filename, max_bytes=max_bytes, max_unpacked=max_unpacked, allow_csv=True)
    if kind == ".csv":
        return [_read_csv(decode_csv(data))]
    if kind == ".xls":
        return _read_xls(data)
    return _read_xlsx(data)


def decode_csv(data: bytes) -> str:
    """UTF-8 (BOM or not) first: GB18030 would also accept most UTF-8 bytes, as mojibake."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadRequest(
        "无法识别 CSV 文件的编码：请在 Excel 中“另存为”“CSV UTF-8（逗号分隔）”，或直接上传 .xlsx 文件",
        "Cannot decode the CSV file: save it from Excel as \"CSV UTF-8 (comma delimited)\" (GBK is also accepted), "
        "or upload the .xlsx", code="bad_encoding")


def _too_large(what_zh: str, what_en: str) -> TooLarge:
    return TooLarge(f"表格过大：{what_zh}", f"The table is too large: {what_en}", code="sheet_too_large")


def _read_csv(text: str) -> Sheet:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count) if first_line else ","
    if first_line.count(delimiter) == 0:
        delimiter = ","
    sheet = Sheet("csv")
    try:
        for index, record in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            if index > MAX_ROWS:
                raise _too_large(f"超过 {MAX_ROWS} 行", f"more than {MAX_ROWS} rows")
            sheet.rows.append((index, record[:MAX_COLUMNS]))
    except csv.Error as exc:
        raise BadRequest(f"CSV 格式错误：{exc}", f"Malformed CSV: {exc}", code="bad_csv") from exc
    return sheet


def _read_xlsx(data: bytes) -> list[Sheet]:
    from openpyxl import load_workbook

    _check_xlsx_size(data)
    try:
        # Not read-only: only a full workbook knows its merged cells. _check_xlsx_size bounds its size.
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged or foreign content
        raise UnsupportedType("无法读取该 .xlsx 文件（文件损坏或不是 Excel 工作簿）",
                              "Cannot read this .xlsx file (damaged, or not an Excel workbook)",
                              code="corrupt_xlsx") from exc
    sheets = []
    try:
        for ws in wb.worksheets:
            width = min(ws.max_column or 0, MAX_COLUMNS)
            grid = [list(values) for values in ws.iter_rows(max_col=width, values_only=True)] if width else []
            for merged in ws.merged_cells.ranges:
                _fill(grid, merged.min_row - 1, merged.max_row, merged.min_col - 1, merged.max_col)
            sheets.append(Sheet(ws.title, [(i, row) for i, row in enumerate(grid, start=1)]))
    finally:
        wb.close()
    return sheets


def _check_xlsx_size(data: bytes) -> None:
    """A streaming (read-only) pass that refuses sheets too big to load whole."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise UnsupportedType("无法读取该 .xlsx 文件（文件损坏或不是 Excel 工作簿）",
                              "Cannot read this .xlsx file (damaged, or not an Excel workbook)",
                              code="corrupt_xlsx") from exc
    try:
        cells = 0
        for ws in wb.worksheets:
            ws.reset_dimensions()  # the stored dimension may lie; count what is really there
            for index, row in enumerate(ws.iter_rows(values_only=True), start=1):
                cells += len(row)
                if index > MAX_ROWS:
                    raise _too_large(f"工作表“{ws.title}”超过 {MAX_ROWS} 行", f"sheet {ws.title!r} has over {MAX_ROWS} rows")
                if cells > MAX_CELLS:
                    raise _too_large(f"单元格超过 {MAX_CELLS} 个", f"more than {MAX_CELLS} cells")
    except TooLarge:
        raise
    except Exception as exc:
        raise UnsupportedType("无法读取该 .xlsx 文件（文件损坏或不是 Excel 工作簿）",
                              "Cannot read this .xlsx file (damaged, or not an Excel workbook)",
                              code="corrupt_xlsx") from exc
    finally:
        wb.close()


def _read_xls(data: bytes) -> list[Sheet]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True)
    except Exception as exc:  # xlrd: XLRDError, CompDocError, … for encrypted or foreign OLE2 files
        raise UnsupportedType("无法读取该 .xls 文件（文件损坏、加密，或不是 Excel 工作簿）；可另存为 .xlsx 后重试",
                              "Cannot read this .xls file (damaged, encrypted or not a workbook); save it as .xlsx",
                              code="corrupt_xls") from exc
    sheets = []
    for sh in book.sheets():
        width = min(sh.ncols, MAX_COLUMNS)
        if sh.nrows > MAX_ROWS:
            raise _too_large(f"工作表“{sh.name}”超过 {MAX_ROWS} 行", f"sheet {sh.name!r} has over {MAX_ROWS} rows")
        grid = [[_xls_value(sh.cell(r, c)) for c in range(width)] for r in range(sh.nrows)]
        for rlo, rhi, clo, chi in sh.merged_cells:
            _fill(grid, rlo, rhi, clo, min(chi, width))
        sheets.append(Sheet(sh.name, [(i, row) for i, row in enumerate(grid, start=1)]))
    return sheets


def _xls_value(cell):
    import xlrd

    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    return cell.value


def _fill(grid: list[list], row_lo: int, row_hi: int, col_lo: int, col_hi: int) -> None:
    """Copy the top-left value of a merged range (0-based, ends exclusive) into all its cells."""
    if row_lo >= len(grid) or col_lo >= len(grid[row_lo]):
        return
    value = grid[row_lo][col_lo]
    for r in range(row_lo, min(row_hi, len(grid))):
        row = grid[r]
        for c in range(col_lo, min(col_hi, len(row))):
            row[c] = value
