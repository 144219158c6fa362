"""The Confluent wire format, checked with Spark SQL expressions (no Python UDFs).

A framed value is: magic byte 0, a 4-byte big-endian schema id, then the Avro binary body.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as fn

HEADER_BYTES = 5
"""Magic byte plus schema id."""


def framing_error(value: Column) -> Column:
    """Why ``value`` is not Confluent-framed, or null when its header is well formed."""
    magic = fn.hex(fn.substring(value, 1, 1))
    return (
        fn.when(value.isNull(), fn.lit("null value: not Confluent-framed Avro"))
        .when(
            fn.length(value) < HEADER_BYTES,
            fn.concat(
                fn.lit("value of "),
                fn.length(value).cast("string"),
                fn.lit(f" bytes is shorter than the {HEADER_BYTES}-byte Confluent header"),
            ),
        )
        .when(
            magic != fn.lit("00"),
            fn.concat(fn.lit("wrong magic byte 0x"), magic, fn.lit(", want 0x00")),
        )
    )


def schema_id(value: Column) -> Column:
    """The writer schema id of a framed value (bytes 2..5, big-endian), as a long."""
    return fn.conv(fn.hex(fn.substring(value, 2, 4)), 16, 10).cast("long")


def avro_body(value: Column) -> Column:
    """The Avro binary body after the header."""
    return value.substr(fn.lit(HEADER_BYTES + 1), fn.length(value) - HEADER_BYTES)
