# generated from schemas/unions.avsc by codegen; do not edit
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
