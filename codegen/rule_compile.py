"""Type-check a rule's tree against the contract and render it as Python and as Spark SQL.

One recursive function, one case per node kind: each node becomes an :class:`Expr` holding its
type, whether it may be null, and its text in both targets. The two texts mean the same thing:

- Three-valued logic, as in SQL: a value from an optional field may be null; comparisons and
  functions of null are null; ``&&`` / ``||`` / ``!`` are Kleene's. A rule is broken only when
  its expression is ``false``; ``null`` (unknown) lets the record through, like a SQL ``CHECK``.
- ``==`` and ``!=`` are null-safe (``x == null`` is true or false, never null), Spark's ``<=>``.
- Doubles compare as Spark compares them: NaN equals NaN and is greater than every number.
- Strings compare by code point and ``size`` counts code points on both sides; timestamps are
  UTC instants; ``now`` is the evaluating end's clock (the producer's, then the job's), and
  ``today`` its UTC date.
- ``c ? a : b`` is null when ``c`` is null (not ``b``, as SQL's ``CASE WHEN`` would give);
  ``list.all(x, p)`` / ``list.exists(x, p)`` are Spark's ``forall`` / ``exists``: false (true)
  as soon as one item gives false (true), else null if one gave null; null for a null list.

Python text uses helpers of :mod:`contract.rules` (imported as ``_r``) only where a plain
operator would differ (nulls, NaN); Spark text is a SQL expression over the decoded struct
column ``value`` and, for ``now``, the column ``NOW_COLUMN`` that the job provides (not
``current_timestamp()``: Spark folds it into a literal written into its generated code, which
then differed, and was compiled again, in every micro-batch). Literals are re-rendered from
their parsed values, so no rule text ever reaches either interpreter as code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from codegen.model import (
    Array,
    AvroType,
    Enum,
    Field,
    Fixed,
    Map,
    Primitive,
    Record,
    Union,
    unwrap_nullable,
)
from codegen.rule_regex import RegexSubsetError, portable_pattern
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
    Unary,
)
from contract.streams import value_column

NOW_COLUMN = "_now"
"""The Spark column, a timestamp, that rules read as ``now`` (``spark.microbatch.rule_clock``)."""

NUMBERS = frozenset({"int", "double", "decimal"})
ORDERED = NUMBERS | {"string", "timestamp", "local_timestamp", "date", "time", "bytes"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DURATION_UNITS = {
    "d": 86_400_000_000,
    "h": 3_600_000_000,
    "m": 60_000_000,
    "s": 1_000_000,
    "ms": 1_000,
    "us": 1,
}
_INT32 = 2**31
_INT64 = 2**63
MIN_MICROS = -62_135_596_800_000_000  # 0001-01-01T00:00:00Z
MAX_MICROS = 253_402_300_799_999_999  # 9999-12-31T23:59:59.999999Z
MAX_DURATION_MICROS = MAX_MICROS - MIN_MICROS
"""The longest duration a rule can write: from year 1 to year 9999 (both ends then add it to
an instant in that range without overflowing 64 bits)."""


class RuleError(ValueError):
    """A rule that does not type-check; the message says which part and why."""


@dataclass(frozen=True, slots=True)
class RuleType:
    """What an expression evaluates to. ``item`` is a list's items or a map's values;
    ``item_avro`` a list's Avro item type, which ``all()``/``exists()`` read items by."""

    kind: str
    nullable: bool = False
    item: RuleType | None = None
    record: Record | None = None
    item_avro: AvroType | None = None

    def describe(self) -> str:
        inner = f"<{self.item.describe()}>" if self.item else ""
        name = self.record.name if self.record else ""
        return f"{self.kind}{inner}{f' {name}' if name else ''}{' (nullable)' * self.nullable}"


@dataclass(frozen=True, slots=True)
class Expr:
    """A type-checked expression and its two renderings; ``constant`` for a literal."""

    type: RuleType
    python: str
    spark: str
    constant: bool = False


@dataclass
class Scope:
    """What names mean inside one rule, and the Python constants the rules need.

    ``top`` is the schema's top-level record (rendered as ``self`` in Python, ``value`` in
    Spark); ``base`` is the field path of the record the rule is declared on; ``value`` is
    the field path of a field rule's field (None in a record rule, whose names are the fields
    of the record at ``base``). ``variables`` are the names ``all()``/``exists()`` bind.
    """

    top: Record
    base: tuple[str, ...]
    value: tuple[str, ...] | None
    constants: dict[str, str] = field(default_factory=dict)
    variables: dict[str, Variable] = field(default_factory=dict)

    def constant(self, python: str) -> str:
        """A module-level constant of the generated Python for ``python``; returns its name."""
        for name, text in self.constants.items():
            if text == python:
                return name
        name = f"_C{len(self.constants) + 1}"
        self.constants[name] = python
        return name


def avro_rule_type(t: AvroType, nullable: bool = False) -> RuleType:
    """The rule type of a field of Avro type ``t``."""
    inner, optional = unwrap_nullable(t)
    nullable = nullable or optional
    if isinstance(inner, Union):
        raise RuleError("a union of several non-null types cannot be used in a rule")
    if isinstance(inner, Record):
        return RuleType("record", nullable, record=inner)
    if isinstance(inner, Array):
        return RuleType("list", nullable, item=avro_rule_type(inner.items), item_avro=inner.items)
    if isinstance(inner, Map):
        return RuleType("map", nullable, item=avro_rule_type(inner.values))
    if isinstance(inner, Enum):
        return RuleType("string", nullable)
    if isinstance(inner, Fixed):
        return RuleType("decimal" if inner.logical == "decimal" else "bytes", nullable)
    return RuleType(_PRIMITIVE_KINDS[inner.logical or inner.type], nullable)


_PRIMITIVE_KINDS = {
    "null": "null",
    "boolean": "bool",
    "int": "int",
    "long": "int",
    "float": "double",
    "double": "double",
    "bytes": "bytes",
    "string": "string",
    "decimal": "decimal",
    "uuid": "string",
    "date": "date",
    "time-millis": "time",
    "time-micros": "time",
    "timestamp-millis": "timestamp",
    "timestamp-micros": "timestamp",
    "local-timestamp-millis": "local_timestamp",
    "local-timestamp-micros": "local_timestamp",
    "duration": "bytes",
}


def field_ref(top: Record, path: tuple[str, ...], carried: bool = True) -> Expr:
    """The expression of the field at ``path`` (from the top-level record ``top``).

    With ``carried`` (every written rule), the Python side reads the value as the bytes will
    carry it, which is what the job decodes: a ``float`` rounded to float32, a ``*-millis``
    instant or time floored to the millisecond. Without it (the type-implied checks of the
    value itself) the value is read as it is. Spark reads a ``float`` as a double, so that
    arithmetic on it is double arithmetic at both ends."""
    python, nullable = "self", False
    current: AvroType = top
    for depth, name in enumerate(path):
        inner, _ = unwrap_nullable(current)
        if not isinstance(inner, Record):
            raise RuleError(f"{'.'.join(path[:depth])} is not a record: it has no field {name!r}")
        python = f"_r.member({python}, {name!r})" if nullable else f"{python}.{name}"
        current = _field_of(inner, name).type
        nullable = nullable or unwrap_nullable(current)[1]
    spark = value_column(path)
    rule_type = avro_rule_type(current, nullable)
    leaf, _ = unwrap_nullable(current)
    python, spark = _carried(leaf, python, spark, nullable, carried)
    return Expr(rule_type, python, spark)


def _field_of(record: Record, name: str) -> Field:
    """The field ``name`` of ``record``; ``RuleError`` listing its fields otherwise."""
    match = next((f for f in record.fields if f.name == name), None)
    if match is None:
        names = ", ".join(f.name for f in record.fields)
        raise RuleError(f"{record.name} has no field {name!r} (fields: {names})")
    return match


def compile_node(node: Node, scope: Scope) -> Expr:
    """Type-check ``node`` in ``scope`` and render it; raises ``RuleError`` naming the problem."""
    if isinstance(node, Literal):
        return _literal(node.value)
    if isinstance(node, Name | Member):
        return _reference(node, scope)
    if isinstance(node, Call):
        return _call(node, scope)
    if isinstance(node, Unary):
        return _unary(node, scope)
    if isinstance(node, Binary):
        return _binary(node, scope)
    if isinstance(node, Conditional):
        return _conditional(node, scope)
    if isinstance(node, Comprehension):
        return _comprehension(node, scope)
    raise RuleError("a list is only allowed on the right of 'in'")


def _literal(value: int | float | str | bool | None) -> Expr:
    if value is None:
        return Expr(RuleType("null", True), "None", "NULL", constant=True)
    if isinstance(value, bool):
        return Expr(RuleType("bool"), repr(value), "TRUE" if value else "FALSE", constant=True)
    if isinstance(value, int):
        if not -_INT64 <= value < _INT64:
            raise RuleError(f"integer {value} does not fit 64 bits")
        spark = str(value) if -_INT32 <= value < _INT32 else f"CAST({value} AS BIGINT)"
        return Expr(RuleType("int"), repr(value), spark, constant=True)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise RuleError(f"number {value} is not finite")
        return Expr(RuleType("double"), repr(value), f"{value!r}D", constant=True)
    return Expr(RuleType("string"), repr(value), sql_string(value), constant=True)


def sql_string(text: str) -> str:
    """A Spark SQL string literal (backslash escapes are on by default in Spark SQL)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _path(node: Node) -> tuple[str, ...] | None:
    if isinstance(node, Name):
        return (node.name,)
    if isinstance(node, Member):
        head = _path(node.target)
        return None if head is None else (*head, node.name)
    return None


def _reference(node: Name | Member, scope: Scope) -> Expr:
    path = _path(node)
    if path is None:
        raise RuleError("only fields have members ('a.b'); functions are called as 'x.f()'")
    if path[0] in scope.variables:
        return _variable_ref(scope.variables[path[0]], path[1:])
    if path == ("now",):
        return Expr(RuleType("timestamp"), "now", f"`{NOW_COLUMN}`")
    if path == ("today",):
        return _today()
    if scope.value is not None:
        if path[0] != "value":
            raise RuleError(
                f"unknown name {path[0]!r}: a field rule sees its field as 'value' "
                "(a rule on several fields belongs on the record, under its x-rules)"
            )
        return field_ref(scope.top, (*scope.value, *path[1:]))
    return field_ref(scope.top, (*scope.base, *path))


def _call(node: Call, scope: Scope) -> Expr:
    if node.target is None and node.name in _LITERAL_FUNCTIONS:
        return _LITERAL_FUNCTIONS[node.name](node)
    if node.target is None and node.name == "age":
        return _age(node.args, scope)
    if node.target is None:
        if node.name != "size" or len(node.args) != 1:
            raise RuleError(
                f"unknown function {node.name}(); functions: size(x), age(d), timestamp('...'), "
                "date('...'), duration('...'), and the methods x.size(), x.matches('re'), "
                "x.startsWith(s), x.endsWith(s), x.contains(s), x.all(v, p), x.exists(v, p)"
            )
        return _size(compile_node(node.args[0], scope))
    target = compile_node(node.target, scope)
    if node.name == "size" and not node.args:
        return _size(target)
    if node.name == "matches":
        return _matches(target, node.args, scope)
    if node.name in _STRING_METHODS:
        if len(node.args) != 1:
            raise RuleError(f"{node.name}() takes one argument")
        other = compile_node(node.args[0], scope)
        _require(target, {"string"}, f"{node.name}()")
        _require(other, {"string"}, f"the argument of {node.name}()")
        helper, spark = _STRING_METHODS[node.name]
        nullable = target.type.nullable or other.type.nullable
        if nullable:
            python = f"_r.{helper}({target.python}, {other.python})"
        elif helper == "contains":
            python = f"({other.python} in {target.python})"
        else:
            python = f"{target.python}.{helper}({other.python})"
        return Expr(RuleType("bool", nullable), python, f"{spark}({target.spark}, {other.spark})")
    raise RuleError(f"unknown method .{node.name}()")


_STRING_METHODS = {
    "startsWith": ("startswith", "startswith"),
    "endsWith": ("endswith", "endswith"),
    "contains": ("contains", "contains"),
}


def _require(expr: Expr, kinds: set[str] | frozenset[str], what: str) -> None:
    if expr.type.kind not in kinds:
        raise RuleError(f"{what} must be {' or '.join(sorted(kinds))}, not {expr.type.describe()}")


def _size(target: Expr) -> Expr:
    kind = target.type.kind
    if kind == "string":
        spark = f"char_length({target.spark})"
    elif kind == "bytes":
        spark = f"octet_length({target.spark})"
    elif kind in ("list", "map"):
        spark = f"IF({target.spark} IS NULL, NULL, size({target.spark}))"
    else:
        raise RuleError(f"size() needs a string, bytes, list or map, not {target.type.describe()}")
    nullable = target.type.nullable
    python = f"_r.size({target.python})" if nullable else f"len({target.python})"
    return Expr(RuleType("int", nullable), python, spark)


def _matches(target: Expr, args: tuple[Node, ...], scope: Scope) -> Expr:
    _require(target, {"string"}, "matches()")
    if len(args) != 1 or not isinstance(args[0], Literal) or not isinstance(args[0].value, str):
        raise RuleError("matches() takes one string literal, the pattern")
    try:
        python_pattern, java_pattern, ignore_case = portable_pattern(args[0].value)
    except RegexSubsetError as exc:
        raise RuleError(f"matches({args[0].value!r}): {exc}") from None
    flags = "re.ASCII | re.IGNORECASE" if ignore_case else "re.ASCII"
    pattern = scope.constant(f"re.compile({python_pattern!r}, {flags})")
    java = f"(?i){java_pattern}" if ignore_case else java_pattern
    nullable = target.type.nullable
    python = (
        f"_r.search({pattern}, {target.python})"
        if nullable
        else f"({pattern}.search({target.python}) is not None)"
    )
    return Expr(RuleType("bool", nullable), python, f"({target.spark} RLIKE {sql_string(java)})")


def _string_argument(node: Call) -> str:
    if node.target is not None or len(node.args) != 1:
        raise RuleError(f"{node.name}() takes one string literal")
    arg = node.args[0]
    if not isinstance(arg, Literal) or not isinstance(arg.value, str):
        raise RuleError(f"{node.name}() takes one string literal")
    return arg.value


def _timestamp_literal(node: Call) -> Expr:
    text = _string_argument(node)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RuleError(f"timestamp({text!r}): not an ISO-8601 timestamp") from None
    if moment.tzinfo is None:
        raise RuleError(f"timestamp({text!r}): needs a time zone, such as Z or +02:00")
    micros = (moment - _EPOCH) // _ONE_MICRO
    return Expr(RuleType("timestamp"), f"_r.timestamp({micros})", f"timestamp_micros({micros})")


def _date_literal(node: Call) -> Expr:
    text = _string_argument(node)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise RuleError(f"date({text!r}): not an ISO-8601 date (YYYY-MM-DD)") from None
    python = f"datetime.date({day.year}, {day.month}, {day.day})"
    return Expr(RuleType("date"), python, f"DATE '{day.isoformat()}'")


def _duration_literal(node: Call) -> Expr:
    text = _string_argument(node)
    micros = parse_duration(text)
    return Expr(RuleType("duration"), str(micros), str(micros))


def parse_duration(text: str) -> int:
    """Microseconds of a duration such as ``90s``, ``1h30m``, ``7d`` or ``250ms``."""
    parts = re.findall(r"(\d+)(ms|us|d|h|m|s)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise RuleError(f"duration({text!r}): expected a sequence like 1h30m (units d h m s ms us)")
    micros = sum(int(n) * _DURATION_UNITS[u] for n, u in parts)
    if micros > MAX_DURATION_MICROS:
        raise RuleError(f"duration({text!r}): longer than the 9999 years rules can count")
    return micros


_ONE_MICRO = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC) - _EPOCH
_LITERAL_FUNCTIONS: dict[str, Callable[[Call], Expr]] = {
    "timestamp": _timestamp_literal,
    "date": _date_literal,
    "duration": _duration_literal,
}


def _unary(node: Unary, scope: Scope) -> Expr:
    operand = compile_node(node.operand, scope)
    nullable = operand.type.nullable
    if node.op == "!":
        _require(operand, {"bool"}, "the operand of '!'")
        python = f"_r.not3({operand.python})" if nullable else f"(not {operand.python})"
        return Expr(RuleType("bool", nullable), python, f"(NOT {operand.spark})")
    _require(operand, {"int", "double"}, "the operand of unary '-'")
    python = f"_r.neg({operand.python})" if nullable else f"(-{operand.python})"
    if operand.type.kind == "double":
        return Expr(RuleType("double", nullable), python, f"(- {operand.spark})")
    # 64-bit at both ends: an int is widened first (Spark's 32-bit negation wraps), and the
    # one long without a negation gives null, as any integer overflow does
    spark = f"try_subtract(CAST(0 AS BIGINT), {operand.spark})"
    return Expr(RuleType("int", True), f"_r.int64({python})", spark)


def _binary(node: Binary, scope: Scope) -> Expr:
    if node.op == "in":
        return _in(node, scope)
    left, right = compile_node(node.left, scope), compile_node(node.right, scope)
    if node.op in ("&&", "||"):
        return _logical(node.op, left, right)
    if node.op in ("==", "!="):
        return _equality(node.op, left, right)
    if node.op in ("<", "<=", ">", ">="):
        return _comparison(node.op, left, right)
    return _arithmetic(node.op, left, right, scope)


def _logical(op: str, left: Expr, right: Expr) -> Expr:
    _require(left, {"bool"}, f"the left operand of '{op}'")
    _require(right, {"bool"}, f"the right operand of '{op}'")
    nullable = left.type.nullable or right.type.nullable
    word, helper = ("and", "and3") if op == "&&" else ("or", "or3")
    python = (
        f"_r.{helper}({left.python}, {right.python})"
        if nullable
        else f"({left.python} {word} {right.python})"
    )
    return Expr(RuleType("bool", nullable), python, f"({left.spark} {word.upper()} {right.spark})")


def _comparable(op: str, left: Expr, right: Expr) -> tuple[Expr, Expr]:
    """``left`` and ``right`` ready to compare: an int or a decimal that meets a double is
    compared as a double, at both ends (Spark's rule; Python would compare them exactly)."""
    kinds = {left.type.kind, right.type.kind}
    if kinds <= NUMBERS:
        if "double" in kinds:
            return _as_double(left), _as_double(right)
        return left, right
    if len(kinds) == 1:
        return left, right
    raise RuleError(
        f"'{op}' compares {left.type.describe()} with {right.type.describe()}: "
        "both sides must have the same type (int, double and decimal mix)"
    )


def _as_double(expr: Expr) -> Expr:
    """``expr`` as a double (unchanged when it is one)."""
    if expr.type.kind == "double":
        return expr
    nullable = expr.type.nullable
    python = f"_r.as_double({expr.python})" if nullable else f"float({expr.python})"
    spark = f"CAST({expr.spark} AS DOUBLE)"
    return Expr(RuleType("double", nullable), python, spark, expr.constant)


def _equality(op: str, left: Expr, right: Expr) -> Expr:
    negate = op == "!="
    if "null" in (left.type.kind, right.type.kind):
        other = right if left.type.kind == "null" else left
        python = f"({other.python} is {'not ' if negate else ''}None)"
        spark = f"({other.spark} IS {'NOT ' if negate else ''}NULL)"
        return Expr(RuleType("bool"), python, spark)
    left, right = _comparable(op, left, right)
    if left.type.kind in ("record", "list", "map"):
        raise RuleError(f"'{op}' cannot compare a {left.type.kind}")
    # NaN equals NaN only in Spark; a constant is never NaN, so against one Python agrees
    plain = not (left.type.nullable or right.type.nullable) and (
        "double" not in {left.type.kind, right.type.kind} or left.constant or right.constant
    )
    if plain:
        python = f"({left.python} {op} {right.python})"
    else:
        python = f"({'not ' if negate else ''}_r.eq({left.python}, {right.python}))"
    spark = f"({left.spark} <=> {right.spark})"
    return Expr(RuleType("bool"), python, f"(NOT {spark})" if negate else spark)


_COMPARISON_HELPERS = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


def _comparison(op: str, left: Expr, right: Expr) -> Expr:
    left, right = _comparable(op, left, right)
    if left.type.kind not in ORDERED:
        raise RuleError(f"'{op}' cannot order a {left.type.describe()}")
    nullable = left.type.nullable or right.type.nullable
    doubles = "double" in {left.type.kind, right.type.kind}
    if doubles and (nullable or not (left.constant or right.constant)):
        python = f"_r.{_COMPARISON_HELPERS[op]}({left.python}, {right.python})"
    elif nullable:  # no NaN to order: only null to let through
        python = f"_r.{_COMPARISON_HELPERS[op]}3({left.python}, {right.python})"
    elif doubles:
        python = _nan_ordered(op, left, right)
    else:
        python = f"({left.python} {op} {right.python})"
    return Expr(RuleType("bool", nullable), python, f"({left.spark} {op} {right.spark})")


def _nan_ordered(op: str, left: Expr, right: Expr) -> str:
    """A comparison with a constant, inline, ordering NaN above every number as Spark does:
    NaN compares false to a constant in Python, so only where the variable side is the
    greater one (``x > c``, ``c < x`` ...) must NaN be added as true (``x != x``)."""
    variable = right if left.constant else left
    variable_is_greater = (op in (">", ">=")) == (variable is left)
    plain = f"{left.python} {op} {right.python}"
    if variable_is_greater:
        return f"({plain} or {variable.python} != {variable.python})"
    return f"({plain})"


def _arithmetic(op: str, left: Expr, right: Expr, scope: Scope) -> Expr:
    nullable = left.type.nullable or right.type.nullable
    kinds = (left.type.kind, right.type.kind)
    if op in ("+", "-") and kinds == ("timestamp", "duration"):
        return _shifted(op, left, right, scope)
    if op == "%":
        return _remainder(left, right)
    if not set(kinds) <= {"int", "double"}:
        raise RuleError(
            f"'{op}' needs numbers (int or double), or a timestamp and a duration, "
            f"not {left.type.describe()} and {right.type.describe()}"
        )
    helper = {"+": "add", "-": "sub", "*": "mul"}[op]
    python = (
        f"_r.{helper}({left.python}, {right.python})"
        if nullable
        else f"({left.python} {op} {right.python})"
    )
    if kinds != ("int", "int"):
        return Expr(RuleType("double", nullable), python, f"({left.spark} {op} {right.spark})")
    # integer arithmetic is 64-bit at both ends, and a result that does not fit is null
    # (unknown) at both: Spark's plain operators wrap around, Python's integers do not end
    function = {"+": "try_add", "-": "try_subtract", "*": "try_multiply"}[op]
    spark = f"{function}(CAST({left.spark} AS BIGINT), CAST({right.spark} AS BIGINT))"
    return Expr(RuleType("int", True), f"_r.int64({python})", spark)


def _remainder(left: Expr, right: Expr) -> Expr:
    """``a % b`` on integers: the dividend's sign, and null for a divisor of 0, at both ends."""
    _require(left, {"int"}, "the left operand of '%'")
    _require(right, {"int"}, "the right operand of '%'")
    a, b = f"CAST({left.spark} AS BIGINT)", f"CAST({right.spark} AS BIGINT)"
    spark = f"IF({b} = 0, NULL, {a} % {b})"
    return Expr(RuleType("int", True), f"_r.mod({left.python}, {right.python})", spark)


def _shifted(op: str, moment: Expr, duration: Expr, scope: Scope) -> Expr:
    """An instant moved by a duration; null (unknown) at both ends outside years 1 to 9999,
    where Python's ``datetime`` ends (Spark's timestamps go further)."""
    sign = "" if op == "+" else "-"
    micros = f"(unix_micros({moment.spark}) {op} {duration.spark})"
    spark = f"IF({micros} BETWEEN {MIN_MICROS} AND {MAX_MICROS}, timestamp_micros({micros}), NULL)"
    delta = scope.constant(f"datetime.timedelta(microseconds={sign}{duration.python})")
    python = f"_r.shift({moment.python}, {delta})"
    return Expr(RuleType("timestamp", True), python, spark)


def _in(node: Binary, scope: Scope) -> Expr:
    left = compile_node(node.left, scope)
    assert isinstance(node.right, ListLiteral)
    if not node.right.items:
        raise RuleError("'in' needs a non-empty list")
    if not all(isinstance(i, Literal) and i.value is not None for i in node.right.items):
        raise RuleError("the list of 'in' holds literals only, and no null")
    items = [compile_node(item, scope) for item in node.right.items]
    for item in items:
        if item.type.kind != left.type.kind:  # no mixing: 'in' has no cast to hide in its list
            raise RuleError(
                f"'in' compares {left.type.describe()} with {item.type.describe()}: "
                "the list's items must have the left side's type"
            )
    if left.type.kind not in ("int", "string", "bool"):
        raise RuleError(f"'in' needs an int, string or bool, not {left.type.describe()}")
    constant = scope.constant("frozenset({" + ", ".join(i.python for i in items) + "})")
    nullable = left.type.nullable
    python = f"_r.isin({left.python}, {constant})" if nullable else f"({left.python} in {constant})"
    spark = f"({left.spark} IN ({', '.join(i.spark for i in items)}))"
    return Expr(RuleType("bool", nullable), python, spark)


# -- conditionals, all() and exists(), ages -----------------------------------------------------

_DAY_MICROS = 86_400_000_000
_BRANCH_KINDS = ORDERED | {"bool"}
_RESERVED_NAMES = frozenset({"value", "now", "today"})
_COMPREHENSIONS = {"all": ("all", "every", "forall"), "exists": ("any", "some", "exists")}
"""The macro's Python builtin, its three-valued helper in ``contract.rules``, Spark's function."""


@dataclass(frozen=True, slots=True)
class Variable:
    """A name ``all()``/``exists()`` binds: the item's name in both renderings, its Avro type."""

    name: str
    type: AvroType


def _conditional(node: Conditional, scope: Scope) -> Expr:
    """``c ? a : b``, null when ``c`` is null at both ends (SQL's ``CASE WHEN c`` would give
    ``b``; CEL would fail). Python evaluates only the branch taken, as Spark's ``CASE`` does."""
    condition = compile_node(node.condition, scope)
    _require(condition, {"bool"}, "the condition of '?:'")
    then, otherwise = compile_node(node.then, scope), compile_node(node.otherwise, scope)
    kinds = {then.type.kind, otherwise.type.kind}
    if kinds == {"int", "double"}:
        then, otherwise, kinds = _as_double(then), _as_double(otherwise), {"double"}
    typed = kinds - {"null"}
    if len(typed) != 1:
        raise RuleError(
            f"'?:' chooses between {then.type.describe()} and {otherwise.type.describe()}: "
            "both branches must have one type (an int and a double make a double; null fits any)"
        )
    kind = typed.pop()
    if kind not in _BRANCH_KINDS:
        raise RuleError(f"'?:' chooses between plain values, not a {kind}")
    nullable = condition.type.nullable or then.type.nullable or otherwise.type.nullable
    if condition.type.nullable:
        python = f"_r.choose({condition.python}, lambda: {then.python}, lambda: {otherwise.python})"
    else:
        python = f"({then.python} if {condition.python} else {otherwise.python})"
    spark = (
        f"(CASE {condition.spark} WHEN TRUE THEN {then.spark} "
        f"WHEN FALSE THEN {otherwise.spark} END)"
    )
    return Expr(RuleType(kind, nullable), python, spark)


def _comprehension(node: Comprehension, scope: Scope) -> Expr:
    """``x.all(v, p)`` / ``x.exists(v, p)`` over a list's items or a map's keys, answered as
    Spark's ``forall`` / ``exists`` answer: three-valued, and null for a null list. The name
    ``v`` is fresh: it may not hide a field, ``value``, ``now``, ``today`` or another item."""
    target = compile_node(node.target, scope)
    avro: AvroType
    if target.type.kind == "map":
        spark_items, avro = f"map_keys({target.spark})", Primitive("string")
    elif target.type.kind == "list" and target.type.item_avro is not None:
        spark_items, avro = target.spark, target.type.item_avro
    else:
        raise RuleError(f"{node.name}() needs a list or a map, not {target.type.describe()}")
    if _taken(node.variable, scope):
        raise RuleError(
            f"{node.name}({node.variable}, ...): {node.variable!r} already names something "
            "here; an item needs a fresh name"
        )
    name = f"_i{len(scope.variables) + 1}"  # distinct from every name around it, at both ends
    variables = {**scope.variables, node.variable: Variable(name, avro)}
    predicate = compile_node(node.predicate, replace(scope, variables=variables))
    _require(predicate, {"bool"}, f"the condition of {node.name}()")
    builtin, helper, function = _COMPREHENSIONS[node.name]
    nullable = target.type.nullable or predicate.type.nullable
    python = (
        f"_r.{helper}({target.python}, lambda {name}: {predicate.python})"
        if nullable
        else f"{builtin}({predicate.python} for {name} in {target.python})"
    )
    spark = f"{function}({spark_items}, {name} -> {predicate.spark})"
    return Expr(RuleType("bool", nullable), python, spark)


def _taken(name: str, scope: Scope) -> bool:
    """Whether ``name`` already means something in ``scope``."""
    if name in _RESERVED_NAMES or name in scope.variables:
        return True
    if scope.value is not None:  # a field rule sees no field but its own, as 'value'
        return False
    record = field_ref(scope.top, scope.base).type.record if scope.base else scope.top
    return record is not None and any(f.name == name for f in record.fields)


def _variable_ref(variable: Variable, names: tuple[str, ...]) -> Expr:
    """An item bound by ``all()``/``exists()``, or a field of it (``names``)."""
    python, spark, current = variable.name, variable.name, variable.type
    nullable = unwrap_nullable(current)[1]
    for name in names:
        inner, _ = unwrap_nullable(current)
        if not isinstance(inner, Record):
            raise RuleError(f"an item of type {avro_rule_type(inner).describe()} has no fields")
        python = f"_r.member({python}, {name!r})" if nullable else f"{python}.{name}"
        spark = f"{spark}.`{name}`"
        current = _field_of(inner, name).type
        nullable = nullable or unwrap_nullable(current)[1]
    python, spark = _carried(unwrap_nullable(current)[0], python, spark, nullable)
    return Expr(avro_rule_type(current, nullable), python, spark)


def _carried(
    leaf: AvroType, python: str, spark: str, nullable: bool, carried: bool = True
) -> tuple[str, str]:
    """A value of type ``leaf`` as both ends read it: an enum as its symbol, a uuid as
    lower-case text and, with ``carried`` (see :func:`field_ref`), in Python a ``float`` as its
    float32 and a ``*-millis`` time floored to the millisecond, as the job decodes them."""
    if isinstance(leaf, Enum):
        return (f"_r.enum_value({python})" if nullable else f"{python}.value"), spark
    if not isinstance(leaf, Primitive):
        return python, spark
    if leaf.logical == "uuid":
        return (f"_r.text({python})" if nullable else f"str({python})"), f"lower({spark})"
    if not carried:
        return python, spark
    if leaf.type == "float" and not leaf.logical:
        return f"_r.float32({python})", f"CAST({spark} AS DOUBLE)"
    if (leaf.logical or "").endswith("-millis"):
        return f"_r.millis({python})", spark
    return python, spark


def _age(args: tuple[Node, ...], scope: Scope) -> Expr:
    """``age(born)``: whole years from ``born`` to today; ``age(born, on)`` to ``on``. A date or
    an instant (its UTC date). One formula at both ends: the difference of the years, less one
    while ``on``'s month and day come before ``born``'s; so someone born on 29 February turns a
    year older on 1 March in other years. (Spark's ``months_between`` would differ: it counts
    28 February to 29 February as a whole month, both being a month's last day.)"""
    if len(args) not in (1, 2):
        raise RuleError("age() takes a date of birth and, optionally, the date to count to")
    born = compile_node(args[0], scope)
    on = compile_node(args[1], scope) if len(args) == 2 else _today()
    _require(born, {"date", "timestamp"}, "the date of birth of age()")
    _require(on, {"date", "timestamp"}, "the date age() counts to")
    b, o = _day_sql(born), _day_sql(on)
    same_month = f"month({o}) = month({b})"
    earlier = f"month({o}) < month({b}) OR ({same_month} AND dayofmonth({o}) < dayofmonth({b}))"
    spark = f"(year({o}) - year({b}) - IF({earlier}, 1, 0))"
    nullable = born.type.nullable or on.type.nullable
    return Expr(RuleType("int", nullable), f"_r.age({born.python}, {on.python})", spark)


def _today() -> Expr:
    """``today``: the UTC date of ``now``."""
    return Expr(RuleType("date"), "_r.utc_date(now)", _utc_date_sql(f"`{NOW_COLUMN}`"))


def _day_sql(expr: Expr) -> str:
    """A date or an instant as a Spark date (an instant's UTC date)."""
    return expr.spark if expr.type.kind == "date" else _utc_date_sql(expr.spark)


def _utc_date_sql(instant: str) -> str:
    """The UTC date of a Spark timestamp whatever the session's time zone (which ``to_date``
    would use): whole days since the epoch, floored."""
    micros = f"unix_micros({instant})"
    days = f"({micros} - pmod({micros}, {_DAY_MICROS})) DIV {_DAY_MICROS}"
    return f"date_from_unix_date(CAST({days} AS INT))"
