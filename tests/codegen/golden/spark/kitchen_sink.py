# generated from schemas/kitchen_sink.avsc by codegen; do not edit
# ruff: noqa: E501
# fmt: off
"""Spark form of io.userstream.test.KitchenSink: ``from_avro`` struct and table projection."""

from __future__ import annotations

from pyspark.sql.types import (
    ArrayType,
    BinaryType,
    BooleanType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    MapType,
    StringType,
    StructField,
    StructType,
    TimestampNTZType,
    TimestampType,
)

from contract import streams as _st

SCHEMA: StructType = StructType([
    StructField("id", StringType(), False),
    StructField("seq", LongType(), False),
    StructField("flag", BooleanType(), False),
    StructField("small", IntegerType(), False),
    StructField("ratio", FloatType(), False),
    StructField("precise", DoubleType(), False),
    StructField("raw", BinaryType(), False),
    StructField("label", StringType(), False),
    StructField("suit", StringType(), False),
    StructField("digest", BinaryType(), False),
    StructField("tags", ArrayType(StringType(), False), False),
    StructField("scores", MapType(StringType(), IntegerType(), False), False),
    StructField("matrix", ArrayType(ArrayType(IntegerType(), False), False), False),
    StructField("address", StructType([
        StructField("street", StringType(), False),
        StructField("zip", StringType(), True),
    ]), False),
    StructField("second_address", StructType([
        StructField("street", StringType(), False),
        StructField("zip", StringType(), True),
    ]), True),
    StructField("contacts", ArrayType(StructType([
        StructField("kind", StringType(), False),
        StructField("handle", StringType(), True),
        StructField("place", StructType([
            StructField("street", StringType(), False),
            StructField("zip", StringType(), True),
        ]), False),
    ]), False), False),
    StructField("contact_by_name", MapType(StringType(), StructType([
        StructField("kind", StringType(), False),
        StructField("handle", StringType(), True),
        StructField("place", StructType([
            StructField("street", StringType(), False),
            StructField("zip", StringType(), True),
        ]), False),
    ]), False), False),
    StructField("location", StructType([
        StructField("lat", DoubleType(), False),
        StructField("lon", DoubleType(), False),
    ]), False),
    StructField("opt_int", IntegerType(), True),
    StructField("count_default", IntegerType(), False),
    StructField("amount", DecimalType(10, 2), False),
    StructField("amount_fixed", DecimalType(12, 3), False),
    StructField("day", DateType(), False),
    StructField("time_ms", IntegerType(), False),
    StructField("time_us", LongType(), False),
    StructField("ts_ms", TimestampType(), False),
    StructField("ts_us", TimestampType(), False),
    StructField("local_ms", TimestampNTZType(), False),
    StructField("local_us", TimestampNTZType(), False),
    StructField("period", BinaryType(), False),
])

#: The rules the job checks, in checking order: (name, field path, message, Spark SQL over the
#: struct column ``value``; the rule is broken when it is false). Rules the decoder already
#: guarantees are left out.
RULES: tuple[tuple[str, str, str, str], ...] = (
    ('type:uuid', 'id', "not a UUID (8-4-4-4-12 hexadecimal digits)", "(lower(value.`id`) RLIKE '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\\\z')"),
    ('type:utf8', 'label', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`label` AS BINARY) <=> encode(value.`label`, 'UTF-8')))"),
    ('type:utf8', 'tags', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(NOT exists(value.`tags`, s -> NOT (CAST(s AS BINARY) <=> encode(s, 'UTF-8'))))"),
    ('type:utf8', 'scores', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "((NOT exists(map_keys(value.`scores`), s -> NOT (CAST(s AS BINARY) <=> encode(s, 'UTF-8')))))"),
    ('type:utf8', 'address.street', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`address`.`street` AS BINARY) <=> encode(value.`address`.`street`, 'UTF-8')))"),
    ('type:utf8', 'address.zip', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`address`.`zip` AS BINARY) <=> encode(value.`address`.`zip`, 'UTF-8')))"),
    ('type:utf8', 'second_address.street', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`second_address`.`street` AS BINARY) <=> encode(value.`second_address`.`street`, 'UTF-8')))"),
    ('type:utf8', 'second_address.zip', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`second_address`.`zip` AS BINARY) <=> encode(value.`second_address`.`zip`, 'UTF-8')))"),
    ('type:utf8', 'contact_by_name', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "((NOT exists(map_keys(value.`contact_by_name`), s -> NOT (CAST(s AS BINARY) <=> encode(s, 'UTF-8')))))"),
    ('type:timestamp-range', 'ts_ms', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)", '(unix_micros(value.`ts_ms`) BETWEEN -62135596800000000 AND 253402300799999999)'),
    ('type:timestamp-range', 'ts_us', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)", '(unix_micros(value.`ts_us`) BETWEEN -62135596800000000 AND 253402300799999999)'),
    ('type:timestamp-range', 'local_ms', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)", '(unix_micros(CAST(value.`local_ms` AS TIMESTAMP)) BETWEEN -62135596800000000 AND 253402300799999999)'),
    ('type:timestamp-range', 'local_us', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)", '(unix_micros(CAST(value.`local_us` AS TIMESTAMP)) BETWEEN -62135596800000000 AND 253402300799999999)'),
)

#: The written rules whose mode is not ``dlq``: ``warn`` rules are counted, ``off`` rules are
#: not checked; both are left out of ``RULES``, ``warn`` ones listed in ``WARN_RULES``.
WARN_RULES: tuple[tuple[str, str, str, str], ...] = (
)

#: True when every single text checked above is valid UTF-8, tested at once: the job computes it
#: as the column ``_texts_ok`` first, and a ``type:utf8`` rule tests its own text only when it
#: is false. None when no rule checks a single text.
TEXTS_OK: str | None = "(CAST(concat_ws('|', value.`label`, value.`address`.`street`, value.`address`.`zip`, value.`second_address`.`street`, value.`second_address`.`zip`) AS BINARY) <=> encode(concat_ws('|', value.`label`, value.`address`.`street`, value.`address`.`zip`, value.`second_address`.`street`, value.`second_address`.`zip`), 'UTF-8'))"

SOURCE: str = "schemas/kitchen_sink.avsc"
#: The tables the job writes each decoded record to: their columns, each a Spark SQL
#: expression over the decoded struct column ``value``, and their primary keys.
TABLES: tuple[_st.TableTarget, ...] = (
    _st.TableTarget(
        keyspace="codegen_test",
        name="kitchen_sink",
        projection=(
            ("id", "value.`id`"),
            ("seq", "value.`seq`"),
            ("flag", "value.`flag`"),
            ("small", "value.`small`"),
            ("ratio", "value.`ratio`"),
            ("precise", "value.`precise`"),
            ("raw", "value.`raw`"),
            ("label", "value.`label`"),
            ("suit", "value.`suit`"),
            ("digest", "value.`digest`"),
            ("tags", "value.`tags`"),
            ("scores", "value.`scores`"),
            ("matrix", "value.`matrix`"),
            ("address_street", "value.`address`.`street`"),
            ("address_zip", "value.`address`.`zip`"),
            ("second_address_street", "value.`second_address`.`street`"),
            ("second_address_zip", "value.`second_address`.`zip`"),
            ("contacts", "value.`contacts`"),
            ("contact_by_name", "value.`contact_by_name`"),
            ("location_lat", "value.`location`.`lat`"),
            ("location_lon", "value.`location`.`lon`"),
            ("opt_int", "value.`opt_int`"),
            ("count_default", "value.`count_default`"),
            ("amount", "value.`amount`"),
            ("amount_fixed", "value.`amount_fixed`"),
            ("day", "value.`day`"),
            ("time_ms", "CAST(value.`time_ms` AS BIGINT) * 1000000"),
            ("time_us", "value.`time_us` * 1000"),
            ("ts_ms", "value.`ts_ms`"),
            ("ts_us", "value.`ts_us`"),
            ("local_ms", "CAST(value.`local_ms` AS TIMESTAMP)"),
            ("local_us", "CAST(value.`local_us` AS TIMESTAMP)"),
            ("period", "value.`period`"),
        ),
        primary_key=("id", "seq"),
    ),
)
