# generated from schemas/unions.avsc by codegen; do not edit
# ruff: noqa: E501
# fmt: off
"""Spark form of io.userstream.test.Unions: ``from_avro`` struct and table projection."""

from __future__ import annotations

from pyspark.sql.types import (
    ArrayType,
    DoubleType,
    IntegerType,
    LongType,
    MapType,
    StringType,
    StructField,
    StructType,
)

SCHEMA: StructType = StructType([
    StructField("int_or_long", LongType(), False),
    StructField("float_or_double", DoubleType(), False),
    StructField("string_or_int", StructType([
        StructField("member0", StringType(), True),
        StructField("member1", IntegerType(), True),
    ]), False),
    StructField("null_string_or_long", StructType([
        StructField("member0", StringType(), True),
        StructField("member1", LongType(), True),
    ]), True),
    StructField("single", StringType(), False),
    StructField("string_or_null", StringType(), True),
    StructField("maybe_items", ArrayType(IntegerType(), True), False),
    StructField("maybe_values", MapType(StringType(), DoubleType(), True), False),
    StructField("maybe_suits", ArrayType(StringType(), False), True),
    StructField("points", MapType(StringType(), ArrayType(StructType([
        StructField("lat", DoubleType(), False),
        StructField("lon", DoubleType(), False),
    ]), False), False), False),
])

#: The rules the job checks, in checking order: (name, field path, message, Spark SQL over the
#: struct column ``value``; the rule is broken when it is false). Rules the decoder already
#: guarantees are left out.
RULES: tuple[tuple[str, str, str, str], ...] = (
    ('type:utf8', 'string_or_null', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`string_or_null` AS BINARY) <=> encode(value.`string_or_null`, 'UTF-8')))"),
    ('type:utf8', 'maybe_values', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "((NOT exists(map_keys(value.`maybe_values`), s -> NOT (CAST(s AS BINARY) <=> encode(s, 'UTF-8')))))"),
    ('type:utf8', 'points', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "((NOT exists(map_keys(value.`points`), s -> NOT (CAST(s AS BINARY) <=> encode(s, 'UTF-8')))))"),
)

#: The written rules whose mode is not ``dlq``: ``warn`` rules are counted, ``off`` rules are
#: not checked; both are left out of ``RULES``, ``warn`` ones listed in ``WARN_RULES``.
WARN_RULES: tuple[tuple[str, str, str, str], ...] = (
)

#: True when every single text checked above is valid UTF-8, tested at once: the job computes it
#: as the column ``_texts_ok`` first, and a ``type:utf8`` rule tests its own text only when it
#: is false. None when no rule checks a single text.
TEXTS_OK: str | None = "(CAST(concat_ws('|', value.`string_or_null`) AS BINARY) <=> encode(concat_ws('|', value.`string_or_null`), 'UTF-8'))"
