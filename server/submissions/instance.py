"""Reading an instance XML safely: defusedxml, UTF-8 only, and the few facts ingest needs.

Nothing here touches the database: ``parse_instance`` turns bytes into an
``Instance`` or raises ``BadRequest`` with a message the cadre can read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from server.errors import BadRequest
from server.forms.xform_cache import XFormFacts

XFORMS_NS = "{http://www.w3.org/2002/xforms}"
MAX_ID_LENGTH = 255
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


@dataclass
class Instance:
    form_id: str
    version: str
    instance_id: str
    deprecated_id: str | None = None
    device_id: str | None = None
    instance_name: str | None = None
    # meta/entity's attributes (ODK Entities: dataset, id, create, update, baseVersion, label…), when present
    entity: dict[str, str] | None = None
    # Every non-empty element text: the names an attachment may arrive under.
    texts: set[str] = field(default_factory=set)
    # (path without indexes, text) of every leaf, e.g. ("/visit/photo", "1700000000.jpg").
    leaves: list[tuple[str, str]] = field(default_factory=list)

    def referenced(self, binary_paths: frozenset[str]) -> list[str]:
        """File names held by the form's binary questions (photos, audio, signatures…), in order, once each."""
        seen: dict[str, None] = {}
        for path, text in self.leaves:
            if path in binary_paths:
                seen.setdefault(text, None)
        return list(seen)


def _bad(zh: str, en: str, code: str) -> BadRequest:
    return BadRequest(zh, en, code=code)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _check_utf8(data: bytes) -> None:
    declared = _DECLARED_ENCODING.match(data)
    if declared and declared.group(1).decode("ascii").lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise _bad(f"表单数据的编码是 {declared.group(1).decode('ascii')}，只接受 UTF-8",
                   "The instance must be encoded in UTF-8", "not_utf8")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _bad("表单数据不是有效的 UTF-8 文本", "The instance is not valid UTF-8", "not_utf8") from exc


def _parse(data: bytes) -> Element:
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise _bad("表单数据含有 DOCTYPE 或实体声明，已拒绝", "DOCTYPE and entity declarations are not accepted",
                   "xml_dtd") from exc
    except ParseError as exc:
        raise _bad(f"表单数据不是格式正确的 XML：{exc}", f"The instance is not well-formed XML: {exc}",
                   "bad_xml") from exc


def _walk(el: Element, path: str, out: Instance) -> None:
    children = list(el)
    if not children:
        text = (el.text or "").strip()
        if text:
            out.leaves.append((path, text))
            out.texts.add(text)
        return
    for child in children:
        _walk(child, f"{path}/{_local(child.tag)}", out)


def _meta_child(root: Element, name: str) -> Element | None:
    for meta in root:
        if _local(meta.tag) == "meta":
            return next((child for child in meta if _local(child.tag) == name), None)
    return None


def _entity(root: Element) -> dict[str, str] | None:
    entity = _meta_child(root, "entity")
    if entity is None:
        return None
    attrs = {_local(k): (v or "").strip()[:MAX_ID_LENGTH] for k, v in entity.attrib.items()}
    label = next((c.text for c in entity if _local(c.tag) == "label"), None)
    if label:
        attrs["label"] = label.strip()[:MAX_ID_LENGTH]
    return attrs


def _meta(root: Element, name: str) -> str | None:
    child = _meta_child(root, name)
    return ((child.text or "").strip() or None) if child is not None else None


def _checked_id(value: str | None, what: str) -> str | None:
    if value is not None and len(value) > MAX_ID_LENGTH:
        raise _bad(f"{what} 过长", f"{what} is too long", "bad_instance")
    return value


def parse_instance(data: bytes) -> Instance:
    if not data.strip():
        raise _bad("表单数据是空的", "The instance XML is empty", "empty_instance")
    _check_utf8(data)
    root = _parse(data)
    form_id = (root.get("id") or "").strip()
    if not form_id:
        raise _bad("表单数据缺少表单编号（根元素的 id 属性）", "The instance's root element has no id attribute",
                   "no_form_id")
    instance_id = _checked_id(_meta(root, "instanceID"), "instanceID")
    if not instance_id:
        raise _bad("表单数据缺少 instanceID（meta/instanceID）", "The instance has no meta/instanceID",
                   "no_instance_id")
    out = Instance(form_id=form_id, version=(root.get("version") or "").strip(), instance_id=instance_id,
                   deprecated_id=_checked_id(_meta(root, "deprecatedID"), "deprecatedID"),
                   device_id=_checked_id(_meta(root, "deviceID"), "deviceID"),
                   instance_name=(_meta(root, "instanceName") or "")[:MAX_ID_LENGTH] or None,
                   entity=_entity(root))
    _walk(root, "/" + _local(root.tag), out)
    return out


def _read_binary_paths(xform: bytes) -> frozenset[str]:
    return frozenset((bind.get("nodeset") or "").strip() for bind in fromstring(xform).iter(f"{XFORMS_NS}bind")
                     if _local(bind.get("type") or "") == "binary")


_BINARY_PATHS = XFormFacts(_read_binary_paths)


def binary_paths(xform_sha256: str, load_xform: Callable[[], bytes]) -> frozenset[str]:
    """Nodesets of the XForm's binary questions (photos, signatures…)."""
    return _BINARY_PATHS.get(xform_sha256, load_xform)
