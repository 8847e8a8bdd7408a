"""A scoring expression (XLSForm syntax) → XPath 1.0, checked, and compiled for evaluation.

``translate`` substitutes the references — ``${field}`` by the field's absolute path
in the instance (inside a repeat: the node-set, for ``count()`` and ``sum()``),
``${score:x}`` by ``$score__x`` and ``${param:x}`` by ``$param__x`` — parses the
result with elementpath and reports what can be known without an instance.
``compile_xpath`` parses a stored translation again and wraps the checked functions of
``odk_xpath`` around answers used as numbers, divisors and ``sum()`` over a repeat.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from elementpath.exceptions import ElementPathError

from server.scoring.fields import Field
from server.scoring.odk_xpath import INTERNAL, ODKXPathParser

REF = re.compile(r"\$\{([^}]*)\}")
PARAMS = ("poverty_line", "year")
ARITHMETIC = {"+", "-", "*", "div", "mod"}
RELATIONAL = {"<", "<=", ">", ">="}
EQUALITY = {"=", "!="}
BOOLEAN_FUNCS = {"not", "true", "false", "selected", "boolean", "contains", "starts-with"}
NUMBER_FUNCS = {"count", "sum", "count-selected", "number", "round", "floor", "ceiling", "string-length",
                "zf-number", "zf-sum", "zf-divisor"}
STRING_FUNCS = {"concat", "string", "substring", "substring-before", "substring-after", "normalize-space",
                "translate"}
FUNCTIONS = BOOLEAN_FUNCS | NUMBER_FUNCS | STRING_FUNCS | {"if", "coalesce"}
PATH_SYMBOLS = {"(name)", "/", "//", ".", "..", "@", "[", "::", "*"}
NUMBER_LITERALS = {"(integer)", "(decimal)", "(float)"}
UNKNOWN_VAR = "zf_unknown"


@dataclass
class Translation:
    xpath: str = ""
    paths: dict[str, str] = field(default_factory=dict)  # absolute path → field name
    scores: list[str] = field(default_factory=list)
    params: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (zh, en)


def parse(xpath: str):
    return ODKXPathParser().parse(xpath)


def inner(tok):
    """Look through parentheses."""
    while tok.symbol == "(" and len(tok) == 1:
        tok = tok[0]
    return tok


def var_name(tok) -> str | None:
    tok = inner(tok)
    return tok[0].value if tok.symbol == "$" and len(tok) else None


def kind(tok, score_kinds: dict[str, str]) -> str:
    """number | boolean | string | field | unknown — the static type of an expression."""
    tok = inner(tok)
    s = tok.symbol
    if s in NUMBER_LITERALS or s in ARITHMETIC or s in NUMBER_FUNCS:
        return "number"
    if s in RELATIONAL or s in EQUALITY or s in ("and", "or") or s in BOOLEAN_FUNCS:
        return "boolean"
    if s == "(string)" or s in STRING_FUNCS:
        return "string"
    if s == "$":
        name = var_name(tok) or ""
        if name.startswith("param__"):
            return "number"
        return score_kinds.get(name.removeprefix("score__"), "unknown")
    if s == "if":
        a, b = kind(tok[1], score_kinds), kind(tok[2], score_kinds)
        return a if a == b else "unknown"
    if s == "/" and not tok.source.startswith("/"):
        return "unknown"
    return "field" if s == "/" else "unknown"


def numeric_operands(tok, score_kinds: dict[str, str]) -> list[int]:
    """Indexes of the children of ``tok`` that XPath turns into numbers."""
    s = tok.symbol
    if (s in ARITHMETIC and len(tok) in (1, 2)) or s in RELATIONAL:
        return list(range(len(tok)))
    if s in EQUALITY and len(tok) == 2:
        return [i for i in (0, 1) if kind(tok[1 - i], score_kinds) == "number"]
    return []


def _unknown_variable(prefix: str, name: str) -> tuple[str, str]:
    if prefix == "score":
        return (f"${{score:{name}}} 不是本行之前的评分行（评分行只能引用上方已定义的行）",
                f"${{score:{name}}} is not a scoring row above this one")
    return (f"未知的参数 ${{param:{name}}}（可用：{'、'.join(PARAMS)}）",
            f"Unknown parameter ${{param:{name}}} (known: {', '.join(PARAMS)})")


def translate(expression: str, fields: dict[str, list[Field]], scores: dict[str, str]) -> Translation:
    """``scores``: the rows above this one, name → type. Problems are collected, not raised."""
    out = Translation()

    def substitute(m: re.Match) -> str:
        ref = m.group(1).strip()
        prefix, colon, name = ref.partition(":")
        if colon and prefix in ("score", "param"):
            name = name.strip()
            if name not in (scores if prefix == "score" else PARAMS):
                out.problems.append(_unknown_variable(prefix, name))
                return "$" + UNKNOWN_VAR
            (out.scores if prefix == "score" else out.params).append(name)
            return f"${prefix}__{name}"
        found = fields.get(ref, [])
        if len(found) != 1:
            out.problems.append((f"survey 表中没有名为“{ref}”的问题" if not found else f"问题名称“{ref}”不唯一，无法引用",
                                 f"No question named {ref!r} in the survey" if not found
                                 else f"The question name {ref!r} is not unique"))
            return "$" + UNKNOWN_VAR
        out.paths[found[0].path] = ref
        return found[0].path

    for name in re.findall(r"([A-Za-z][\w.-]*)\s*\(", REF.sub("x", expression)):
        if name in INTERNAL or (name not in FUNCTIONS and name not in ("and", "or", "div", "mod")):
            out.problems.append((f"不支持的函数 {name}()", f"Unsupported function {name}()"))
    out.xpath = REF.sub(substitute, expression)
    out.scores, out.params = list(dict.fromkeys(out.scores)), list(dict.fromkeys(out.params))
    if out.problems:
        return out
    try:
        tree = parse(out.xpath)
    except (ElementPathError, ValueError, TypeError, SyntaxError) as exc:
        text = re.sub(r"\[err:\w+\]\s*", "", str(exc))
        out.problems.append((f"表达式语法错误：{text}", f"Syntax error: {text}"))
        return out
    by_path = {f.path: f for fs in fields.values() for f in fs}
    _check_tree(tree, None, out, by_path, {k: _kind_of(v) for k, v in scores.items()})
    return out


def _kind_of(row_type: str) -> str:
    return {"number": "number", "boolean": "boolean", "grade": "string"}.get(row_type, "unknown")


def _check_tree(tok, parent, out: Translation, by_path: dict[str, Field], score_kinds: dict[str, str]) -> None:
    if tok.symbol == "/" and tok.source in out.paths:
        f = by_path[tok.source]
        up = parent.symbol if parent is not None else None
        if f.is_repeat and up != "count":
            out.problems.append((f"重复组 ${{{f.name}}} 只能用在 count() 中", f"The repeat ${{{f.name}}} may only be "
                                 "used inside count()"))
        elif f.repeat and up not in ("sum", "count"):
            out.problems.append((f"重复组中的问题 ${{{f.name}}} 只能用在 sum() 或 count() 中",
                                 f"${{{f.name}}} is inside a repeat: use it only inside sum() or count()"))
        return
    if tok.symbol == "$":
        return
    if tok.symbol in PATH_SYMBOLS and not (tok.symbol == "*" and len(tok) == 2):
        out.problems.append((f"只能用 ${{…}} 引用问题：“{tok.source}”", f"Refer to questions as ${{…}}: {tok.source!r}"))
        return
    for i in numeric_operands(tok, score_kinds) if tok.symbol in ARITHMETIC else []:
        f = by_path.get(inner(tok[i]).source) if inner(tok[i]).symbol == "/" else None
        if f is not None and f.is_text_question:
            out.problems.append((f"类型不符：${{{f.name}}} 是文本题，不能参与算术运算（{tok.symbol}）",
                                 f"Type mismatch: ${{{f.name}}} is a text question, used in arithmetic ({tok.symbol})"))
    for child in tok:
        _check_tree(child, tok, out, by_path, score_kinds)


# ---- compiling for evaluation ------------------------------------------------------------

def compile_xpath(xpath: str, paths: dict[str, dict], labels: dict[str, tuple[str, str]],
                  score_kinds: dict[str, str], numeric: bool = False):
    """Parse and wrap: ``paths`` is path → {"name", "repeat"}; ``labels`` score name → (zh, en) for divisors.

    Where a value is used as a number (an operand of arithmetic or of a numeric comparison, the branches
    of an ``if`` so used, the whole expression of a ``number`` row when ``numeric``) an answer must hold
    a number: fields and ``coalesce()`` are wrapped in ``zf-number``. Divisors get ``zf-divisor``,
    ``sum()`` over a repeat ``zf-sum`` and ``mod`` becomes ``zf-mod``."""
    parser = ODKXPathParser()

    def make(symbol, children):
        tok = parser.symbol_table[symbol](parser)
        tok[:] = children
        return tok

    def string(value):
        return parser.symbol_table["(string)"](parser, value)

    def field_of(tok):
        tok = inner(tok)
        return paths.get(tok.source) if tok.symbol == "/" else None

    def divisor_label(tok) -> tuple[str, str]:
        name = var_name(tok)
        if name and name.startswith("score__"):
            return labels.get(name[7:], (name[7:], name[7:]))
        f = field_of(tok)
        return (f["name"], f["name"]) if f else (tok.source, tok.source)

    def checked(tok, as_number: bool):
        if tok.symbol == "(" and len(tok) == 1:
            tok[0] = checked(tok[0], as_number)
            return tok
        f = field_of(tok)
        if f is not None:
            return make("zf-number", [tok, string(f["name"])]) if as_number and not f.get("repeat") else tok
        if tok.symbol == "sum" and len(tok) == 1 and field_of(tok[0]):
            return make("zf-sum", [tok[0], string(field_of(tok[0])["name"])])
        if tok.symbol == "if" and as_number and len(tok) == 3:
            tok[:] = [checked(tok[0], False), checked(tok[1], True), checked(tok[2], True)]
            return tok
        if tok.symbol == "coalesce" and as_number and len(tok) == 2:
            tok[:] = [checked(tok[0], False), checked(tok[1], True)]
            first = field_of(tok[0])
            return make("zf-number", [tok, string(first["name"] if first else tok[0].source)])
        operands = numeric_operands(tok, score_kinds)
        tok[:] = [checked(child, i in operands) for i, child in enumerate(list(tok))]
        if tok.symbol in ("div", "mod") and len(tok) == 2:
            zh, en = divisor_label(tok[1])
            tok[1] = make("zf-divisor", [tok[1], string(zh), string(en)])
        if tok.symbol == "mod" and len(tok) == 2:  # XPath 1.0's truncating remainder
            return make("zf-mod", list(tok))
        return tok

    return checked(parser.parse(xpath), numeric)
