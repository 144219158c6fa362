"""One micro-batch: check the framing, decode per writer schema, project, write, route rejects.

Runs in ``foreachBatch`` on the driver. Everything per row is a Spark SQL expression. Each Spark
job has a fixed cost that dominates small batches, so the common case is one job: rows whose
writer schema id is already known are decoded (a ``CASE`` over the ids, one ``from_avro`` per
writer schema) and written, with the batch's figures observed on the way. Rows with an id not
seen before are "pending": their ids are fetched from the registry and a second pass writes
them. Rejects cost two more jobs (reasons, DLQ) only when a batch has some.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from functools import reduce

from pyspark.sql import Column, DataFrame, Observation
from pyspark.sql import functions as fn
from pyspark.sql.avro.functions import from_avro

from spark import wire
from spark.contract import ReaderContract
from spark.metrics import BatchMetrics, MetricsLog
from spark.writer_schemas import WriterSchema, WriterSchemas

ERROR = "_error"
SCHEMA_ID = "_schema_id"
PENDING = "pending: writer schema id not fetched yet"
"""Internal marker, never a DLQ reason: the row is decoded in the batch's second pass."""
_FRAMING = "_framing_error"
_KAFKA_COLUMNS = ("key", "value", "topic", "partition", "offset", "timestamp", "headers")
META = tuple(f"_kafka_{name}" for name in _KAFKA_COLUMNS)
"""The Kafka source's columns, renamed so ``value`` can hold the decoded struct."""


@dataclass(frozen=True)
class Targets:
    """Where a batch goes: the Cassandra table, the DLQ topic, and how to reach them."""

    keyspace: str
    table: str
    dlq_topic: str
    kafka_options: dict[str, str]
    cassandra_options: dict[str, str]


@dataclass(frozen=True)
class _Pass:
    """One decode-and-write pass over a batch, with what it observed (latencies in ms)."""

    classified: DataFrame
    read: int
    written: int
    rejected: int
    pending: int
    schema_ids: frozenset[int]
    latency_ms_p50: float | None
    latency_ms_p95: float | None
    latency_ms_max: float | None


class BatchProcessor:
    """The ``foreachBatch`` function of the job; :meth:`process` is the testable core."""

    def __init__(
        self,
        contract: ReaderContract,
        schemas: WriterSchemas,
        targets: Targets,
        metrics: MetricsLog,
    ) -> None:
        self._contract = contract
        self._schemas = schemas
        self._targets = targets
        self._metrics = metrics

    def __call__(self, batch: DataFrame, batch_id: int) -> None:
        self._metrics.record(self.process(batch, batch_id))

    def process(self, batch: DataFrame, batch_id: int) -> BatchMetrics:
        """Write the good rows of ``batch`` to Cassandra and the rejects to the DLQ."""
        started = time.time()
        framed = _framed(batch)
        first = self._pass(framed, self._schemas.known(), batch_id)
        passes = [first]
        if first.pending:
            new = [self._schemas.resolve(i) for i in _pending_ids(first.classified)]
            pending = framed.where(fn.col(SCHEMA_ID).isin([w.schema_id for w in new]))
            writers = {w.schema_id: w for w in [*self._schemas.known(), *new]}
            passes.append(self._pass(pending, list(writers.values()), batch_id))
        by_reason = self._reject(passes) if any(p.rejected for p in passes) else {}
        main = max(passes, key=lambda p: p.written)
        maxima = [p.latency_ms_max for p in passes if p.latency_ms_max is not None]
        return BatchMetrics(
            batch_id=batch_id,
            finished_at_ms=int(time.time() * 1000),
            duration_ms=int((time.time() - started) * 1000),
            rows_read=first.read,
            rows_written=sum(p.written for p in passes),
            rows_rejected=sum(by_reason.values()),
            rejected_by_reason=by_reason,
            writer_schema_ids=sorted(frozenset().union(*(p.schema_ids for p in passes))),
            latency_ms_p50=main.latency_ms_p50,
            latency_ms_p95=main.latency_ms_p95,
            latency_ms_max=max(maxima) if maxima else None,
        )

    def _pass(self, framed: DataFrame, writers: list[WriterSchema], batch_id: int) -> _Pass:
        """Classify ``framed`` with ``writers``, append its good rows, observe the figures."""
        classified = self._classify(framed, writers)
        error = fn.col(ERROR)
        good = error.isNull()
        kafka_ms = fn.when(good, fn.col("_kafka_timestamp").cast("double") * 1000.0)
        observation = Observation(f"batch_{batch_id}_{uuid.uuid4().hex}")
        observed = classified.observe(
            observation,
            fn.count(fn.lit(1)).alias("read"),
            fn.count(fn.when(good, fn.lit(1))).alias("written"),
            fn.count(fn.when(error == PENDING, fn.lit(1))).alias("pending"),
            fn.array_join(
                fn.collect_set(
                    fn.when(error.isNull() | (error != PENDING), fn.col(SCHEMA_ID))
                ).cast("array<string>"),
                ",",
            ).alias("schema_ids"),
            fn.percentile_approx(kafka_ms, 0.5).alias("ts_p50"),
            fn.percentile_approx(kafka_ms, 0.05).alias("ts_p05"),
            fn.min(kafka_ms).alias("ts_min"),
        )
        columns = [column for column, _ in self._contract.projection]
        observed.where(good).select(*columns).write.format(
            "org.apache.spark.sql.cassandra"
        ).options(**self._targets.cassandra_options).options(
            keyspace=self._targets.keyspace, table=self._targets.table
        ).mode("append").save()
        written_ms = time.time() * 1000.0
        seen = observation.get

        def latency(kafka_ms: float | None) -> float | None:
            return None if kafka_ms is None else written_ms - float(kafka_ms)

        read, written, pending = int(seen["read"]), int(seen["written"]), int(seen["pending"])
        return _Pass(
            classified=classified,
            read=read,
            written=written,
            rejected=read - written - pending,
            pending=pending,
            schema_ids=frozenset(int(i) for i in str(seen["schema_ids"]).split(",") if i),
            latency_ms_p50=latency(seen["ts_p50"]),
            latency_ms_p95=latency(seen["ts_p05"]),
            latency_ms_max=latency(seen["ts_min"]),
        )

    def _classify(self, framed: DataFrame, writers: list[WriterSchema]) -> DataFrame:
        """Every row of ``framed``: its projected columns and its reject reason (null if good)."""
        body = wire.avro_body(fn.col("_kafka_value"))
        options = {"avroSchema": self._contract.reader_schema, "mode": "PERMISSIVE"}
        schema_id = fn.col(SCHEMA_ID)
        # The never-taken first branch gives the CASE the reader schema's type with no writers.
        value = fn.when(fn.lit(False), from_avro(body, self._contract.reader_schema, options))
        problem = fn.lit(None).cast("string")
        for w in writers:
            if w.avro_json is not None:
                value = value.when(schema_id == w.schema_id, from_avro(body, w.avro_json, options))
            else:
                problem = fn.when(schema_id == w.schema_id, fn.lit(w.problem)).otherwise(problem)
        known = [w.schema_id for w in writers]
        decoded = framed.select(*META, schema_id, fn.col(_FRAMING), value.alias("value"))
        projected = decoded.select(
            *META,
            schema_id,
            fn.col(_FRAMING),
            fn.col("value"),
            *(fn.expr(sql).alias(column) for column, sql in self._contract.projection),
        )
        error = fn.coalesce(
            fn.col(_FRAMING),
            fn.when(~schema_id.isin(known), fn.lit(PENDING)),
            problem,
            self._decode_error(),
        )
        return projected.withColumn(ERROR, error).drop("value", _FRAMING)

    def _decode_error(self) -> Column:
        undecodable = reduce(
            lambda a, b: a | b,
            (fn.col("value")[name].isNull() for name in self._contract.required_fields()),
        )
        error = fn.when(
            undecodable,
            fn.concat(
                fn.lit("undecodable payload: does not decode with writer schema id "),
                fn.col(SCHEMA_ID).cast("string"),
                fn.lit(" into the reader schema"),
            ),
        )
        for key in self._contract.primary_key:
            error = error.when(fn.col(key).isNull(), fn.lit(f"null key column {key}"))
        return error

    def _reject(self, passes: list[_Pass]) -> dict[str, int]:
        """Send every rejected row of ``passes`` to the DLQ; returns the count per reason."""
        rejected = (
            p.classified.where(fn.col(ERROR).isNotNull() & (fn.col(ERROR) != PENDING))
            for p in passes
        )
        rejects = reduce(DataFrame.unionByName, rejected).select(*META, ERROR).persist()
        try:
            counts = rejects.groupBy(ERROR).count().collect()
            _to_dlq(rejects, self._targets)
        finally:
            rejects.unpersist()
        return {str(row[ERROR]): int(row["count"]) for row in counts}


def _framed(batch: DataFrame) -> DataFrame:
    """The Kafka rows, renamed, with their framing error (or null) and schema id."""
    renamed = batch.select(*(fn.col(c).alias(f"_kafka_{c}") for c in _KAFKA_COLUMNS))
    error = wire.framing_error(fn.col("_kafka_value"))
    return renamed.withColumn(_FRAMING, error).withColumn(
        SCHEMA_ID, fn.when(error.isNull(), wire.schema_id(fn.col("_kafka_value")))
    )


def _pending_ids(classified: DataFrame) -> list[int]:
    rows = classified.where(fn.col(ERROR) == PENDING).select(SCHEMA_ID).distinct().collect()
    return sorted(int(r[SCHEMA_ID]) for r in rows)


def _to_dlq(rejects: DataFrame, targets: Targets) -> None:
    """Write rejects to the DLQ topic: original key, value and headers, plus error headers."""
    ours = fn.array(
        _header("error", fn.col(ERROR)),
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
