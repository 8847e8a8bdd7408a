"""Property: the XPath evaluator agrees with a plain Python reference on random expressions.

Expressions are generated as a small AST over three decimal questions (a, b, c), a select_one (s) and a
select_multiple (m); the AST is printed in XLSForm syntax for the engine and computed directly here.
The reference follows the documented semantics (docs/instruments.md): an empty or non-numeric answer used
as a number (an operand of arithmetic or of a comparison, a branch of an if() so used, the value of a number
row) stops the row, and so does a zero divisor; coalesce() replaces an empty answer; mod truncates.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st
from pyxform.xls2xform import convert

from server.forms.workbook import WorkbookRows
from server.scoring.evaluate import evaluate
from server.scoring.sheet import read_scoring
from tests.forms.conftest import xlsform

SURVEY = [["type", "name", "label"], ["decimal", "a", "A"], ["decimal", "b", "B"], ["decimal", "c", "C"],
          ["select_one abc", "s", "S"], ["select_multiple abc", "m", "M"]]
CHOICES = [["list_name", "name", "label"], ["abc", "x", "X"], ["abc", "y", "Y"], ["abc", "z", "Z"]]
XFORM = convert(xlsform=xlsform(survey=SURVEY, choices=CHOICES), file_type=".xlsx", validate=False).xform
NUMERIC = ("a", "b", "c")


class Stop(Exception):
    """The reference's "cannot be computed"."""


@dataclass(frozen=True)
class Node:
    op: str
    args: tuple = ()


# ---- generating ------------------------------------------------------------------------------

literals = st.one_of(st.integers(0, 12).map(str), st.sampled_from(["0.5", "2.5", "1.25"])).map(lambda v: Node("lit", (v,)))
fields = st.sampled_from(NUMERIC).map(lambda f: Node("field", (f,)))
leaves = st.one_of(literals, fields,
                   st.tuples(st.sampled_from(NUMERIC), literals).map(lambda t: Node("coalesce", t)),
                   st.just(Node("count_selected")))


def _numbers(children):
    return st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*", "div", "mod"]), children, children)
        .map(lambda t: Node("arith", t)),
        st.tuples(st.deferred(lambda: booleans), children, children).map(lambda t: Node("if", t)))


numbers = st.recursive(leaves, _numbers, max_leaves=8)
# Comparisons keep a number-typed left side (arithmetic, a literal or count-selected), so = and != compare
# numbers (as XPath does when one side is a number) rather than strings.
numeric_left = st.one_of(literals, st.just(Node("count_selected")),
                         st.tuples(st.sampled_from(["+", "-", "*"]), numbers, numbers).map(lambda t: Node("arith", t)))
comparisons = st.tuples(st.sampled_from(["<", "<=", ">", ">=", "=", "!="]), numeric_left, numbers) \
    .map(lambda t: Node("cmp", t))
choice_tests = st.one_of(st.sampled_from("xyz").map(lambda v: Node("is", (v,))),
                         st.sampled_from("xyz").map(lambda v: Node("selected", (v,))))
booleans = st.recursive(st.one_of(comparisons, choice_tests), lambda inner: st.one_of(
    st.tuples(st.sampled_from(["and", "or"]), inner, inner).map(lambda t: Node("logic", t)),
    inner.map(lambda b: Node("not", (b,)))), max_leaves=5)

number_answers = st.one_of(st.none(), st.just(""), st.integers(-5, 20).map(str),
                           st.sampled_from(["2.5", "0.25", "abc", "0"]))
answers = st.fixed_dictionaries({"a": number_answers, "b": number_answers, "c": number_answers,
                                 "s": st.sampled_from([None, "", "x", "y"]),
                                 "m": st.sampled_from([None, "", "x", "x y", "y z x"])})


# ---- printing (XLSForm syntax) -----------------------------------------------------------------

def show(n: Node) -> str:
    if n.op == "lit":
        return n.args[0]
    if n.op == "field":
        return "${%s}" % n.args[0]
    if n.op == "coalesce":
        return "coalesce(${%s}, %s)" % (n.args[0], show(n.args[1]))
    if n.op == "count_selected":
        return "count-selected(${m})"
    if n.op in ("arith", "cmp", "logic"):
        op, left, right = n.args
        return f"({show(left)} {op} {show(right)})"
    if n.op == "if":
        return "if(%s, %s, %s)" % tuple(show(a) for a in n.args)
    if n.op == "is":
        return "${s} = '%s'" % n.args[0]
    if n.op == "selected":
        return "selected(${m}, '%s')" % n.args[0]
    return "not(%s)" % show(n.args[0])


# ---- the reference -----------------------------------------------------------------------------

def number(n: Node, env: dict) -> float:
    """A value used as a number: a field (or a coalesce() of one) must hold a number, a divisor not be 0."""
    if n.op == "lit":
        return float(n.args[0])
    if n.op in ("field", "coalesce"):
        text = (env[n.args[0]] or "").strip()
        if text == "" and n.op == "coalesce":
            return number(n.args[1], env)
        try:
            return float(text)
        except ValueError:
            raise Stop(n.args[0]) from None
    if n.op == "count_selected":
        return float(len((env["m"] or "").split()))
    if n.op == "if":
        return number(n.args[1] if boolean(n.args[0], env) else n.args[2], env)
    op, left, right = n.args
    x, y = number(left, env), number(right, env)
    if op in ("div", "mod") and y == 0:
        raise Stop("divisor")
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "div":
        return x / y
    return math.fmod(x, y)


def boolean(n: Node, env: dict) -> bool:
    if n.op == "is":
        return (env["s"] or "") == n.args[0]
    if n.op == "selected":
        return n.args[0] in (env["m"] or "").split()
    if n.op == "not":
        return not boolean(n.args[0], env)
    op, left, right = n.args
    if op == "and":
        return boolean(left, env) and boolean(right, env)
    if op == "or":
        return boolean(left, env) or boolean(right, env)
    x, y = number(left, env), number(right, env)
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y, "=": x == y, "!=": x != y}[op]


def reference(kind: str, tree: Node, env: dict):
    """("ok", value) or ("uncomputable", None)."""
    try:
        if kind == "boolean":
            return "ok", boolean(tree, env)
        value = number(tree, env)
    except Stop:
        return "uncomputable", None
    return ("uncomputable", None) if math.isnan(value) or math.isinf(value) else ("ok", value)


# ---- the engine ----------------------------------------------------------------------------------

def engine(kind: str, expression: str, env: dict):
    rows = WorkbookRows({"scoring": [(2, {"name": "r", "type": kind, "expression": expression})]})
    definition, problems = read_scoring(rows, XFORM)
    assert not problems, (expression, problems)
    leaves = "".join(f"<{k}>{v}</{k}>" for k, v in env.items() if v is not None)
    xml = f'<data id="visit">{leaves}<meta><instanceID>uuid:x</instanceID></meta></data>'.encode()
    [row] = evaluate(definition, xml, {}, {})
    return row


@settings(max_examples=400, deadline=None)
@given(tree=numbers, env=answers)
def test_number_rows_agree_with_the_reference(tree, env):
    expression = show(tree)
    row = engine("number", expression, env)
    status, value = reference("number", tree, env)
    assert row["status"] == status, (expression, env, row)
    if status == "ok":
        assert math.isclose(row["value"], value, rel_tol=1e-9, abs_tol=1e-9), (expression, env, row, value)
    else:
        assert row["reason"] and row["value"] is None


@settings(max_examples=400, deadline=None)
@given(tree=booleans, env=answers)
def test_boolean_rows_agree_with_the_reference(tree, env):
    expression = show(tree)
    row = engine("boolean", expression, env)
    assert (row["status"], row["value"]) == reference("boolean", tree, env), (expression, env, row)
