"""Build the Spark session and the streaming query, and run it under supervision.

Source choices: ``startingOffsets=earliest`` applies only to a query's first start (afterwards the
checkpoint decides); ``failOnDataLoss=true`` (Spark's default, kept on purpose) makes the query
fail loudly if offsets it has not processed were deleted by retention, instead of skipping them
silently; ``maxOffsetsPerTrigger`` bounds the first batch after an outage.

``run`` restarts a failed query from its checkpoint with exponential backoff, records every
failure and restart in the status file (``make inspect`` shows them), and says so loudly when
the query keeps failing for the same reason. A checkpoint that does not fit the topic is a
configuration error: ``run`` refuses to start (exit status 3) instead of looping.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaException
from pyspark.errors import StreamingQueryException
from pyspark.sql import SparkSession
from pyspark.sql.streaming.listener import StreamingQueryListener
from pyspark.sql.streaming.query import StreamingQuery

from clients.cassandra import connect, probe, table_keyspace
from clients.cassandra_schema import ApplyReport, Migration, apply_migrations, prepare_keyspace
from clients.kafka import end_offsets
from clients.registry import Registry, value_subject
from config import Settings
from spark.checkpoint import check_fits
from spark.contract import ReaderContract
from spark.live_reader import LiveReader
from spark.metrics import MetricsLog
from spark.microbatch import BatchProcessor, Targets, forget_cassandra_sessions
from spark.options import (
    cassandra_options,
    dlq_sink_options,
    kafka_options,
    kafka_source_timeouts,
)
from spark.reader import ReaderSource, StaticReader
from spark.session import build_session
from spark.status import write_status
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
            keyspace=keyspace or table_keyspace(settings, contract.keyspace),
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
    reader = reader.options(**kafka_source_timeouts(settings.kafka))
    schemas = WriterSchemas.from_settings(settings)
    # the connector's cached sessions may predate the keyspace or table (created just before,
    # by another client): their metadata does not know it, and the first write would fail
    forget_cassandra_sessions(spark)
    processor = BatchProcessor(
        reader_source(spark, settings, contract, options),
        schemas,
        Targets(
            keyspace=options.keyspace,
            dlq_topic=options.dlq_topic,
            kafka_options=dlq_sink_options(settings.kafka),
            cassandra_options=cassandra_options(settings.cassandra),
            sink_probe=lambda: probe(settings),
        ),
        MetricsLog(options.metrics_file),
        expected_ids=schemas.recent_ids(value_subject(options.topic)),
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


def reader_source(
    spark: SparkSession, settings: Settings, contract: ReaderContract, options: JobOptions
) -> ReaderSource:
    """The live reader (``spark.live_reader``, the default), or the generated contract as is.

    After the live reader migrates the table, the connector's sessions are closed so the next
    write sees the new columns.
    """
    if not settings.spark.live_reader:
        return StaticReader(contract)

    def migrate(migrations: list[Migration]) -> ApplyReport:
        report = ApplyReport(options.keyspace)
        with connect(settings) as session:
            prepare_keyspace(session, options.keyspace, settings.cassandra.replication)
            apply_migrations(session, options.keyspace, migrations, report)
        if report.applied:
            forget_cassandra_sessions(spark)
        return report

    return LiveReader(
        Registry(settings.registry),
        value_subject(options.topic),
        contract,
        migrate,
        settings.spark.status_file,
        settings.spark.reader_poll_interval_s,
    )


def check_checkpoint(settings: Settings, options: JobOptions) -> None:
    """Refuse a local checkpoint that is ahead of the topic (``CheckpointMismatchError``).

    Skipped for remote checkpoints (``hdfs://``, ``s3a://``) and when Kafka does not answer
    (the query itself then waits for it).
    """
    if "://" in options.checkpoint:
        return
    try:
        end = end_offsets(settings, options.topic)
    except KafkaException as exc:
        log.warning("checkpoint check skipped: Kafka did not answer (%s)", exc)
        return
    check_fits(Path(options.checkpoint), options.topic, end)


def failure_reason(exc: BaseException) -> str:
    """One line saying why a query failed (the innermost error line of Spark's report)."""
    text = str(exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    ours = [line for line in lines if _ERROR_LINE.match(line)]
    reason = ours[-1] if ours else (lines[0] if lines else type(exc).__name__)
    return reason[:500]


_ERROR_LINE = re.compile(r"^[\w.]*(Error|Exception): ")


def run(
    settings: Settings,
    options: JobOptions,
    master: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Run the job until it is stopped; a failed query is restarted from its checkpoint."""
    contract = ReaderContract.current()
    status_file = settings.spark.status_file
    check_checkpoint(settings, options)
    spark = build_session(settings, master)
    write_status(
        status_file,
        pid=os.getpid(),
        ui_url=spark.sparkContext.uiWebUrl,
        started_at=_now(),
        state="starting",
        query_restarts=0,
        failure_streak=0,
    )
    spark.streams.addListener(ProgressHeartbeat(status_file))
    restarts, streak, last_reason = 0, 0, None
    while True:
        query = start_query(spark, settings, contract, options)
        write_status(status_file, state="running", query_id=str(query.id), running_since=_now())
        try:
            query.awaitTermination()
        except StreamingQueryException as exc:
            reason = failure_reason(exc)
        else:
            write_status(status_file, state="stopped", stopped_at=_now())
            return
        restarts += 1
        streak = streak + 1 if reason == last_reason else 1
        last_reason = reason
        delay = min(settings.spark.restart_backoff_max_s, 2.0 ** min(streak, 10))
        if streak >= REPEATED:
            log.error(
                "the query failed %d times in a row for the same reason; it keeps being "
                "restarted every %.0f s until that is fixed: %s",
                streak,
                delay,
                reason,
            )
        else:
            log.error("query failed (restart %d in %.0f s): %s", restarts, delay, reason)
        write_status(
            status_file,
            state="restarting",
            query_restarts=restarts,
            failure_streak=streak,
            last_failure=reason,
            last_failure_at=_now(),
        )
        sleep(delay)


class ProgressHeartbeat(StreamingQueryListener):
    """Records when the query last made progress (a batch, or an idle trigger): the local
    supervisor restarts a job whose query has not made any for ``spark.stall_timeout_s``."""

    def __init__(self, status_file: Path) -> None:
        self._status_file = status_file

    def onQueryStarted(self, event: Any) -> None:  # noqa: N802 (pyspark's name)
        write_status(self._status_file, last_progress_at=_now())

    def onQueryProgress(self, event: Any) -> None:  # noqa: N802 (pyspark's name)
        write_status(self._status_file, last_progress_at=_now())

    def onQueryIdle(self, event: Any) -> None:  # noqa: N802 (pyspark's name)
        write_status(self._status_file, last_progress_at=_now())

    def onQueryTerminated(self, event: Any) -> None:  # noqa: N802 (pyspark's name)
        """Nothing: ``run`` records how the query ended."""


REPEATED = 3
"""Failures in a row for the same reason after which the log says the job is stuck on it."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
