"""A contract's rules and personal-data tags in the form Confluent's tools read: a data contract.

The contract's own ``x-rules`` (:mod:`codegen.rule_set`) stay the source of truth. A registry
keeps them only as an opaque property of the schema, so Confluent's serializers, Control Center
and non-Python producers see no rules. This module writes, from the same parsed trees, what
Confluent's Schema Registry stores next to a schema version (``docs/contract-rules.md``, "Rules
Confluent tools can read"):

- ``ruleSet.domainRules``: one ``CONDITION`` rule of type ``CEL`` per written rule, run by
  Confluent's clients when they write and when they read (``WRITEREAD``); a record breaking it
  goes to the contract's DLQ (``onFailure: DLQ`` with the ``dlq.topic`` parameter);
- ``metadata.tags``: the ``x-pii`` fields as ``{"<record full name>.<field>": ["PII"]}``, the
  paths Confluent matches field tags against.

CEL is written from each rule's tree (:func:`codegen.rule_syntax.parse_rule`), never copied from
its text: a field rule's ``value`` becomes ``message.<field path>``, a record rule's names
``message.<record path>.<name>``, and every literal is rendered again. Where this language is
three-valued (a null field makes a comparison unknown, and an unknown rule lets the record
through), CEL fails; so each comparison reading an optional field is guarded,
``type(message.x) == null_type || comparison``: Confluent's form never fails a record the
project's own checks accept and, with an optional field null, may let through one they refuse.
A rule with no faithful CEL form (``now``, dates, ``null`` as any other operand, a pattern the
executors read differently) is left out and reported with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from codegen.errors import SchemaError
from codegen.model import Array, AvroType, Map, Primitive, Record, Union, unwrap_nullable
from codegen.parse import load_json, parse_document
from codegen.rule_compile import (
    RuleError,
    RuleType,
    Scope,
    Variable,
    avro_rule_type,
    compile_node,
    parse_duration,
)
from codegen.rule_set import RULES_PROPERTY
from codegen.rule_syntax import (
    Binary,
    Call,
    Comprehension,
    Conditional,
    ListLiteral,
    Literal,
    Member,
    Name,
    Node,
    RuleSyntaxError,
    Unary,
    parse_rule,
)
from contract.pii import PII_PROPERTY
from contract.rules import RuleMode

MESSAGE = "message"
"""The name Confluent's CEL executors give the whole record."""
PII_TAG = "PII"
DLQ_PARAM = "dlq.topic"
"""The parameter naming the topic of Confluent's ``DLQ`` rule action."""
_ON_FAILURE = {RuleMode.DLQ: "DLQ", RuleMode.WARN: "NONE", RuleMode.OFF: "DLQ"}
"""A ``warn`` rule lets the record through (Confluent's ``NONE``: it has no counting action);
an ``off`` rule keeps its action and is sent ``disabled``."""
_CEL_RESERVED = frozenset(
    {
        *("as", "break", "const", "continue", "else", "false", "for", "function", "if"),
        *("import", "in", "let", "loop", "namespace", "null", "package", "return", "true"),
        *("var", "void", "while"),
    }
)
"""Words CEL accepts neither as a name nor after a dot."""
_MAP_KEY = Primitive("string")
"""What ``all()``/``exists()`` range over on a map: its keys."""

NOW_REASON = (
    "uses now, which only recent Confluent clients bind (Java schema-rules 8.0.6 on): an older "
    "one cannot compile the rule and fails every record"
)
DATES_REASON = "uses date(), today or age(): CEL has no date type"
NULL_REASON = "uses null other than in '== null' or '!= null': CEL fails where the rule is unknown"
UNANCHORED_REASON = (
    "its pattern is not anchored as '^...$' (without a top-level '|'): Confluent's Java executor "
    "matches the whole text, the other CEL executors search in it"
)
CATEGORY_REASON = (
    "its pattern uses a Unicode category (\\p{...}), which Python's re, in Confluent's Python "
    "client, does not know"
)
NULLABLE_ITEM_REASON = (
    "it reads a list item, or a field of one, that may be null: CEL fails where the rule is unknown"
)
_UNSEEN_KINDS = {
    "date": "an Avro date (a day number to Confluent's clients; CEL has no dates)",
    "time": "an Avro time of day (a number to Confluent's clients)",
    "local_timestamp": "a local timestamp (CEL's timestamps are instants)",
    "decimal": "a decimal (bytes to Confluent's CEL, not a number)",
}
"""Field types whose values Confluent's CEL executors do not see as this language does."""


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A written rule with no faithful Confluent form: its name, where it is, and why."""

    rule: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.field}): {self.reason}"


@dataclass(frozen=True, slots=True)
class ConfluentRules:
    """A contract's Confluent data contract: the ``ruleSet`` and ``metadata`` fields of
    ``POST /subjects/{subject}/versions``, and the written rules left out of the rule set."""

    rule_set: dict[str, Any]
    metadata: dict[str, Any]
    left_out: tuple[LeftOut, ...] = ()

    @property
    def rule_names(self) -> tuple[str, ...]:
        return tuple(str(rule["name"]) for rule in self.rule_set["domainRules"])

    @property
    def tagged_fields(self) -> tuple[str, ...]:
        """The keys of ``metadata.tags``: ``<record full name>.<field>``."""
        return tuple(self.metadata["tags"])


def confluent_rule_set(contract: Record | Path, dlq_topic: str) -> ConfluentRules:
    """The Confluent data contract of ``contract`` (a parsed record or an ``.avsc`` file), its
    rules dead-lettering to ``dlq_topic``. A rule that does not parse or type-check raises
    ``SchemaError`` naming the file, the field and the rule, as codegen does."""
    top = contract if isinstance(contract, Record) else _load(contract)
    rules: list[dict[str, Any]] = []
    left_out: list[LeftOut] = []
    for written in _written(top, top, ()):
        try:
            expr = _Rendering(written.scope).rule(written.tree)
        except _InexpressibleError as reason:
            left_out.append(LeftOut(written.name, written.field, str(reason)))
            continue
        except RuleError as exc:
            raise SchemaError(written.source, written.where, str(exc)) from None
        rules.append(_domain_rule(written, expr, dlq_topic))
    return ConfluentRules({"domainRules": rules}, {"tags": _pii_tags(top)}, tuple(left_out))


def _load(path: Path) -> Record:
    return parse_document(load_json(path, str(path)), str(path))


# -- the written rules, in the order both ends check them ------------------------------------------


@dataclass(frozen=True, slots=True)
class _Written:
    name: str
    field: str
    message: str
    mode: RuleMode
    tree: Node
    scope: Scope
    source: str
    where: str


def _written(top: Record, record: Record, base: tuple[str, ...]) -> Iterator[_Written]:
    """Depth-first as :func:`codegen.rule_set.compile_rules` walks: a nested record's rules at
    its field's position, then the field's own; each record's rules after its fields."""
    for f in record.fields:
        path = (*base, f.name)
        inner, _ = unwrap_nullable(f.type)
        if isinstance(inner, Record):
            yield from _written(top, inner, path)
        raw = f.props.get(RULES_PROPERTY)
        yield from _rules(raw, Scope(top, base, path, {}), record.source, path)
    raw = record.props.get(RULES_PROPERTY)
    # a record rule is reported on its record: the field path of a nested one, the top's name
    yield from _rules(raw, Scope(top, base, None, {}), record.source, base or (top.name,))


def _rules(raw: object, scope: Scope, source: str, path: tuple[str, ...]) -> Iterator[_Written]:
    if raw is None:
        return
    where = f"{scope.top.fullname}.{'.'.join(path)}"
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise SchemaError(source, where, f"{RULES_PROPERTY} must be a list of rule objects")
    for item in raw:
        name = str(item.get("name"))
        at = f"{where}: rule {name}"
        try:
            tree = parse_rule(str(item.get("expr")))
            mode = RuleMode(item.get("mode", RuleMode.DLQ))
        except (RuleSyntaxError, ValueError) as exc:
            raise SchemaError(source, at, str(exc)) from None
        message = str(item.get("message"))
        yield _Written(name, ".".join(path), message, mode, tree, scope, source, at)


def _domain_rule(written: _Written, expr: str, dlq_topic: str) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "name": written.name,
        "kind": "CONDITION",
        "type": "CEL",
        "mode": "WRITEREAD",
        "expr": expr,
        "onFailure": _ON_FAILURE[written.mode],
        "params": {DLQ_PARAM: dlq_topic},
        "doc": written.message,
    }
    if written.mode is RuleMode.OFF:
        rule["disabled"] = True
    return rule


# -- personal data ---------------------------------------------------------------------------------


def _pii_tags(top: Record) -> dict[str, list[str]]:
    """``{"<record full name>.<field>": ["PII"]}`` for the ``x-pii`` fields of every record
    reachable from ``top``, sorted (a record used twice is one key, as in Confluent's paths)."""
    tags = {
        f"{record.fullname}.{f.name}": [PII_TAG]
        for record in _records(top, set())
        for f in record.fields
        if f.props.get(PII_PROPERTY) is True
    }
    return dict(sorted(tags.items()))


def _records(t: AvroType, seen: set[str]) -> Iterator[Record]:
    if isinstance(t, Union):
        for branch in t.branches:
            yield from _records(branch, seen)
    elif isinstance(t, Array):
        yield from _records(t.items, seen)
    elif isinstance(t, Map):
        yield from _records(t.values, seen)
    elif isinstance(t, Record) and t.fullname not in seen:
        seen.add(t.fullname)
        yield t
        for f in t.fields:
            yield from _records(f.type, seen)


# -- CEL text from a rule's tree -------------------------------------------------------------------
#
# This language is three-valued: a null field makes a comparison unknown (null), '&&' and '||'
# combine unknowns as SQL does, and a rule is broken only when false. CEL raises an error
# instead, and its '&&' and '||' absorb errors as SQL absorbs nulls ('false && error' is false,
# 'true || error' true): only an error reaching the top differs, failing the record where the
# rule lets it through. So each comparison (an atom) reading an optional field is guarded on
# the side that must not be false, 'type(message.x) == null_type || atom' (or '... || !atom'
# under a negation), unless an 'x == null' beside it in an '||' (an 'x != null' in an '&&')
# already decides the whole when x is null.

_CONDITIONAL, _OR, _AND, _RELATION, _SUM, _PRODUCT, _UNARY, _POSTFIX = range(1, 9)
"""How loosely each form binds, loosest first: CEL's precedence, which is this language's."""
_BINARY_PRECEDENCE = {
    "||": _OR,
    "&&": _AND,
    **dict.fromkeys(("==", "!=", "<", "<=", ">", ">=", "in"), _RELATION),
    "+": _SUM,
    "-": _SUM,
    "*": _PRODUCT,
    "%": _PRODUCT,
}
_EQUALITY = frozenset({"==", "!="})
_STRING_METHODS = frozenset({"startsWith", "endsWith", "contains"})
_Path = tuple[str, ...]


class _InexpressibleError(Exception):
    """Internal: a rule without a faithful CEL form; the message is the reason."""


@dataclass(frozen=True)
class _Rendering:
    """Renders one rule: ``scope`` is the rule's, ``items`` the item variables of the
    ``all()``/``exists()`` around the part being rendered (CEL name and Avro type)."""

    scope: Scope
    items: dict[str, tuple[str, AvroType]] = field(default_factory=dict)

    def rule(self, tree: Node) -> str:
        return self.holds(tree, True, frozenset())[0]

    def holds(self, node: Node, positive: bool, covered: frozenset[_Path]) -> tuple[str, int]:
        """CEL that is true when ``node`` is not false (``positive``) or not true (otherwise),
        and that never fails on a null field outside ``covered``; and how loosely it binds.
        A part that reads no such field is written as it is."""
        rendered, guards = self._plain(node, covered)
        if not guards:
            return rendered if positive else _negation(rendered)
        if isinstance(node, Unary) and node.op == "!":
            return self.holds(node.operand, not positive, covered)
        if isinstance(node, Binary) and node.op in ("&&", "||"):
            return self._chain(node, positive, covered)
        if isinstance(node, Conditional) and self.kind(node) == "bool":
            return self._choice(node, positive, covered)
        return self._atom(node, positive, covered)

    def _chain(self, node: Binary, positive: bool, covered: frozenset[_Path]) -> tuple[str, int]:
        """``a || b || ...`` or ``a && b && ...``: 'not false' of an '||' is an '||', of an
        '&&' an '&&'; 'not true' swaps them. A member ``x == null`` in what renders as an '||'
        (``x != null`` in an '&&') decides the whole when x is null: x needs no guard there."""
        members = _flatten(node, node.op)
        disjunction = (node.op == "||") == positive
        deciding = "==" if (node.op == "||") else "!="
        covered = covered | {p for m in members if (p := self._null_test(m, deciding))}
        precedence = _OR if disjunction else _AND
        parts = [self.holds(m, positive, covered) for m in members]
        texts = [_operand_text(part, precedence) for part in parts]
        return (" || " if disjunction else " && ").join(texts), precedence

    def _choice(
        self, node: Conditional, positive: bool, covered: frozenset[_Path]
    ) -> tuple[str, int]:
        """``c ? a : b`` with a condition that may be null (unknown): then the whole is."""
        condition, guards = self._plain(node.condition, covered)
        then = _operand_text(self.holds(node.then, positive, covered), _OR)
        otherwise = _operand_text(self.holds(node.otherwise, positive, covered), _CONDITIONAL)
        choice = f"{_operand_text(condition, _OR)} ? {then} : {otherwise}"
        if not guards:
            return choice, _CONDITIONAL
        unknown = " || ".join(_null_test_text(_message(p)) for p in guards)
        return f"{unknown} || ({choice})", _OR

    def _atom(self, node: Node, positive: bool, covered: frozenset[_Path]) -> tuple[str, int]:
        rendered, guards = self._plain(node, covered)
        text, precedence = rendered if positive else _negation(rendered)
        if not guards:
            return text, precedence
        tests = [_null_test_text(_message(p)) for p in guards]
        return " || ".join([*tests, _operand_text((text, precedence), _OR + 1)]), _OR

    def _plain(self, node: Node, covered: frozenset[_Path]) -> tuple[tuple[str, int], list[_Path]]:
        """``node`` as CEL read as is, and the optional fields (outside ``covered``) that
        make it fail when null."""
        reads: dict[_Path, None] = {}
        rendered = _Plain(self, reads).node(node)
        return rendered, [p for p in reads if p not in covered]

    def _null_test(self, node: Node, op: str) -> _Path | None:
        """The message path ``x`` of a member ``x == null`` (``op``), or None."""
        if not (isinstance(node, Binary) and node.op == op and _is_null(node.right)):
            return None
        path = _path(node.left)
        if path is None or path[0] in self.items or path[0] in ("now", "today"):
            return None
        return self.message_path(path)

    def message_path(self, path: _Path) -> _Path:
        """A name's field path from the top record: ``value`` is a field rule's field; other
        names are fields of a record rule's record."""
        scope = self.scope
        return (*scope.value, *path[1:]) if scope.value is not None else (*scope.base, *path)

    def kind(self, node: Node) -> str:
        """The type of ``node`` as the project's checker gives it (``int``, ``double`` ...)."""
        return self.rule_type(node).kind

    def rule_type(self, node: Node) -> RuleType:
        variables = {
            name: Variable(f"_i{n}", avro) for n, (name, (_, avro)) in enumerate(self.items.items())
        }
        return compile_node(node, replace(self.scope, variables=variables, constants={})).type


@dataclass(frozen=True)
class _Plain:
    """CEL for a part read as is, noting the optional fields whose null would fail it."""

    rule: _Rendering
    reads: dict[_Path, None]

    def node(self, node: Node) -> tuple[str, int]:
        """The CEL text of ``node`` and how loosely it binds."""
        if isinstance(node, Literal):
            if node.value is None:
                raise _InexpressibleError(NULL_REASON)
            return _literal(node.value)
        if isinstance(node, Name | Member):
            return self.reference(node), _POSTFIX
        if isinstance(node, Call):
            return self.call(node), _POSTFIX
        if isinstance(node, Unary):
            return f"{node.op}{self.operand(node.operand, _UNARY)}", _UNARY
        if isinstance(node, Binary):
            return self.binary(node), _BINARY_PRECEDENCE[node.op]
        if isinstance(node, Conditional):
            return self.conditional(node), _CONDITIONAL
        if isinstance(node, Comprehension):
            return self.comprehension(node), _POSTFIX
        raise RuleError("a list is only allowed on the right of 'in'")

    def operand(self, node: Node, at_least: int, as_double: bool = False) -> str:
        """``node`` where the form around it needs one binding at least ``at_least`` tightly;
        ``as_double``: an int made a double (CEL neither compares nor adds int and double)."""
        if as_double and isinstance(node, Literal) and isinstance(node.value, int):
            return repr(float(node.value))
        rendered = self.node(node)
        return f"double({rendered[0]})" if as_double else _operand_text(rendered, at_least)

    def reference(self, node: Name | Member, null_test: bool = False) -> str:
        """A field, or an item or a field of one; ``null_test``: the operand of ``== null``."""
        path = _path(node)
        if path is None:
            raise RuleError("only fields have members ('a.b')")
        if path[0] in self.rule.items:
            name, avro = self.rule.items[path[0]]
            _check_item(avro, path[1:])
            return name + "".join(_select(n) for n in path[1:])
        if path[0] == "now":
            raise _InexpressibleError(NOW_REASON)
        if path[0] == "today":
            raise _InexpressibleError(DATES_REASON)
        full = self.rule.message_path(path)
        for prefix, nullable, kind in _links(self.rule.scope.top, full):
            if kind in _UNSEEN_KINDS:
                raise _InexpressibleError(f"it reads {'.'.join(prefix)}, {_UNSEEN_KINDS[kind]}")
            if nullable and not (null_test and prefix == full):
                self.reads[prefix] = None
        return _message(full)

    def call(self, node: Call) -> str:
        if node.target is None:
            if node.name == "size" and len(node.args) == 1:
                return f"size({self.node(node.args[0])[0]})"
            if node.name == "timestamp":
                return f"timestamp({_string(_timestamp(_argument(node)))})"
            if node.name == "duration":
                return f"duration({_string(_duration(_argument(node)))})"
            if node.name in ("date", "age"):
                raise _InexpressibleError(DATES_REASON)
            raise RuleError(f"unknown function {node.name}()")
        if node.name == "size" and not node.args:
            return f"size({self.node(node.target)[0]})"
        target = self.operand(node.target, _POSTFIX)
        if node.name == "matches":
            return f"{target}.matches({_string(_pattern(_argument(node)))})"
        if node.name in _STRING_METHODS and len(node.args) == 1:
            return f"{target}.{node.name}({self.node(node.args[0])[0]})"
        raise RuleError(f"unknown method .{node.name}()")

    def binary(self, node: Binary) -> str:
        op, left, right = node.op, node.left, node.right
        precedence = _BINARY_PRECEDENCE[op]
        if op in _EQUALITY and (_is_null(left) or _is_null(right)):
            other = left if _is_null(right) else right
            if isinstance(other, Name | Member):
                tested = self.reference(other, null_test=True)
            else:
                tested = self.node(other)[0]
            return _null_test_text(tested, op)
        if op == "in":
            assert isinstance(right, ListLiteral)
            items = ", ".join(self.node(item)[0] for item in right.items)
            return f"{self.operand(left, precedence + 1)} in [{items}]"
        kinds = self.rule.kind(left), self.rule.kind(right)
        mixed = set(kinds) == {"int", "double"}
        # '==', '<' and their kin do not chain; a right operand of the same precedence was grouped
        relation = precedence == _RELATION
        left_text = self.operand(left, precedence + relation, mixed and kinds[0] == "int")
        right_text = self.operand(right, precedence + 1, mixed and kinds[1] == "int")
        return f"{left_text} {op} {right_text}"

    def conditional(self, node: Conditional) -> str:
        kinds = self.rule.kind(node.then), self.rule.kind(node.otherwise)
        mixed = set(kinds) == {"int", "double"}
        condition = self.operand(node.condition, _OR)
        then = self.operand(node.then, _OR, mixed and kinds[0] == "int")
        otherwise = self.operand(node.otherwise, _CONDITIONAL, mixed and kinds[1] == "int")
        return f"{condition} ? {then} : {otherwise}"

    def comprehension(self, node: Comprehension) -> str:
        target_type = self.rule.rule_type(node.target)
        item = target_type.item_avro if target_type.kind == "list" else None
        target = self.operand(node.target, _POSTFIX)
        taken = {name for name, _ in self.rule.items.values()}
        name = node.variable
        while name == MESSAGE or name in _CEL_RESERVED or name in taken:
            name += "_"
        items = {**self.rule.items, node.variable: (name, item or _MAP_KEY)}
        predicate = _Plain(replace(self.rule, items=items), self.reads).node(node.predicate)[0]
        return f"{target}.{node.name}({name}, {predicate})"


def _flatten(node: Node, op: str) -> list[Node]:
    """The members of a chain of one operator: ``a || b || c`` -> ``[a, b, c]``."""
    if isinstance(node, Binary) and node.op == op:
        return [*_flatten(node.left, op), *_flatten(node.right, op)]
    return [node]


def _null_test_text(operand: str, op: str = "==") -> str:
    """``x == null`` as every Confluent CEL executor reads it: Python's (cel-python) cannot
    compare a number with null, but any value has a type."""
    return f"type({operand}) {op} null_type"


def _negation(rendered: tuple[str, int]) -> tuple[str, int]:
    """``!atom``; ``x != null`` for ``x == null`` and the other way round."""
    text, precedence = rendered
    for test, negated in ((" == null_type", " != null_type"), (" != null_type", " == null_type")):
        if precedence == _RELATION and text.endswith(test):
            return text.removesuffix(test) + negated, _RELATION
    return f"!{_operand_text(rendered, _UNARY)}", _UNARY


def _operand_text(rendered: tuple[str, int], at_least: int) -> str:
    text, precedence = rendered
    return text if precedence >= at_least else f"({text})"


def _check_item(item: AvroType, names: _Path) -> None:
    """An item, or a field of one, that is never null; else the rule is left out."""
    inner, nullable = unwrap_nullable(item)
    for name in names:
        if nullable:
            break
        if not isinstance(inner, Record):
            raise RuleError(f"an item of type {avro_rule_type(inner).describe()} has no fields")
        match = next((f for f in inner.fields if f.name == name), None)
        if match is None:
            raise RuleError(f"{inner.name} has no field {name!r}")
        inner, nullable = unwrap_nullable(match.type)
    if nullable:
        raise _InexpressibleError(NULLABLE_ITEM_REASON)


def _links(top: Record, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], bool, str]]:
    """For each prefix of a field path from ``top``: the prefix, whether that field is
    optional, and the rule type of its value (``record``, ``int``, ``date`` ...)."""
    current: AvroType = top
    for depth, name in enumerate(path, start=1):
        inner, _ = unwrap_nullable(current)
        if not isinstance(inner, Record):
            raise RuleError(f"{'.'.join(path[: depth - 1])} is not a record: no field {name!r}")
        match = next((f for f in inner.fields if f.name == name), None)
        if match is None:
            raise RuleError(f"{inner.name} has no field {name!r}")
        current = match.type
        leaf, nullable = unwrap_nullable(current)
        yield path[:depth], nullable, avro_rule_type(leaf).kind


def _path(node: Node) -> tuple[str, ...] | None:
    if isinstance(node, Name):
        return (node.name,)
    if isinstance(node, Member):
        head = _path(node.target)
        return None if head is None else (*head, node.name)
    return None


def _message(path: tuple[str, ...]) -> str:
    return MESSAGE + "".join(_select(name) for name in path)


def _select(name: str) -> str:
    """``.name``, or ``['name']`` for a name CEL reserves."""
    return f"[{_string(name)}]" if name in _CEL_RESERVED else f".{name}"


def _is_null(node: Node) -> bool:
    return isinstance(node, Literal) and node.value is None


def _literal(value: int | float | str | bool) -> tuple[str, int]:
    if isinstance(value, bool):
        return ("true" if value else "false"), _POSTFIX
    if isinstance(value, int | float):
        return repr(value), (_UNARY if value < 0 else _POSTFIX)
    return _string(value), _POSTFIX


_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _string(text: str) -> str:
    """A CEL string literal: single quotes, backslash escapes, other controls as ``\\uXXXX``."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"


def _argument(node: Call) -> str:
    """The one string literal ``node`` is called with."""
    arg = node.args[0] if len(node.args) == 1 else None
    if not isinstance(arg, Literal) or not isinstance(arg.value, str):
        raise RuleError(f"{node.name}() takes one string literal")
    return arg.value


def _timestamp(text: str) -> str:
    """An ISO-8601 instant as RFC 3339 in UTC, the form CEL's ``timestamp()`` reads."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RuleError(f"timestamp({text!r}): not an ISO-8601 timestamp") from None
    if moment.tzinfo is None:
        raise RuleError(f"timestamp({text!r}): needs a time zone, such as Z or +02:00")
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds") + "Z"


def _duration(text: str) -> str:
    """A duration in seconds (``300s``, ``0.25s``): CEL's ``duration()`` has no days."""
    seconds, micros = divmod(parse_duration(text), 1_000_000)
    return f"{seconds}.{micros:06d}".rstrip("0") + "s" if micros else f"{seconds}s"


_TOP_LEVEL = re.compile(r"\\.|\[(?:\\.|[^\]\\])*\]|(?P<open>\()|(?P<close>\))|(?P<bar>\|)")
"""Escapes and classes (skipped), and the parentheses and bars of a pattern."""


def _pattern(pattern: str) -> str:
    """The pattern as written, when every Confluent CEL executor reads it alike: anchored at
    both ends, since Java's executor matches the whole text and the others search in it (and
    not anchored by only one side of a top-level ``|``), with no Unicode category, which
    Python's ``re`` (Confluent's Python client) does not know."""
    if re.search(r"\\[pP]\{", pattern):
        raise _InexpressibleError(CATEGORY_REASON)
    body = pattern.removeprefix("(?i)")
    escapes = len(body[:-1]) - len(body[:-1].rstrip("\\"))
    anchored = body.startswith("^") and body.endswith("$") and escapes % 2 == 0
    if not anchored or _top_level_bar(body):
        raise _InexpressibleError(UNANCHORED_REASON)
    return pattern


def _top_level_bar(pattern: str) -> bool:
    depth = 0
    for match in _TOP_LEVEL.finditer(pattern):
        if match["open"]:
            depth += 1
        elif match["close"]:
            depth -= 1
        elif match["bar"] and depth == 0:
            return True
    return False
