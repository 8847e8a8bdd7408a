"""An instance as a person reads it: every answer in form order with its question's label and,
for choices, the choice's label; groups and repeat instances as headings; photos by file name."""
from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring

from server.submissions.xform_labels import FormLabels

SKIPPED = {"meta"}


@dataclass
class Answer:
    path: str  # with repeat positions, e.g. /data/problem[2]/problem_desc
    name: str
    label: str
    value: str
    display: str
    kind: str  # field | group | repeat
    depth: int
    type: str = "string"

    @property
    def is_file(self) -> bool:
        return self.kind == "field" and self.type == "binary" and bool(self.value)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _display(value: str, question, labels: FormLabels, lang: str) -> str:
    if not value or question is None or not question.choices:
        return value
    if question.control == "select":
        return "、".join(labels.pick(question.choices.get(v, {}), lang) or v for v in value.split())
    return labels.pick(question.choices.get(value, {}), lang) or value


def _walk(el: Element, path: str, shown: str, depth: int, labels: FormLabels, lang: str, out: list[Answer]) -> None:
    counts: dict[str, int] = {}
    for child in el:
        name = _local(child.tag)
        if name in SKIPPED and depth == 0:
            continue
        counts[name] = counts.get(name, 0) + 1
        child_path = f"{path}/{name}"
        question = labels.question(child_path)
        label = (labels.pick(question.labels, lang) if question else "") or name
        if len(child):
            is_repeat = question is not None and question.control == "repeat"
            position = counts[name]
            child_shown = f"{shown}/{name}" + (f"[{position}]" if is_repeat else "")
            heading = f"{label} #{position}" if is_repeat else label
            out.append(Answer(child_shown, name, heading, "", "", "repeat" if is_repeat else "group", depth))
            _walk(child, child_path, child_shown, depth + 1, labels, lang, out)
        else:
            value = (child.text or "").strip()
            out.append(Answer(f"{shown}/{name}", name, label, value, _display(value, question, labels, lang),
                              "field", depth, question.type if question else "string"))


def read_answers(xml: bytes, labels: FormLabels, lang: str = "zh") -> list[Answer]:
    root = fromstring(xml)
    top = "/" + _local(root.tag)
    out: list[Answer] = []
    _walk(root, top, top, 0, labels, lang, out)
    return out
