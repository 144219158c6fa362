"""The Confluent wire format (``contract.wire``) as Spark SQL expressions (no Python UDFs).

Built from the wire module's constants and reasons, so the job gives a malformed value the
same reason as the Python side.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as fn

from contract import wire


def framing_error(value: Column) -> Column:
    """Why ``value`` is not Confluent-framed, or null when its header is well formed."""
    magic = fn.hex(fn.substring(value, 1, 1))
    return (
        fn.when(value.isNull(), fn.lit(wire.NULL_VALUE))
        .when(
            fn.length(value) < wire.HEADER_BYTES,
            fn.concat(
                fn.lit(wire.SHORT_VALUE[0]),
                fn.length(value).cast("string"),
                fn.lit(wire.SHORT_VALUE[1]),
            ),
        )
        .when(
            magic != fn.lit(f"{wire.MAGIC:02X}"),
            fn.concat(fn.lit(wire.WRONG_MAGIC[0]), magic, fn.lit(wire.WRONG_MAGIC[1])),
        )
    )


def schema_id(value: Column) -> Column:
    """The writer schema id of a framed value (after the magic byte, big-endian), as a long."""
    id_bytes = fn.substring(value, 2, wire.SCHEMA_ID_BYTES)
    return fn.conv(fn.hex(id_bytes), 16, 10).cast("long")


def avro_body(value: Column) -> Column:
    """The Avro binary body after the header."""
    return value.substr(fn.lit(wire.HEADER_BYTES + 1), fn.length(value) - wire.HEADER_BYTES)
