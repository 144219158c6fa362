"""End-to-end benchmark of the streaming job: Kafka -> Spark (local master) -> Cassandra.

Two approaches on the same users, each into its own fresh topic and keyspace:

- ``avro``: this project's job (Confluent-framed Avro, ``from_avro`` per writer schema, generated
  projection, DLQ routing, batch metrics), users produced by the project's producer.
- ``seed``: the seed project's approach, kept here only as the baseline: JSON values parsed with
  ``from_json`` and a hand-written StructType, the same projection and Cassandra sink.

For each: sustained rows/s draining a pre-produced backlog, and produce-to-queryable latency at
a steady rate (produce time vs. the Cassandra ``WRITETIME`` of the row).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as fn
from pyspark.sql.streaming.query import StreamingQuery
from pyspark.sql.types import (
    DoubleType,
    IntegerType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from clients.cassandra import connect
from clients.cassandra_schema import split_statements
from clients.kafka import ensure_topics
from config import Settings
from producer.publish import Origin, UserPublisher
from producer.records import build_user
from spark.contract import ReaderContract
from spark.job import JobOptions, start_query
from spark.options import cassandra_options, kafka_options
from spark.session import build_session
from stack.offline_source import MAX_RESULTS, NATIONALITIES, make_page

BACKLOG_USERS = 200_000
STEADY_RATE = 1_000
STEADY_SECONDS = 30
TICK_S = 0.1
DRAIN_TIMEOUT_S = 900.0
SOURCE = "offline://bench"
CQL = Path(__file__).resolve().parent.parent / "generated" / "cql" / "user_created.cql"

_TEXT, _INT, _DOUBLE, _TS = StringType(), IntegerType(), DoubleType(), TimestampType()


def _struct(**fields: Any) -> StructType:
    return StructType([StructField(name, kind) for name, kind in fields.items()])


SEED_SCHEMA = _struct(
    id=_TEXT,
    gender=_TEXT,
    name=_struct(title=_TEXT, first=_TEXT, last=_TEXT),
    location=_struct(
        street=_struct(number=_INT, name=_TEXT),
        city=_TEXT,
        state=_TEXT,
        country=_TEXT,
        postcode=_TEXT,
        coordinates=_struct(latitude=_DOUBLE, longitude=_DOUBLE),
        timezone=_struct(offset=_TEXT, description=_TEXT),
    ),
    email=_TEXT,
    username=_TEXT,
    dob=_struct(date=_TS, age=_INT),
    registered=_struct(date=_TS, age=_INT),
    phone=_TEXT,
    cell=_TEXT,
    national_id=_struct(name=_TEXT, value=_TEXT),
    picture=_struct(large=_TEXT, medium=_TEXT, thumbnail=_TEXT),
    nat=_TEXT,
    ingested_at=_TS,
    source=_TEXT,
)
"""The seed's way, written by hand: what the generated code replaces (baseline only)."""


@dataclass(frozen=True)
class Approach:
    """How one approach puts users on a topic and streams the topic into a keyspace."""

    name: str
    produce: Callable[[Settings, str, list[dict[str, Any]], Callable[[int], None]], None]
    start: Callable[[SparkSession, Settings, ReaderContract, str, Path], StreamingQuery]


def run(settings: Settings) -> dict[str, Any]:
    """Run both approaches, print their figures and the ratio, return them."""
    contract = ReaderContract.current()
    spark = build_session(settings)
    spark.sparkContext.setLogLevel("WARN")
    results: dict[str, Any] = {"master": settings.spark.master}
    backlog = _api_users(BACKLOG_USERS, "bench-backlog")
    steady = _api_users(STEADY_RATE * STEADY_SECONDS, "bench-steady")
    # Every keyspace exists before the first query: the connector caches schema metadata.
    names = {
        (a.name, run): _prepare(settings, contract, f"bench_{a.name}_{run}")
        for a in (AVRO, SEED)
        for run in ("drain", "steady")
    }
    with tempfile.TemporaryDirectory(prefix="e2e-bench-") as tmp, _discarded(settings, names):
        for approach in (AVRO, SEED):
            drain, steady_name = names[approach.name, "drain"], names[approach.name, "steady"]
            results[approach.name] = {
                **_throughput(spark, settings, contract, approach, backlog, Path(tmp) / drain),
                **_latency(spark, settings, contract, approach, steady, Path(tmp) / steady_name),
            }
            print(f"e2e {approach.name}: {json.dumps(results[approach.name])}", flush=True)
    avro, seed = results["avro"], results["seed"]
    results["throughput_ratio_avro_over_seed"] = round(avro["rows_per_s"] / seed["rows_per_s"], 2)
    print(
        f"e2e sustained rows/s: avro {avro['rows_per_s']:.0f}, seed-style {seed['rows_per_s']:.0f}"
        f" (ratio {results['throughput_ratio_avro_over_seed']}); latency p50/p95 s at "
        f"{STEADY_RATE} rows/s: avro {avro['latency_s_p50']}/{avro['latency_s_p95']}, "
        f"seed-style {seed['latency_s_p50']}/{seed['latency_s_p95']}",
        flush=True,
    )
    return results


def _api_users(count: int, seed: str) -> list[dict[str, Any]]:
    pages = range(1, -(-count // MAX_RESULTS) + 1)
    nats = tuple(NATIONALITIES)
    users = [u for page in pages for u in make_page(seed, page, MAX_RESULTS, nats)["results"]]
    return users[:count]


def _throughput(
    spark: SparkSession,
    settings: Settings,
    contract: ReaderContract,
    approach: Approach,
    users: list[dict[str, Any]],
    workdir: Path,
) -> dict[str, Any]:
    """Pre-produce ``users``, then time the query draining them into Cassandra."""
    name = workdir.name
    approach.produce(settings, name, users, _ignore)
    started = time.time()
    query = approach.start(spark, settings, contract, name, workdir)
    try:
        batches = _wait_for_rows(settings, query, f"{name}.{contract.table}", len(users))
    finally:
        query.stop()
    finished = max(_batch_end(b) for b in batches)
    busy_s = sum(b["durationMs"]["triggerExecution"] for b in batches) / 1000
    return {
        "rows": len(users),
        "rows_per_s": round(len(users) / (finished - started), 1),
        "rows_per_s_in_batches": round(len(users) / busy_s, 1),
        "drain_s_incl_query_start": round(finished - started, 2),
    }


def _latency(
    spark: SparkSession,
    settings: Settings,
    contract: ReaderContract,
    approach: Approach,
    users: list[dict[str, Any]],
    workdir: Path,
) -> dict[str, Any]:
    """Produce at a steady rate into a running query; latency = row WRITETIME - produce time."""
    name = workdir.name
    query = approach.start(spark, settings, contract, name, workdir)
    produced_at: dict[str, float] = {}
    try:
        ids = iter(str(build_user(u, source=SOURCE, ingested_at=_NOW).id) for u in users)

        def stamp(count: int) -> None:
            now = time.time()
            for _ in range(count):
                produced_at[next(ids)] = now

        approach.produce(settings, name, users, stamp)
        _wait_for_rows(settings, query, f"{name}.{contract.table}", len(users))
    finally:
        query.stop()
    with connect(settings) as session:
        rows = session.execute(
            f"SELECT id, WRITETIME(email) AS written FROM {name}.{contract.table}"
        )
        latencies = [row.written / 1e6 - produced_at[str(row.id)] for row in rows]
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "steady_rows": len(latencies),
        "steady_rate_per_s": STEADY_RATE,
        "latency_s_p50": round(cuts[49], 3),
        "latency_s_p95": round(cuts[94], 3),
        "latency_s_max": round(max(latencies), 3),
    }


_NOW = datetime.now(UTC)


def _paced(users: list[dict[str, Any]], stamp: Callable[[int], None]) -> Iterator[list[Any]]:
    """Chunks of ``users``: all at once when ``stamp`` ignores time, else at STEADY_RATE."""
    per_tick = int(STEADY_RATE * TICK_S)
    next_tick = time.monotonic()
    for start in range(0, len(users), per_tick):
        chunk = users[start : start + per_tick]
        yield chunk
        stamp(len(chunk))
        next_tick += TICK_S
        time.sleep(max(0.0, next_tick - time.monotonic()))


def _produce_avro(
    settings: Settings, topic: str, users: list[dict[str, Any]], stamp: Callable[[int], None]
) -> None:
    publisher = UserPublisher(settings, topic=topic, dlq_topic=f"{topic}.producer-dlq")
    origin = Origin(SOURCE, "bench", 1)
    if stamp is _ignore:
        publisher.publish(users, origin, ingested_at=_NOW)
    else:
        for chunk in _paced(users, stamp):
            publisher.publish(chunk, origin, ingested_at=_NOW)
    counts = publisher.flush()
    if counts.produced != len(users):
        raise RuntimeError(f"{topic}: produced {counts} of {len(users)} users: {publisher.errors}")


def _produce_json(
    settings: Settings, topic: str, users: list[dict[str, Any]], stamp: Callable[[int], None]
) -> None:
    producer = Producer({**settings.kafka.client_config(), "linger.ms": 20, "acks": "all"})
    chunks = [users] if stamp is _ignore else _paced(users, stamp)
    for chunk in chunks:
        for user in chunk:
            record = build_user(user, source=SOURCE, ingested_at=_NOW).to_avro()
            value = json.dumps(record, default=_json_value).encode()
            while True:
                try:
                    producer.produce(topic, value, str(record["id"]).encode())
                    break
                except BufferError:
                    producer.poll(0.5)
        producer.poll(0)
    if producer.flush(120):
        raise RuntimeError(f"{topic}: JSON users still undelivered after 120 s")


def _ignore(_count: int) -> None:
    """The stamp of a backlog: produce everything at once, no pacing."""


def _json_value(value: Any) -> str:
    return value.isoformat(timespec="milliseconds") if isinstance(value, datetime) else str(value)


def _start_avro(
    spark: SparkSession, settings: Settings, contract: ReaderContract, name: str, workdir: Path
) -> StreamingQuery:
    options = JobOptions.from_settings(
        settings,
        contract,
        topic=name,
        dlq_topic=f"{name}.dlq",
        keyspace=name,
        checkpoint=str(workdir / "checkpoint"),
        metrics_file=workdir / "batches.jsonl",
    )
    return start_query(spark, settings, contract, options)


def _start_seed(
    spark: SparkSession, settings: Settings, contract: ReaderContract, name: str, workdir: Path
) -> StreamingQuery:
    columns = [fn.expr(sql).alias(column) for column, sql in contract.projection]
    sink = {**cassandra_options(settings.cassandra), "keyspace": name, "table": contract.table}

    def write(batch: DataFrame, _batch_id: int) -> None:
        parsed = batch.select(
            fn.from_json(fn.col("value").cast("string"), SEED_SCHEMA).alias("value")
        )
        parsed.select(*columns).write.format("org.apache.spark.sql.cassandra").options(**sink).mode(
            "append"
        ).save()

    return (
        spark.readStream.format("kafka")
        .options(**kafka_options(settings.kafka))
        .option("subscribe", name)
        .option("startingOffsets", "earliest")
        .load()
        .writeStream.foreachBatch(write)
        .option("checkpointLocation", str(workdir / "checkpoint"))
        .trigger(processingTime=settings.spark.trigger_interval)
        .start()
    )


AVRO = Approach("avro", _produce_avro, _start_avro)
SEED = Approach("seed", _produce_json, _start_seed)


@contextmanager
def _discarded(settings: Settings, names: Mapping[Any, str]) -> Iterator[None]:
    """Delete the benchmark's scratch topics, subjects and keyspaces once it is done."""
    try:
        yield
    finally:
        registry = SchemaRegistryClient(settings.registry.client_config())
        admin = AdminClient({**settings.kafka.client_config()})
        topics = [t for name in names.values() for t in (name, f"{name}.dlq")]
        for future in admin.delete_topics(topics).values():
            future.result(30)
        with connect(settings) as session:
            for name in names.values():
                registry.delete_subject(f"{name}-value")
                registry.delete_subject(f"{name}-value", permanent=True)
                session.execute(f"DROP KEYSPACE IF EXISTS {name}")


def _prepare(settings: Settings, contract: ReaderContract, prefix: str) -> str:
    """A fresh topic (with DLQ), registered subject, keyspace and table; returns its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    ensure_topics(settings, name, f"{name}.dlq")
    registry = SchemaRegistryClient(settings.registry.client_config())
    registry.register_schema(f"{name}-value", Schema(contract.reader_schema, "AVRO"))
    replication = json.dumps(settings.cassandra.replication).replace('"', "'")
    with connect(settings) as session:
        session.execute(f"CREATE KEYSPACE {name} WITH replication = {replication}")
        session.set_keyspace(name)
        for statement in split_statements(CQL.read_text(encoding="utf-8")):
            session.execute(statement)
    return name


def _wait_for_rows(
    settings: Settings, query: StreamingQuery, table: str, rows: int
) -> list[dict[str, Any]]:
    """The progress of every batch of ``query`` until ``table`` holds ``rows`` rows.

    The table is counted rather than the progress' ``numInputRows``, which counts a batch once
    per Spark job that reads it (the job's second pass, the DLQ) and so runs ahead.
    """
    batches: dict[int, dict[str, Any]] = {}
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    with connect(settings) as session:
        while time.monotonic() < deadline:
            if not query.isActive:
                raise RuntimeError(f"query {query.name} stopped: {query.exception()}")
            for progress in query.recentProgress:
                if progress["numInputRows"]:
                    batches[progress["batchId"]] = progress
            if sum(b["numInputRows"] for b in batches.values()) >= rows:
                count = session.execute(f"SELECT COUNT(*) FROM {table}", timeout=120).one()[0]
                if count >= rows:
                    return list(batches.values())
            time.sleep(1.0)
    raise TimeoutError(f"{table}: fewer than {rows} rows after {DRAIN_TIMEOUT_S} s")


def _batch_end(progress: dict[str, Any]) -> float:
    started = datetime.fromisoformat(progress["timestamp"].replace("Z", "+00:00")).timestamp()
    return started + float(progress["durationMs"]["triggerExecution"]) / 1000
