"""The downloadable import template (.xlsx), made with openpyxl."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from server.areas.importer import TEMPLATE_HEADERS

EXAMPLES = [
    ("431228101", "岩桥镇", "乡镇", "431228"),
    ("431228101201", "岩桥村", "行政村", "431228101"),
]
NOTES = [
    ("列", "说明"),
    ("区划代码", "统计用区划代码，数字；请保持本列为“文本”格式，否则 Excel 会把长代码变成科学计数法"),
    ("名称", "区划的中文名称，例如 岩桥镇、岩桥村、岩桥村一组"),
    ("层级", "县、乡镇（乡/镇）、行政村（村）、村民小组（组）"),
    ("上级代码", "上一级区划的代码；县级不填。上级可以在本文件中（顺序不限），也可以是系统中已有的区划"),
    ("", "已存在的区划代码会更新名称；有任何错误时不会导入任何一行"),
]


def template_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "区划"
    ws.append(TEMPLATE_HEADERS)
    for row in EXAMPLES:
        ws.append(list(row))
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F0F2F5")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
    for letter, width in zip("ABCD", (18, 20, 12, 18)):
        ws.column_dimensions[letter].width = width
        for row in range(2, 2001):
            if letter in "AD":
                ws[f"{letter}{row}"].number_format = "@"  # codes stay text
    levels = DataValidation(type="list", formula1='"县,乡镇,行政村,村民小组"', allow_blank=True)
    ws.add_data_validation(levels)
    levels.add("C2:C2000")
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("说明")
    for row in NOTES:
        notes.append(list(row))
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 12, 90
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
