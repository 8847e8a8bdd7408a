"""Registration and update forms for the ``households`` entity list (ODK Entities spec 2024.1).

A form with an ``entities`` sheet writes ``meta/entity`` (dataset, id, create or
update, baseVersion) and marks the fields to copy with ``entities:saveto``. At
ingest:

- **update**: applied only when the sender is the household's helper and the
  ``baseVersion`` the phone started from is the household's current version; a
  stale baseVersion means someone changed the household meanwhile, so the visit
  is kept, linked and flagged ``entity_conflict`` — a person decides
  (``resolve_conflict``), nothing is silently overwritten;
- **create** (新识别纳入): a new household in the sender's village, assigned to
  the sender; refused (kept, flagged ``entity_error``) when the code exists or the
  village is not the sender's.

Properties a form may save to: code, head_name, village (area code), address,
phone, category, main_cause, secondary_cause, geometry ("lat lon alt acc").
"""
from __future__ import annotations

from datetime import date
from typing import Callable

from defusedxml.ElementTree import fromstring
from sqlalchemy import select

from server.accounts import permissions
from server.areas.models import Area
from server.audit.service import record_event
from server.db import get_session
from server.errors import Conflict, Invalid
from server.forms.xform_cache import XFormFacts
from server.households.entity_list import ENTITY_LIST
from server.households.linking import relink_waiting
from server.households.models import Assignment
from server.households.service import (check_category, find_household, new_household, record_change,
                                       set_category, update_fields)

DATASET = ENTITY_LIST.removesuffix(".csv")
XF = "{http://www.w3.org/2002/xforms}"
SAVETO = "{http://www.opendatakit.org/xforms/entities}saveto"
CONFLICT, ERROR = "entity_conflict", "entity_error"
TRUE = ("1", "true", "true()")

def _read_saveto(xform: bytes) -> dict[str, str]:
    return {(b.get("nodeset") or "").strip(): b.get(SAVETO).strip()
            for b in fromstring(xform).iter(f"{XF}bind") if b.get(SAVETO)}


_SAVETO = XFormFacts(_read_saveto)


def saveto_paths(xform_sha256: str, load_xform: Callable[[], bytes]) -> dict[str, str]:
    """Instance path → entity property, from the binds' entities:saveto."""
    return _SAVETO.get(xform_sha256, load_xform)


def _properties(leaves: list[tuple[str, str]], saveto: dict[str, str]) -> dict[str, str]:
    return {saveto[path]: value for path, value in leaves if path in saveto}


def _field_values(props: dict[str, str]) -> dict:
    """Entity properties → household fields; geometry becomes latitude/longitude."""
    values = {k: v for k, v in props.items()
              if k in ("head_name", "address", "phone", "main_cause", "secondary_cause")}
    parts = (props.get("geometry") or "").split()
    if len(parts) >= 2:
        try:
            values["latitude"], values["longitude"] = float(parts[0]), float(parts[1])
        except ValueError:
            pass
    return values


def apply_update(household, props: dict[str, str], *, actor) -> None:
    changes = update_fields(household, _field_values(props))
    if props.get("category"):
        old = household.category
        if set_category(household, props["category"], since=date.today(), reason="update", actor=actor):
            changes["category"] = [old, household.category]
    record_change(household, changes, source="entity", actor=actor)


def _is_helper(household, actor) -> bool:
    return any(a.cadre_id == getattr(actor, "id", None) and a.active_on(date.today()) for a in household.assignments)


def _update(submission, entity: dict, props: dict, actor) -> None:
    household = find_household(entity.get("id", ""))
    if household is None:
        # (not waiting to be linked: an update names a household the phone's list had, which is gone)
        submission.household_flag, submission.household_code = "unknown_household", None
        return
    submission.household_id, submission.area_id = household.id, household.village_id
    if not _is_helper(household, actor):
        submission.household_flag = "not_assigned"
    elif (entity.get("baseVersion") or "") != str(household.version):
        submission.household_flag = CONFLICT
    else:
        apply_update(household, props, actor=actor)
        submission.household_flag = None


def _village(props: dict, actor) -> Area | None:
    code = props.get("village")
    if code:
        area = get_session().scalar(select(Area).where(Area.code == code.strip()))
    else:
        villages = [a for a in getattr(actor, "areas", []) if a.level == "village"]
        area = villages[0] if len(villages) == 1 else None
    return area if area is not None and area.level == "village" and permissions.in_scope(actor, area) else None


def _create(submission, entity: dict, props: dict, actor) -> None:
    code = (props.get("code") or entity.get("id") or "").strip()[:32]
    village = _village(props, actor)
    if not code or village is None or find_household(code) is not None:
        submission.household_flag = ERROR
        return
    head = (props.get("head_name") or entity.get("label") or "").strip()[:50] or code
    try:
        category = check_category(props.get("category") or "poor")
    except Invalid:
        category = "poor"
    fields = {k: v for k, v in _field_values(props).items() if k != "head_name"}
    household = new_household(code, head, village, category=category, since=date.today(), reason="identified",
                              actor=actor, **fields)
    household.assignments.append(Assignment(cadre_id=actor.id, start=date.today(), created_by_id=actor.id))
    get_session().flush()
    submission.household_id, submission.area_id, submission.household_flag = household.id, village.id, None
    relink_waiting([code])  # other visits that named this code before it was registered


def process_entity(submission, entity: dict | None, leaves, saveto: dict[str, str], *, actor) -> bool:
    """Apply a households entity action of a new submission version; False when the form declares none."""
    if not entity or entity.get("dataset") != DATASET:
        return False
    props = _properties(leaves, saveto)
    if (entity.get("create") or "").lower() in TRUE:
        _create(submission, entity, props, actor)
    elif (entity.get("update") or "").lower() in TRUE:
        _update(submission, entity, props, actor)
    else:
        return False
    return True


def resolve_conflict(submission, action: str, *, actor) -> None:
    """A person settles an entity conflict: "apply" the visit's values anyway, or "dismiss" them."""
    if submission.household_flag != CONFLICT or submission.household is None:
        raise Conflict("这条记录没有待处理的农户信息冲突", "This submission has no entity conflict to resolve",
                       code="no_conflict")
    permissions.require(actor, "household.manage", submission.household.village)
    if action == "apply":
        from server.forms.service import get_xform_bytes
        from server.storage.blobs import get_store
        from server.submissions.instance import parse_instance

        inst = parse_instance(get_store().read_bytes(submission.current.xml_sha256))
        fv = submission.form_version
        apply_update(submission.household, _properties(inst.leaves, saveto_paths(fv.xform_sha256,
                                                                                  lambda: get_xform_bytes(fv))),
                     actor=actor)
    elif action != "dismiss":
        raise Invalid("处理方式应为 apply 或 dismiss", "action must be apply or dismiss", code="bad_action")
    submission.household_flag = None
    record_event(f"household.entity_conflict.{action}", actor=actor, target=submission.household.code,
                 area=submission.household.village, detail={"submission": submission.id})
