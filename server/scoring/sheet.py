"""Read the ``scoring`` sheet (and ``scoring_choices``) of an uploaded XLSForm and check every row.

Called by the upload with the rows the workbook reader kept and the XForm pyxform
produced. Each problem is an issue in the format of ``server.forms.issues``
(sheet "scoring", the Excel row, the column, Chinese and English); the caller
refuses the upload when there is any. The result is the definition stored with the
form version: the rows in order, each with its XPath translation.
"""
from __future__ import annotations

import re

from server.forms.workbook import WorkbookRows
from server.scoring.fields import read_fields
from server.scoring.translate import inner, kind, parse, translate

SHEET, CHOICES_SHEET = "scoring", "scoring_choices"
TYPES = ("number", "boolean", "grade")
YEAR_FIELD = "ref_year"  # when the form asks the reference year, ${param:poverty_line} is that year's line
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
TYPE_KIND = {"number": "number", "boolean": "boolean", "grade": "string"}
KIND_ZH = {"number": "数字", "boolean": "是/否", "string": "文本"}


def _issue(row: int, column: str | None, zh: str, en: str, sheet: str = SHEET) -> dict:
    return {"sheet": sheet, "row": row, "column": column, "message": zh, "message_en": en}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _label(values: dict, lang: str) -> str:
    """``label::Chinese (zh)`` / ``label::English (en)``; a bare ``label`` serves both."""
    for header, value in values.items():
        if header.lower().startswith("label::") and header.lower().rstrip().endswith(f"({lang})"):
            return _text(value)
    return _text(values.get("label"))


def _read_choices(rows: WorkbookRows, found: list[dict]) -> dict[str, list[dict]]:
    lists: dict[str, list[dict]] = {}
    for n, values in rows.rows(CHOICES_SHEET):
        list_name, name = _text(values.get("list_name")), _text(values.get("name"))
        if not list_name or not name:
            found.append(_issue(n, "list_name" if not list_name else "name", "list_name 和 name 都必须填写",
                                "Both list_name and name are required", CHOICES_SHEET))
            continue
        lists.setdefault(list_name, []).append({"name": name, "zh": _label(values, "zh") or name,
                                                "en": _label(values, "en") or _label(values, "zh") or name})
    return lists


def result_literals(tok) -> list[str] | None:
    """The string literals an expression can yield, or None when it can yield something else."""
    tok = inner(tok)
    if tok.symbol == "(string)":
        return [tok.value]
    if tok.symbol in ("if", "coalesce"):
        branches = [result_literals(t) for t in (tok[1:] if tok.symbol == "if" else tok[:])]
        return None if any(b is None for b in branches) else [v for b in branches for v in b]
    return None


def _check_result(n: int, row_type: str, xpath: str, scores: dict, choice_list: list | None, found: list) -> None:
    tree = parse(xpath)
    got = kind(tree, {k: TYPE_KIND.get(v, "unknown") for k, v in scores.items()})
    want = TYPE_KIND[row_type]
    if got in KIND_ZH and got != want:
        found.append(_issue(n, "expression", f"类型不符：type 为 {row_type}，但表达式的结果是{KIND_ZH[got]}",
                            f"Type mismatch: the row is a {row_type} but the expression yields a {got}"))
    if row_type == "grade" and choice_list is not None:
        codes = {c["name"] for c in choice_list}
        for value in result_literals(tree) or []:
            if value not in codes:
                found.append(_issue(n, "expression", f"等级“{value}”不在 scoring_choices 的选项列表中",
                                    f"Grade {value!r} is not in its list on the scoring_choices sheet"))


def read_scoring(rows: WorkbookRows, xform: str) -> tuple[dict | None, list[dict]]:
    """(definition or None when the workbook has no scoring rows, issues)."""
    if not rows.rows(SHEET):
        return None, []
    found: list[dict] = []
    choices = _read_choices(rows, found)
    fields = read_fields(xform)
    scores: dict[str, str] = {}
    out = []
    for n, values in rows.rows(SHEET):
        name, row_type = _text(values.get("name")), _text(values.get("type")).lower()
        expression, list_name = _text(values.get("expression")), _text(values.get("choice_list"))
        before = len(found)
        if not NAME_RE.match(name):
            found.append(_issue(n, "name", f"评分名称“{name}”无效：须以小写字母开头，只含小写字母、数字和下划线" if name
                                else "缺少评分名称（name）", f"Invalid scoring name {name!r}: [a-z][a-z0-9_]*"))
        elif name in scores:
            found.append(_issue(n, "name", f"评分名称“{name}”重复", f"Duplicate scoring name {name!r}"))
        if row_type not in TYPES:
            found.append(_issue(n, "type", f"未知的评分类型“{row_type}”：应为 number、boolean 或 grade",
                                f"Unknown type {row_type!r}: use number, boolean or grade"))
        if row_type == "grade" and list_name not in choices:
            found.append(_issue(n, "choice_list", f"scoring_choices 表中找不到选项列表“{list_name}”" if list_name
                                else "grade 类型须填写 choice_list", f"No list {list_name!r} on the scoring_choices sheet"
                                if list_name else "A grade row needs a choice_list"))
        if not expression:
            found.append(_issue(n, "expression", "缺少表达式（expression）", "The expression is missing"))
        else:
            tr = translate(expression, fields, scores)
            found += [_issue(n, "expression", zh, en) for zh, en in tr.problems]
            if len(found) == before:
                _check_result(n, row_type, tr.xpath, scores, choices.get(list_name), found)
            out.append({"row": n, "name": name, "type": row_type, "expression": expression, "xpath": tr.xpath,
                        "label": {"zh": _label(values, "zh") or name, "en": _label(values, "en") or name},
                        "choice_list": list_name or None, "scores": tr.scores, "params": tr.params,
                        # optional column: the result is shown in the village register (村有册) too
                        "register": _text(values.get("register")).lower() in ("yes", "true", "1", "是", "y"),
                        "paths": {p: {"name": f, "repeat": fields[f][0].repeat} for p, f in tr.paths.items()}})
        if NAME_RE.match(name) and row_type in TYPES:
            scores.setdefault(name, row_type)
    if found:
        return None, found
    used = {r["choice_list"] for r in out if r["choice_list"]}
    year = fields.get(YEAR_FIELD, [])
    year_path = year[0].path if len(year) == 1 and not year[0].repeat else None
    return {"rows": out, "choices": {k: v for k, v in choices.items() if k in used}, "year_path": year_path}, []
