"""Which household a submission is about, read from the form itself.

A household-bound form picks the household from the entity list
(``select_one_from_file households.csv``: an itemset over ``instance('households')``),
looks it up with ``pulldata('households', …, 'name', ${field})``, or updates it as
an entity (``meta/entity`` with dataset ``households``). The field holding the code
is found in the XForm once and cached by its sha256.

A visit naming a household the cadre is not assigned to is kept (nothing is lost)
and flagged for a person to look at; so is a code the registry does not know. Such a
visit keeps the code it named, and is linked when a household with that code is
registered (``relink_waiting``: by import, by a cadre's registration on the phone).
"""
from __future__ import annotations

import re
from datetime import date
from typing import Callable

from defusedxml.ElementTree import fromstring
from sqlalchemy import select

from server.db import get_session
from server.forms.xform_cache import XFormFacts
from server.households.entity_list import ENTITY_LIST
from server.households.service import find_household

XF = "{http://www.w3.org/2002/xforms}"
DATASET = ENTITY_LIST.removesuffix(".csv")
_ITEMSET = re.compile(r"""instance\(\s*['"]%s['"]\s*\)""" % DATASET)
_PULLDATA = re.compile(r"""pulldata\(\s*['"]%s['"]\s*,\s*['"][^'"]*['"]\s*,\s*['"]name['"]\s*,\s*([^)]+)\)""" % DATASET)

UNKNOWN, NOT_ASSIGNED = "unknown_household", "not_assigned"
FLAG_LABELS = {UNKNOWN: "户编号在登记册中不存在", NOT_ASSIGNED: "提交人不是该户的帮扶干部",
               "entity_conflict": "农户信息冲突：手机上的版本已过时，待人工处理",
               "entity_error": "新登记农户未能建立（户编号已存在或村不在提交人范围内）"}

def _read_paths(xform: bytes) -> tuple[str, ...]:
    root = fromstring(xform)
    found: list[str] = []
    for control in root.iter():
        itemset = control.find(f"{XF}itemset")
        if itemset is not None and _ITEMSET.search(itemset.get("nodeset") or "") and control.get("ref"):
            found.append(control.get("ref").strip())
    for bind in root.iter(f"{XF}bind"):
        for match in _PULLDATA.finditer(bind.get("calculate") or ""):
            found.append(match.group(1).strip())
    return tuple(dict.fromkeys(found))


_PATHS = XFormFacts(_read_paths)


def household_paths(xform_sha256: str, load_xform: Callable[[], bytes]) -> tuple[str, ...]:
    """Instance paths that hold a household code, in form order."""
    return _PATHS.get(xform_sha256, load_xform)


def household_code(leaves: list[tuple[str, str]], paths: tuple[str, ...], entity_id: str | None = None) -> str | None:
    """The first code found at one of ``paths`` (or the entity being updated)."""
    if entity_id:
        return entity_id
    values = dict(leaves)
    return next((values[p] for p in paths if values.get(p)), None)


def link(submission, code: str | None, actor, on: date | None = None) -> None:
    """Attach the submission to its household (and the household's village), or flag why not."""
    if not code:
        return
    submission.household_code = code[:64]
    household = find_household(code)
    if household is None:
        submission.household_id, submission.household_flag = None, UNKNOWN
        return
    submission.household_id, submission.area_id = household.id, household.village_id
    cadre_id = getattr(actor, "id", None)
    helpers = {a.cadre_id for a in household.assignments if a.active_on(on or date.today())}
    submission.household_flag = None if cadre_id in helpers else NOT_ASSIGNED


def relink_waiting(codes) -> int:
    """Link the visits that named one of ``codes`` before a household had it (flagged unknown), as their
    submitters sent them: to the household and its village, flagged ``not_assigned`` when the submitter is
    not (yet) among its cadres on the day of the visit. Each linked visit's problems go to the household's
    ledger and it is scored again (the poverty line is its village's now). Returns how many were linked."""
    from server.ledger.ingest import sync_problems  # (these packages import this module's importers)
    from server.scoring.service import score_submission
    from server.storage.blobs import get_store
    from server.submissions.models import Submission

    codes, linked = sorted({c for c in codes if c}), 0
    for k in range(0, len(codes), 500):  # bound the IN list
        waiting = list(get_session().scalars(select(Submission).where(
            Submission.household_flag == UNKNOWN, Submission.household_code.in_(codes[k:k + 500]))
            .order_by(Submission.id)))
        for sub in waiting:
            link(sub, sub.household_code, sub.submitter, on=sub.received_at.date())
            if sub.household_id is None:
                continue
            linked += 1
            xml = get_store().read_bytes(sub.current.xml_sha256)
            sync_problems(sub, xml, actor=sub.submitter)
            score_submission(sub, xml)
    return linked  # (the caller's flush writes them: at ingest, the one that turns a race into a retry)
