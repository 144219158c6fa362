"""One micro-batch: check the framing, decode per writer schema, project, write, route rejects.

Runs in ``foreachBatch`` on the driver. Everything per row is a Spark SQL expression; the driver
only collects the distinct schema ids of the batch to fetch their writer schemas (cached).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import reduce

from pyspark.sql import Column, DataFrame, Row
from pyspark.sql import functions as fn
from pyspark.sql.avro.functions import from_avro

from spark import wire
from spark.contract import Contract
from spark.metrics import BatchMetrics, MetricsLog
from spark.registry import WriterSchema, WriterSchemas

ERROR = "_error"
SCHEMA_ID = "_schema_id"
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


class BatchProcessor:
    """The ``foreachBatch`` function of the job; :meth:`process` is the testable core."""

    def __init__(
        self,
        contract: Contract,
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
        framed = _framed(batch).persist()
        try:
            writers = [self._schemas.resolve(i) for i in _distinct_ids(framed)]
            decoded = self._decoded(framed, writers)
            if decoded is not None:
                decoded = decoded.persist()
            try:
                return self._write(batch_id, started, framed, writers, decoded)
            finally:
                if decoded is not None:
                    decoded.unpersist()
        finally:
            framed.unpersist()

    def _decoded(self, framed: DataFrame, writers: list[WriterSchema]) -> DataFrame | None:
        """Rows with a known Avro writer schema, decoded, projected and classified."""
        parts = [
            framed.where(fn.col(SCHEMA_ID) == w.schema_id).select(
                *META,
                fn.col(SCHEMA_ID),
                from_avro(
                    wire.avro_body(fn.col("_kafka_value")),
                    w.avro_json,
                    {"avroSchema": self._contract.reader_schema, "mode": "PERMISSIVE"},
                ).alias("value"),
            )
            for w in writers
            if w.avro_json is not None
        ]
        if not parts:
            return None
        union = reduce(DataFrame.unionByName, parts)
        projected = union.select(
            *META,
            fn.col(SCHEMA_ID),
            fn.col("value"),
            *(fn.expr(sql).alias(column) for column, sql in self._contract.projection),
        )
        return projected.withColumn(ERROR, self._decode_error()).drop("value")

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

    def _write(
        self,
        batch_id: int,
        started: float,
        framed: DataFrame,
        writers: list[WriterSchema],
        decoded: DataFrame | None,
    ) -> BatchMetrics:
        """Sink the good rows, then one pass over every row for the figures, then the DLQ.

        Few Spark jobs per batch on purpose: each has a fixed cost that dominates small batches.
        """
        classified = _unreadable(framed, writers)
        if decoded is not None:
            columns = [column for column, _ in self._contract.projection]
            decoded.where(fn.col(ERROR).isNull()).select(*columns).write.format(
                "org.apache.spark.sql.cassandra"
            ).options(**self._targets.cassandra_options).options(
                keyspace=self._targets.keyspace, table=self._targets.table
            ).mode("append").save()
            classified = classified.unionByName(decoded.select(*META, fn.col(ERROR)))
        summary = _summary(classified, written_ms=time.time() * 1000.0)
        good = summary.pop(None, None)
        by_reason = {str(reason): int(row["n"]) for reason, row in summary.items()}
        if by_reason:
            _to_dlq(classified.where(fn.col(ERROR).isNotNull()), self._targets)
        return BatchMetrics(
            batch_id=batch_id,
            finished_at_ms=int(time.time() * 1000),
            duration_ms=int((time.time() - started) * 1000),
            rows_read=sum(by_reason.values()) + (int(good["n"]) if good else 0),
            rows_written=int(good["n"]) if good else 0,
            rows_rejected=sum(by_reason.values()),
            rejected_by_reason=by_reason,
            writer_schema_ids=sorted(w.schema_id for w in writers),
            latency_ms_p50=float(good["pct"][0]) if good else None,
            latency_ms_p95=float(good["pct"][1]) if good else None,
            latency_ms_max=float(good["max"]) if good else None,
        )


def _framed(batch: DataFrame) -> DataFrame:
    renamed = batch.select(*(fn.col(c).alias(f"_kafka_{c}") for c in _KAFKA_COLUMNS))
    error = wire.framing_error(fn.col("_kafka_value"))
    return renamed.withColumn(ERROR, error).withColumn(
        SCHEMA_ID, fn.when(error.isNull(), wire.schema_id(fn.col("_kafka_value")))
    )


def _distinct_ids(framed: DataFrame) -> list[int]:
    rows = framed.where(fn.col(SCHEMA_ID).isNotNull()).select(SCHEMA_ID).distinct().collect()
    return sorted(int(r[SCHEMA_ID]) for r in rows)


def _unreadable(framed: DataFrame, writers: list[WriterSchema]) -> DataFrame:
    """Rows not decoded: a bad header, or a schema id the registry cannot give as Avro."""
    error = fn.col(ERROR)
    for w in writers:
        if w.problem is not None:
            error = fn.when(fn.col(SCHEMA_ID) == w.schema_id, fn.lit(w.problem)).otherwise(error)
    decodable = [w.schema_id for w in writers if w.avro_json is not None]
    undecoded = framed.where(~fn.col(SCHEMA_ID).isin(decodable) | fn.col(SCHEMA_ID).isNull())
    return undecoded.select(*META, error.alias(ERROR))


def _summary(classified: DataFrame, written_ms: float) -> dict[str | None, Row]:
    """Per outcome (null = written, else the reject reason): row count, and the Kafka-timestamp
    to write latency in ms (p50/p95 as ``pct``, ``max``), in one Spark job."""
    latency = fn.lit(written_ms) - fn.col("_kafka_timestamp").cast("double") * 1000.0
    rows = (
        classified.groupBy(ERROR)
        .agg(
            fn.count(fn.lit(1)).alias("n"),
            fn.percentile_approx(latency, [0.5, 0.95]).alias("pct"),
            fn.max(latency).alias("max"),
        )
        .collect()
    )
    return {row[ERROR]: row for row in rows}


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
