"""Build the Spark session and the streaming query, and run it.

Source choices: ``startingOffsets=earliest`` applies only to a query's first start (afterwards the
checkpoint decides); ``failOnDataLoss=true`` (Spark's default, kept on purpose) makes the query
fail loudly if offsets it has not processed were deleted by retention, instead of skipping them
silently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql.streaming.query import StreamingQuery

from config import Settings
from spark.contract import ReaderContract
from spark.metrics import MetricsLog
from spark.microbatch import BatchProcessor, Targets
from spark.options import cassandra_options, dlq_sink_options, kafka_options
from spark.reader import StaticReader
from spark.session import build_session
from spark.writer_schemas import WriterSchemas

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobOptions:
    """What one run of the job reads, where it writes and checkpoints.

    ``checkpoint`` is a string so a cluster can use a URI (``hdfs://``, ``s3a://``).
    """

    topic: str
    dlq_topic: str
    keyspace: str
    checkpoint: str
    trigger: str
    metrics_file: Path

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        contract: ReaderContract,
        *,
        topic: str | None = None,
        dlq_topic: str | None = None,
        keyspace: str | None = None,
        checkpoint: str | None = None,
        trigger: str | None = None,
        metrics_file: Path | None = None,
    ) -> JobOptions:
        """Options from ``settings``, each overridable (the CLI flags and tests do)."""
        return cls(
            topic=topic or settings.kafka.topic,
            dlq_topic=dlq_topic or settings.kafka.dlq_topic,
            keyspace=keyspace or settings.cassandra.keyspace or contract.keyspace,
            checkpoint=checkpoint or str(settings.spark.checkpoint_dir),
            trigger=trigger or settings.spark.trigger_interval,
            metrics_file=metrics_file or settings.spark.metrics_file,
        )


def start_query(
    spark: SparkSession, settings: Settings, contract: ReaderContract, options: JobOptions
) -> StreamingQuery:
    """Start the streaming query: Kafka source, ``foreachBatch`` sink, durable checkpoint."""
    reader = (
        spark.readStream.format("kafka")
        .options(**kafka_options(settings.kafka))
        .option("subscribe", options.topic)
        .option("startingOffsets", "earliest")
        .option("failOnDataLoss", "true")
        .option("includeHeaders", "true")
    )
    if settings.spark.max_offsets_per_trigger is not None:
        reader = reader.option("maxOffsetsPerTrigger", str(settings.spark.max_offsets_per_trigger))
    processor = BatchProcessor(
        StaticReader(contract),
        WriterSchemas.from_settings(settings),
        Targets(
            keyspace=options.keyspace,
            dlq_topic=options.dlq_topic,
            kafka_options=dlq_sink_options(settings.kafka),
            cassandra_options=cassandra_options(settings.cassandra),
        ),
        MetricsLog(options.metrics_file),
    )
    query = (
        reader.load()
        .writeStream.foreachBatch(processor)
        .option("checkpointLocation", options.checkpoint)
        .trigger(processingTime=options.trigger)
        .queryName(f"{options.topic}_to_{options.keyspace}_{contract.table}")
        .start()
    )
    log.info(
        "streaming %s -> %s.%s (DLQ %s), checkpoint %s, trigger %s",
        options.topic,
        options.keyspace,
        contract.table,
        options.dlq_topic,
        options.checkpoint,
        options.trigger,
    )
    return query


def run(settings: Settings, options: JobOptions, master: str | None = None) -> None:
    """Run the job until it is stopped or fails."""
    contract = ReaderContract.current()
    spark = build_session(settings, master)
    start_query(spark, settings, contract, options).awaitTermination()
