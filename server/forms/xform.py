"""Read and adjust an XForm produced by pyxform.

Parsing uses defusedxml (no entities, no DTDs). Changes are made to the start
tag of the primary instance's root only, as text, so every other byte pyxform
wrote stays as it was (namespace prefixes in XPath strings such as
``jr:itext(...)`` would not survive an ElementTree round trip).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring

from server.errors import Invalid

XF = "{http://www.w3.org/2002/xforms}"
H = "{http://www.w3.org/1999/xhtml}"
FORM_ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,99}$")
# jr://images/x.png, jr://audio/…, jr://video/…, jr://file/…, jr://file-csv/…
MEDIA_RE = re.compile(r"jr://(images|audio|video|file|file-csv)/([^\"'<>\s)]+)")
EXTERNAL_QUERY_RE = re.compile(r"<input\b[^>]*\squery=")
ROOT_START_RE = re.compile(r"(<instance>\s*<)([A-Za-z_][\w.\-]*)(\s[^>]*?)?(/?>)")


@dataclass(frozen=True)
class XFormInfo:
    form_id: str
    version: str | None
    title: str


def _parse(xml: str) -> Element:
    try:
        return fromstring(xml)
    except Exception as exc:  # ParseError, or a defusedxml refusal
        raise Invalid("生成的 XForm 无法解析", f"The generated XForm cannot be parsed: {exc}",
                      code="bad_xform") from exc


def _primary_root(doc: Element) -> Element:
    instance = doc.find(f"{H}head/{XF}model/{XF}instance")
    if instance is None or len(instance) == 0:
        raise Invalid("XForm 缺少主实例（instance）", "The XForm has no primary instance", code="bad_xform")
    return instance[0]


def read_info(xml: str) -> XFormInfo:
    doc = _parse(xml)
    root = _primary_root(doc)
    title = doc.findtext(f"{H}head/{H}title") or ""
    return XFormInfo(form_id=root.get("id", ""), version=root.get("version") or None, title=title.strip())


def set_root_attributes(xml: str, **attrs: str) -> str:
    """Set attributes (e.g. version=…) on the primary instance root; returns the new XForm text."""
    m = ROOT_START_RE.search(xml)
    if m is None:
        raise Invalid("XForm 缺少主实例（instance）", "The XForm has no primary instance", code="bad_xform")
    existing = m.group(3) or ""
    for name, value in attrs.items():
        quoted = value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        pattern = re.compile(rf'(\s{re.escape(name)}=)("[^"]*"|\'[^\']*\')')
        if pattern.search(existing):
            existing = pattern.sub(lambda mm: f'{mm.group(1)}"{quoted}"', existing, count=1)
        else:
            existing += f' {name}="{quoted}"'
    out = xml[:m.start(3) if m.group(3) is not None else m.end(2)] + existing + xml[m.start(4):]
    root = _primary_root(_parse(out))
    if any(root.get(k) != v for k, v in attrs.items()):  # pragma: no cover - the regex and the parser disagree
        raise Invalid("无法设置 XForm 属性", "Could not set attributes on the XForm", code="bad_xform")
    return out


def set_title(xml: str, title: str) -> str:
    escaped = title.replace("&", "&amp;").replace("<", "&lt;")
    return re.sub(r"<h:title>.*?</h:title>", lambda _: f"<h:title>{escaped}</h:title>", xml, count=1, flags=re.S)


def media_references(xml: str | bytes) -> list[dict]:
    """Files the XForm expects beside it: [{"filename", "kind"}], sorted, each once."""
    if isinstance(xml, bytes):
        xml = xml.decode("utf-8", "replace")
    seen: dict[str, str] = {}
    if EXTERNAL_QUERY_RE.search(xml):  # select_one_external: Collect reads itemsets.csv from the media folder
        seen["itemsets.csv"] = "file-csv"
    for kind, name in MEDIA_RE.findall(xml):
        name = unescape(name)
        seen.setdefault(name, kind)
    return [{"filename": n, "kind": k} for n, k in sorted(seen.items())]


def is_safe_form_id(value: str) -> bool:
    return bool(FORM_ID_RE.match(value or ""))
