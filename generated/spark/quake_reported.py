# generated from schemas/quake_reported.avsc by codegen; do not edit
# ruff: noqa: E501
# fmt: off
"""Spark form of io.userstream.quakes.QuakeReported: ``from_avro`` struct and table projection."""

from __future__ import annotations

from pyspark.sql.types import (
    DoubleType,
    IntegerType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from contract import streams as _st

SCHEMA: StructType = StructType([
    StructField("id", StringType(), False),
    StructField("network", StringType(), False),
    StructField("magnitude", DoubleType(), True),
    StructField("magnitude_type", StringType(), True),
    StructField("place", StringType(), True),
    StructField("occurred_at", TimestampType(), False),
    StructField("updated_at", TimestampType(), False),
    StructField("status", StringType(), False),
    StructField("significance", IntegerType(), False),
    StructField("tsunami", IntegerType(), False),
    StructField("epicenter", StructType([
        StructField("longitude", DoubleType(), False),
        StructField("latitude", DoubleType(), False),
        StructField("depth_km", DoubleType(), False),
    ]), False),
    StructField("url", StringType(), False),
    StructField("ingested_at", TimestampType(), False),
    StructField("source", StringType(), False),
])

#: The rules the job checks, in checking order: (name, field path, message, Spark SQL over the
#: struct column ``value``; the rule is broken when it is false). Rules the decoder already
#: guarantees are left out.
RULES: tuple[tuple[str, str, str, str], ...] = (
    ('type:utf8', 'id', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`id` AS BINARY) <=> encode(value.`id`, 'UTF-8')))"),
    ('type:key-size', 'id', "a key column value longer than Cassandra's 65535 bytes", '(octet_length(value.`id`) <= 65535)'),
    ('quake_id_format', 'id', "event id must be a network code and an event code", "(value.`id` RLIKE '^[a-z0-9]{2,8}[A-Za-z0-9_-]{1,40}\\\\z')"),
    ('type:utf8', 'network', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`network` AS BINARY) <=> encode(value.`network`, 'UTF-8')))"),
    ('type:key-size', 'network', "a key column value longer than Cassandra's 65535 bytes", '(octet_length(value.`network`) <= 65535)'),
    ('network_code', 'network', "network must be 2 to 8 lower-case letters or digits", "(value.`network` RLIKE '^[a-z0-9]{2,8}\\\\z')"),
    ('magnitude_plausible', 'magnitude', "magnitude must be within [-2, 10]", '((value.`magnitude` IS NULL) OR ((value.`magnitude` >= -2.0D) AND (value.`magnitude` <= 10.0D)))'),
    ('type:utf8', 'magnitude_type', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`magnitude_type` AS BINARY) <=> encode(value.`magnitude_type`, 'UTF-8')))"),
    ('type:utf8', 'place', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`place` AS BINARY) <=> encode(value.`place`, 'UTF-8')))"),
    ('type:timestamp-range', 'occurred_at', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)", '(unix_micros(value.`occurred_at`) BETWEEN -62135596800000000 AND 253402300799999999)'),
    ('occurred_not_in_future', 'occurred_at', "an event cannot have happened in the future", '(value.`occurred_at` <= IF((unix_micros(`_now`) + 300000000) BETWEEN -62135596800000000 AND 253402300799999999, timestamp_micros((unix_micros(`_now`) + 300000000)), NULL))'),
    ('type:timestamp-range', 'updated_at', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)", '(unix_micros(value.`updated_at`) BETWEEN -62135596800000000 AND 253402300799999999)'),
    ('significance_not_negative', 'significance', "significance must not be negative", '(value.`significance` >= 0)'),
    ('tsunami_flag', 'tsunami', "tsunami flag must be 0 or 1", '(value.`tsunami` IN (0, 1))'),
    ('epicenter_longitude', 'epicenter.longitude', "longitude must be within [-180, 180]", '((value.`epicenter`.`longitude` >= -180.0D) AND (value.`epicenter`.`longitude` <= 180.0D))'),
    ('epicenter_latitude', 'epicenter.latitude', "latitude must be within [-90, 90]", '((value.`epicenter`.`latitude` >= -90.0D) AND (value.`epicenter`.`latitude` <= 90.0D))'),
    ('depth_plausible', 'epicenter.depth_km', "depth must be within [-10, 800] km", '((value.`epicenter`.`depth_km` >= -10.0D) AND (value.`epicenter`.`depth_km` <= 800.0D))'),
    ('type:utf8', 'url', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`url` AS BINARY) <=> encode(value.`url`, 'UTF-8')))"),
    ('event_url', 'url', "event page must be an https URL", "startswith(value.`url`, 'https://')"),
    ('type:timestamp-range', 'ingested_at', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)", '(unix_micros(value.`ingested_at`) BETWEEN -62135596800000000 AND 253402300799999999)'),
    ('type:utf8', 'source', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`source` AS BINARY) <=> encode(value.`source`, 'UTF-8')))"),
)

#: The written rules whose mode is not ``dlq``: ``warn`` rules are counted, ``off`` rules are
#: not checked; both are left out of ``RULES``, ``warn`` ones listed in ``WARN_RULES``.
WARN_RULES: tuple[tuple[str, str, str, str], ...] = (
)

#: True when every single text checked above is valid UTF-8, tested at once: the job computes it
#: as the column ``_texts_ok`` first, and a ``type:utf8`` rule tests its own text only when it
#: is false. None when no rule checks a single text.
TEXTS_OK: str | None = "(CAST(concat_ws('|', value.`id`, value.`network`, value.`magnitude_type`, value.`place`, value.`url`, value.`source`) AS BINARY) <=> encode(concat_ws('|', value.`id`, value.`network`, value.`magnitude_type`, value.`place`, value.`url`, value.`source`), 'UTF-8'))"

SOURCE: str = "schemas/quake_reported.avsc"
#: The tables the job writes each decoded record to: their columns, each a Spark SQL
#: expression over the decoded struct column ``value``, and their primary keys.
TABLES: tuple[_st.TableTarget, ...] = (
    _st.TableTarget(
        keyspace="spark_streams",
        name="quakes",
        projection=(
            ("id", "value.`id`"),
            ("network", "value.`network`"),
            ("magnitude", "value.`magnitude`"),
            ("magnitude_type", "value.`magnitude_type`"),
            ("place", "value.`place`"),
            ("occurred_at", "value.`occurred_at`"),
            ("updated_at", "value.`updated_at`"),
            ("status", "value.`status`"),
            ("significance", "value.`significance`"),
            ("tsunami", "value.`tsunami`"),
            ("epicenter_longitude", "value.`epicenter`.`longitude`"),
            ("epicenter_latitude", "value.`epicenter`.`latitude`"),
            ("epicenter_depth_km", "value.`epicenter`.`depth_km`"),
            ("url", "value.`url`"),
            ("ingested_at", "value.`ingested_at`"),
            ("source", "value.`source`"),
        ),
        primary_key=("id",),
    ),
    _st.TableTarget(
        keyspace="spark_streams",
        name="quakes_by_network",
        projection=(
            ("id", "value.`id`"),
            ("network", "value.`network`"),
            ("magnitude", "value.`magnitude`"),
            ("place", "value.`place`"),
            ("occurred_at", "value.`occurred_at`"),
            ("status", "value.`status`"),
        ),
        primary_key=("network", "occurred_at", "id"),
    ),
)
