"""What a scoring expression may name: the fields of the XForm pyxform produced.

``${field}`` resolves through the binds (names are the last step of a bind's
nodeset; an XLSForm name is unique in its form), repeats through the body's
``<repeat nodeset>``. Each field keeps its bind type and the control that asks it,
so the sheet check can tell a text question (``<input>`` of type string) from a
number, a choice or a calculate.
"""
from __future__ import annotations

from dataclasses import dataclass

from defusedxml.ElementTree import fromstring

XF = "{http://www.w3.org/2002/xforms}"
CONTROLS = {"input", "select1", "select", "upload", "range", "trigger", "odk:rank", "rank"}


@dataclass(frozen=True)
class Field:
    name: str
    path: str
    type: str = "string"         # the bind's type without prefix: string, int, decimal, date, binary, …
    control: str | None = None   # input, select1, select, upload, … ; None for calculates and repeats
    repeat: str | None = None    # the nodeset of the repeat holding it (None outside repeats)
    is_repeat: bool = False

    @property
    def is_text_question(self) -> bool:
        return self.control == "input" and self.type == "string"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].split(":")[-1]


def read_fields(xform: str | bytes) -> dict[str, list[Field]]:
    """name → every field of that name (more than one only when pyxform allowed a repeat of names)."""
    root = fromstring(xform)
    controls, repeats, groups = {}, set(), set()
    for el in root.iter():
        tag = _local(el.tag) if isinstance(el.tag, str) else ""
        if tag == "repeat" and el.get("nodeset"):
            repeats.add(el.get("nodeset").strip())
        elif tag == "group" and el.get("ref"):
            groups.add(el.get("ref").strip())
        elif tag in CONTROLS and el.get("ref"):
            controls[el.get("ref").strip()] = tag
    out: dict[str, list[Field]] = {}

    def holder(path: str) -> str | None:
        return max((r for r in repeats if path.startswith(r + "/")), key=len, default=None)

    for bind in root.iter(f"{XF}bind"):
        path = (bind.get("nodeset") or "").strip()
        if not path or path in groups or path in repeats:
            continue
        kind = _local(bind.get("type") or "string")
        field = Field(path.rsplit("/", 1)[-1], path, kind, controls.get(path), holder(path))
        out.setdefault(field.name, []).append(field)
    for path in sorted(repeats):
        field = Field(path.rsplit("/", 1)[-1], path, "repeat", None, holder(path), is_repeat=True)
        out.setdefault(field.name, []).append(field)
    return out
