"""Read an uploaded table (.xlsx, .xls or .csv) into rows of raw cell values; find its header row.

Shared by every importer (areas, households).

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
import re
import unicodedata
from dataclasses import dataclass, field

from server.errors import BadRequest, TooLarge, UnsupportedType
from server.uploads import check_size, sniff_spreadsheet

MAX_ROWS = 50_000  # default: a county has a few thousand areas; a province some tens of thousands
MAX_CELLS = 1_000_000  # default guard on the in-memory workbook openpyxl builds to see merged cells
MAX_COLUMNS = 50  # columns kept per row; area sheets use four, household registers about twenty
HEADER_SEARCH_ROWS = 10  # a title row or two may sit above the header
CODE_RE = re.compile(r"^[0-9A-Za-z_-]{1,32}$")  # official codes are 6–15 digits (households ~20); tests use short ones
SCIENTIFIC_RE = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
INTEGRAL_FLOAT_RE = re.compile(r"^(\d+)\.0+$")
EXACT_FLOAT_LIMIT = 10 ** 15  # Excel keeps 15 significant digits; longer numbers are already rounded


@dataclass
class Sheet:
    name: str
    # (row number as Excel shows it, cell values) — blank rows included, for the caller to skip
    rows: list[tuple[int, list]] = field(default_factory=list)


def read_sheets(data: bytes, filename: str, *, max_bytes: int, max_unpacked: int, max_rows: int = MAX_ROWS,
                max_cells: int = MAX_CELLS) -> list[Sheet]:
    """``max_rows`` bounds every format; ``max_cells`` bounds an .xlsx, which is loaded whole (merged cells)."""
    if filename.lower().endswith(".csv") and data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: UTF-16 with a BOM (its NUL bytes defeat the CSV sniff).
        check_size(data, max_bytes)
        return [_read_csv(data.decode("utf-16"), max_rows)]
    kind = sniff_spreadsheet(data, filename, max_bytes=max_bytes, max_unpacked=max_unpacked, allow_csv=True)
    if kind == ".csv":
        return [_read_csv(decode_csv(data), max_rows)]
    if kind == ".xls":
        return _read_xls(data, max_rows)
    return _read_xlsx(data, max_rows, max_cells)


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


def _read_csv(text: str, max_rows: int) -> Sheet:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count) if first_line else ","
    if first_line.count(delimiter) == 0:
        delimiter = ","
    sheet = Sheet("csv")
    try:
        for index, record in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            if index > max_rows:
                raise _too_large(f"超过 {max_rows} 行", f"more than {max_rows} rows")
            sheet.rows.append((index, record[:MAX_COLUMNS]))
    except csv.Error as exc:
        raise BadRequest(f"CSV 格式错误：{exc}", f"Malformed CSV: {exc}", code="bad_csv") from exc
    return sheet


def _read_xlsx(data: bytes, max_rows: int, max_cells: int) -> list[Sheet]:
    from openpyxl import load_workbook

    _check_xlsx_size(data, max_rows, max_cells)
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


def _check_xlsx_size(data: bytes, max_rows: int, max_cells: int) -> None:
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
                if index > max_rows:
                    raise _too_large(f"工作表“{ws.title}”超过 {max_rows} 行", f"sheet {ws.title!r} has over {max_rows} rows")
                if cells > max_cells:
                    raise _too_large(f"单元格超过 {max_cells} 个：请分成几个文件，或另存为 CSV",
                                     f"more than {max_cells} cells: split the file, or save it as CSV")
    except TooLarge:
        raise
    except Exception as exc:
        raise UnsupportedType("无法读取该 .xlsx 文件（文件损坏或不是 Excel 工作簿）",
                              "Cannot read this .xlsx file (damaged, or not an Excel workbook)",
                              code="corrupt_xlsx") from exc
    finally:
        wb.close()


def _read_xls(data: bytes, max_rows: int) -> list[Sheet]:
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
        if sh.nrows > max_rows:
            raise _too_large(f"工作表“{sh.name}”超过 {max_rows} 行", f"sheet {sh.name!r} has over {max_rows} rows")
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


# ---------------------------------------------------------------- cells and headers

def clean_text(value: str) -> str:
    """NFKC (full-width digits and letters → ASCII), no surrounding or inner spaces."""
    return "".join(unicodedata.normalize("NFKC", value or "").split())


def cell_text(value) -> str:
    """A cell as trimmed text: control characters dropped, inner runs of spaces become one, 12.0 → "12"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = "".join(ch for ch in str(value) if unicodedata.category(ch) not in ("Cc", "Cf") or ch in "\t\n")
    return " ".join(text.split())  # trims, including full-width spaces


def header_key(value) -> str:
    """A header cell as a lookup key: NFKC, no spaces, lower case, no required-field stars or colons."""
    return clean_text("" if value is None else str(value)).lower().strip("*＊:：")


def find_header(sheets: list[Sheet], aliases: dict[str, set[str]], required: set[str]):
    """(sheet, index into sheet.rows of the header, field → column) of the first sheet whose header
    (within its first rows) names every ``required`` field; None when no sheet has one."""
    lookup = {alias: name for name, names in aliases.items() for alias in names}
    for sheet in sheets:
        for index, (_, cells) in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
            columns: dict[str, int] = {}
            for col, value in enumerate(cells):
                name = lookup.get(header_key(value))
                if name is not None and name not in columns:
                    columns[name] = col
            if required <= columns.keys():
                return sheet, index, columns
    return None


def parse_code(value, row, what_zh: str, what_en: str) -> str:
    """A code cell as text; numbers typed into Excel come back as int or float.

    Problems go to ``row.fail(zh, en)``."""
    if value is None:
        return ""
    if isinstance(value, float):
        if not value.is_integer():
            row.fail(f"{what_zh}“{value}”不是整数", f"{what_en} {value!r} is not a whole number")
            return str(value)
        if abs(value) >= EXACT_FLOAT_LIMIT:
            row.fail(f"{what_zh}超过 15 位，已被 Excel 当作数字截断：请把该列设置为“文本”格式后重新填写",
                     f"{what_en} has more than 15 digits and was rounded by Excel: format the column as Text "
                     "and re-enter the codes")
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = clean_text(str(value))
    if SCIENTIFIC_RE.match(text):
        row.fail(f"{what_zh}“{text}”是科学计数法，数字已丢失：请在 Excel 中把该列设置为“文本”格式，重新填写后保存",
                 f"{what_en} {text!r} is in scientific notation and its digits are lost: format the column as Text "
                 "in Excel and re-enter the codes")
        return text
    match = INTEGRAL_FLOAT_RE.match(text)
    if match:
        text = match.group(1)
    if text and not CODE_RE.match(text):
        row.fail(f"{what_zh}“{text}”无效：只能包含数字和字母（最多 32 位）",
                 f"{what_en} {text!r} is invalid: digits and letters only (at most 32)")
    return text
