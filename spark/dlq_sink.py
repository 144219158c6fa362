"""Rejected rows to their topic's DLQ: the original key, value and headers, plus the reason
headers of ``contract.dlq``."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as fn

from contract.dlq import DlqHeader, RejectRule, Stage
from spark.classifier import ERROR


def to_dlq(
    rejects: DataFrame, dlq_topic: str, kafka_options: dict[str, str], contract: str
) -> None:
    """Write ``rejects`` (Kafka metadata and the ``ERROR`` reason) to ``dlq_topic``; they were
    checked against ``contract`` (the header is empty for a record type no contract reads)."""
    error = fn.col(ERROR)
    checked_by = fn.when(error["rule"] == RejectRule.UNKNOWN_RECORD.value, fn.lit("")).otherwise(
        fn.lit(contract)
    )
    ours = fn.array(
        _header(DlqHeader.ERROR, error["message"]),
        _header(DlqHeader.RULE, error["rule"]),
        _header(DlqHeader.FIELD, error["field"]),
        _header(DlqHeader.STAGE, fn.lit(Stage.JOB.value)),
        _header(DlqHeader.CONTRACT, checked_by),
        _header(DlqHeader.SOURCE_TOPIC, fn.col("_kafka_topic")),
        _header(DlqHeader.SOURCE_PARTITION, fn.col("_kafka_partition").cast("string")),
        _header(DlqHeader.SOURCE_OFFSET, fn.col("_kafka_offset").cast("string")),
        _header(
            DlqHeader.SOURCE_TIMESTAMP,
            (fn.col("_kafka_timestamp").cast("double") * 1000).cast("long").cast("string"),
        ),
    )
    original = fn.col("_kafka_headers")
    headers = fn.when(original.isNull(), ours).otherwise(fn.concat(original, ours))
    rejects.select(
        fn.col("_kafka_key").alias("key"),
        fn.col("_kafka_value").alias("value"),
        headers.alias("headers"),
    ).write.format("kafka").options(**kafka_options).option("topic", dlq_topic).save()


def _header(name: DlqHeader, value: Column) -> Column:
    return fn.struct(fn.lit(name.value).alias("key"), value.cast("binary").alias("value"))
