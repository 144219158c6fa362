"""The syntax of contract rules: a small subset of CEL, parsed into an immutable tree.

Grammar (precedence from loosest to tightest)::

    expr    := or ('?' or ':' expr)?
    or      := and ('||' and)*
    and     := rel ('&&' rel)*
    rel     := sum (('==' | '!=' | '<' | '<=' | '>' | '>=') sum | 'in' list)?
    sum     := product (('+' | '-') product)*
    product := unary (('*' | '%') unary)*
    unary   := ('!' | '-') unary | postfix
    postfix := primary ('.' NAME ('(' args ')')?)*
    primary := INT | DOUBLE | STRING | 'true' | 'false' | 'null'
             | NAME '(' args ')' | NAME | '(' expr ')' | list
    list    := '[' (expr (',' expr)*)? ']'

``c ? a : b`` is CEL's conditional, right-associative (``a ? b : c ? d : e`` is
``a ? b : (c ? d : e)``). ``all`` and ``exists`` are CEL's macros: ``list.all(x, x > 0)`` binds
the fresh name ``x`` to each item in turn: their first argument is a name, not a value, and
they become a :class:`Comprehension` node, not a :class:`Call`.

Nothing here evaluates anything: the tree is type-checked and rendered to Python and Spark SQL
text by :mod:`codegen.rule_compile`. The source text is never
passed to ``eval``, Python or SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LENGTH = 2000
MAX_DEPTH = 40


class RuleSyntaxError(ValueError):
    """A rule expression that does not parse; the message gives the column."""


@dataclass(frozen=True, slots=True)
class Literal:
    """A constant: int, float, str, bool or None."""

    value: int | float | str | bool | None


@dataclass(frozen=True, slots=True)
class Name:
    """An identifier: ``value``, ``now`` or a field name."""

    name: str


@dataclass(frozen=True, slots=True)
class Member:
    """``target.name``: a field of a record."""

    target: Node
    name: str


@dataclass(frozen=True, slots=True)
class Call:
    """``name(args)`` (``target`` is None) or ``target.name(args)``."""

    name: str
    target: Node | None
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Unary:
    """``!x`` or ``-x``."""

    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    """``left op right`` for the logical, comparison and arithmetic operators and ``in``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class ListLiteral:
    """``[a, b, ...]`` (only on the right of ``in``)."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Conditional:
    """``condition ? then : otherwise``."""

    condition: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Comprehension:
    """``target.all(variable, predicate)`` or ``target.exists(variable, predicate)``."""

    name: str
    target: Node
    variable: str
    predicate: Node


Node = Literal | Name | Member | Call | Unary | Binary | ListLiteral | Conditional | Comprehension

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<double>\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)
  | (?P<int>\d+)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>&&|\|\||==|!=|<=|>=|[<>!+\-*%().,\[\]?:])
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"'}
_KEYWORDS = {"true": True, "false": False, "null": None}
_COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")
_MACROS = ("all", "exists")


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    column: int


def _tokens(text: str) -> list[_Token]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise RuleSyntaxError(f"column {position + 1}: unexpected {text[position]!r}")
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group(), position + 1))
        position = match.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


def _unquote(token: _Token) -> str:
    body, out, i = token.text[1:-1], [], 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        escape = body[i + 1]
        if escape in _ESCAPES:
            out.append(_ESCAPES[escape])
            i += 2
        elif escape == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2 : i + 6]):
            code = int(body[i + 2 : i + 6], 16)
            if 0xD800 <= code <= 0xDFFF:
                raise RuleSyntaxError(f"column {token.column}: \\u{code:04x} is a lone surrogate")
            out.append(chr(code))
            i += 6
        else:
            raise RuleSyntaxError(f"column {token.column}: unknown escape \\{escape}")
    return "".join(out)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def take(self, *texts: str) -> _Token | None:
        if self.token.kind in ("op", "name") and self.token.text in texts:
            self.index += 1
            return self.tokens[self.index - 1]
        return None

    def expect(self, text: str) -> None:
        if self.take(text) is None:
            found = self.token.text or "the end"
            raise RuleSyntaxError(f"column {self.token.column}: expected {text!r}, found {found!r}")

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise RuleSyntaxError(f"column {self.token.column}: nested deeper than {MAX_DEPTH}")

    def expr(self) -> Node:
        self.nested()
        node = self.disjunction()
        if self.take("?"):
            then = self.disjunction()
            self.expect(":")
            node = Conditional(node, then, self.expr())
        self.depth -= 1
        return node

    def disjunction(self) -> Node:
        node = self.conjunction()
        while self.take("||"):
            node = Binary("||", node, self.conjunction())
        return node

    def conjunction(self) -> Node:
        node = self.relation()
        while self.take("&&"):
            node = Binary("&&", node, self.relation())
        return node

    def relation(self) -> Node:
        node = self.sum()
        if op := self.take(*_COMPARISONS):
            return Binary(op.text, node, self.sum())
        if self.take("in"):
            column = self.token.column
            right = self.primary()
            if not isinstance(right, ListLiteral):
                raise RuleSyntaxError(f"column {column}: 'in' takes a list such as ['a', 'b']")
            return Binary("in", node, right)
        return node

    def sum(self) -> Node:
        node = self.product()
        while op := self.take("+", "-"):
            node = Binary(op.text, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while op := self.take("*", "%"):
            node = Binary(op.text, node, self.unary())
        return node

    def unary(self) -> Node:
        if op := self.take("!", "-"):
            self.nested()
            operand = self.unary()
            self.depth -= 1
            if op.text == "-" and isinstance(operand, Literal) and _is_number(operand.value):
                return Literal(-operand.value)  # type: ignore[operator]
            return Unary(op.text, operand)
        return self.postfix()

    def postfix(self) -> Node:
        node = self.primary()
        while self.take("."):
            column = self.token.column
            name = self.name()
            if not self.take("("):
                node = Member(node, name)
            elif name in _MACROS:
                node = self.macro(name, node, column)
            else:
                node = Call(name, node, self.args())
        return node

    def macro(self, name: str, target: Node, column: int) -> Comprehension:
        """The rest of ``target.all(`` or ``target.exists(``: a variable name, a predicate."""
        args = self.args()
        if len(args) != 2 or not isinstance(args[0], Name):
            raise RuleSyntaxError(
                f"column {column}: {name}() takes a name for each item and a condition on it, "
                f"as in list.{name}(x, x > 0)"
            )
        return Comprehension(name, target, args[0].name, args[1])

    def name(self) -> str:
        token = self.token
        if token.kind != "name" or token.text in _KEYWORDS or token.text == "in":
            raise RuleSyntaxError(f"column {token.column}: expected a name, found {token.text!r}")
        self.index += 1
        return token.text

    def args(self) -> tuple[Node, ...]:
        """Arguments after an opening parenthesis, through the closing one."""
        items: list[Node] = []
        if not self.take(")"):
            items.append(self.expr())
            while self.take(","):
                items.append(self.expr())
            self.expect(")")
        return tuple(items)

    def primary(self) -> Node:
        token = self.token
        if token.kind == "int":
            self.index += 1
            return Literal(int(token.text))
        if token.kind == "double":
            self.index += 1
            return Literal(float(token.text))
        if token.kind == "string":
            self.index += 1
            return Literal(_unquote(token))
        if token.kind == "name" and token.text in _KEYWORDS:
            self.index += 1
            return Literal(_KEYWORDS[token.text])
        if token.kind == "name":
            name = self.name()
            return Call(name, None, self.args()) if self.take("(") else Name(name)
        if self.take("("):
            node = self.expr()
            self.expect(")")
            return node
        if self.take("["):
            items: list[Node] = []
            if not self.take("]"):
                items.append(self.expr())
                while self.take(","):
                    items.append(self.expr())
                self.expect("]")
            return ListLiteral(tuple(items))
        found = token.text or "the end of the expression"
        raise RuleSyntaxError(f"column {token.column}: unexpected {found!r}")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_rule(text: str) -> Node:
    """The tree of one rule expression, or ``RuleSyntaxError`` saying where it goes wrong."""
    if not text.strip():
        raise RuleSyntaxError("empty expression")
    if len(text) > MAX_LENGTH:
        raise RuleSyntaxError(f"longer than {MAX_LENGTH} characters")
    parser = _Parser(text)
    node = parser.expr()
    if parser.token.kind != "end":
        raise RuleSyntaxError(
            f"column {parser.token.column}: unexpected {parser.token.text!r} after the expression"
        )
    return node
