"""Run a form version's scoring definition against one instance XML, with elementpath.

Rows run top to bottom; each sees the values of the rows above as ``$score__x`` and
the server's parameters as ``$param__x``. A row never raises: it ends ``ok`` with a
value (float, bool, or a grade code) or ``uncomputable`` with a reason in Chinese
and English — a missing answer, text where a number is needed, a zero divisor, a
row above that could not be computed, a parameter the server does not have.
"""
from __future__ import annotations

import math
from decimal import Decimal
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring
from elementpath import XPathContext, get_node_tree
from elementpath.exceptions import ElementPathError

from server.scoring.odk_xpath import Uncomputable, missing
from server.scoring.translate import compile_xpath

OK, UNCOMPUTABLE = "ok", "uncomputable"
KINDS = {"number": "number", "boolean": "boolean", "grade": "string"}


def parse_instance(xml: bytes) -> Element:
    """The instance with namespaces dropped from element names (binds use plain names)."""
    root = fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.rsplit("}", 1)[1]
    return root


def _text(item) -> str:
    if isinstance(item, list):
        return _text(item[0]) if item else ""
    if hasattr(item, "string_value"):
        return str(item.string_value)
    if isinstance(item, Element):
        return "".join(item.itertext())
    return "" if item is None else str(item)


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    try:
        return float(_text(value).strip())
    except ValueError:
        return None


def _empty_fields(row: dict, root: Element) -> list[str]:
    context = XPathContext(root)
    out = []
    for path, info in row["paths"].items():
        try:
            value = _text(compile_xpath(path, {}, {}, {}).evaluate(context)).strip()
        except ElementPathError:  # pragma: no cover - a stored path always parses
            continue
        if value == "":
            out.append(info["name"])
    return out


def _convert(row: dict, value, root: Element, codes: set[str]):
    """The row's value in its type, or raise Uncomputable."""
    kind = row["type"]
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        raise Uncomputable(f"结果不是“是/否”：{_text(value)[:40]}", f"The result is not true/false: {_text(value)[:40]}")
    if kind == "grade":
        code = _text(value).strip() if not isinstance(value, bool) else str(value).lower()
        if code in codes:
            return code
        raise Uncomputable(f"结果“{code[:40]}”不在选项列表 {row['choice_list']} 中",
                           f"The result {code[:40]!r} is not in the list {row['choice_list']}")
    number = _number(value)
    if number is None or math.isnan(number) or math.isinf(number):
        empty = _empty_fields(row, root)
        if empty:
            raise missing("、".join(empty))
        raise Uncomputable("结果不是有限的数字", "The result is not a finite number")
    return number


def _failed(name: str, zh: str, en: str) -> dict:
    return {"name": name, "status": UNCOMPUTABLE, "value": None, "reason": zh, "reason_en": en}


_COMPILED: dict[tuple, object] = {}


def _compiled(row: dict, labels: dict, kinds: dict):
    """A row's parsed XPath, parsed once per process: definitions are frozen with their form version and
    evaluating a parsed expression only reads it."""
    key = (row["xpath"], row["type"], repr(sorted(row["paths"].items())), repr(sorted(labels.items())),
           repr(sorted(kinds.items())))
    token = _COMPILED.get(key)
    if token is None:
        token = compile_xpath(row["xpath"], row["paths"], labels, kinds, numeric=row["type"] == "number")
        if len(_COMPILED) >= 2048:
            _COMPILED.clear()
        _COMPILED[key] = token
    return token


def evaluate(definition: dict, xml: bytes, params: dict, missing_params: dict[str, tuple[str, str]]) -> list[dict]:
    """``params``: name → value; ``missing_params``: name → (zh, en) why the server has none."""
    root = parse_instance(xml)
    tree = get_node_tree(root)  # built once, shared by every row
    rows = definition.get("rows", [])
    kinds = {r["name"]: KINDS.get(r["type"], "unknown") for r in rows}
    labels = {r["name"]: (r["label"]["zh"], r["label"]["en"]) for r in rows}
    done: dict[str, dict] = {}
    variables = {f"param__{k}": v for k, v in params.items() if v is not None}
    for row in rows:
        name = row["name"]
        upstream = next((done[s] for s in row["scores"] if done.get(s, {}).get("status") != OK), None)
        absent = next((p for p in row["params"] if p in missing_params or params.get(p) is None), None)
        if upstream is not None:
            result = _failed(name, upstream["reason"], upstream["reason_en"])
        elif absent is not None:
            zh, en = missing_params.get(absent, (f"缺少参数 {absent}", f"No value for parameter {absent}"))
            result = _failed(name, zh, en)
        else:
            codes = {c["name"] for c in definition.get("choices", {}).get(row.get("choice_list") or "", [])}
            try:
                value = _compiled(row, labels, kinds).evaluate(XPathContext(tree, variables=dict(variables)))
                result = {"name": name, "status": OK, "value": _convert(row, value, root, codes),
                          "reason": None, "reason_en": None}
            except Uncomputable as exc:
                result = _failed(name, exc.zh, exc.en)
            except (ElementPathError, ArithmeticError, TypeError, ValueError) as exc:
                result = _failed(name, f"表达式无法计算：{exc}", f"The expression failed: {exc}")
        done[name] = result
        if result["status"] == OK:
            variables[f"score__{name}"] = result["value"]
    return [done[r["name"]] for r in rows]
