"""身份证号 (GB 11643-1999, 18 digits): normalised, checked and read with python-stdnum.

stdnum's own ``validate`` also looks the birthplace up in its table of county
codes, which lags behind re-divisions; here only the parts GB 11643 defines are
checked: length, digits, the birth date and the check digit.
"""
from __future__ import annotations

import unicodedata
from datetime import date

from stdnum.cn import ric
from stdnum.exceptions import ValidationError


class BadIdNumber(ValueError):
    """The reason, in Chinese and English, that an ID number is not valid."""

    def __init__(self, zh: str, en: str):
        super().__init__(zh)
        self.zh, self.en = zh, en


def normalise(value) -> str:
    """Full-width digits and Ｘ become ASCII, spaces go; a spreadsheet float (4.3012E+17) is refused, not guessed."""
    if isinstance(value, float):
        raise BadIdNumber("身份证号被表格存成了数字（科学计数法），末几位已丢失；请把该列设为文本后重新录入",
                          "The ID number was stored as a number and lost its last digits; store the column as text")
    text = unicodedata.normalize("NFKC", str(value or "")).strip().replace(" ", "").upper()
    if "E+" in text and text.replace(".", "").replace("E+", "").isdigit():
        raise BadIdNumber("身份证号是科学计数法（如 4.3012E+17），末几位已丢失；请把该列设为文本后重新录入",
                          "The ID number is in scientific notation and lost its last digits")
    return text


def check_id_number(value) -> tuple[str, date]:
    """(the 18-character number, the birth date it carries), or raise BadIdNumber."""
    number = normalise(value)
    if len(number) != 18:
        raise BadIdNumber(f"身份证号应为 18 位，实为 {len(number)} 位", f"An ID number has 18 characters, not {len(number)}")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise BadIdNumber("身份证号只能包含数字（末位可为 X）", "An ID number is digits (the last may be X)")
    try:
        born = ric.get_birth_date(number)
    except ValidationError as exc:
        raise BadIdNumber("身份证号中的出生日期无效", "The birth date in the ID number is not a date") from exc
    if number[17] != ric.calc_check_digit(number):
        raise BadIdNumber("身份证号校验位错误（可能有数字录错）", "The ID number's check digit is wrong (a typo?)")
    return number, born


def make_id_number(area6: str, born: date, sequence: int) -> str:
    """A valid number for demo and test data (sequence odd for men, even for women)."""
    body = f"{area6}{born:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")
