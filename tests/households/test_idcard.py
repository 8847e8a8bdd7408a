"""身份证号 checks (GB 11643): check digit, birth date, length, full-width digits, spreadsheet floats."""
from __future__ import annotations

from datetime import date

import pytest

from server.households.idcard import BadIdNumber, check_id_number, make_id_number

GOOD = make_id_number("431228", date(1980, 1, 1), 1)


def test_a_valid_number_and_its_birth_date():
    assert check_id_number(GOOD) == (GOOD, date(1980, 1, 1))
    assert check_id_number(" " + GOOD.translate(str.maketrans("0123456789", "０１２３４５６７８９")) + " ")[0] == GOOD


def test_the_x_check_digit_is_accepted_in_either_case():
    with_x = next(n for n in (make_id_number("110101", date(1990, 5, 5), s) for s in range(1000)) if n.endswith("X"))
    assert check_id_number(with_x.lower())[0] == with_x


@pytest.mark.parametrize("value, reason", [
    (GOOD[:-1] + str((int(GOOD[-1]) + 1) % 10) if GOOD[-1].isdigit() else GOOD[:-1] + "0", "校验位"),
    (GOOD[:17], "18 位"),
    ("43122819801301001X", "出生日期"),
    (4.31228198e17, "存成了数字"),
    ("4.31228E+17", "科学计数法"),
    ("43122819800101A011", "只能包含数字"),
])
def test_bad_numbers_say_why(value, reason):
    with pytest.raises(BadIdNumber) as exc:
        check_id_number(value)
    assert reason in exc.value.zh and exc.value.en
