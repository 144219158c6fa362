"""One micro-batch: framing, decoding per writer schema, the contract's rules, the write, the DLQ.

Runs in ``foreachBatch`` on the driver; everything per row is a Spark SQL expression.

1. The batch is framed (magic byte, schema id). Its writer ids are expected to be those of the
   previous batch, resolved through the registry (cached): the batch is decoded, checked and
   written in one pass, which also counts the rows of other ids. Only when there are such rows
   (a new writer version, another producer's first record) does a second pass list their ids
   and handle them. A starting job expects the ids of the subject's newest versions.
2. Each listed id gets its own ``from_avro(body, writer, {"avroSchema": reader})``, chosen by
   one ``CASE`` on the row's id, in one pass over the batch (a union of per-id groups re-scanned
   the batch once per id: 36x slower with 50 ids, ``docs/performance.md``). A listed id the batch
   does not hold costs one comparison per row.
3. Every row gets its first reject reason, or none: framing, unknown or non-Avro writer,
   undecodable body, a writer version the live reader refused, then the contract's rules in
   order (``ReaderContract.rules``). Reasons are ``(rule, field, message)``, as the producer's.
4. Good rows are upserted with a write time derived from their Kafka position (see
   :func:`write_time`), so a replay never overwrites a newer version of a row.
5. Rejects go to the DLQ with their original key, value and headers plus the reason headers.
6. If Cassandra still refuses rows because of their data, the failing write is split until the
   offending rows are isolated; they are dead-lettered (``sink:rejected``) and the rest written.
   A failure that is not about the data (node down, timeout) fails the batch, which is then
   replayed from the checkpoint, never dead-lettered.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, reduce
from typing import Any

from py4j.protocol import Py4JJavaError
from pyspark import StorageLevel
from pyspark.errors.exceptions.captured import AnalysisException, CapturedException
from pyspark.sql import Column, DataFrame, Observation, SparkSession
from pyspark.sql import functions as fn
from pyspark.sql.avro.functions import from_avro

from codegen.rule_compile import NOW_COLUMN
from codegen.rules import TEXTS_OK_COLUMN
from contract.pii import MASK, pii_columns
from spark import wire
from spark.contract import ReaderContract
from spark.metrics import BatchMetrics, MetricsLog, latency_percentiles
from spark.reader import ReaderChoice, ReaderSource
from spark.writer_schemas import WriterSchema, WriterSchemas

log = logging.getLogger(__name__)

ERROR = "_error"
SCHEMA_ID = "_schema_id"
UNLISTED = "_unlisted"
"""The internal reason of rows whose writer id a pass did not decode (see ``process``)."""
WRITETIME = "kafka_writetime"
"""The per-row write-time column handed to the connector (a bind marker: no leading underscore)."""
STAGE = "job"
_KAFKA_COLUMNS = ("key", "value", "topic", "partition", "offset", "timestamp", "headers")
META = tuple(f"_kafka_{name}" for name in _KAFKA_COLUMNS)
"""The Kafka source's columns, renamed so ``value`` can hold the decoded struct."""
_FRAMING = "_framing_error"
_MESSAGE_LIMIT = 1000
INFRASTRUCTURE_MARKERS = (
    "NoNodeAvailable",
    "AllNodesFailed",
    "Failed to open native connection",
    "Could not reach any contact point",
    "WriteTimeout",
    "ReadTimeout",
    "DriverTimeout",
    "Unavailable",
    "Overloaded",
    "BusyConnection",
    "ClosedConnection",
    "HeartbeatException",
    "ConnectionInit",
    "Connection refused",
    "Control channel not available",
    "unconfigured table",
    "does not exist",
    "Couldn't find",
    "AuthenticationException",
    "Unauthorized",
    "InterruptedException",
)
"""Marks of a write failure that is about Cassandra (or a query being stopped mid-write), not
the rows: these fail the batch, which is replayed."""


@dataclass(frozen=True)
class Targets:
    """Where a batch goes: the Cassandra table, the DLQ topic, and how to reach them."""

    keyspace: str
    dlq_topic: str
    kafka_options: dict[str, str]
    cassandra_options: dict[str, str]
    sink_probe: Callable[[], str | None] = lambda: None
    """Why Cassandra does not answer right now (None when it does): checked before refused rows
    are dead-lettered, so an outage the write's error did not reveal is never taken for bad
    rows."""
    sink_reject_limit: int = 100
    """Rows Cassandra may refuse in one batch before the failure is treated as systemic."""


CLASSIFIERS_KEPT = 8
"""Classifiers kept for reuse: a batch usually has the writers of the one before, and a second
pass those of a new version."""

PERCENTS = [i / 100 for i in range(101)]
"""Quantiles of each batch's latency that the metrics keep (enough to merge batches)."""


class SinkFailureError(RuntimeError):
    """Cassandra refused the batch for a reason that is not about its rows; replayed."""


def write_time(timestamp: Column, offset: Column) -> Column:
    """Microseconds for ``USING TIMESTAMP``: the record's Kafka timestamp (ms) times 1000, plus
    its offset modulo 1000, so a later record of a key wins, also against a replay or a
    re-drive (which keeps the original timestamp); ties within one millisecond go to the higher
    offset (modulo 1000)."""
    return fn.unix_micros(timestamp) + fn.pmod(offset, fn.lit(1000))


class BatchProcessor:
    """The ``foreachBatch`` function of the job; :meth:`process` is the testable core."""

    def __init__(
        self,
        reader: ReaderSource,
        schemas: WriterSchemas,
        targets: Targets,
        metrics: MetricsLog,
        expected_ids: Sequence[int] = (),
    ) -> None:
        self._reader = reader
        self._schemas = schemas
        self._targets = targets
        self._metrics = metrics
        self._listed = sorted(expected_ids)
        """The writer ids of the last batch (at first those expected, for example the subject's
        newest versions), decoded in the first pass of the next."""
        self._classifiers: dict[tuple[object, ...], Classifier] = {}
        """The classifiers of recent passes, by writers and reader (see ``Classifier``)."""

    def __call__(self, batch: DataFrame, batch_id: int) -> None:
        self._metrics.record(self.process(batch, batch_id))

    @cached_property
    def _columns(self) -> BatchColumns:
        """Built at the first batch (a column needs a running Spark), then reused."""
        return BatchColumns.build()

    def process(self, batch: DataFrame, batch_id: int) -> BatchMetrics:
        """Write the good rows of ``batch`` to Cassandra and the rejects to the DLQ."""
        started = time.time()
        framed = batch.select(*self._columns.frame)
        listed = self._listed
        if listed:
            passes = [self._pass(framed, batch_id, listed)]
        else:  # no id expected: the batch lists its ids ahead, cached so Kafka is read once
            cached = framed.persist(StorageLevel.MEMORY_AND_DISK)
            try:
                listed = _schema_ids(cached)
                passes = [self._pass(cached, batch_id, listed)]
            finally:
                cached.unpersist()
        if passes[0].figures.unlisted:
            others = framed.where(~fn.col(SCHEMA_ID).isin(listed))
            passes.append(self._pass(others, batch_id, _schema_ids(others)))
        present = sorted({i for done in passes for i in done.figures.present})
        self._listed = present
        written_ms = time.time() * 1000.0
        by_rule: dict[str, int] = {}
        for done in passes:
            for rule, count in done.by_rule.items():
                by_rule[rule] = by_rule.get(rule, 0) + count
        return BatchMetrics(
            batch_id=batch_id,
            finished_at_ms=int(written_ms),
            duration_ms=int(written_ms - started * 1000),
            rows_read=sum(done.figures.read for done in passes),
            rows_written=sum(done.figures.good - done.refused for done in passes),
            rows_rejected=sum(by_rule.values()),
            rejected_by_rule=by_rule,
            writer_schema_ids=present,
            reader_version=passes[-1].reader_version,
            latency_ms_quantiles=_latency_quantiles(passes, written_ms),
        )

    def _pass(self, framed: DataFrame, batch_id: int, listed: list[int]) -> _Pass:
        """Classify and write the rows of ``framed`` whose writer id is ``listed`` (or that do
        not frame); the others are left for another pass, and counted."""
        writers = self._schemas.resolve_batch(listed)
        choice = self._reader.reader_for(writers)
        classified = self._classifier(writers, choice).apply(framed)
        figures, refused = self._write_good(classified, batch_id, choice.contract)
        by_rule = self._reject(classified) if figures.read > figures.good else {}
        if refused:
            by_rule["sink:rejected"] = refused
        return _Pass(figures, refused, by_rule, choice.contract.version)

    def _classifier(self, writers: list[WriterSchema], choice: ReaderChoice) -> Classifier:
        key = (tuple(writers), choice.contract, tuple(sorted(choice.refused.items())))
        found = self._classifiers.pop(key, None) or Classifier.build(writers, choice)
        self._classifiers[key] = found  # newest last; the oldest goes beyond CLASSIFIERS_KEPT
        while len(self._classifiers) > CLASSIFIERS_KEPT:
            del self._classifiers[next(iter(self._classifiers))]
        return found

    def _write_good(
        self, classified: DataFrame, batch_id: int, contract: ReaderContract
    ) -> tuple[_Figures, int]:
        """Upsert the good rows; returns the batch's figures and how many rows Cassandra refused.

        The figures are observed during the write (one Spark job). When Cassandra refuses rows,
        they are computed by a job of their own, and the refused rows isolated.
        """
        observation = Observation(f"batch_{batch_id}_{uuid.uuid4().hex}")
        try:
            self._save(self._columns.observed_good(classified, observation), contract)
        except _RowsRefusedError as exc:
            log.warning("Cassandra refused the write; isolating the rows at fault: %s", exc.message)
            row = classified.agg(*self._columns.figures).first()
            assert row is not None
            refused = self._isolate(classified, contract, exc.message)
            return _Figures.of(row.asDict()), refused
        return _Figures.of(observation.get), 0

    def _save(self, rows: DataFrame, contract: ReaderContract) -> None:
        """Write ``rows``; a refusal about the rows raises ``_RowsRefusedError``, others raise
        ``SinkFailureError`` (the batch fails and is replayed)."""
        try:
            self._columns.to_write(rows, contract).write.format(
                "org.apache.spark.sql.cassandra"
            ).options(**self._targets.cassandra_options).options(
                keyspace=self._targets.keyspace, table=contract.table, writetime=WRITETIME
            ).mode("append").save()
        except (Py4JJavaError, CapturedException) as exc:
            failure = write_failure(exc)
            if isinstance(failure, SinkFailureError):
                forget_cassandra_sessions(rows.sparkSession)
            raise failure from exc

    def _isolate(self, classified: DataFrame, contract: ReaderContract, message: str) -> int:
        """Split the failed write until the refused rows are alone; write every other row,
        dead-letter the refused ones (``sink:rejected``). Returns how many were refused."""
        good = classified.where(fn.col(ERROR).isNull())
        coordinates = sorted(
            (int(r[0]), int(r[1]))
            for r in good.select("_kafka_partition", "_kafka_offset").collect()
        )
        refused: dict[tuple[int, int], str] = {}
        self._bisect(good, contract, coordinates, message, refused)
        down = self._targets.sink_probe()
        if down is not None:
            forget_cassandra_sessions(good.sparkSession)
            raise SinkFailureError(f"Cassandra refused rows and does not answer: {down}")
        log.warning("Cassandra refused %d row(s) of the batch; dead-lettered", len(refused))
        refused = _masked(good, contract, refused)
        reason = fn.lit(None)
        for (partition, offset), why in refused.items():
            at = (fn.col("_kafka_partition") == partition) & (fn.col("_kafka_offset") == offset)
            reason = fn.when(at, _reason("sink:rejected", "", why)).otherwise(reason)
        rows = good.withColumn(ERROR, reason).where(fn.col(ERROR).isNotNull())
        _to_dlq(rows.select(*META, ERROR), self._targets)
        return len(refused)

    def _bisect(
        self,
        good: DataFrame,
        contract: ReaderContract,
        coordinates: list[tuple[int, int]],
        message: str,
        refused: dict[tuple[int, int], str],
    ) -> None:
        """``coordinates`` (sorted Kafka positions) failed with ``message``: retry in halves."""
        if len(coordinates) == 1:
            refused[coordinates[0]] = message
            if len(refused) > self._targets.sink_reject_limit:
                raise SinkFailureError(
                    f"Cassandra refused more than {self._targets.sink_reject_limit} rows of one "
                    f"batch; treated as a systemic failure, not bad rows: {message}"
                )
            return
        half = len(coordinates) // 2
        for piece in (coordinates[:half], coordinates[half:]):
            try:
                self._save(good.where(_positions(piece)), contract)
            except _RowsRefusedError as exc:
                self._bisect(good, contract, piece, exc.message, refused)

    def _reject(self, classified: DataFrame) -> dict[str, int]:
        """Send every rejected row to the DLQ; returns the count per rule."""
        rejected = fn.col(ERROR).isNotNull() & (fn.col(ERROR)["rule"] != UNLISTED)
        rejects = classified.where(rejected).select(*META, ERROR).persist()
        try:
            counts = rejects.groupBy(fn.col(ERROR)["rule"].alias("rule")).count().collect()
            _to_dlq(rejects, self._targets)
        finally:
            rejects.unpersist()
        return {str(row["rule"]): int(row["count"]) for row in counts}


@dataclass(frozen=True)
class BatchColumns:
    """The columns every batch uses the same: built once, as each costs calls into the JVM."""

    frame: tuple[Column, ...]
    figures: tuple[Column, ...]
    write_time: Column

    @classmethod
    def build(cls) -> BatchColumns:
        return cls(
            frame=frame_columns(),
            figures=_figure_columns(),
            write_time=write_time(fn.col("_kafka_timestamp"), fn.col("_kafka_offset")).alias(
                WRITETIME
            ),
        )

    def observed_good(self, classified: DataFrame, observation: Observation) -> DataFrame:
        """The good rows of a pass (see ``Classifier``), its figures observed on the way."""
        return classified.observe(observation, *self.figures).where(fn.col(ERROR).isNull())

    def to_write(self, rows: DataFrame, contract: ReaderContract) -> DataFrame:
        """What the connector gets of ``rows``: the contract's columns, then the write time."""
        return rows.select(*contract.columns, self.write_time)


def _figure_columns() -> tuple[Column, ...]:
    """What a pass observes during its write: rows read, good and left for another pass, the
    writer ids present, and the good rows' Kafka timestamps at ``PERCENTS``."""
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
            fn.percentile_approx(kafka_ms, fn.array(*map(fn.lit, PERCENTS))).cast("array<string>"),
            ",",
        ).alias("kafka_ms"),
    )


def classify(framed: DataFrame, writers: Sequence[WriterSchema], choice: ReaderChoice) -> DataFrame:
    """Every row: Kafka metadata, its projected columns, and its reject reason (or null)."""
    return Classifier.build(writers, choice).apply(framed)


@dataclass(frozen=True)
class Classifier:
    """The columns that classify a pass's rows, for one set of writer schemas and one reader.

    Built once and kept while the batches hold the same writers: building them takes about
    2,500 calls from Python into the JVM, 0.4 s of every micro-batch when it was done per batch
    (``docs/performance.md``). Only the rules' clock is made per batch.
    """

    value: Column
    projected: tuple[Column, ...]
    projected_names: tuple[str, ...]
    texts_ok: Column
    error: Column

    @classmethod
    def build(cls, writers: Sequence[WriterSchema], choice: ReaderChoice) -> Classifier:
        """The classifier of ``writers`` decoded into ``choice``'s reader."""
        contract = choice.contract
        listed = [w.schema_id for w in writers]
        error = fn.coalesce(
            fn.col(_FRAMING),
            fn.when(
                ~fn.col(SCHEMA_ID).isin(listed), _reason(UNLISTED, "", "left for another pass")
            ),
            _writer_problems(writers, choice),
            _undecodable(contract),
            first_broken_rule(contract),
        )
        return cls(
            value=_decoded(writers, choice),
            projected=projected_columns(contract),
            projected_names=tuple(column for column, _ in contract.projection),
            texts_ok=texts_ok(contract),
            error=_kept_above_filters(error),
        )

    def apply(self, framed: DataFrame) -> DataFrame:
        """``framed`` (see :func:`frame`) classified."""
        decoded = framed.select(*META, SCHEMA_ID, _FRAMING, self.value.alias("value"))
        checked = decoded.select(
            *META,
            SCHEMA_ID,
            _FRAMING,
            "value",
            *self.projected,
            *rule_inputs(self.texts_ok),
        )
        return checked.select(*META, SCHEMA_ID, *self.projected_names, self.error.alias(ERROR))


def projected_columns(contract: ReaderContract) -> tuple[Column, ...]:
    """The contract's table columns, each computed from the decoded ``value``."""
    return tuple(fn.expr(sql).alias(column) for column, sql in contract.projection)


def _decoded(writers: Sequence[WriterSchema], choice: ReaderChoice) -> Column:
    """The row's value in the reader schema: one ``from_avro`` per decodable writer, chosen by
    the row's writer id; null for the others."""
    reader = choice.contract.reader_schema
    options = {"avroSchema": reader, "mode": "PERMISSIVE"}
    body = wire.avro_body(fn.col("_kafka_value"))
    null_value = from_avro(fn.lit(None).cast("binary"), reader, options)  # typed null
    decodable = {
        w.schema_id: w for w in writers if w.avro_json and w.schema_id not in choice.refused
    }
    if not decodable:
        return null_value
    branches = [
        (fn.col(SCHEMA_ID) == schema_id, from_avro(body, writer.avro_json or "", options))
        for schema_id, writer in sorted(decodable.items())
    ]
    return reduce(
        lambda case, branch: case.when(*branch), branches[1:], fn.when(*branches[0])
    ).otherwise(null_value)


class _RowsRefusedError(Exception):
    """Internal: Cassandra refused the write because of (some of) its rows."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _masked(
    good: DataFrame, contract: ReaderContract, refused: dict[tuple[int, int], str]
) -> dict[tuple[int, int], str]:
    """The refusals with every personal-data value of their row masked: the driver's message
    may quote a value, and it goes into the DLQ's headers and the logs."""
    columns = sorted(set(contract.columns) & pii_columns(json.loads(contract.reader_schema)))
    if not columns or not refused:
        return refused
    rows = good.where(_positions(sorted(refused))).select(
        "_kafka_partition", "_kafka_offset", *columns
    )
    out = dict(refused)
    for row in rows.collect():
        at = (int(row[0]), int(row[1]))
        for value in row[2:]:
            if value is not None and str(value) and at in out:
                out[at] = out[at].replace(str(value), MASK)
    return out


def _positions(coordinates: list[tuple[int, int]]) -> Column:
    """Rows at a contiguous run of sorted (partition, offset) positions of the good rows."""
    ranges: dict[int, tuple[int, int]] = {}
    for partition, offset in coordinates:
        low, high = ranges.get(partition, (offset, offset))
        ranges[partition] = (min(low, offset), max(high, offset))
    return reduce(
        lambda a, b: a | b,
        (
            (fn.col("_kafka_partition") == p) & fn.col("_kafka_offset").between(low, high)
            for p, (low, high) in ranges.items()
        ),
    )


def forget_cassandra_sessions(spark: SparkSession) -> None:
    """Close the connector's cached sessions, so the next write opens a fresh one: after an
    outage a cached session can block forever refreshing its schema, and a session opened
    before a keyspace or column was created may not know it yet."""
    jvm = spark._jvm
    assert jvm is not None
    jvm.com.datastax.spark.connector.cql.CassandraConnector.evictCache()


def write_failure(exc: Py4JJavaError | CapturedException) -> Exception:
    """What a failed write means: ``SinkFailureError`` when it is about Cassandra or was refused
    before any row was sent (the batch fails and is replayed), else a refusal of (some of) the
    rows, to isolate.

    PySpark raises the JVM's analysis errors as its own classes (``AnalysisException`` for a
    keyspace or table the connector cannot find): they come from planning the write, never from
    a row, so they are never taken for refused rows.
    """
    message = _sink_message(exc)
    if isinstance(exc, AnalysisException) or is_infrastructure(message):
        return SinkFailureError(f"Cassandra write failed: {message}")
    return _RowsRefusedError(message)


def _sink_message(exc: Py4JJavaError | CapturedException) -> str:
    """The Java exception chain of a failed write, as one bounded line."""
    if isinstance(exc, CapturedException):
        return " ".join(str(exc).split())[:_MESSAGE_LIMIT]
    text = " ".join(str(exc.java_exception).split())
    cause = exc.java_exception.getCause()
    while cause is not None:
        text += f" | {' '.join(str(cause).split())}"
        cause = cause.getCause()
    return text[:_MESSAGE_LIMIT]


def is_infrastructure(message: str) -> bool:
    """Whether a write failure is about Cassandra (down, slow, missing table), not the rows."""
    return any(marker in message for marker in INFRASTRUCTURE_MARKERS)


@dataclass(frozen=True)
class _Figures:
    """What a batch's write observed: rows read and good, Kafka-timestamp quantiles (ms)."""

    read: int
    good: int
    unlisted: int
    """Rows whose writer id the pass did not list: left for another pass."""
    present: list[int]
    """The writer ids of the rows the pass handled."""
    kafka_ms_quantiles: list[float]
    """The good rows' Kafka timestamps (ms) at ``PERCENTS``; empty when none was good."""

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
        )


@dataclass(frozen=True)
class _Pass:
    """What one pass over (part of) a batch did."""

    figures: _Figures
    refused: int
    by_rule: dict[str, int]
    reader_version: int | None


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


def _reason(rule: str, field: Column | str, message: Column | str) -> Column:
    as_column = [fn.lit(v) if isinstance(v, str) else v for v in (rule, field, message)]
    return fn.struct(
        as_column[0].alias("rule"), as_column[1].alias("field"), as_column[2].alias("message")
    )


def _writer_problems(writers: Sequence[WriterSchema], choice: ReaderChoice) -> Column:
    """Rows whose writer schema cannot be decoded: unknown or non-Avro id, refused version."""
    schema_id = fn.col(SCHEMA_ID)
    problem = fn.lit(None)
    for writer in writers:
        if writer.problem is not None:
            unknown = writer.problem.startswith("unknown")
            rule = "wire:unknown-schema" if unknown else "wire:not-avro"
            reason = _reason(rule, "", writer.problem)
        elif writer.schema_id in choice.refused:
            reason = _reason("contract:refused-version", "", choice.refused[writer.schema_id])
        else:
            continue
        problem = fn.when(schema_id == writer.schema_id, reason).otherwise(problem)
    return problem


def _kept_above_filters(column: Column) -> Column:
    """``column``, marked nondeterministic (by a test of the partition id that always holds).

    A filter on a deterministic column is pushed below the projection that computes it, with
    the column's expression substituted: a filter on the reject reason then carried one
    ``from_avro`` per reference to the decoded value, 211 decodes of every row for the user
    contract (``docs/performance.md``). Spark pushes no filter through a nondeterministic
    projection, so the value is decoded once.
    """
    return fn.when(fn.spark_partition_id() >= 0, column)


def rule_clock() -> Column:
    """What the contract's rules read as ``now``: this moment, as a column whose value stays
    out of Spark's generated code, so every micro-batch runs the same compiled (and
    JIT-compiled) code. A literal timestamp (``current_timestamp()`` included) is written into
    the code, so each batch compiled its code again, twice, and ran it cold (about 0.3 s a
    batch, ``docs/performance.md``); an array literal is passed to the code by reference, and
    the fence keeps the optimizer from folding the element out of it (it pushes a cast into a
    ``CASE``, and folded the string literal this used before)."""
    micros = time.time_ns() // 1000
    return fn.timestamp_micros(_kept_above_filters(fn.array(fn.lit(micros)))[0])


def _undecodable(contract: ReaderContract) -> Column:
    undecodable = reduce(
        lambda a, b: a | b,
        (fn.col("value")[name].isNull() for name in contract.required_fields()),
    )
    message = fn.concat(
        fn.lit("does not decode with writer schema id "),
        fn.col(SCHEMA_ID).cast("string"),
        fn.lit(" into the reader schema"),
    )
    return fn.when(undecodable, _reason("wire:undecodable", "", message))


def rule_inputs(texts: Column) -> list[Column]:
    """The columns the contract's rules read beside ``value``: ``texts`` (:func:`texts_ok`,
    built once by a job) and ``now``, this batch's."""
    return [texts, rule_clock().alias(NOW_COLUMN)]


def texts_ok(contract: ReaderContract) -> Column:
    """Whether all the row's texts are valid UTF-8, checked at once (a rule input)."""
    return fn.expr(contract.texts_ok or "true").alias(TEXTS_OK_COLUMN)


def rule_broken(sql: str) -> Column:
    """Whether a row breaks the rule whose Spark SQL is ``sql``: only false breaks it, null
    (unknown) lets the row through, like a SQL ``CHECK``."""
    return ~fn.coalesce(fn.expr(sql), fn.lit(True))


def first_broken_rule(contract: ReaderContract) -> Column:
    """The first rule the decoded row breaks (false, not null), in the contract's order."""
    if not contract.rules:
        return fn.lit(None)
    branches = [
        (rule_broken(sql), _reason(name, field, message))
        for name, field, message, sql in contract.rules
    ]
    # one flat CASE: Spark splits its branches into methods small enough for the JIT (a nest
    # of 51 CASEs was one huge method, 25% slower)
    return reduce(lambda case, branch: case.when(*branch), branches[1:], fn.when(*branches[0]))


def frame(batch: DataFrame) -> DataFrame:
    """The Kafka rows, renamed, with their framing reason (or null) and schema id."""
    return batch.select(*frame_columns())


def frame_columns() -> tuple[Column, ...]:
    """The columns of :func:`frame`, over the Kafka source's columns."""
    problem = wire.framing_error(fn.col("value"))
    return (
        *(fn.col(c).alias(f"_kafka_{c}") for c in _KAFKA_COLUMNS),
        fn.when(problem.isNotNull(), _reason("wire:framing", "", problem)).alias(_FRAMING),
        fn.when(problem.isNull(), wire.schema_id(fn.col("value"))).alias(SCHEMA_ID),
    )


def _schema_ids(framed: DataFrame) -> list[int]:
    rows = framed.where(fn.col(SCHEMA_ID).isNotNull()).select(SCHEMA_ID).distinct().collect()
    return sorted(int(r[SCHEMA_ID]) for r in rows)


def _to_dlq(rejects: DataFrame, targets: Targets) -> None:
    """Write rejects to the DLQ topic: original key, value and headers, plus reason headers."""
    error = fn.col(ERROR)
    ours = fn.array(
        _header("error", error["message"]),
        _header("error.rule", error["rule"]),
        _header("error.field", error["field"]),
        _header("error.stage", fn.lit(STAGE)),
        _header("source.topic", fn.col("_kafka_topic")),
        _header("source.partition", fn.col("_kafka_partition").cast("string")),
        _header("source.offset", fn.col("_kafka_offset").cast("string")),
        _header(
            "source.timestamp",
            (fn.col("_kafka_timestamp").cast("double") * 1000).cast("long").cast("string"),
        ),
    )
    original = fn.col("_kafka_headers")
    headers = fn.when(original.isNull(), ours).otherwise(fn.concat(original, ours))
    rejects.select(
        fn.col("_kafka_key").alias("key"),
        fn.col("_kafka_value").alias("value"),
        headers.alias("headers"),
    ).write.format("kafka").options(**targets.kafka_options).option(
        "topic", targets.dlq_topic
    ).save()


def _header(name: str, value: Column) -> Column:
    return fn.struct(fn.lit(name).alias("key"), value.cast("binary").alias("value"))
