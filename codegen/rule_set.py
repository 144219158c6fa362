"""A contract's rules, in the one order both ends check them: written ones and type-implied ones.

A field or a record may carry data-quality rules as the property ``x-rules``::

    "x-rules": [{"name": "latitude_in_range",
                 "expr": "value >= -90.0 && value <= 90.0",
                 "message": "latitude must be within [-90, 90]"}]

In a field rule ``value`` is the field; in a record rule names are the record's fields (dotted
into nested records). The language is described in :mod:`codegen.rule_syntax` and
:mod:`codegen.rule_compile` (and in ``docs/contract-rules.md``).

Codegen also derives the checks the types imply but Avro does not enforce (``type:*`` rules):
text is valid UTF-8, a ``uuid`` is a UUID, a key fits Cassandra's 64 KiB, an ``int`` fits 32 bits,
a ``float`` fits 32 bits, a ``decimal`` its precision and scale, a timestamp years 1 to 9999.
Each is rendered only where the end's own types do not already guarantee it (a Python
``datetime`` is always within years 1-9999; Spark's decoder already refuses an ``int`` that
does not fit), so its text may be missing on one side.

Order: depth-first over the fields; for each field its implied rules, then its written rules;
a nested record's fields come at its position, and each record's own rules after its fields.
The first rule a record breaks is the one reported, with the same name at both ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from codegen.errors import SchemaError
from codegen.model import Array, AvroType, Field, Fixed, Map, Primitive, Record, unwrap_nullable
from codegen.rule_compile import (
    MAX_MICROS,
    MIN_MICROS,
    Expr,
    RuleError,
    Scope,
    compile_node,
    field_ref,
    sql_string,
)
from codegen.rule_syntax import RuleSyntaxError, parse_rule
from codegen.table import Table
from contract.rules import RuleMode
from contract.streams import column_name

RULES_PROPERTY = "x-rules"
TEXTS_OK_COLUMN = "_texts_ok"
"""The Spark column holding ``spark_texts_check``: a ``type:utf8`` rule on one text tests its
text alone only when the check of all texts at once failed (as ``texts_ok`` does in Python)."""
PII_PROPERTY = "x-pii"
IMPLIED_PREFIX = "type:"
_RULE_KEYS = {"name", "expr", "message"}
_RULE_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
_UUID_JAVA = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\z"
KEY_MAX_BYTES = 65_535


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One rule, ready for both ends.

    ``python`` is an expression over ``self`` (the top-level record) and ``now``; ``spark`` an
    SQL expression over the decoded struct column ``value``. Either may be None when that end's
    types already guarantee the rule. The rule is broken when the expression is false.
    """

    name: str
    field: str
    message: str
    python: str | None
    spark: str | None
    text: str | None = None
    """For a ``type:utf8`` rule on one text field: the Python expression of that text. The
    generated check tests all such texts at once first (``texts_ok``), and each one alone only
    when that fails."""
    spark_text: str | None = None
    """The same text as Spark SQL, for ``spark_texts_check``."""
    mode: RuleMode = RuleMode.DLQ
    """What breaking it does (a written rule's ``mode``; type-implied rules are always ``dlq``)."""

    @property
    def written(self) -> bool:
        """Written in the schema (not one of the ``type:*`` rules codegen derives)."""
        return not self.name.startswith(IMPLIED_PREFIX)


@dataclass
class RuleSet:
    """Every rule of one contract, in order, and the Python constants the rules use."""

    rules: list[CompiledRule] = field(default_factory=list)
    constants: dict[str, str] = field(default_factory=dict)


def compile_rules(top: Record, tables: tuple[Table, ...]) -> RuleSet:
    """Every rule of the contract ``top`` in checking order; a bad rule raises ``SchemaError``.

    ``tables`` are the contract's tables: a value that is a key of any of them must fit
    Cassandra's key size."""
    key_columns = {column for table in tables for column in table.primary_key}
    scope_constants: dict[str, str] = {}
    out = RuleSet(constants=scope_constants)
    seen: dict[str, str] = {}
    for rule in _walk(top, top, (), key_columns, scope_constants):
        if rule.name in seen and rule.written:
            raise SchemaError(
                top.source,
                f"{top.fullname}.{rule.field}",
                f"rule name {rule.name!r} is also used on {seen[rule.name] or top.fullname}; "
                "rule names identify DLQ entries and must be unique in a contract",
            )
        seen.setdefault(rule.name, rule.field)
        out.rules.append(rule)
    return out


def _walk(
    top: Record,
    record: Record,
    base: tuple[str, ...],
    keys: set[str],
    constants: dict[str, str],
) -> Iterator[CompiledRule]:
    for f in record.fields:
        path = (*base, f.name)
        where = f"{top.fullname}.{'.'.join(path)}"
        _check_pii(f, record.source, where)
        inner, _ = unwrap_nullable(f.type)
        if isinstance(inner, Record):
            yield from _walk(top, inner, path, keys, constants)
        else:
            ref = _ref(top, path)
            yield from _implied(ref, inner, path, column_name(path) in keys)
        scope = Scope(top, base, path, constants)
        yield from _written(f.props.get(RULES_PROPERTY), scope, record.source, where, path)
    where = f"{top.fullname}{'.' if base else ''}{'.'.join(base)}"
    scope = Scope(top, base, None, constants)
    # a record rule names its record: the field path of a nested one, the name of the top one
    label = base or (top.name,)
    yield from _written(record.props.get(RULES_PROPERTY), scope, record.source, where, label)


def _ref(top: Record, path: tuple[str, ...]) -> Expr | None:
    """The field's expression, or None for types rules cannot see (multi-type unions)."""
    try:
        return field_ref(top, path, carried=False)
    except RuleError:
        return None


def _check_pii(f: Field, source: str, where: str) -> None:
    tag = f.props.get(PII_PROPERTY)
    if tag is not None and not isinstance(tag, bool):
        raise SchemaError(source, where, f"{PII_PROPERTY} must be true or false, not {tag!r}")


def _written(
    raw: object, scope: Scope, source: str, where: str, path: tuple[str, ...]
) -> Iterator[CompiledRule]:
    if raw is None:
        return
    if not isinstance(raw, list):
        raise SchemaError(source, where, f"{RULES_PROPERTY} must be a list of rule objects")
    for index, item in enumerate(raw):
        at = f"{where}: {RULES_PROPERTY}[{index}]"
        if not isinstance(item, dict) or not _RULE_KEYS <= set(item) <= {*_RULE_KEYS, "mode"}:
            raise SchemaError(
                source, at, "a rule is an object with 'name', 'expr', 'message' and maybe 'mode'"
            )
        name, expr, message = item["name"], item["expr"], item["message"]
        if not isinstance(name, str) or not _RULE_NAME.fullmatch(name):
            raise SchemaError(
                source, at, f"rule name {name!r}: lower-case letters, digits and _, up to 63"
            )
        at = f"{where}: rule {name}"
        if not isinstance(expr, str) or not isinstance(message, str) or not message.strip():
            raise SchemaError(source, at, "'expr' and 'message' must be non-empty strings")
        mode = item.get("mode", RuleMode.DLQ.value)
        if not isinstance(mode, str) or mode not in {m.value for m in RuleMode}:
            modes = ", ".join(repr(m.value) for m in RuleMode)
            raise SchemaError(source, at, f"mode {mode!r} is not one of {modes}")
        try:
            compiled = compile_node(parse_rule(expr), scope)
        except (RuleSyntaxError, RuleError) as exc:
            raise SchemaError(source, at, f"{exc} in {expr!r}") from None
        if compiled.type.kind != "bool":
            raise SchemaError(
                source, at, f"{expr!r} is {compiled.type.describe()}; a rule must be true or false"
            )
        yield CompiledRule(
            name, ".".join(path), message, compiled.python, compiled.spark, mode=RuleMode(mode)
        )


def _implied(
    ref: Expr | None, t: AvroType, path: tuple[str, ...], is_key: bool
) -> Iterator[CompiledRule]:
    """The ``type:*`` rules of one non-record field."""
    if ref is None:
        return
    dotted = ".".join(path)
    py, sql = ref.python, ref.spark
    if isinstance(t, Primitive) and t.logical == "uuid":
        yield CompiledRule(
            "type:uuid",
            dotted,
            "not a UUID (8-4-4-4-12 hexadecimal digits)",
            f"_r.is_uuid({py})",
            f"({sql} RLIKE {sql_string(_UUID_JAVA)})",
        )
        return
    if _holds_text(t):
        single = isinstance(t, Primitive)
        yield CompiledRule(
            "type:utf8",
            dotted,
            "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)",
            f"(texts_ok or _r.utf8({py}))" if single else f"_r.utf8({py})",
            f"(`{TEXTS_OK_COLUMN}` OR {_utf8_sql(t, sql)})" if single else _utf8_sql(t, sql),
            py if single else None,
            sql if single else None,
        )
    if is_key and isinstance(t, Primitive) and t.type in ("string", "bytes") and not t.logical:
        yield CompiledRule(
            "type:key-size",
            dotted,
            f"a key column value longer than Cassandra's {KEY_MAX_BYTES} bytes",
            f"_r.le(_r.byte_size({py}), {KEY_MAX_BYTES})",
            f"(octet_length({sql}) <= {KEY_MAX_BYTES})",
        )
    if isinstance(t, Primitive) and t.type in ("int", "long") and not t.logical:
        bits = 32 if t.type == "int" else 64
        yield CompiledRule(
            f"type:int{bits}",
            dotted,
            f"an integer that does not fit {bits} bits",
            f"_r.fits_bits({py}, {bits})",
            None,
        )
    if isinstance(t, Primitive) and t.type == "float":
        message = "a number too large for a 32-bit float"
        yield CompiledRule("type:float32", dotted, message, f"_r.fits_float32({py})", None)
    if isinstance(t, Primitive | Fixed) and t.logical == "decimal":
        yield CompiledRule(
            "type:decimal",
            dotted,
            f"a decimal that does not fit precision {t.precision}, scale {t.scale}",
            f"_r.decimal_fits({py}, {t.precision}, {t.scale})",
            None,
        )
    if isinstance(t, Primitive) and t.logical and "timestamp" in t.logical:
        instant = f"CAST({sql} AS TIMESTAMP)" if t.logical.startswith("local") else sql
        yield CompiledRule(
            "type:timestamp-range",
            dotted,
            "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)",
            None,
            f"(unix_micros({instant}) BETWEEN {MIN_MICROS} AND {MAX_MICROS})",
        )


def spark_texts_check(rules: list[CompiledRule]) -> str | None:
    """Spark SQL that is true when every single text the rules check is valid UTF-8, tested at
    once; None when no rule checks one.

    The texts are joined with an ASCII separator: an ASCII byte can neither end nor continue a
    multi-byte sequence, so the broken halves of two texts cannot meet as a valid character.
    Re-encoding one joined text instead of each one made the job's rules 2x cheaper
    (``docs/performance.md``).
    """
    texts = [r.spark_text for r in rules if r.spark_text is not None]
    if not texts:
        return None
    return _valid_utf8_sql(f"concat_ws('|', {', '.join(texts)})")


def _holds_text(t: AvroType) -> bool:
    """Strings, and lists or maps holding strings (a map's keys are always strings)."""
    if isinstance(t, Primitive):
        return t.type == "string" and t.logical is None
    if isinstance(t, Array):
        return _holds_text(unwrap_nullable(t.items)[0])
    return isinstance(t, Map)


def _valid_utf8_sql(text: str) -> str:
    """True when a Spark string's bytes are valid UTF-8 (re-encoding would otherwise differ)."""
    return f"(CAST({text} AS BINARY) <=> encode({text}, 'UTF-8'))"


def _utf8_sql(t: AvroType, sql: str) -> str:
    if isinstance(t, Primitive):
        return _valid_utf8_sql(sql)
    if isinstance(t, Array):
        return f"(NOT exists({sql}, s -> NOT {_valid_utf8_sql('s')}))"
    assert isinstance(t, Map)
    checks = [f"(NOT exists(map_keys({sql}), s -> NOT {_valid_utf8_sql('s')}))"]
    values = unwrap_nullable(t.values)[0]
    if isinstance(values, Primitive) and values.type == "string" and values.logical is None:
        checks.append(f"(NOT exists(map_values({sql}), s -> NOT {_valid_utf8_sql('s')}))")
    return "(" + " AND ".join(checks) + ")"
