# generated from schemas/point.avsc by codegen; do not edit
# fmt: off
"""Spark form of io.userstream.test.Point: ``from_avro`` struct and table projection."""

from __future__ import annotations

from pyspark.sql.types import (
    DoubleType,
    StructField,
    StructType,
)

SCHEMA: StructType = StructType([
    StructField("lat", DoubleType(), False),
    StructField("lon", DoubleType(), False),
])
