"""From a visit to ledger items: every repeat entry holding ``problem_desc`` becomes one item.

Called by ingest once the visit is linked to its household. Idempotent: items are
keyed by (submission, position), so a re-POST changes nothing, and an edited visit
(a new version of the same submission, via deprecatedID) updates the items it
created. A problem removed by the edit disappears while nobody has acted on it;
otherwise it stays, with a note in its history.
"""
from __future__ import annotations

from datetime import date
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring
from sqlalchemy import select

from server.db import get_session, utcnow
from server.ledger.models import LedgerEvent, LedgerItem

FIELDS = {"problem_desc": "description", "problem_area": "aspect", "problem_measure": "measure",
          "problem_unit": "unit", "problem_deadline": "deadline"}
LIMITS = {"aspect": 32, "aspect_label": 100, "unit": 100}


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _entries(el: Element, path: str, out: list[tuple[str, dict[str, str]]]) -> None:
    for child in el:
        name = _local(child.tag)
        if not name:
            continue
        if len(child):
            leaves = {_local(c.tag): (c.text or "").strip() for c in child if not len(c)}
            if "problem_desc" in leaves:
                out.append((f"{path}/{name}", leaves))
            else:
                _entries(child, f"{path}/{name}", out)


def _deadline(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def read_problems(xml: bytes, aspect_label=lambda path, value: None) -> list[dict]:
    """The non-blank problem entries of an instance, in order, as LedgerItem fields."""
    root = fromstring(xml)
    found: list[tuple[str, dict[str, str]]] = []
    _entries(root, f"/{_local(root.tag)}", found)
    problems = []
    for path, leaves in found:
        if not any(leaves.get(f) for f in FIELDS):
            continue  # an empty repeat instance Collect left in
        values = {attr: leaves.get(name) or None for name, attr in FIELDS.items()}
        values["description"] = values["description"] or "（未填写问题描述）"
        values["deadline"] = _deadline(leaves.get("problem_deadline", ""))
        values["aspect_label"] = aspect_label(f"{path}/problem_area", values["aspect"]) if values["aspect"] else None
        for name, limit in LIMITS.items():
            if values.get(name):
                values[name] = values[name][:limit]
        problems.append(values)
    return problems


def _label_reader(sub):
    """choice label (Chinese first) of an answer, read from the submission's form version."""
    from server.forms.models import FormVersion
    from server.forms.service import get_xform_bytes
    from server.submissions.xform_labels import form_labels

    fv = get_session().get(FormVersion, sub.form_version_id)  # a new submission is still pending: no lazy load
    labels = form_labels(fv.xform_sha256, lambda: get_xform_bytes(fv))

    def label(path: str, value: str) -> str | None:
        question = labels.question(path)
        choice = question.choices.get(value) if question else None
        return labels.pick(choice, "zh") or None if choice else None

    return label


def _apply(item: LedgerItem, values: dict) -> dict:
    changes = {}
    for name, value in values.items():
        if getattr(item, name) != value:
            changes[name] = value
            setattr(item, name, value)
    return changes


def sync_problems(sub, xml: bytes, *, actor) -> None:
    """Create or update the ledger items of a visit linked to a household (no-op otherwise)."""
    if sub.household_id is None:
        return
    session = get_session()
    actor_id = getattr(actor, "id", None)
    with session.no_autoflush:  # ingest flushes itself, turning unique violations into a retry
        existing = {} if sub.id is None else {i.position: i for i in session.scalars(
            select(LedgerItem).where(LedgerItem.submission_id == sub.id))}
        problems = read_problems(xml, _label_reader(sub)) if b"problem_desc" in xml else []
        for position, values in enumerate(problems):
            values["household_id"] = sub.household_id
            item = existing.pop(position, None)
            if item is None:
                item = LedgerItem(submission=sub, position=position, state="open", raised_by_id=actor_id)
                _apply(item, values)
                item.events.append(LedgerEvent(to_state="open", note="走访发现", actor_id=actor_id))
                session.add(item)
            elif _apply(item, values):
                item.updated_at = utcnow()
                item.events.append(LedgerEvent(from_state=item.state, to_state=item.state, actor_id=actor_id,
                                               note="走访记录已修改，问题内容随之更新"))
        for item in existing.values():  # no longer in the edited visit
            if item.state == "open" and len(item.events) <= 1:
                session.delete(item)
            else:
                item.events.append(LedgerEvent(from_state=item.state, to_state=item.state, actor_id=actor_id,
                                               note="修改后的走访记录已不含此问题"))
