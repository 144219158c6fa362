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

#: The rules the job checks, in checking order: (name, field path, message, Spark SQL over the
#: struct column ``value``; the rule is broken when it is false). Rules the decoder already
#: guarantees are left out.
RULES: tuple[tuple[str, str, str, str], ...] = (
)

#: The written rules whose mode is not ``dlq``: ``warn`` rules are counted, ``off`` rules are
#: not checked; both are left out of ``RULES``, ``warn`` ones listed in ``WARN_RULES``.
WARN_RULES: tuple[tuple[str, str, str, str], ...] = (
)

#: True when every single text checked above is valid UTF-8, tested at once: the job computes it
#: as the column ``_texts_ok`` first, and a ``type:utf8`` rule tests its own text only when it
#: is false. None when no rule checks a single text.
TEXTS_OK: str | None = None
