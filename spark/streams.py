"""The job's streams: one streaming query per topic, routing its records to the contracts on it.

Why one query per topic (and not one query over every topic): each topic keeps its own
checkpoint, so a contract added later starts its own query without touching the others'
offsets; a topic whose sink fails is replayed and restarted alone; and a micro-batch reads only
its own topic's partitions. The cost is a trigger per topic: with the 1 s trigger each idle
query plans an empty batch a second (a few milliseconds of driver time each,
``docs/streaming-job.md``). Topics that carry several record types (RecordNameStrategy,
TopicRecordNameStrategy) route each record by the record type its writer schema writes.

Source choices: ``startingOffsets=earliest`` applies only to a query's first start (afterwards
the checkpoint decides); ``failOnDataLoss=true`` (Spark's default, kept on purpose) makes the
query fail loudly if offsets it has not processed were deleted by retention, instead of
skipping them silently; ``maxOffsetsPerTrigger`` bounds the first batch after an outage.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from pyspark.sql import SparkSession
from pyspark.sql.streaming.query import StreamingQuery

from clients.cassandra import connect, probe, table_keyspace
from clients.cassandra_schema import ApplyReport, CqlText, Migration, apply_all
from clients.registry import Registry
from config import Settings
from contract.catalog import Contract, all_contracts
from contract.metrics import JobMetrics
from spark.cassandra_sink import CassandraTarget, forget_cassandra_sessions
from spark.checkpoint import checkpoint_location
from spark.live_reader import LiveReader, Migrate, ReaderPoller
from spark.metrics import MetricsLog, export_topic
from spark.microbatch import BatchProcessor, Route, Targets
from spark.options import (
    cassandra_options,
    dlq_sink_options,
    kafka_options,
    kafka_source_timeouts,
)
from spark.reader import StaticReader
from spark.reader_contract import ReaderContract, writes_tables
from spark.state import JobStateFile
from spark.writer_schemas import WriterSchemas

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicPlan:
    """A topic the job streams: the contracts on it and where its rejects go."""

    topic: str
    dlq_topic: str
    contracts: tuple[Contract, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.contracts)


def plan(settings: Settings, only: Sequence[str] = ()) -> dict[str, TopicPlan]:
    """The topics to stream and their contracts: every contract with a table (or those named
    in ``only``), grouped by topic (``kafka.topic_prefix`` applied)."""
    by_topic: dict[str, list[Contract]] = {}
    for contract in all_contracts():
        if (only and contract.name not in only) or not writes_tables(contract):
            continue
        by_topic.setdefault(contract.names(settings).topic, []).append(contract)
    return {
        topic: TopicPlan(topic, contracts[0].names(settings).dlq_topic, tuple(contracts))
        for topic, contracts in sorted(by_topic.items())
    }


def query_targets(settings: Settings, dlq_topic: str) -> Targets:
    """Where a query's batches go: rejects to ``dlq_topic``, rows to the tables of each route,
    in the keyspace ``settings`` gives each table."""
    return Targets(
        dlq_topic=dlq_topic,
        kafka_options=dlq_sink_options(settings.kafka),
        cassandra=CassandraTarget(
            options=cassandra_options(settings.cassandra),
            keyspace=lambda table: table_keyspace(settings, table.keyspace),
            probe=lambda: probe(settings),
        ),
    )


def table_migrator(spark: SparkSession, settings: Settings, contract: ReaderContract) -> Migrate:
    """How a live reader brings ``contract``'s keyspace to a new version: new tables created,
    migrations applied once each (``clients.cassandra_schema``); then the connector's sessions
    are closed so the next write sees the new columns."""
    keyspace = table_keyspace(settings, contract.tables[0].keyspace)

    def migrate(tables: list[CqlText], migrations: list[Migration]) -> ApplyReport:
        with connect(settings) as session:
            report = apply_all(
                session, keyspace, settings.cassandra.replication, tables, migrations
            )
        if report.applied or report.files:
            forget_cassandra_sessions(spark)
        return report

    return migrate


class TopicStreams:
    """Starts and stops the query of each topic, with a live reader per contract; each batch's
    figures also go to ``prometheus``, the job's metrics, when given."""

    def __init__(
        self,
        spark: SparkSession,
        settings: Settings,
        state: JobStateFile,
        poller: ReaderPoller | None,
        prometheus: JobMetrics | None = None,
    ) -> None:
        self.spark = spark
        self.settings = settings
        self.state = state
        self.poller = poller
        self.prometheus = prometheus
        self.queries: dict[str, StreamingQuery] = {}
        self.plans: dict[str, TopicPlan] = {}
        self._readers: dict[str, list[LiveReader]] = {}
        self._registry = Registry(settings.registry)

    def start(self, topic_plan: TopicPlan) -> StreamingQuery:
        """Start the query of ``topic_plan``'s topic: Kafka source, ``foreachBatch`` sink,
        durable checkpoint."""
        settings, topic = self.settings, topic_plan.topic
        reader = (
            self.spark.readStream.format("kafka")
            .options(**kafka_options(settings.kafka))
            .option("subscribe", topic)
            .option("startingOffsets", "earliest")
            .option("failOnDataLoss", "true")
            .option("includeHeaders", "true")
        )
        if settings.spark.max_offsets_per_trigger is not None:
            reader = reader.option(
                "maxOffsetsPerTrigger", str(settings.spark.max_offsets_per_trigger)
            )
        reader = reader.options(**kafka_source_timeouts(settings.kafka))
        schemas = WriterSchemas.from_settings(settings)
        # the connector's cached sessions may predate a keyspace or table (created just before,
        # by another client): their metadata does not know it, and the first write would fail
        forget_cassandra_sessions(self.spark)
        routes = [self._route(contract) for contract in topic_plan.contracts]
        if self.prometheus is not None:
            tables = [t.name for r in routes for t in r.contract.tables]
            export_topic(self.prometheus, topic, tables)
        expected = sorted(
            {i for c in topic_plan.contracts for i in schemas.recent_ids(c.names(settings).subject)}
        )
        processor = BatchProcessor(
            topic,
            routes,
            schemas,
            query_targets(settings, topic_plan.dlq_topic),
            MetricsLog(settings.spark.metrics_file, prometheus=self.prometheus),
            expected_ids=expected,
        )
        query = (
            reader.load()
            .writeStream.foreachBatch(processor)
            .option("checkpointLocation", checkpoint_location(settings, topic))
            .trigger(processingTime=settings.spark.trigger_interval)
            .queryName(topic)
            .start()
        )
        self.queries[topic] = query
        self.plans[topic] = topic_plan
        self.state.update(queries={**self.state.read().queries, topic: str(query.id)})
        log.info(
            "streaming %s (%s) -> %s (DLQ %s), checkpoint %s, trigger %s",
            topic,
            ", ".join(topic_plan.names),
            ", ".join(
                f"{table_keyspace(settings, t.keyspace)}.{t.name}"
                for r in routes
                for t in r.contract.tables
            ),
            topic_plan.dlq_topic,
            checkpoint_location(settings, topic),
            settings.spark.trigger_interval,
        )
        return query

    def close(self) -> None:
        """Stop every query and release the registry client."""
        for topic in list(self.queries):
            self.stop(topic)
        self._registry.close()

    def stop(self, topic: str) -> None:
        """Stop the query of ``topic`` (a batch in progress ends first) and forget it."""
        query = self.queries.pop(topic, None)
        if query is not None and query.isActive:
            query.stop()
        self.plans.pop(topic, None)
        if self.poller is not None:
            self.poller.forget(self._readers.pop(topic, []))

    def _route(self, contract: Contract) -> Route:
        """The live reader of ``contract`` (``spark.live_reader``, the default), or its
        generated form as is. After the live reader migrates a table, the connector's sessions
        are closed so the next write sees the new columns."""
        generated = ReaderContract.generated(contract)
        if not self.settings.spark.live_reader:
            return StaticReader(generated)
        settings = self.settings
        reader = LiveReader(
            self._registry,
            contract.names(settings).subject,
            generated,
            table_migrator(self.spark, settings, generated),
            self.state,
            settings.spark.reader_poll_interval_s,
        )
        topic = contract.names(settings).topic
        self._readers.setdefault(topic, []).append(reader)
        if self.poller is not None:
            self.poller.watch(reader)
        return reader
