"""THE type-mapping table: every Avro type and logical type -> its Python, CQL and Spark form.

Each render module looks types up here and nowhere else. Templates use ``str.format`` fields
filled by the render functions: ``{items}``/``{values}`` (element forms), ``{contains_null}``,
``{precision}``/``{scale}``, ``{name}`` (class or UDT name). The Spark column is what Spark 3.5's
``SchemaConverters.toSqlType`` yields (checked against a real session by the tests); ``projection``
turns the decoded Spark value into what the Cassandra connector writes to the CQL column.
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
    projection: str = "{expr}"
    python_import: str | None = None
    cql_warning: str | None = None


_MICROS_LOSS = "CQL timestamp has millisecond precision: microseconds are truncated"
_LOCAL_TS = "local-timestamp has no CQL form; stored as the UTC instant of the same wall time"

TYPE_MAP: dict[str, TypeMapping] = {
    # primitives
    "null": TypeMapping("None", None, "NullType()"),
    "boolean": TypeMapping("bool", "boolean", "BooleanType()"),
    "int": TypeMapping("int", "int", "IntegerType()"),
    "long": TypeMapping("int", "bigint", "LongType()"),
    "float": TypeMapping("float", "float", "FloatType()"),
    "double": TypeMapping("float", "double", "DoubleType()"),
    "bytes": TypeMapping("bytes", "blob", "BinaryType()"),
    "string": TypeMapping("str", "text", "StringType()"),
    # complex types
    "enum": TypeMapping("{name}", "text", "StringType()", projection="{expr}"),
    "fixed": TypeMapping("bytes", "blob", "BinaryType()"),
    "array": TypeMapping("list[{items}]", "list<{items}>", "ArrayType({items}, {contains_null})"),
    "map": TypeMapping(
        "dict[str, {values}]",
        "map<text, {values}>",
        "MapType(StringType(), {values}, {contains_null})",
    ),
    "record": TypeMapping("{name}", "frozen<{name}>", "StructType([{fields}])"),
    "nullable": TypeMapping("{inner} | None", "{inner}", "{inner}"),
    # a union of several non-null branches: Spark widens int|long and float|double, else makes
    # a struct of nullable member0, member1, ...; CQL has no form.
    "union": TypeMapping("{branches}", None, "StructType([{fields}])"),
    # logical types
    "decimal": TypeMapping(
        "decimal.Decimal", "decimal", "DecimalType({precision}, {scale})", python_import="decimal"
    ),
    "uuid": TypeMapping("uuid.UUID", "uuid", "StringType()", python_import="uuid"),
    "date": TypeMapping("datetime.date", "date", "DateType()", python_import="datetime"),
    "time-millis": TypeMapping(
        "datetime.time",
        "time",
        "IntegerType()",
        projection="CAST({expr} AS BIGINT) * 1000000",
        python_import="datetime",
    ),
    "time-micros": TypeMapping(
        "datetime.time", "time", "LongType()", projection="{expr} * 1000", python_import="datetime"
    ),
    "timestamp-millis": TypeMapping(
        "datetime.datetime", "timestamp", "TimestampType()", python_import="datetime"
    ),
    "timestamp-micros": TypeMapping(
        "datetime.datetime",
        "timestamp",
        "TimestampType()",
        python_import="datetime",
        cql_warning=_MICROS_LOSS,
    ),
    "local-timestamp-millis": TypeMapping(
        "datetime.datetime",
        "timestamp",
        "TimestampNTZType()",
        projection="CAST({expr} AS TIMESTAMP)",
        python_import="datetime",
        cql_warning=_LOCAL_TS,
    ),
    "local-timestamp-micros": TypeMapping(
        "datetime.datetime",
        "timestamp",
        "TimestampNTZType()",
        projection="CAST({expr} AS TIMESTAMP)",
        python_import="datetime",
        cql_warning=f"{_LOCAL_TS}; {_MICROS_LOSS}",
    ),
    # Spark and the Python driver have no duration type: the 12 raw bytes (months, days,
    # milliseconds, little-endian unsigned) travel unchanged and land in a blob.
    "duration": TypeMapping("bytes", "blob", "BinaryType()"),
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
