"""THE type-mapping table: every Avro type and logical type -> its Python, CQL and Spark form.

Each render module looks types up here and nowhere else. Templates use ``str.format`` fields
filled by the render functions: ``{items}``/``{values}`` (element forms), ``{contains_null}``,
``{precision}``/``{scale}``, ``{name}`` (class or UDT name). The Spark column is what Spark 3.5's
``SchemaConverters.toSqlType`` yields (checked against a real session by the tests); ``projection``
turns the decoded Spark value into what the Cassandra connector writes to the CQL column.
``avro_binary`` is the expression of the generated ``avro_binary()`` that encodes a value
``{expr}`` (helpers of ``contract/avro_binary.py``, imported as ``_a``); it also takes ``{size}``,
``{table}`` (an enum's module-level symbol table), ``{item}``/``{key}`` (loop variables),
``{null}``/``{other}`` (a nullable union's branch indexes) and ``{branches}``.

``from_source`` converts a value ``{value}`` decoded from a source's JSON, found at the dotted
path ``{path}`` (helpers of ``contract/source_values.py``, imported as ``_s``); ``{field}`` is
the contract field path, ``{inner}`` an element's conversion. None: the type has no conversion
from JSON (an error names the field). ``straight`` is the fast path's ``(check, value)`` over a
value ``{v}`` of the usual JSON type, for the types that have one; ``coerced`` the same pair
for a field that accepts another JSON type (``"coerce": true``).
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.model import Array, AvroType, Enum, Fixed, Map, Primitive, Record, Union

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})

#: Which Avro types each logical type may annotate.
LOGICAL_BASES: dict[str, frozenset[str]] = {
    "decimal": frozenset({"bytes", "fixed"}),
    "uuid": frozenset({"string"}),
    "date": frozenset({"int"}),
    "time-millis": frozenset({"int"}),
    "time-micros": frozenset({"long"}),
    "timestamp-millis": frozenset({"long"}),
    "timestamp-micros": frozenset({"long"}),
    "local-timestamp-millis": frozenset({"long"}),
    "local-timestamp-micros": frozenset({"long"}),
    "duration": frozenset({"fixed"}),
}


@dataclass(frozen=True, slots=True)
class TypeMapping:
    """One row of the table.

    ``cql`` is None where CQL has no form (an error names the field); ``cql_warning`` is the
    documented loss when the CQL form is not exact. ``python_import`` is the module the
    annotation needs.
    """

    python: str
    cql: str | None
    spark: str
    avro_binary: str
    projection: str = "{expr}"
    python_import: str | None = None
    cql_warning: str | None = None
    from_source: str | None = None
    straight: tuple[str, str] | None = None
    coerced: tuple[str, tuple[str, str]] | None = None
    """``(from_source, straight)`` of a field that declares ``"coerce": true``: a string field
    also takes an integer (its decimal text), a number field a string holding a number."""


_INTEGER = "_s.integer({value}, {path})"
_INTEGER_STRAIGHT = ("type({v}) is int", "{v}")
_INTEGER_COERCED = ("_s.integer_or_text({value}, {path})", ("type({v}) is int", "{v}"))
_REAL = "_s.real({value}, {path})"
_REAL_STRAIGHT = ("type({v}) in _s.NUMBERS", "float({v})")
_REAL_COERCED = ("_s.real_or_text({value}, {path})", ("type({v}) in _s.NUMERIC", "float({v})"))
_MILLIS_STRAIGHT = ("type({v}) in _s.TEXTUAL", "_s.instant_fast({v}, 1000)")
_MICROS_STRAIGHT = ("type({v}) in _s.TEXTUAL", "_s.instant_fast({v}, 1000000)")
_MICROS_LOSS = "CQL timestamp has millisecond precision: microseconds are truncated"
_LOCAL_TS = "local-timestamp has no CQL form; stored as the UTC instant of the same wall time"

TYPE_MAP: dict[str, TypeMapping] = {
    # primitives
    "null": TypeMapping("None", None, "NullType()", "_a.null({expr})"),
    "boolean": TypeMapping(
        "bool",
        "boolean",
        "BooleanType()",
        "_a.boolean({expr})",
        from_source="_s.boolean({value}, {path})",
        straight=("type({v}) is bool", "{v}"),
    ),
    "int": TypeMapping(
        "int",
        "int",
        "IntegerType()",
        "_a.int32({expr})",
        from_source=_INTEGER,
        straight=_INTEGER_STRAIGHT,
        coerced=_INTEGER_COERCED,
    ),
    "long": TypeMapping(
        "int",
        "bigint",
        "LongType()",
        "_a.int64({expr})",
        from_source=_INTEGER,
        straight=_INTEGER_STRAIGHT,
        coerced=_INTEGER_COERCED,
    ),
    "float": TypeMapping(
        "float",
        "float",
        "FloatType()",
        "_a.float32({expr})",
        from_source=_REAL,
        straight=_REAL_STRAIGHT,
        coerced=_REAL_COERCED,
    ),
    "double": TypeMapping(
        "float",
        "double",
        "DoubleType()",
        "_a.float64({expr})",
        from_source=_REAL,
        straight=_REAL_STRAIGHT,
        coerced=_REAL_COERCED,
    ),
    "bytes": TypeMapping(
        "bytes",
        "blob",
        "BinaryType()",
        "_a.binary({expr})",
        from_source="_s.binary({value}, {path})",
    ),
    "string": TypeMapping(
        "str",
        "text",
        "StringType()",
        "_a.string({expr})",
        from_source="_s.string({value}, {path})",
        straight=("type({v}) is str", "{v}"),
        coerced=(
            "_s.text({value}, {path})",
            ("type({v}) in _s.TEXTUAL", "({v} if type({v}) is str else str({v}))"),
        ),
    ),
    # complex types
    "enum": TypeMapping(
        "{name}",
        "text",
        "StringType()",
        "_a.symbol({table}, {expr})",
        from_source="_s.symbol({value}, {path}, {name})",
    ),
    "fixed": TypeMapping(
        "bytes",
        "blob",
        "BinaryType()",
        "_a.fixed({expr}, {size})",
        from_source="_s.binary({value}, {path}, {size})",
    ),
    "array": TypeMapping(
        "list[{items}]",
        "list<{items}>",
        "ArrayType({items}, {contains_null})",
        "_a.block([{items} for {item} in _a.items({expr})])",
        from_source="_s.array({value}, {path}, lambda {item}, {item_path}: {inner})",
    ),
    "map": TypeMapping(
        "dict[str, {values}]",
        "map<text, {values}>",
        "MapType(StringType(), {values}, {contains_null})",
        "_a.block([_a.string({key}) + {values} for {key}, {item} in _a.entries({expr})])",
        from_source="_s.mapping({value}, {path}, lambda {item}, {item_path}: {inner})",
    ),
    "record": TypeMapping(
        "{name}", "frozen<{name}>", "StructType([{fields}])", "_a.record({expr}, {name})"
    ),
    "nullable": TypeMapping(
        "{inner} | None",
        "{inner}",
        "{inner}",
        "({null} if {expr} is None else {other} + {inner})",
        from_source="_s.optional({value}, {path}, lambda {item}, {item_path}: {inner})",
        straight=("({v} is None or {check})", "(None if {v} is None else {converted})"),
    ),
    # a union of several non-null branches: Spark widens int|long and float|double, else makes
    # a struct of nullable member0, member1, ...; CQL has no form. Python encodes a union of
    # primitives itself (choosing the branch as fastavro does); any other union is written by
    # fastavro, with the whole record that holds it.
    "union": TypeMapping(
        "{branches}", None, "StructType([{fields}])", "_a.union({expr}, {branches})"
    ),
    # logical types
    "decimal": TypeMapping(
        "decimal.Decimal",
        "decimal",
        "DecimalType({precision}, {scale})",
        "_a.decimal({expr}, {precision}, {scale}, {size})",
        python_import="decimal",
        from_source="_s.decimal_value({value}, {path}, {precision}, {scale})",
    ),
    "uuid": TypeMapping(
        "uuid.UUID",
        "uuid",
        "StringType()",
        "_a.uuid({expr})",
        python_import="uuid",
        from_source="_s.uuid_value({value}, {path}, {field})",
        straight=("type({v}) is str", "uuid.UUID({v})"),
    ),
    "date": TypeMapping(
        "datetime.date",
        "date",
        "DateType()",
        "_a.date_days({expr})",
        python_import="datetime",
        from_source="_s.day({value}, {path})",
    ),
    "time-millis": TypeMapping(
        "datetime.time",
        "time",
        "IntegerType()",
        "_a.time_millis({expr})",
        projection="CAST({expr} AS BIGINT) * 1000000",
        python_import="datetime",
        from_source="_s.time_of_day({value}, {path})",
    ),
    "time-micros": TypeMapping(
        "datetime.time",
        "time",
        "LongType()",
        "_a.time_micros({expr})",
        projection="{expr} * 1000",
        python_import="datetime",
        from_source="_s.time_of_day({value}, {path})",
    ),
    "timestamp-millis": TypeMapping(
        "datetime.datetime",
        "timestamp",
        "TimestampType()",
        "_a.timestamp_millis({expr})",
        python_import="datetime",
        from_source="_s.instant({value}, {path}, 1000)",
        straight=_MILLIS_STRAIGHT,
    ),
    "timestamp-micros": TypeMapping(
        "datetime.datetime",
        "timestamp",
        "TimestampType()",
        "_a.timestamp_micros({expr})",
        python_import="datetime",
        cql_warning=_MICROS_LOSS,
        from_source="_s.instant({value}, {path}, 1000000)",
        straight=_MICROS_STRAIGHT,
    ),
    "local-timestamp-millis": TypeMapping(
        "datetime.datetime",
        "timestamp",
        "TimestampNTZType()",
        "_a.local_timestamp_millis({expr})",
        projection="CAST({expr} AS TIMESTAMP)",
        python_import="datetime",
        cql_warning=_LOCAL_TS,
    ),
    "local-timestamp-micros": TypeMapping(
        "datetime.datetime",
        "timestamp",
        "TimestampNTZType()",
        "_a.local_timestamp_micros({expr})",
        projection="CAST({expr} AS TIMESTAMP)",
        python_import="datetime",
        cql_warning=f"{_LOCAL_TS}; {_MICROS_LOSS}",
    ),
    # Spark and the Python driver have no duration type: the 12 raw bytes (months, days,
    # milliseconds, little-endian unsigned) travel unchanged and land in a blob.
    "duration": TypeMapping("bytes", "blob", "BinaryType()", "_a.fixed({expr}, 12)"),
}


def type_key(t: AvroType) -> str:
    """The row of :data:`TYPE_MAP` that describes ``t``."""
    if isinstance(t, Primitive):
        return t.logical or t.type
    if isinstance(t, Fixed):
        return t.logical or "fixed"
    if isinstance(t, Union):
        return "nullable" if t.has_null and len(t.non_null) == 1 else "union"
    return {Enum: "enum", Array: "array", Map: "map", Record: "record"}[type(t)]
