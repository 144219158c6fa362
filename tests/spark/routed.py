"""A topic's query with the routes a test chooses (reader contracts other than the generated
ones: rules stripped, record types of a test's own), wired as ``spark.streams`` wires the job's
queries: Kafka source from the earliest offset, ``BatchProcessor`` in ``foreachBatch``, the
checkpoint of the topic under ``spark.checkpoint_dir``."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import SparkSession
from pyspark.sql.streaming.query import StreamingQuery

from config import Settings
from spark.cassandra_sink import forget_cassandra_sessions
from spark.checkpoint import checkpoint_location
from spark.metrics import MetricsLog
from spark.microbatch import BatchProcessor, Route
from spark.options import kafka_options
from spark.streams import query_targets
from spark.writer_schemas import WriterSchemas


def start_routed(
    spark: SparkSession,
    settings: Settings,
    topic: str,
    dlq_topic: str,
    routes: Sequence[Route],
) -> StreamingQuery:
    """The query of ``topic`` routing its records to ``routes``, rejects to ``dlq_topic``; its
    files are those of ``settings`` (``StreamNames.for_job``)."""
    processor = BatchProcessor(
        topic,
        routes,
        WriterSchemas.from_settings(settings),
        query_targets(settings, dlq_topic),
        MetricsLog(settings.spark.metrics_file),
    )
    forget_cassandra_sessions(spark)  # tables created by the test since its sessions opened
    return (
        spark.readStream.format("kafka")
        .options(**kafka_options(settings.kafka))
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .option("includeHeaders", "true")
        .load()
        .writeStream.foreachBatch(processor)
        .option("checkpointLocation", checkpoint_location(settings, topic))
        .trigger(processingTime=settings.spark.trigger_interval)
        .queryName(topic)
        .start()
    )
