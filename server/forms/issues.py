"""Turn pyxform and ODK Validate messages into issues a survey designer can act on.

An issue is ``{"sheet", "row", "column", "message" (Chinese), "message_en" (pyxform's
own text)}``; sheet, row and column are None when unknown. pyxform writes the row
as "[row : N]" (the Excel row number) and sometimes names the sheet and column;
when it names only a question or a type, the row is looked up in the workbook.
"""
from __future__ import annotations

import re

from server.forms.workbook import WorkbookRows

ROW_RE = re.compile(r"\[row\s*:\s*(\d+)\]")
SHEET_RE = re.compile(r"[Oo]n the '([A-Za-z_]+)' sheet")
COLUMN_RE = re.compile(r"the '([A-Za-z_:\-]+)' (?:value|column)")

# (pattern on pyxform's English text, Chinese template). Groups fill the template.
TRANSLATIONS: list[tuple[re.Pattern, str]] = [(re.compile(p), zh) for p, zh in [
    (r"the 'name' value '([^']*)' is invalid\. Questions, groups, and repeats must be unique",
     "问题名称“{0}”重复：同一组、同一重复组或整个表单内，问题、组和重复组的名称必须唯一"),
    (r"the 'name' value '([^']*)' is invalid\. Names must begin with a letter",
     "问题名称“{0}”无效：名称须以字母或下划线开头，只能包含字母、数字、下划线、连字符和句点"),
    (r"Unknown question type '([^']*)'", "未知的题型“{0}”：请检查 type 列的拼写（例如 text、integer、select_one 列表名）"),
    (r"The survey element named '([^']*)' has no label or hint", "问题“{0}”没有标签（label）也没有提示（hint）"),
    (r"Missing calculation", "calculate 类型的问题缺少 calculation 公式"),
    (r"List name not in choices sheet: (\S+)", "choices 表中找不到选项列表“{0}”"),
    (r"Duplicate column header: (.+)", "列标题重复：{0}"),
    (r"Choices should have a label", "选项缺少标签（label）"),
    (r"Choice names must be unique", "同一选项列表中的选项名称必须唯一"),
    (r"There should be an external_choices sheet", "表单使用了外部选项（select_one_external），但缺少 external_choices 表"),
    (r"Error reading \.xlsx file", "无法读取该 .xlsx 文件"),
    (r"ODK Validate Errors", "ODK Validate 检查未通过（通常是公式、relevant 或 constraint 写错）"),
    (r"ODK Validate Warnings", "ODK Validate 提示"),
]]


def _translate(text: str) -> str:
    for pattern, zh in TRANSLATIONS:
        m = pattern.search(text)
        if m:
            return zh.format(*m.groups())
    return f"pyxform 报告：{text}"


def clean_validate_text(text: str) -> str:
    """Drop ODK Validate's temporary-file noise and keep the lines that explain the problem."""
    keep = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("The following files failed validation", "${tmp", "Result: ",
                                        "ODK Validate Errors", ">> XForm is invalid", "XForm is invalid")):
            continue
        if re.fullmatch(r"\$\{[^}]*\}", line):
            continue
        keep.append(line.lstrip(">: ").strip())
    return "\n".join(keep) or text.strip()


def make_issue(text: str, *, context: dict | None = None, rows: WorkbookRows | None = None,
               default_sheet: str | None = None) -> dict:
    """One issue from a pyxform message (and its ``e.context`` when the exception has one)."""
    context = context or {}
    text = str(text).strip()
    row = context.get("row")
    sheet = context.get("sheet")
    column = context.get("column")
    if row is None and (m := ROW_RE.search(text)):
        row = int(m.group(1))
    if sheet is None and (m := SHEET_RE.search(text)):
        sheet = m.group(1)
    if column is None and (m := COLUMN_RE.search(text)):
        column = m.group(1)
    if row is None and rows is not None:
        row, sheet, column = _locate(text, rows, sheet, column)
    if row is not None and sheet is None:
        sheet = default_sheet
    return {"sheet": sheet, "row": int(row) if row is not None else None, "column": column,
            "message": _translate(text), "message_en": text}


def _locate(text: str, rows: WorkbookRows, sheet, column):
    """Find the row of an error pyxform reported by question name or type only."""
    lookups = [
        (r"Unknown question type '([^']*)'", "survey", "type"),
        (r"The survey element named '([^']*)'", "survey", "name"),
        (r"node \[\$\{([^}]*)\}\]", "survey", "name"),  # ODK Validate: "... for node [${b}] ..."
        (r"List name not in choices sheet: (\S+)", "survey", None),
    ]
    for pattern, where, col in lookups:
        m = re.search(pattern, text)
        if not m:
            continue
        value = m.group(1)
        if col is None:  # a list name: the first survey row whose type uses it
            found = [n for n, v in rows.rows(where) if str(v.get("type") or "").split()[-1:] == [value]]
            col = "type"
        else:
            found = rows.find(where, col, value)
        if found:
            return found[0], where, col
    return None, sheet, column


def location(issue: dict) -> str:
    """"survey 表第 3 行（name 列）" for the CLI; empty when pyxform did not say."""
    parts = []
    if issue.get("sheet"):
        parts.append(f"{issue['sheet']} 表")
    if issue.get("row"):
        parts.append(f"第 {issue['row']} 行")
    if issue.get("column"):
        parts.append(f"（{issue['column']} 列）")
    return "".join(parts)


def location_en(issue: dict) -> str:
    parts = []
    if issue.get("sheet"):
        parts.append(f"sheet {issue['sheet']}")
    if issue.get("row"):
        parts.append(f"row {issue['row']}")
    if issue.get("column"):
        parts.append(f"column {issue['column']}")
    return ", ".join(parts)
