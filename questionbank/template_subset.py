"""The common subset of jinja2's expression syntax, evaluated without compiling anything.

Compiling a template with jinja2 (lexer, parser, code generator, then Python's own
``compile``) takes about a millisecond, and a cold ``validate`` compiled the bank's 366
distinct texts and answers: half of its time. Nearly all of them use only arithmetic,
comparisons, ``x if c else y``, ``and``/``or``/``not``, lists and indexing, ``a.b`` on a
dict parameter, the math helpers and a few numeric filters. This module parses that subset
the way jinja2's parser does (filters bind tighter than ``**``; ``**`` groups from the left;
``-x ** 2`` is ``(-x) ** 2``) into a tree of small functions.

It never has the last word on an error. Syntax outside the subset gives ``None`` from the
parse functions, and anything unexpected while evaluating (an undefined name, a missing key,
a division by zero, a call to anything but a math helper) raises :class:`Unsupported`: the
caller then asks jinja2, whose value or error is the reference. So the subset can change
how fast an answer comes, not what it is, as long as its ordinary path computes what jinja2
computes; ``tests/test_template_subset.py`` checks that on every text of the bank and on
generated expressions. Nothing here can reach an attribute of a Python object: ``a.b``
reads a key of a plain dict and nothing else.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any


class Unsupported(Exception):
    """This text or value is left to jinja2."""


# (filter name, value, arguments) -> the filtered value
FilterCall = Callable[[str, Any, Sequence[Any]], Any]


class Scope:
    """What an expression can read: the parameters, then the math helpers (a parameter
    of the same name hides a helper, as in jinja2's context), and how to apply a filter."""

    # A plain class: a dataclass or Protocol here cost more to import than the module's
    # parsing saves on a small command.
    __slots__ = ("apply_filter", "helpers", "params")

    def __init__(
        self, params: Mapping[str, Any], helpers: Mapping[str, Any], apply_filter: FilterCall
    ) -> None:
        self.params, self.helpers, self.apply_filter = params, helpers, apply_filter


Node = Callable[[Scope], Any]

# jinja2 writes every operator of an expression as a parenthesised Python expression, and
# Python refuses more than 200 nested parentheses: an expression of more tokens than this
# (each node of the tree has one) is left to jinja2, so that it fails there as it would.
MAX_TOKENS = 150
# Filters whose result depends only on their arguments (no context, no autoescape).
FILTERS = frozenset({"abs", "float", "int", "max", "min", "round"})
# Names jinja2's parser treats as syntax, or its code generator as special (``self``).
_RESERVED = frozenset({"and", "or", "not", "in", "is", "if", "else", "self"})
_CONSTANTS = {"true": True, "false": False, "True": True, "False": False}
_NONE = frozenset({"none", "None"})
_DICT_ATTRIBUTES = frozenset(dir(dict))
_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
}
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
# A number must not run into a letter, digit or dot: jinja2 reads `1_000`, `0x1f` and
# `1.5.real` otherwise than "number, then something", so those are left to it. Digits are
# ASCII: jinja2's lexer matches other digits too, then fails on them.
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<float>(?:[0-9]+(?:\.[0-9]+)?[eE][-+]?[0-9]+|[0-9]+\.[0-9]+)(?![\w.]))
    | (?P<int>(?:0|[1-9][0-9]*)(?![\w.]))
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?!\w))
    | (?P<string>'[^'\\{}\r]*'|"[^"\\{}\r]*")
    | (?P<op>\*\*|//|==|!=|<=|>=|[-+*/%<>()\[\],.|])
    | (?P<end>\}\})
    )""",
    re.VERBOSE,
)


class Template:
    """Literal text and ``{{ expression }}`` parts, in order."""

    __slots__ = ("parts",)

    def __init__(self, parts: tuple[str | Node, ...]) -> None:
        self.parts = parts

    def __call__(self, scope: Scope) -> str:
        return "".join(part if isinstance(part, str) else str(part(scope)) for part in self.parts)


def parse_template(text: str) -> Template | None:
    """The template, or None when jinja2 must compile it."""
    # Blocks, comments and the newline rewriting jinja2 does are not in the subset.
    if "{%" in text or "{#" in text or "\r" in text or text.endswith("\n"):
        return None
    parts: list[str | Node] = []
    position = 0
    try:
        while (start := text.find("{{", position)) != -1:
            if text[start + 2 : start + 3] in ("-", "+"):
                return None  # whitespace control
            tokens = _Tokens(text, start + 2)
            node = _Parser(tokens).expression()
            if tokens.kind != "end":
                return None
            parts += [text[position:start], node]
            position = tokens.position
    except (Unsupported, RecursionError, ValueError):
        return None
    parts.append(text[position:])
    return Template(tuple(part for part in parts if part != ""))


def parse_expression(expression: str) -> Node | None:
    """An answer expression, or None when jinja2 must compile it."""
    try:
        tokens = _Tokens(expression, 0)
        node = _Parser(tokens).expression()
    except (Unsupported, RecursionError, ValueError):
        return None
    return node if tokens.kind == "eof" else None


class _Tokens:
    """The token stream of one expression, read from ``start`` to its end (``}}`` in a
    template, the end of the text for an answer)."""

    def __init__(self, text: str, start: int) -> None:
        self.text = text
        self.position = start
        self.count = 0
        self.kind = ""
        self.value = ""
        self.advance()

    def advance(self) -> None:
        if self.kind == "end":
            raise Unsupported("past the end of the expression")
        self.count += 1
        if self.count > MAX_TOKENS:
            raise Unsupported("a long expression")
        match = _TOKEN.match(self.text, self.position)
        if match is None:
            if self.text[self.position :].strip():
                raise Unsupported(f"unsupported syntax at {self.position}")
            self.kind, self.value, self.position = "eof", "", len(self.text)
            return
        self.kind = match.lastgroup or ""
        self.value = match.group(self.kind)
        self.position = match.end()

    def at(self, kind: str, value: str | None = None) -> bool:
        return self.kind == kind and (value is None or self.value == value)

    def take(self, kind: str, value: str | None = None) -> str:
        if not self.at(kind, value):
            raise Unsupported(f"expected {value or kind}, found {self.value or self.kind}")
        taken = self.value
        self.advance()
        return taken


class _Parser:
    """jinja2's expression grammar (``jinja2.parser.Parser.parse_condexpr`` downwards),
    one method per precedence level, with everything outside the subset refused."""

    def __init__(self, tokens: _Tokens) -> None:
        self.tokens = tokens

    def expression(self) -> Node:
        node = self._or()
        while self.tokens.at("name", "if"):
            self.tokens.advance()
            test = self._or()
            if not self.tokens.at("name", "else"):
                raise Unsupported("an inline if without else")  # jinja2 gives undefined
            self.tokens.advance()
            node = _conditional(test, node, self.expression())
        return node

    def _or(self) -> Node:
        return self._left_to_right("name", ("or",), self._and)

    def _and(self) -> Node:
        return self._left_to_right("name", ("and",), self._not)

    def _not(self) -> Node:
        if self.tokens.at("name", "not"):
            self.tokens.advance()
            return _negation(self._not())
        return self._compare()

    def _compare(self) -> Node:
        first = self._sum()
        rest: list[tuple[Callable[[Any, Any], Any], Node]] = []
        while self.tokens.at("op") and self.tokens.value in _COMPARE:
            compare = _COMPARE[self.tokens.value]
            self.tokens.advance()
            rest.append((compare, self._sum()))
        if self.tokens.at("name", "in") or self.tokens.at("name", "not"):
            raise Unsupported("'in' and 'not in'")
        return _comparison(first, tuple(rest)) if rest else first

    def _sum(self) -> Node:
        return self._left_to_right("op", ("+", "-"), self._product)

    def _product(self) -> Node:
        return self._left_to_right("op", ("*", "/", "//", "%"), self._power)

    def _power(self) -> Node:
        return self._left_to_right("op", ("**",), lambda: self._unary(with_filter=True))

    def _left_to_right(
        self, kind: str, symbols: tuple[str, ...], operand: Callable[[], Node]
    ) -> Node:
        """Operands joined by these operators, grouped from the left (``**`` too)."""
        node = operand()
        while self.tokens.at(kind) and self.tokens.value in symbols:
            node = _joined(self.tokens.take(kind), node, operand())
        return node

    def _unary(self, *, with_filter: bool) -> Node:
        if self.tokens.at("op", "-"):
            self.tokens.advance()
            node = _unary(operator.neg, self._unary(with_filter=False))
        elif self.tokens.at("op", "+"):
            self.tokens.advance()
            node = _unary(operator.pos, self._unary(with_filter=False))
        else:
            node = self._primary()
        node = self._postfix(node)
        if with_filter:
            while self.tokens.at("op", "|") or self.tokens.at("op", "("):
                if self.tokens.at("op", "("):
                    raise Unsupported("calling a filter's result")
                self.tokens.advance()
                node = self._filter(node)
            if self.tokens.at("name", "is"):
                raise Unsupported("tests")
        return node

    def _primary(self) -> Node:
        tokens = self.tokens
        if tokens.at("name"):
            name = tokens.take("name")
            if name in _CONSTANTS:
                return _constant(_CONSTANTS[name])
            if name in _NONE:
                return _constant(None)
            if name in _RESERVED:
                raise Unsupported(f"'{name}' as a value")
            if tokens.at("op", "("):
                return _call(name, self._arguments())
            return _name(name)
        if tokens.at("int"):
            return _constant(int(tokens.take("int")))
        if tokens.at("float"):
            value = float(tokens.take("float"))
            if not math.isfinite(value):
                raise Unsupported("a float literal too large")  # jinja2's code says `inf`
            return _constant(value)
        if tokens.at("string"):
            text = tokens.take("string")[1:-1]
            if tokens.at("string"):
                raise Unsupported("adjacent strings")
            return _constant(text)
        if tokens.at("op", "("):
            tokens.advance()
            node = self.expression()
            tokens.take("op", ")")  # a comma here would make a tuple
            return node
        if tokens.at("op", "["):
            return _list(self._items("[", "]"))
        raise Unsupported(f"unexpected {tokens.value or tokens.kind}")

    def _postfix(self, node: Node) -> Node:
        tokens = self.tokens
        while True:
            if tokens.at("op", "."):
                tokens.advance()
                attribute = tokens.take("name")  # `a.0` is an item in jinja2
                if attribute in _DICT_ATTRIBUTES:
                    raise Unsupported(f"'.{attribute}' is an attribute of dict")
                node = _key(node, attribute)
            elif tokens.at("op", "["):
                tokens.advance()
                index = self.expression()
                tokens.take("op", "]")  # slices and tuples are not in the subset
                node = _item(node, index)
            elif tokens.at("op", "("):
                raise Unsupported("calling anything but a math helper by name")
            else:
                return node

    def _filter(self, node: Node) -> Node:
        name = self.tokens.take("name")
        if name not in FILTERS:
            raise Unsupported(f"filter '{name}'")
        arguments = self._arguments() if self.tokens.at("op", "(") else ()
        return _filtered(name, node, arguments)

    def _arguments(self) -> tuple[Node, ...]:
        return self._items("(", ")")

    def _items(self, opening: str, closing: str) -> tuple[Node, ...]:
        """Comma-separated expressions, a trailing comma allowed (as jinja2 allows it).
        Keyword and star arguments are not in the subset: their syntax fails here."""
        self.tokens.take("op", opening)
        items: list[Node] = []
        while not self.tokens.at("op", closing):
            if items:
                self.tokens.take("op", ",")
                if self.tokens.at("op", closing):
                    break
            items.append(self.expression())
        self.tokens.take("op", closing)
        return tuple(items)


# The evaluating functions: one per kind of node. Each raises Unsupported (or lets
# Python's own error through) rather than guess at what jinja2 would do.


def _constant(value: Any) -> Node:
    return lambda scope: value


def _name(name: str) -> Node:
    def look_up(scope: Scope) -> Any:
        if name in scope.params:
            return scope.params[name]
        if name in scope.helpers:
            return scope.helpers[name]
        raise Unsupported(f"'{name}' is undefined")

    return look_up


def _call(name: str, arguments: tuple[Node, ...]) -> Node:
    def call(scope: Scope) -> Any:
        if name in scope.params or name not in scope.helpers:
            raise Unsupported(f"'{name}' is not a math helper")
        return scope.helpers[name](*(argument(scope) for argument in arguments))

    return call


def _key(node: Node, key: str) -> Node:
    def read(scope: Scope) -> Any:
        value = node(scope)
        if type(value) is not dict:
            raise Unsupported(f"'.{key}' of a {type(value).__name__}")
        return value[key]

    return read


def _item(node: Node, index: Node) -> Node:
    def read(scope: Scope) -> Any:
        value, key = node(scope), index(scope)
        if type(value) in (list, str) and type(key) is int:
            return value[key]
        if type(value) is dict and type(key) in (str, int):
            return value[key]
        raise Unsupported(f"item of a {type(value).__name__}")

    return read


def _filtered(name: str, node: Node, arguments: tuple[Node, ...]) -> Node:
    return lambda scope: scope.apply_filter(
        name, node(scope), [argument(scope) for argument in arguments]
    )


def _unary(apply: Callable[[Any], Any], node: Node) -> Node:
    return lambda scope: apply(node(scope))


def _binary(apply: Callable[[Any, Any], Any], left: Node, right: Node) -> Node:
    return lambda scope: apply(left(scope), right(scope))


def _joined(symbol: str, left: Node, right: Node) -> Node:
    if symbol == "or":
        return lambda scope: left(scope) or right(scope)
    if symbol == "and":
        return lambda scope: left(scope) and right(scope)
    return _binary(_BINARY[symbol], left, right)


def _comparison(first: Node, rest: tuple[tuple[Callable[[Any, Any], Any], Node], ...]) -> Node:
    def compare(scope: Scope) -> Any:
        # Python's chained comparison, as jinja2's generated code is: `a < b < c` stops
        # at the first false link and is that link's result.
        left = first(scope)
        result: Any = True
        for apply, node in rest:
            right = node(scope)
            result = apply(left, right)
            if not result:
                return result
            left = right
        return result

    return compare


def _conditional(test: Node, then: Node, otherwise: Node) -> Node:
    return lambda scope: then(scope) if test(scope) else otherwise(scope)


def _negation(node: Node) -> Node:
    return lambda scope: not node(scope)


def _list(items: tuple[Node, ...]) -> Node:
    return lambda scope: [item(scope) for item in items]
