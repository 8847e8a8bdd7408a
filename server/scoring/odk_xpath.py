"""An XPath 1.0 parser (elementpath) that also knows ODK's functions, and the checked
functions the scorer wraps around answers.

ODK functions: ``if(c, a, b)`` (evaluates only the branch taken), ``selected(a, 'v')``,
``count-selected(a)``, ``coalesce(a, b)`` and ``round(x, digits)``. The ``zf-*``
functions are never written by a designer (the sheet check refuses them); the
compiler (``compile.py``) puts them around answers used as numbers, around divisors
and around ``sum()`` over a repeat, so that an empty answer or a zero divisor stops
the row with a reason instead of turning into NaN or infinity.

elementpath allows one parser class per module, hence this module of its own.
"""
from __future__ import annotations

import math

from elementpath import XPath1Parser


class Uncomputable(Exception):
    """The row cannot be computed; ``zh`` and ``en`` say why."""

    def __init__(self, zh: str, en: str):
        super().__init__(zh)
        self.zh, self.en = zh, en


def missing(name: str) -> Uncomputable:
    return Uncomputable(f"缺少答案：{name}", f"Missing answer: {name}")


def not_number(name: str, value: str) -> Uncomputable:
    return Uncomputable(f"不是数字：{name}（“{value[:40]}”）", f"Not a number: {name} ({value[:40]!r})")


class ODKXPathParser(XPath1Parser):
    """XPath 1.0 with ODK's functions (see the module docstring)."""

    def parse(self, source: str):
        """Parse without elementpath's static evaluation, which folds constants and so would refuse
        ``if(${n} > 0, 1 div 0, 0)`` at upload; a zero divisor is a per-instance outcome here."""
        if self.tokenizer is None:
            self.tokenizer = self.create_tokenizer(self.symbol_table)
        root = super(XPath1Parser, self).parse(source)
        if root.label in ("sequence type", "function test"):
            raise root.error("XPST0003", "not allowed in XPath expression")
        return root


method = ODKXPathParser.method
function = ODKXPathParser.function
INTERNAL = ("zf-number", "zf-sum", "zf-divisor", "zf-mod")


def _ctx(token, context):
    return token.context or context


def _to_number(token, value) -> float:
    """XPath number(): '' and text are NaN."""
    return float(token.number_value(value))


@method(function("if", nargs=3))
def evaluate__if(self, context=None):
    ctx = _ctx(self, context)
    return self[1 if self.boolean_value(self[0].select(ctx)) else 2].evaluate(ctx)


@method(function("selected", nargs=2))
def evaluate__selected(self, context=None):
    ctx = _ctx(self, context)
    space = self.string_value(self.get_argument(ctx, index=0))
    return self.string_value(self.get_argument(ctx, index=1)).strip() in space.split()


@method(function("count-selected", nargs=1))
def evaluate__count_selected(self, context=None):
    return float(len(self.string_value(self.get_argument(_ctx(self, context), index=0)).split()))


@method(function("coalesce", nargs=2))
def evaluate__coalesce(self, context=None):
    ctx = _ctx(self, context)
    first = self.get_argument(ctx, index=0)
    if self.string_value(first) != "":
        return first
    return self[1].evaluate(ctx)


@method(function("round", nargs=(1, 2)))
def evaluate__round(self, context=None):
    """ODK's round(x, digits): half away from zero; XPath's round(x) when digits is absent."""
    ctx = _ctx(self, context)
    x = _to_number(self, self.get_argument(ctx, index=0))
    digits = int(_to_number(self, self.get_argument(ctx, index=1))) if len(self) > 1 else 0
    if math.isnan(x) or math.isinf(x):
        return x
    scale = 10.0 ** digits
    return math.copysign(math.floor(abs(x) * scale + 0.5), x) / scale


@method(function("zf-number", nargs=2))
def evaluate__zf_number(self, context=None):
    """An answer used as a number: empty → missing, text → not a number."""
    ctx = _ctx(self, context)
    name = self[1].value
    value = self.string_value(self.get_argument(ctx, index=0)).strip()
    if value == "":
        raise missing(name)
    number = _to_number(self, value)
    if math.isnan(number):
        raise not_number(name, value)
    return number


@method(function("zf-sum", nargs=2))
def evaluate__zf_sum(self, context=None):
    """sum() over a field of a repeat, refusing an empty or non-numeric entry (ODK would give NaN)."""
    ctx = _ctx(self, context)
    name = self[1].value
    total = 0.0
    for n, node in enumerate(self[0].select(ctx), start=1):
        value = self.string_value(node).strip()
        if value == "":
            raise Uncomputable(f"缺少答案：{name}（第 {n} 条）", f"Missing answer: {name} (entry {n})")
        number = _to_number(self, value)
        if math.isnan(number):
            raise not_number(f"{name}（第 {n} 条）", value)
        total += number
    return total


@method(function("zf-divisor", nargs=3))
def evaluate__zf_divisor(self, context=None):
    """A divisor: 0 stops the row, naming what was 0 (zh, en)."""
    ctx = _ctx(self, context)
    number = _to_number(self, self.get_argument(ctx, index=0))
    if number == 0:
        raise Uncomputable(f"{self[1].value}为 0", f"{self[2].value} is 0")
    return number


@method(function("zf-mod", nargs=2))
def evaluate__zf_mod(self, context=None):
    """XPath 1.0's mod: the remainder of truncating division (elementpath's follows Python's sign rule)."""
    ctx = _ctx(self, context)
    x = _to_number(self, self.get_argument(ctx, index=0))
    y = _to_number(self, self.get_argument(ctx, index=1))
    return math.nan if y == 0 or math.isnan(x) or math.isnan(y) or math.isinf(x) else math.fmod(x, y)


ODKXPathParser.build()
