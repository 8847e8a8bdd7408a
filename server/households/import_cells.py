"""Reading one cell of a household register: dates, numbers, yes/no and the fixed vocabularies.

Each parser takes the raw cell value (str, int, float, datetime or None as the
sheet reader gives it) and the row, and calls ``row.fail(zh, en)`` on a bad value.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from server.errors import Invalid
from server.households.models import CATEGORIES, HEALTH, LABOUR, POVERTY_CAUSES, RELATIONS, SCHOOLING
from server.households.service import check_category
from server.sheets import cell_text, clean_text

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 (with Excel's 1900 leap-year quirk above 60)
DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
MONTH_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")
COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
PHONE_RE = re.compile(r"^[0-9+\-()/ ]{3,32}$")

# What registers write → our value; our own values are accepted as well.
RELATION_ALIASES = {"本人": "户主", "户主本人": "户主", "妻": "配偶", "妻子": "配偶", "夫": "配偶", "丈夫": "配偶",
                    "子": "之子", "儿子": "之子", "长子": "之子", "次子": "之子", "三子": "之子", "女": "之女",
                    "女儿": "之女", "长女": "之女", "次女": "之女", "三女": "之女", "儿媳": "之儿媳", "媳妇": "之儿媳",
                    "女婿": "之女婿", "孙子": "之孙子", "孙女": "之孙女", "父亲": "之父", "父": "之父", "母亲": "之母",
                    "母": "之母", "兄": "兄弟姐妹", "弟": "兄弟姐妹", "姐": "兄弟姐妹", "妹": "兄弟姐妹",
                    "兄弟": "兄弟姐妹", "姐妹": "兄弟姐妹"}
HEALTH_ALIASES = {"慢性病": "长期慢性病", "患有大病": "大病", "残疾人": "残疾"}
LABOUR_ALIASES = {"普通": "普通劳动力", "技能": "技能劳动力", "弱": "弱劳动力", "丧失劳动能力": "丧失劳动力",
                  "无劳动能力": "无劳动力"}
SCHOOLING_ALIASES = {"在校生": "在校", "非在校生": "非在校", "学龄前儿童": "学龄前", "不在校": "非在校"}
CAUSE_ALIASES = {"缺劳动力": "缺劳力", "交通落后": "交通条件落后", "缺乏资金": "缺资金", "缺乏技术": "缺技术",
                 "因学致贫": "因学", "因病致贫": "因病", "因残致贫": "因残", "因灾致贫": "因灾"}
CATEGORY_ALIASES = {"一般贫困户": "poor", "建档立卡贫困户": "poor", "低保户": "poor_dibao", "五保户": "poor_wubao",
                    "特困户": "poor_wubao", "特困供养户": "poor_wubao", "五保贫困户": "poor_wubao",
                    "残疾贫困户": "poor_disabled", "脱贫监测户": "monitored", "已脱贫户": "exited"}
SEX_ALIASES = {"男": "男", "男性": "男", "m": "男", "male": "男", "女": "女", "女性": "女", "f": "女", "female": "女"}
YES = {"是", "有", "已参保", "参保", "参加", "已参加", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "无", "未参保", "没有", "未参加", "不参加", "n", "no", "false", "0", "×", "✗"}


def text(value, row, what_zh: str, what_en: str, limit: int) -> str | None:
    out = cell_text(value)
    if len(out) > limit:
        row.fail(f"{what_zh}超过 {limit} 个字", f"{what_en} is longer than {limit} characters")
    return out or None


def choice(value, allowed, aliases: dict, row, what_zh: str, what_en: str) -> str | None:
    word = clean_text(cell_text(value))
    if not word:
        return None
    word = aliases.get(word.lower(), aliases.get(word, word))
    if word not in allowed:
        row.fail(f"{what_zh}“{cell_text(value)}”不在可选值中（{'、'.join(allowed)}）",
                 f"Unknown {what_en} {cell_text(value)!r} (allowed: {', '.join(allowed)})")
        return None
    return word


def relation(value, row):
    return choice(value, RELATIONS, RELATION_ALIASES, row, "与户主关系", "relation to the head")


def health(value, row):
    return choice(value, HEALTH, HEALTH_ALIASES, row, "健康状况", "health")


def labour(value, row):
    return choice(value, LABOUR, LABOUR_ALIASES, row, "劳动能力", "labour ability")


def schooling(value, row):
    return choice(value, SCHOOLING, SCHOOLING_ALIASES, row, "在校情况", "schooling")


def cause(value, row, what_zh: str, what_en: str):
    return choice(value, POVERTY_CAUSES, CAUSE_ALIASES, row, what_zh, what_en)


def sex(value, row):
    return choice(value, ("男", "女"), SEX_ALIASES, row, "性别", "sex")


def category(value, row) -> str | None:
    word = clean_text(cell_text(value))
    if not word:
        return None
    try:
        return check_category(CATEGORY_ALIASES.get(word, word))
    except Invalid:
        row.fail(f"户类别“{word}”不在可选值中（{'、'.join(CATEGORIES.values())}）",
                 f"Unknown category {word!r} (allowed: {', '.join(CATEGORIES)})")
        return None


def yes_no(value, row, what_zh: str, what_en: str) -> bool | None:
    word = clean_text(cell_text(value)).lower()
    if not word:
        return None
    if word in YES:
        return True
    if word in NO:
        return False
    row.fail(f"{what_zh}应填“是”或“否”，而不是“{cell_text(value)}”", f"{what_en} must be 是 or 否, not {word!r}")
    return None


def number(value, row, what_zh: str, what_en: str, low: float, high: float, *, whole=False):
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        n = float(value)
    else:
        word = clean_text(cell_text(value))
        if not word:
            return None
        try:
            n = float(word)
        except ValueError:
            row.fail(f"{what_zh}“{cell_text(value)}”不是数字", f"{what_en} {word!r} is not a number")
            return None
    if whole and not n.is_integer():
        row.fail(f"{what_zh}应为整数，而不是 {n:g}", f"{what_en} must be a whole number, not {n:g}")
        return None
    if not low <= n <= high:
        row.fail(f"{what_zh} {n:g} 超出范围（{low:g}–{high:g}）", f"{what_en} {n:g} is out of range ({low:g}–{high:g})")
        return None
    return int(n) if whole else n


def phone(value, row) -> str | None:
    word = unicodedata.normalize("NFKC", cell_text(value))
    if word and not PHONE_RE.match(word):
        row.fail(f"联系电话“{word}”无效", f"Phone number {word!r} is invalid")
    return word or None


def birth_date(value, row) -> date | tuple[int, int] | None:
    """A date; (year, month) when only 出生年月 is given; None when blank or bad (bad ones fail the row)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        found = _from_number(int(value))
    else:
        word = clean_text(cell_text(value))
        if not word:
            return None
        found = _from_text(word)
    if found is None:
        row.fail(f"出生日期“{cell_text(value)}”无法识别（例如 1980-01-01、1980.1.1 或 19800101）",
                 f"Birth date {cell_text(value)!r} is not a date (e.g. 1980-01-01, 1980.1.1 or 19800101)")
    return found


def _from_number(n: int):
    if 10000101 <= n <= 29991231:  # 19800101 typed as a number
        return _make(n // 10000, n // 100 % 100, n % 100)
    if 1 <= n <= 2958465:  # an Excel serial (an .xls date cell, or a date pasted as a number)
        return EXCEL_EPOCH + timedelta(days=n)
    return None


def _from_text(word: str):
    match = DATE_RE.match(word) or COMPACT_DATE_RE.match(word)
    if match:
        return _make(*map(int, match.groups()[:3]))
    match = MONTH_RE.match(word)
    if match and 1 <= int(match.group(2)) <= 12:
        return int(match.group(1)), int(match.group(2))
    if word.isdigit() or re.fullmatch(r"\d+\.\d+", word):
        return _from_number(int(float(word)))
    return None


def _make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None
