"""The downloadable household import template (.xlsx): the header, an example household, a 说明 sheet."""
from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from server.households.idcard import make_id_number
from server.households.import_rows import COLUMNS, TEMPLATE_HEADERS
from server.households.models import CATEGORIES, HEALTH, LABOUR, POVERTY_CAUSES, RELATIONS, SCHOOLING

TEXT_COLUMNS = ("户编号", "行政村代码", "村民小组代码", "联系电话", "身份证号", "出生日期")
EXAMPLE = [  # one household of three: household columns on the head row only
    {"户编号": "4312281012010001", "户主姓名": "杨明", "行政村代码": "431228101201", "住址": "岩桥村三组 12 号",
     "联系电话": "13800000000", "户类别": "贫困户", "主要致贫原因": "因病", "次要致贫原因": "缺技术",
     "经度": 109.68, "纬度": 27.44, "成员姓名": "杨明", "与户主关系": "户主", "性别": "男", "出生日期": "1970-03-01",
     "身份证号": make_id_number("431228", date(1970, 3, 1), 11), "健康状况": "长期慢性病", "劳动能力": "普通劳动力", "在校情况": "非在校",
     "务工月数": 6, "基本医疗保险": "是", "大病保险": "是"},
    {"户编号": "4312281012010001", "成员姓名": "张兰", "与户主关系": "配偶", "性别": "女", "出生日期": "1972-05-06",
     "身份证号": make_id_number("431228", date(1972, 5, 6), 22), "健康状况": "健康", "劳动能力": "普通劳动力", "在校情况": "非在校",
     "务工月数": 0, "基本医疗保险": "是", "大病保险": "是"},
    {"户编号": "4312281012010001", "成员姓名": "杨小红", "与户主关系": "之女", "性别": "女", "出生日期": "2008-09-10",
     "身份证号": make_id_number("431228", date(2008, 9, 10), 24), "健康状况": "健康", "劳动能力": "无劳动力", "在校情况": "在校",
     "基本医疗保险": "是", "大病保险": "是"},
]
CHOICES = {"户类别": list(CATEGORIES.values()), "与户主关系": RELATIONS, "性别": ("男", "女"), "健康状况": HEALTH,
           "劳动能力": LABOUR, "在校情况": SCHOOLING, "主要致贫原因": POVERTY_CAUSES, "次要致贫原因": POVERTY_CAUSES,
           "基本医疗保险": ("是", "否"), "大病保险": ("是", "否")}
NOTES = [
    ("户编号", "必填。建档立卡户编号；同一户的每个成员各占一行，户编号相同"),
    ("户主姓名", "户主行填写（可不填，取户主行的成员姓名）；其他行留空或与户主行相同"),
    ("行政村代码", "户主行必填（或填村民小组代码，系统据此确定行政村）；须是系统中已有、且在您管理范围内的区划"),
    ("住址、联系电话、经度、纬度", "选填，户主行填写；经度 -180～180，纬度 -90～90"),
    ("户类别", "户主行必填：" + "、".join(CATEGORIES.values())),
    ("主要/次要致贫原因", "选填：" + "、".join(POVERTY_CAUSES)),
    ("成员姓名、与户主关系", "必填；每户恰好一行“户主”。关系：" + "、".join(RELATIONS)),
    ("身份证号", "必填，18 位，末位可为 X；文件内不能重复。请把本列设为“文本”，否则 Excel 会变成 4.3E+17 而丢失末几位"),
    ("性别、出生日期", "选填，须与身份证号一致；日期可写 1980-01-01、1980.1.1、19800101 或日期格式的单元格"),
    ("健康状况、劳动能力、在校情况", "选填：" + "；".join("、".join(v) for v in (HEALTH, LABOUR, SCHOOLING))),
    ("务工月数", "选填，0～12 的整数"),
    ("基本医疗保险、大病保险", "选填，是 或 否"),
    ("", "户编号已存在的农户按文件更新（有变化的才更新并记录变更）；文件中没有的农户不受影响"),
    ("", "先检查后导入：有任何错误时不会导入任何一行；未知的列会被忽略；合并单元格按其左上角的值处理"),
    ("", "支持 .xlsx、.xls 和 .csv（UTF-8 或 GBK 编码）"),
]


def template_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "农户"
    ws.append(TEMPLATE_HEADERS)
    for example in EXAMPLE:
        ws.append([example.get(h) for h in TEMPLATE_HEADERS])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F0F2F5")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
    for index, (_, header, _) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = 20 if header in TEXT_COLUMNS else 12
        if header in TEXT_COLUMNS:
            for row in range(2, 2001):
                ws[f"{letter}{row}"].number_format = "@"  # long numbers stay text
        if header in CHOICES:
            rule = DataValidation(type="list", formula1='"' + ",".join(CHOICES[header]) + '"', allow_blank=True)
            ws.add_data_validation(rule)
            rule.add(f"{letter}2:{letter}2000")
    ws.freeze_panes = "B2"
    notes = wb.create_sheet("说明")
    notes.append(["列", "说明"])
    for row in NOTES:
        notes.append(list(row))
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 26, 100
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
