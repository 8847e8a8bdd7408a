"""The two OpenRosa listing documents Collect reads: formList and a form's manifest.

Built with ElementTree (it escapes text); the default namespace is written as a
plain ``xmlns`` attribute on the root so children carry no prefixes, as Collect
and ODK Central expect.
"""
from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element, SubElement, tostring

XFORMS_LIST_NS = "http://openrosa.org/xforms/xformsList"
MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"


@dataclass(frozen=True)
class FormEntry:
    form_id: str
    name: str
    version: str
    md5: str
    download_url: str
    manifest_url: str | None = None


@dataclass(frozen=True)
class MediaEntry:
    filename: str
    md5: str
    download_url: str
    entity_list: bool = False  # written as type="entityList" (ODK Entities)


def _child(parent: Element, tag: str, text: str) -> None:
    SubElement(parent, tag).text = text


def form_list_xml(entries: list[FormEntry]) -> bytes:
    root = Element("xforms", xmlns=XFORMS_LIST_NS)
    for e in entries:
        xform = SubElement(root, "xform")
        _child(xform, "formID", e.form_id)
        _child(xform, "name", e.name)
        _child(xform, "version", e.version)
        _child(xform, "hash", f"md5:{e.md5}")
        _child(xform, "downloadUrl", e.download_url)
        if e.manifest_url:
            _child(xform, "manifestUrl", e.manifest_url)
    return tostring(root, encoding="utf-8", xml_declaration=True)


def manifest_xml(entries: list[MediaEntry]) -> bytes:
    root = Element("manifest", xmlns=MANIFEST_NS)
    for e in entries:
        media = SubElement(root, "mediaFile", type="entityList") if e.entity_list else SubElement(root, "mediaFile")
        _child(media, "filename", e.filename)
        _child(media, "hash", f"md5:{e.md5}")
        _child(media, "downloadUrl", e.download_url)
    return tostring(root, encoding="utf-8", xml_declaration=True)
