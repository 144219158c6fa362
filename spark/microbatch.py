"""One micro-batch of one topic: framing, routing to contracts, decoding, rules, the writes, DLQ.

Runs in ``foreachBatch`` on the driver; everything per row is a Spark SQL expression
(``spark.classifier``).

1. The batch is framed (magic byte, schema id). Its writer ids are expected to be those of the
   previous batch, resolved through the registry (cached): the batch is decoded, checked and
   written in one pass, which also counts the rows of other ids. Only when there are such rows
   (a new writer version, another producer's first record) does a second round list their ids
   and handle them. A starting job expects the ids of its subjects' newest versions.
2. A topic carries one contract, or several record types (RecordNameStrategy,
   TopicRecordNameStrategy): each writer schema is routed to the contract whose record type it
   writes, and each contract's rows are handled by a pass of their own (one more read of the
   batch per contract; on a topic of one contract every writer goes to it).
3. In a pass each listed id gets its own ``from_avro(body, writer, {"avroSchema": reader})``,
   chosen by one ``CASE`` on the row's id, in one pass over the rows; every row gets its first
   reject reason, or none.
4. Good rows are upserted into each of the contract's tables (``spark.cassandra_sink``); with
   several tables the classified rows are cached first, so Kafka is read and the rows decoded
   once. Rejects go to the topic's DLQ (``spark.dlq_sink``).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, Observation
from pyspark.sql import functions as fn

from contract.dlq import RejectRule
from spark.cassandra_sink import (
    CassandraTarget,
    Position,
    RowsRefusedError,
    isolate,
    refused_rows,
    save,
    write_time_column,
)
from spark.classifier import (
    ERROR,
    META,
    SCHEMA_ID,
    UNLISTED,
    WARNED,
    Classifier,
    frame_columns,
    schema_ids,
)
from spark.dlq_sink import to_dlq
from spark.metrics import BatchMetrics, MetricsLog, latency_percentiles
from spark.reader import ReaderChoice
from spark.reader_contract import ReaderContract
from spark.writer_schemas import WriterSchema, WriterSchemas

log = logging.getLogger(__name__)

CLASSIFIERS_KEPT = 8
"""Classifiers kept for reuse: a batch usually has the writers of the one before, and a second
pass those of a new version."""
PERCENTS = [i / 100 for i in range(101)]
"""Quantiles of each batch's latency that the metrics keep (enough to merge batches)."""


class Route(Protocol):
    """A contract a topic carries, as the job reads it (a live reader, or a static one)."""

    @property
    def contract(self) -> ReaderContract: ...

    def reader_for(self, writers: Sequence[WriterSchema]) -> ReaderChoice: ...


@dataclass(frozen=True)
class Targets:
    """Where a topic's batches go: Cassandra, and the topic's DLQ."""

    dlq_topic: str
    kafka_options: dict[str, str]
    cassandra: CassandraTarget


class BatchProcessor:
    """The ``foreachBatch`` function of one topic's query; :meth:`process` is the core."""

    def __init__(
        self,
        topic: str,
        routes: Sequence[Route],
        schemas: WriterSchemas,
        targets: Targets,
        metrics: MetricsLog,
        expected_ids: Sequence[int] = (),
    ) -> None:
        if not routes:
            raise ValueError(f"topic {topic}: no contract to route its records to")
        self.topic = topic
        self._routes = list(routes)
        self._schemas = schemas
        self._targets = targets
        self._metrics = metrics
        self._listed = sorted(expected_ids)
        """The writer ids of the last batch (at first those expected, for example the subjects'
        newest versions), decoded in the first round of the next."""
        self._classifiers: dict[tuple[object, ...], Classifier] = {}

    def __call__(self, batch: DataFrame, batch_id: int) -> None:
        self._metrics.record(self.process(batch, batch_id))

    @cached_property
    def _stamp(self) -> Column:
        """Built at the first batch (a column needs a running Spark), then reused."""
        return write_time_column()

    @cached_property
    def _frame(self) -> tuple[Column, ...]:
        return frame_columns()

    @cached_property
    def _figures(self) -> tuple[Column, ...]:
        return figure_columns()

    def process(self, batch: DataFrame, batch_id: int) -> BatchMetrics:
        """Write the good rows of ``batch`` to Cassandra and the rejects to the DLQ."""
        started = time.time()
        framed = batch.select(*self._frame)
        listed = self._listed
        if listed:
            passes = self._round(framed, batch_id, listed)
        else:  # no id expected: the batch lists its ids ahead, cached so Kafka is read once
            cached = framed.persist(StorageLevel.MEMORY_AND_DISK)
            try:
                listed = schema_ids(cached)
                passes = self._round(cached, batch_id, listed)
            finally:
                cached.unpersist()
        if any(done.figures.unlisted for done in passes):
            others = framed.where(~fn.col(SCHEMA_ID).isin(listed))
            passes += self._round(others, batch_id, schema_ids(others))
        present = sorted({i for done in passes for i in done.figures.present})
        self._listed = present
        written_ms = time.time() * 1000.0
        by_rule: Counter[str] = Counter()
        by_table: Counter[str] = Counter()
        warned: Counter[str] = Counter()
        for done in passes:
            by_rule.update(done.by_rule)
            by_table.update(done.by_table)
            warned.update(done.figures.warned)
        return BatchMetrics(
            batch_id=batch_id,
            topic=self.topic,
            finished_at_ms=int(written_ms),
            duration_ms=int(written_ms - started * 1000),
            rows_read=sum(done.figures.read for done in passes),
            rows_written=sum(done.figures.good - done.refused for done in passes),
            rows_rejected=sum(by_rule.values()),
            rejected_by_rule=dict(by_rule),
            warned_by_rule=dict(warned),
            rows_by_table=dict(by_table),
            writer_schema_ids=present,
            reader_versions={
                done.contract: done.reader_version
                for done in passes
                if done.reader_version is not None
            },
            latency_ms_quantiles=_latency_quantiles(passes, written_ms),
        )

    def _round(self, framed: DataFrame, batch_id: int, listed: list[int]) -> list[_Pass]:
        """One pass per contract with rows among ``listed`` (the first contract's pass also
        takes the rows no contract reads: bad framing, unknown or foreign writers)."""
        writers = self._schemas.resolve_batch(listed)
        if len(self._routes) == 1:
            return [self._pass(framed, batch_id, self._routes[0], writers)]
        groups = self._assign(writers)
        passes = []
        for index, (route, own) in enumerate(zip(self._routes, groups, strict=True)):
            if index == 0:
                claimed = [w.schema_id for other in groups[1:] for w in other]
                subset = framed.where(fn.col(SCHEMA_ID).isNull() | ~fn.col(SCHEMA_ID).isin(claimed))
            elif own:
                subset = framed.where(fn.col(SCHEMA_ID).isin([w.schema_id for w in own]))
            else:
                continue
            passes.append(self._pass(subset, batch_id, route, own))
        return passes

    def _assign(self, writers: list[WriterSchema]) -> list[list[WriterSchema]]:
        """Each route's writers, by the record type they write; the first route also gets the
        writers no route reads, each with its reason."""
        by_name = {route.contract.record_name: i for i, route in enumerate(self._routes)}
        groups: list[list[WriterSchema]] = [[] for _ in self._routes]
        for writer in writers:
            if writer.problem is not None:
                groups[0].append(writer)
                continue
            name = writer.record_name
            if name in by_name:
                groups[by_name[name]].append(writer)
            else:
                message = (
                    f"writer schema id {writer.schema_id} writes {name or 'no named record'}, "
                    f"which no contract on topic {self.topic} reads"
                )
                groups[0].append(writer.refused(RejectRule.UNKNOWN_RECORD, message))
        return groups

    def _pass(
        self, framed: DataFrame, batch_id: int, route: Route, writers: list[WriterSchema]
    ) -> _Pass:
        """Classify and write the rows of ``framed`` whose writer id is among ``writers`` (or
        that do not frame); the others are left for another round, and counted."""
        choice = route.reader_for(writers)
        contract = choice.contract
        classified = self._classifier(writers, choice).apply(framed)
        several = len(contract.tables) > 1
        rows = classified.persist(StorageLevel.MEMORY_AND_DISK) if several else classified
        try:
            figures, refused, by_table = self._write_good(rows, batch_id, contract)
            by_rule = self._reject(rows, contract.name) if figures.read > figures.good else {}
        finally:
            if several:
                rows.unpersist()
        if refused:
            by_rule[RejectRule.SINK_REJECTED.value] = refused
        return _Pass(contract.name, figures, refused, by_rule, by_table, contract.version)

    def _classifier(self, writers: list[WriterSchema], choice: ReaderChoice) -> Classifier:
        key = (tuple(writers), choice.contract, tuple(sorted(choice.refused.items())))
        found = self._classifiers.pop(key, None) or Classifier.build(writers, choice)
        self._classifiers[key] = found  # newest last; the oldest goes beyond CLASSIFIERS_KEPT
        while len(self._classifiers) > CLASSIFIERS_KEPT:
            del self._classifiers[next(iter(self._classifiers))]
        return found

    def _write_good(
        self, classified: DataFrame, batch_id: int, contract: ReaderContract
    ) -> tuple[_Figures, int, dict[str, int]]:
        """Upsert the good rows into every table; returns the pass's figures, how many rows
        Cassandra refused, and the rows written per table.

        The figures are observed during the first table's write (one Spark job). When
        Cassandra refuses rows, they are computed by a job of their own, and the refused rows
        isolated and dead-lettered.
        """
        observation = Observation(f"batch_{batch_id}_{uuid.uuid4().hex}")
        good = classified.where(fn.col(ERROR).isNull())
        observed = classified.observe(observation, *self._figures).where(fn.col(ERROR).isNull())
        refused: dict[Position, str] = {}
        by_table: dict[str, int] = {}
        figures: _Figures | None = None
        for index, table in enumerate(contract.tables):
            rows = observed if index == 0 else good
            try:
                save(rows, table, self._targets.cassandra, self._stamp)
                refused_here: dict[Position, str] = {}
            except RowsRefusedError as exc:
                log.warning("Cassandra refused a write to %s: %s", table.name, exc.message)
                refused_here = isolate(
                    good, table, contract, self._targets.cassandra, self._stamp, exc.message
                )
            if index == 0:
                figures = self._observed(observation, classified, refused=bool(refused_here))
            by_table[table.name] = (figures.good if figures else 0) - len(refused_here)
            refused.update({p: m for p, m in refused_here.items() if p not in refused})
        assert figures is not None
        if refused:
            to_dlq(
                refused_rows(good, refused, RejectRule.SINK_REJECTED).select(*META, ERROR),
                self._targets.dlq_topic,
                self._targets.kafka_options,
                contract.name,
            )
        return figures, len(refused), by_table

    def _observed(self, observation: Observation, classified: DataFrame, refused: bool) -> _Figures:
        """The figures the first write observed; after a refused write (whose observation is
        incomplete), or when they do not arrive, a job of their own computes them."""
        if not refused and figures_arrived(observation, OBSERVATION_WAIT_S):
            return _Figures.of(observation.get)
        if not refused:
            log.warning(
                "the batch's figures did not arrive within %.0f s of its write: counted again",
                OBSERVATION_WAIT_S,
            )
        row = classified.agg(*self._figures).first()
        assert row is not None
        return _Figures.of(row.asDict())

    def _reject(self, classified: DataFrame, contract: str) -> dict[str, int]:
        """Send every rejected row to the DLQ; returns the count per rule."""
        rejected = fn.col(ERROR).isNotNull() & (fn.col(ERROR)["rule"] != UNLISTED)
        rejects = classified.where(rejected).select(*META, ERROR).persist()
        try:
            counts = rejects.groupBy(fn.col(ERROR)["rule"].alias("rule")).count().collect()
            to_dlq(rejects, self._targets.dlq_topic, self._targets.kafka_options, contract)
        finally:
            rejects.unpersist()
        return {str(row["rule"]): int(row["count"]) for row in counts}


OBSERVATION_WAIT_S = 30.0
"""How long a write's observed figures may take to arrive. Spark delivers them through a
listener once the write ends (within milliseconds); a listener that fails (the Cassandra
connector's schema refresh, run by it, fails when the node of its control connection was just
killed) never delivers them, and ``Observation.get`` would wait for ever, the batch with it."""


def figures_arrived(observation: Observation, timeout_s: float) -> bool:
    """Whether the observed figures arrived within ``timeout_s``, polled on the JVM side's
    future (PySpark's ``Observation.get`` has no timeout)."""
    java = observation._jo  # PySpark's own handle: it offers no look that does not block
    if java is None:  # not attached to a write: nothing will arrive
        return False
    future = java.future()
    deadline = time.monotonic() + timeout_s
    while not future.isCompleted():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def figure_columns() -> tuple[Column, ...]:
    """What a pass observes during its write: rows read, good and left for another pass, the
    writer ids present, the ``warn`` rules broken, and the good rows' Kafka timestamps at
    ``PERCENTS``."""
    good = fn.col(ERROR).isNull()
    unlisted = fn.coalesce(fn.col(ERROR)["rule"] == UNLISTED, fn.lit(False))
    kafka_ms = fn.when(good, fn.col("_kafka_timestamp").cast("double") * 1000.0)
    return (
        fn.count_if(~unlisted).alias("read"),
        fn.count_if(good).alias("good"),
        fn.count_if(unlisted).alias("unlisted"),
        fn.array_join(
            fn.array_sort(fn.collect_set(fn.when(~unlisted, fn.col(SCHEMA_ID)))).cast(
                "array<string>"
            ),
            ",",
        ).alias("present"),
        # an array does not survive Observation.get (it comes back as a Java object): text
        fn.array_join(
            fn.flatten(fn.collect_list(fn.when(fn.size(WARNED) > 0, fn.col(WARNED)))), ","
        ).alias("warned"),
        fn.array_join(
            fn.percentile_approx(kafka_ms, fn.array(*map(fn.lit, PERCENTS))).cast("array<string>"),
            ",",
        ).alias("kafka_ms"),
    )


@dataclass(frozen=True)
class _Figures:
    """What a pass's write observed: rows read and good, Kafka-timestamp quantiles (ms)."""

    read: int
    good: int
    unlisted: int
    """Rows whose writer id the pass did not list: left for another round."""
    present: list[int]
    """The writer ids of the rows the pass handled."""
    kafka_ms_quantiles: list[float]
    """The good rows' Kafka timestamps (ms) at ``PERCENTS``; empty when none was good."""
    warned: Counter[str]
    """Rows that broke each rule in ``warn`` mode (and were not rejected for it)."""

    @classmethod
    def of(cls, seen: dict[str, Any]) -> _Figures:
        def numbers(text: object) -> list[float]:
            return [float(v) for v in str(text or "").split(",") if v]

        return cls(
            read=int(seen["read"]),
            good=int(seen["good"]),
            unlisted=int(seen["unlisted"]),
            present=[int(v) for v in numbers(seen["present"])],
            kafka_ms_quantiles=numbers(seen["kafka_ms"]),
            warned=Counter(name for name in str(seen["warned"] or "").split(",") if name),
        )


@dataclass(frozen=True)
class _Pass:
    """What one pass over (part of) a batch did."""

    contract: str
    figures: _Figures
    refused: int
    by_rule: dict[str, int]
    by_table: dict[str, int] = field(default_factory=dict)
    reader_version: int | None = None


def _latency_quantiles(passes: list[_Pass], written_ms: float) -> list[int]:
    """Latency (ms) at ``PERCENTS`` over the rows of every pass, newest timestamp first."""
    stamps = latency_percentiles(
        [
            {"latency_ms_quantiles": p.figures.kafka_ms_quantiles, "rows_written": p.figures.good}
            for p in passes
        ],
        tuple(100 * q for q in PERCENTS),
    )
    return [round(written_ms - kafka_ms) for kafka_ms in reversed(stamps or [])]
