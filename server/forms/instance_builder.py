"""An instance of a form as ODK Collect would write it, built from the XForm's own primary instance.

Used by the demo visits and the tests: leaves are filled by field name, each repeat gets one copy per
entry, ``meta/instanceID`` a fresh uuid (or the one given).
"""
from __future__ import annotations

import copy
import uuid
from xml.etree import ElementTree as ET

from defusedxml.ElementTree import fromstring

XF = "{http://www.w3.org/2002/xforms}"
JR_TEMPLATE = "{http://openrosa.org/javarosa}template"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _fill(el: ET.Element, answers: dict) -> None:
    for child in el:
        name = _local(child.tag)
        child.tag = name
        if len(child):
            _fill(child, answers)
        elif name in answers:
            value = answers[name]
            child.text = "" if value is None else str(value)


def build_instance(xform: str | bytes, answers: dict, repeats: dict[str, list[dict]] | None = None,
                   instance_id: str | None = None) -> bytes:
    """An instance as Collect would write it: the XForm's primary instance, each ``repeats[name]`` entry
    one copy of the repeat (none when the list is empty), leaves filled from ``answers`` by name.
    An answer of None leaves the element empty; a name in ``drop`` of answers removes it."""
    doc = fromstring(xform)
    root = copy.deepcopy(doc.find(f".//{XF}instance")[0])
    for rep_name, entries in (repeats or {}).items():
        parents = [p for p in root.iter() for c in p if _local(c.tag) == rep_name]
        parent = parents[0]
        kids = [c for c in parent if _local(c.tag) == rep_name]
        position = list(parent).index(kids[0])
        for c in kids:
            parent.remove(c)
        for n, entry in enumerate(entries):
            node = copy.deepcopy(kids[-1])
            node.attrib.pop(JR_TEMPLATE, None)
            _fill(node, entry)
            parent.insert(position + n, node)
    for el in [e for e in root.iter() if e.get(JR_TEMPLATE) is not None]:
        el.attrib.pop(JR_TEMPLATE)
    _fill(root, {k: v for k, v in answers.items()})
    root.tag = _local(root.tag)
    for el in root.iter():
        if _local(el.tag) == "instanceID":
            el.text = instance_id or f"uuid:{uuid.uuid4()}"
    for name in answers.get("__drop__", ()):
        for parent in list(root.iter()):
            for c in [c for c in parent if _local(c.tag) == name]:
                parent.remove(c)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
