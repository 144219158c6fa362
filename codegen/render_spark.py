"""Render the Spark module of a schema file: the ``from_avro`` StructType and the projection.

:func:`spark_type` mirrors Spark 3.5's ``SchemaConverters.toSqlType``: one case per Avro type,
returning the type's pyspark constructor text and whether Spark makes it nullable.
"""

from __future__ import annotations

import json
import re

from codegen.model import Array, AvroType, Fixed, Map, Primitive, Record, SchemaFile, Union
from codegen.rule_set import CompiledRule, compile_rules, spark_texts_check
from codegen.table import Table
from codegen.templates import (
    PY_HEADER,
    SPARK_MODULE,
    SPARK_RULES,
    SPARK_TABLE,
    SPARK_TABLES,
    allow_long_lines,
)
from codegen.typemap import TYPE_MAP, type_key
from contract.rules import RuleMode
from contract.streams import value_column

_INDENT = "    "


def spark_type(t: AvroType, level: int = 0) -> tuple[str, bool]:
    """``(pyspark type expression, nullable)`` of ``t``, indented for nesting ``level``."""
    mapping = TYPE_MAP[type_key(t)]
    if isinstance(t, Union):
        rest = t.non_null
        if t.has_null:
            inner = rest[0] if len(rest) == 1 else Union(rest)
            return spark_type(inner, level)[0], True
        if len(rest) == 1:
            return spark_type(rest[0], level)
        kinds = {b.type for b in rest if isinstance(b, Primitive) and b.logical is None}
        if len(rest) == 2 and kinds in ({"int", "long"}, {"float", "double"}):
            return TYPE_MAP["long" if "long" in kinds else "double"].spark, False
        members = [(f"member{i}", spark_type(b, level + 1)[0], True) for i, b in enumerate(rest)]
        return _struct(members, level), False
    if isinstance(t, Record):
        fields = [(f.name, *spark_type(f.type, level + 1)) for f in t.fields]
        return _struct(fields, level), False
    if isinstance(t, Array):
        items, contains_null = spark_type(t.items, level)
        return mapping.spark.format(items=items, contains_null=contains_null), False
    if isinstance(t, Map):
        values, contains_null = spark_type(t.values, level)
        return mapping.spark.format(values=values, contains_null=contains_null), False
    if isinstance(t, Primitive | Fixed):
        return mapping.spark.format(precision=t.precision, scale=t.scale), False
    return mapping.spark, False


def _struct(fields: list[tuple[str, str, bool]], level: int) -> str:
    pad = _INDENT * (level + 1)
    body = "".join(f'{pad}StructField("{n}", {s}, {nullable}),\n' for n, s, nullable in fields)
    return f"StructType([\n{body}{_INDENT * level}])"


def projection(table: Table) -> list[tuple[str, str]]:
    """(column, Spark SQL expression over the struct column ``value``) for every column."""
    out = []
    for column in table.columns:
        expr = value_column(column.path)
        out.append((column.name, TYPE_MAP[type_key(column.type)].projection.format(expr=expr)))
    return out


def spark_rules(
    record: Record, tables: tuple[Table, ...], mode: RuleMode = RuleMode.DLQ
) -> list[CompiledRule]:
    """The rules in ``mode`` the job checks (those with a Spark rendering), in checking order."""
    return [
        r for r in compile_rules(record, tables).rules if r.spark is not None and r.mode == mode
    ]


def rule_tuples(rules: list[CompiledRule]) -> str:
    """``rules`` as the lines of a generated tuple of (name, field, message, Spark SQL)."""
    return "".join(
        f"    ({r.name!r}, {r.field!r}, {_text(r.message)}, {r.spark!r}),\n" for r in rules
    )


def render_module(file: SchemaFile, tables: tuple[Table, ...]) -> str:
    """The Spark module text for ``file`` (its tables only for annotated records)."""
    schema, _ = spark_type(file.record)
    rules = spark_rules(file.record, tables)
    table_text = SPARK_RULES.substitute(
        rules=rule_tuples(rules),
        warn_rules=rule_tuples(spark_rules(file.record, tables, RuleMode.WARN)),
        texts_ok=repr(spark_texts_check(rules)),
    )
    if tables:
        table_text += SPARK_TABLES.substitute(
            source=file.source,
            tables="".join(
                SPARK_TABLE.substitute(
                    keyspace=table.keyspace,
                    table=table.name,
                    primary_key=_tuple(table.primary_key),
                    projection="".join(
                        f'            ("{c}", "{e}"),\n' for c, e in projection(table)
                    ),
                )
                for table in tables
            ),
        )
    used = set(re.findall(r"\b([A-Z][A-Za-z]*Type)\(", schema))
    names = sorted(used | {"StructField", "StructType"})
    return allow_long_lines(
        SPARK_MODULE.substitute(
            header=PY_HEADER.format(source=file.source),
            fullname=file.record.fullname,
            imports="".join(f"    {n},\n" for n in names),
            contract_import="\nfrom contract import streams as _st\n" if tables else "",
            schema=schema,
            table=table_text,
        )
    )


def _text(message: str) -> str:
    """A double-quoted Python literal that keeps non-ASCII text readable."""
    return json.dumps(message, ensure_ascii=False)


def _tuple(items: tuple[str, ...]) -> str:
    return "(" + ", ".join(f'"{i}"' for i in items) + ("," if len(items) == 1 else "") + ")"
