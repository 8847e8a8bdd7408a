"""Checks every uploaded file goes through before anything parses it.

- ``safe_filename``: the last path component, no control characters; path tricks
  like ``../../x`` or ``C:\\x`` are reduced to the bare name, and names that are
  empty afterwards are refused.
- ``sniff_spreadsheet``: tells .xlsx / .xls / .csv by content, not by name, and
  refuses anything else (a PNG renamed .xlsx), oversize files and zip bombs
  (an .xlsx whose members unpack to more than the limit or at an absurd ratio).
"""
from __future__ import annotations

import io
import unicodedata
import zipfile
import zlib

from server.errors import BadRequest, TooLarge, UnsupportedType

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAX_RATIO = 200  # deflate tops out near 1000:1 on pathological input; real sheets stay well under 100:1
MAX_MEMBERS = 10_000


def safe_filename(name: str | None, *, default: str = "") -> str:
    """The bare file name, or ``default``; raises BadRequest when nothing usable remains."""
    name = (name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not name:
        if default:
            return default
        raise BadRequest("文件名无效", "Invalid file name", code="bad_filename")
    return name[:200]


def human_mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


def check_size(data: bytes, limit: int) -> None:
    if len(data) > limit:
        raise TooLarge(f"文件过大：{human_mb(len(data))}，上限 {human_mb(limit)}",
                       f"File too large: {human_mb(len(data))}, limit {human_mb(limit)}", code="file_too_large")


def sniff_spreadsheet(data: bytes, filename: str, *, max_bytes: int, max_unpacked: int,
                      allow_csv: bool = False) -> str:
    """Return ".xlsx", ".xls" or ".csv" from the bytes, or raise a 4xx domain error."""
    check_size(data, max_bytes)
    if not data:
        raise BadRequest("文件是空的", "The file is empty", code="empty_file")
    if data.startswith(ZIP_MAGIC):
        _check_xlsx_zip(data, max_unpacked)
        return ".xlsx"
    if data.startswith(OLE2_MAGIC):
        return ".xls"
    if allow_csv and filename.lower().endswith(".csv") and b"\x00" not in data[:4096]:
        return ".csv"
    wanted = "Excel 工作簿（.xlsx/.xls）" + ("或 CSV" if allow_csv else "")
    raise UnsupportedType(f"“{filename}”不是{wanted}文件", f"{filename!r} is not an Excel workbook"
                          + (" or CSV" if allow_csv else ""), code="not_a_spreadsheet")


def _check_xlsx_zip(data: bytes, max_unpacked: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS:
                raise UnsupportedType("工作簿内部文件过多，疑似压缩炸弹", "Too many parts in the workbook",
                                      code="zip_bomb")
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            names = {i.filename for i in infos}
    except zipfile.BadZipFile as exc:
        raise UnsupportedType("文件已损坏或不完整（不是有效的 .xlsx）", "The file is damaged or truncated (not a valid .xlsx)",
                              code="corrupt_xlsx") from exc
    if total > max_unpacked or total / packed > MAX_RATIO:
        raise TooLarge(f"工作簿解压后达 {human_mb(total)}，疑似压缩炸弹，已拒绝",
                       f"Workbook unpacks to {human_mb(total)}: refused as a likely zip bomb", code="zip_bomb")
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise UnsupportedType("这是一个 zip 文件，但不是 Excel 工作簿", "This is a zip file but not an Excel workbook",
                              code="not_a_spreadsheet")
    # A central directory can lie about sizes: decompress for real, within a budget.
    _verify_members(data, max_unpacked)


def _verify_members(data: bytes, max_unpacked: int) -> None:
    """Decompress every member with a running budget: catches truncation and forged sizes."""
    budget = max_unpacked
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                with zf.open(info) as member:
                    while chunk := member.read(1024 * 1024):
                        budget -= len(chunk)
                        if budget < 0:
                            raise TooLarge("工作簿解压后过大，疑似压缩炸弹，已拒绝",
                                           "Workbook unpacks too large: refused as a likely zip bomb", code="zip_bomb")
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise UnsupportedType("文件已损坏或不完整（不是有效的 .xlsx）", "The file is damaged or truncated (not a valid .xlsx)",
                              code="corrupt_xlsx") from exc

