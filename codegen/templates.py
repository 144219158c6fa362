"""The text around the generated code, kept apart from the logic that fills it in."""

from __future__ import annotations

from string import Template

PY_HEADER = "# generated from {source} by codegen; do not edit\n# fmt: off\n"
_LINE_LIMIT = 100  # ruff's line-length in pyproject.toml


def allow_long_lines(text: str) -> str:
    """Exempt a generated module from E501 only if it has a line over the limit (else RUF100)."""
    if all(len(line) <= _LINE_LIMIT for line in text.splitlines()):
        return text
    first, rest = text.split("\n", 1)
    return f"{first}\n# ruff: noqa: E501\n{rest}"


CQL_HEADER = "-- generated from {source} by codegen; do not edit\n"

PY_MODULE = Template('''\
$header"""Record classes of $fullname, with its Avro schema."""

from __future__ import annotations

$imports
AVRO_SCHEMA: str = $schema
$classes$encoding$rules$declared$mapping''')

PY_RECORD = Template('''

@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class $name:
    """$doc"""

$fields

    def to_avro(self) -> dict[str, Any]:
        """The dict fastavro writes for this record."""
        return {
$to_avro
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> Self:
        """Build the record from the dict fastavro reads."""
        return cls(
$from_avro
        )
$avro_binary$methods''')

PY_AVRO_BINARY = Template('''
    def avro_binary(self) -> bytes:
        """This record in Avro's binary encoding (the body of a Confluent-framed message).

        Exactly what fastavro's ``schemaless_writer`` writes for ``to_avro()``, or an exception
        where fastavro would refuse a value (and for the few values it writes that
        ``contract/avro_binary.py`` refuses). Fields of nested records are inlined; a string is
        its length (from a table), then its UTF-8 (``str.encode`` refuses anything else).
        """
        try:
            return b"".join((
$parts
            ))
        except AttributeError as exc:  # an inlined record's place holds something else
            raise TypeError(f"not a record where one goes: a {type(exc.obj).__name__}") from exc
''')

#: A string field inlined in ``avro_binary()``: two parts, its length then its UTF-8.
PY_AVRO_STRING = Template(
    "                _a.SIZES[n] if (n := len(b := _a.ENCODE($value))) < 8192 else _a.long(n), b,"
)

PY_AVRO_FALLBACK = Template('''
    def avro_binary(self) -> bytes:
        """This record in Avro's binary encoding (the body of a Confluent-framed message).

        Written by fastavro itself, after its validation: $fields $verb a union of several
        branches, not all primitive, whose branch fastavro chooses from the value's Python type.
        """
        return _a.fastavro_binary($schema, self.to_avro())
''')

PY_AVRO_TABLE = Template("""

#: The Avro binary of each symbol of $name (its index), for ``avro_binary()``.
_AVRO_$name: dict[$name, bytes] = {
$entries}
""")

PY_AVRO_SCHEMA = Template("""

#: The schema of $name alone: fastavro writes this record (see its ``avro_binary()``).
_SCHEMA_$name: str = $schema
""")

PY_VIOLATION = Template('''
    def violation(self, now: datetime.datetime | None = None) -> _r.RuleViolation | None:
        """The first rule in ``dlq`` mode this record breaks (in ``RULES`` order), or None.

        ``now`` is the instant that rules about the present compare with (default: the clock).
        """
        now = now or datetime.datetime.now(datetime.UTC)
$checks
        return None

    def warnings(self, now: datetime.datetime | None = None) -> tuple[_r.RuleViolation, ...]:
        """The rules in ``warn`` mode this record breaks: counted, and the record passes."""
        return _r.broken_rules(self, now or datetime.datetime.now(datetime.UTC), _WARNED)
''')

PY_CHECK = Template("""\
        try:
            if $condition is False:
                return _VIOLATIONS[$index]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("$name", "$field", exc)
""")

PY_RULES = Template("""

#: Every rule of the contract, in checking order: (name, field path, message).
RULES: tuple[tuple[str, str, str], ...] = (
$rules)
_VIOLATIONS = tuple(_r.RuleViolation(*rule) for rule in RULES)
$constants#: The written rules whose mode is not ``dlq`` (``docs/contract-rules.md``, modes).
MODES: dict[str, _r.RuleMode] = {$modes}
#: Each rule's check, in ``RULES`` order, whatever its mode: false when a record breaks it at
#: ``now``, None when unknown; None for a rule only the job checks. ``violation()`` inlines them.
CHECKS: tuple[_r.Check | None, ...] = (
$checks)
_WARNED = tuple(
    (rule, check)
    for rule, check in zip(_VIOLATIONS, CHECKS, strict=True)
    if check is not None and MODES.get(rule.rule) == _r.RuleMode.WARN
)
""")

PY_ENUM = Template('''

class $name(enum.Enum):
    """$doc"""

$members
''')

SPARK_MODULE = Template('''\
$header"""Spark form of $fullname: ``from_avro`` struct and table projection."""

from __future__ import annotations

from pyspark.sql.types import (
$imports)
$contract_import
SCHEMA: StructType = $schema
$table''')

SPARK_TABLES = Template("""
SOURCE: str = "$source"
#: The tables the job writes each decoded record to: their columns, each a Spark SQL
#: expression over the decoded struct column ``value``, and their primary keys.
TABLES: tuple[_st.TableTarget, ...] = (
$tables)
""")

SPARK_TABLE = Template("""\
    _st.TableTarget(
        keyspace="$keyspace",
        name="$table",
        projection=(
$projection        ),
        primary_key=$primary_key,
    ),
""")

PY_DECLARED = Template("""

#: What the contract declares besides its types: its stream, its source and the source paths
#: it reads (``contract.streams``).
DECLARED: _st.Declared = $declared
""")

SPARK_RULES = Template("""
#: The rules the job checks, in checking order: (name, field path, message, Spark SQL over the
#: struct column ``value``; the rule is broken when it is false). Rules the decoder already
#: guarantees are left out.
RULES: tuple[tuple[str, str, str, str], ...] = (
$rules)

#: The written rules whose mode is not ``dlq``: ``warn`` rules are counted, ``off`` rules are
#: not checked; both are left out of ``RULES``, ``warn`` ones listed in ``WARN_RULES``.
WARN_RULES: tuple[tuple[str, str, str, str], ...] = (
$warn_rules)

#: True when every single text checked above is valid UTF-8, tested at once: the job computes it
#: as the column ``_texts_ok`` first, and a ``type:utf8`` rule tests its own text only when it
#: is false. None when no rule checks a single text.
TEXTS_OK: str | None = $texts_ok
""")

CQL_TABLES = Template("""\
-- Tables of $fullname: $tables.
-- Default keyspace: $keyspace. The applier chooses the keyspace (USE or a session keyspace);
-- its replication comes from configuration. Column types follow codegen/typemap.py.
$types$statements""")

CQL_TABLE = Template("""
${notes}CREATE TABLE IF NOT EXISTS $table (
$columns    PRIMARY KEY ($primary_key)
)$options;
""")

CQL_TYPE = Template("""
CREATE TYPE IF NOT EXISTS $name (
$fields
);
""")

CQL_MIGRATION = Template("""\
$header-- Migration $number of table $table: $description.
-- Idempotent: every statement may run again without effect.
$statements""")
