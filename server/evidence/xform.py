"""What the evidence checks need to know about a form, read once from its XForm and cached by sha256:
which binary questions are photos (not signatures or drawings), which holds the visit's GPS, and which
hold the start and end times ODK records."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from defusedxml.ElementTree import fromstring

from server.forms.xform_cache import XFormFacts

XF = "{http://www.w3.org/2002/xforms}"
JR = "{http://openrosa.org/javarosa}"
NOT_PHOTOS = ("signature", "draw")


@dataclass(frozen=True)
class EvidenceFields:
    photos: tuple[str, ...] = ()      # nodesets of photo questions, in form order
    geopoint: str | None = None       # the first geopoint question
    start: str | None = None
    end: str | None = None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_fields(xform: bytes) -> EvidenceFields:
    root = fromstring(xform)
    binds = list(root.iter(f"{XF}bind"))
    binary = {(b.get("nodeset") or "").strip() for b in binds if _local(b.get("type") or "") == "binary"}
    photos = []
    for upload in root.iter(f"{XF}upload"):
        ref = (upload.get("ref") or "").strip()
        appearance = (upload.get("appearance") or "").lower()
        if ref in binary and (upload.get("mediatype") or "").startswith("image") \
                and not any(word in appearance for word in NOT_PHOTOS):
            photos.append(ref)
    geopoint = next(((b.get("nodeset") or "").strip() for b in binds if _local(b.get("type") or "") == "geopoint"),
                    None)
    times = {b.get(f"{JR}preloadParams"): (b.get("nodeset") or "").strip() for b in binds
             if b.get(f"{JR}preload") == "timestamp"}
    return EvidenceFields(tuple(dict.fromkeys(photos)), geopoint, times.get("start"), times.get("end"))


_FIELDS = XFormFacts(read_fields)


def evidence_fields(xform_sha256: str, load_xform: Callable[[], bytes]) -> EvidenceFields:
    return _FIELDS.get(xform_sha256, load_xform)
