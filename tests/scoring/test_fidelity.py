"""docs/instruments.md's fidelity tables agree with the workbooks: the XLSForm and scoring columns name
only what the workbooks hold, and every scoring row of each workbook appears in its table."""
from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "instruments.md").read_text(encoding="utf-8")
INSTRUMENTS = ("household_survey", "four_ones_visit", "living_environment")
# Words in those cells that are not names: a settings value and the not-shipped alternative's pattern.
NOT_NAMES = {"household_survey", "grp_*"}
SETTINGS = {"form_id", "form_title", "version", "default_language"}


def column(form_id: str, sheet: str, name: str) -> set[str]:
    wb = openpyxl.load_workbook(ROOT / "forms" / "xlsform" / f"{form_id}.xlsx", read_only=True)
    try:
        rows = list(wb[sheet].iter_rows(values_only=True))
    finally:
        wb.close()
    i = [str(h).strip() if h else "" for h in rows[0]].index(name)
    return {str(r[i]).strip() for r in rows[1:] if i < len(r) and r[i]}


def table(form_id: str) -> list[list[str]]:
    section = DOC[DOC.index("## Fidelity"):]
    part = section[section.index(f"`{form_id}.xlsx`"):]
    part = part[:part.index("\n###")] if "\n###" in part else part
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in part.splitlines()
            if line.startswith("|") and not line.startswith("|---")]
    assert rows[0][2:4] == ["XLSForm row", "scoring row"], rows[0]
    return rows[1:]


@pytest.mark.parametrize("form_id", INSTRUMENTS)
def test_fidelity_table_names_what_the_workbook_holds(form_id):
    survey = column(form_id, "survey", "name")
    lists = column(form_id, "choices", "list_name")
    scoring = column(form_id, "scoring", "name")
    seen = set()
    for row in table(form_id):
        known = survey | lists | SETTINGS | (scoring if row[2].startswith("not shipped") else set())
        for name in re.findall(r"`([^`]+)`", row[2]):
            if name not in NOT_NAMES:
                assert name in known, (form_id, row[0], name)
        for name in re.findall(r"`([^`]+)`", row[3]):
            if not name.startswith("${"):
                assert name in scoring | survey, (form_id, row[0], name)
                seen.add(name)
    assert scoring <= seen, (form_id, scoring - seen)
