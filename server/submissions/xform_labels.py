"""What a person needs to read an instance: each question's label and each choice's label, per language.

Read once from a published XForm (pyxform's output: itext translations, body
controls, choice lists as secondary instances or inline items) and cached by the
XForm's sha256, since published XForms never change.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring

from server.forms.xform_cache import XFormFacts

XF = "{http://www.w3.org/2002/xforms}"
H = "{http://www.w3.org/1999/xhtml}"
CONTROLS = {"input", "select1", "select", "upload", "range", "rank", "trigger", "odk:rank"}
_ITEXT_REF = re.compile(r"""jr:itext\(\s*'([^']*)'\s*\)""")
_INSTANCE_REF = re.compile(r"""instance\(\s*'([^']*)'\s*\)""")
_LANG_CODE = re.compile(r"\(([A-Za-z-]+)\)\s*$")

Labels = dict[str, str]  # language code ("zh", "en", or "" when the form has no languages) → text


@dataclass
class Question:
    path: str
    control: str  # input | select1 | select | upload | group | repeat | … ("" for fields without a control)
    type: str = "string"  # the bind type: string, int, decimal, date, geopoint, binary…
    labels: Labels = field(default_factory=dict)
    choices: dict[str, Labels] = field(default_factory=dict)


@dataclass
class FormLabels:
    questions: dict[str, Question] = field(default_factory=dict)
    languages: list[str] = field(default_factory=list)
    default_language: str = ""

    def question(self, path: str) -> Question | None:
        return self.questions.get(path)

    def pick(self, labels: Labels, lang: str) -> str:
        for key in (lang, self.default_language, *labels.keys()):
            if labels.get(key):
                return labels[key]
        return ""


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _flat_text(el: Element) -> str:
    """Text of an itext value, with each <output/> shown as an ellipsis."""
    parts = [el.text or ""]
    for child in el:
        parts.append("…" if _local(child.tag) == "output" else _flat_text(child))
        parts.append(child.tail or "")
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _lang_code(name: str) -> str:
    m = _LANG_CODE.search(name)
    return (m.group(1) if m else name).lower()


def _translations(model: Element) -> tuple[dict[str, Labels], list[str], str]:
    texts: dict[str, Labels] = {}
    langs, default = [], ""
    itext = model.find(f"{XF}itext")
    if itext is None:
        return texts, langs, default
    for tr in itext.findall(f"{XF}translation"):
        code = _lang_code(tr.get("lang") or "")
        langs.append(code)
        if (tr.get("default") or "").startswith("true") or not default:
            default = code
        for text in tr.findall(f"{XF}text"):
            values = text.findall(f"{XF}value")
            plain = next((v for v in values if not v.get("form")), values[0] if values else None)
            if plain is not None:
                texts.setdefault(text.get("id") or "", {})[code] = _flat_text(plain)
    return texts, langs, default


def _label_of(control: Element, texts: dict[str, Labels]) -> Labels:
    label = control.find(f"{XF}label")
    if label is None:
        return {}
    ref = _ITEXT_REF.search(label.get("ref") or "")
    if ref:
        return dict(texts.get(ref.group(1), {}))
    text = _flat_text(label)
    return {"": text} if text else {}


def _choice_lists(model: Element, texts: dict[str, Labels]) -> dict[str, dict[str, Labels]]:
    """Secondary instances holding choices: id → value → labels (itextId or a plain label child)."""
    lists: dict[str, dict[str, Labels]] = {}
    for inst in model.findall(f"{XF}instance"):
        if not inst.get("id") or inst.get("src"):
            continue
        items: dict[str, Labels] = {}
        for item in inst.iter(f"{XF}item"):
            name = item.find(f"{XF}name")
            if name is None or not (name.text or "").strip():
                continue
            itext_id = item.find(f"{XF}itextId")
            if itext_id is not None and itext_id.text:
                items[name.text.strip()] = dict(texts.get(itext_id.text.strip(), {}))
            else:
                label = item.find(f"{XF}label")
                items[name.text.strip()] = {"": _flat_text(label)} if label is not None else {}
        lists[inst.get("id")] = items
    return lists


def _choices(control: Element, texts, lists) -> dict[str, Labels]:
    itemset = control.find(f"{XF}itemset")
    if itemset is not None:
        ref = _INSTANCE_REF.search(itemset.get("nodeset") or "")
        return dict(lists.get(ref.group(1), {})) if ref else {}
    out = {}
    for item in control.findall(f"{XF}item"):
        value = item.find(f"{XF}value")
        if value is not None and value.text:
            out[value.text.strip()] = _label_of(item, texts)
    return out


def _walk_body(el: Element, out: dict[str, Question], texts, lists) -> None:
    for child in el:
        name = _local(child.tag)
        ref = (child.get("ref") or child.get("nodeset") or "").strip()
        if name in ("group", "repeat"):
            if ref:
                q = out.setdefault(ref, Question(ref, name))
                if name == "repeat":
                    q.control = "repeat"
                if not q.labels:
                    q.labels = _label_of(child, texts)
            _walk_body(child, out, texts, lists)
        elif name in CONTROLS and ref:
            out[ref] = Question(ref, name, labels=_label_of(child, texts),
                                choices=_choices(child, texts, lists) if name in ("select1", "select", "rank") else {})


def read_form_labels(xform: bytes) -> FormLabels:
    root = fromstring(xform)
    head = root.find(f"{H}head")
    model = head.find(f"{XF}model") if head is not None else None
    body = root.find(f"{H}body")
    if model is None or body is None:
        return FormLabels()
    texts, langs, default = _translations(model)
    questions: dict[str, Question] = {}
    _walk_body(body, questions, texts, _choice_lists(model, texts))
    for bind in model.findall(f"{XF}bind"):
        path = (bind.get("nodeset") or "").strip()
        kind = _local(bind.get("type") or "string") or "string"
        if path in questions:
            questions[path].type = kind
        elif path:
            questions[path] = Question(path, "", type=kind)
    return FormLabels(questions, langs, default)


_LABELS = XFormFacts(read_form_labels, size=128)


def form_labels(xform_sha256: str, load_xform: Callable[[], bytes]) -> FormLabels:
    return _LABELS.get(xform_sha256, load_xform)
