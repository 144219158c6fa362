"""End-to-end benchmark of the streaming job: Kafka -> Spark (local master) -> Cassandra.

On the same users, each run into its own fresh keyspace (dropped once its rows are checked) and
started once Cassandra is quiet, with every feature of the job on (contract rules, live reader,
ordered writes, DLQ routing):

1. ``avro``: this project's job draining a pre-produced backlog (sustained rows/s).
2. ``sink_ceiling``: the same rows, already decoded and cached, written by the same connector
   with the same settings: the most the sink takes on this machine, so the job's share of it.
3. ``seed``: a JSON baseline with a hand-written schema: JSON values parsed with
   ``from_json`` and a hand-written StructType, the same projection and sink.

   These three drain twice each, in the order of ``HEADLINE_ORDER``.
4. ``decoding``: each job's Spark work per row without the sink, from the same Kafka rows
   cached: the job's framing, decoding, rules, figures and projection against the baseline's
   JSON parsing and projection, into Spark's ``noop`` sink.
5. ``many_versions``: a backlog spread over 50 registered writer versions (each adding an
   optional field), against the same backlog written by one version with the same (widest)
   table, each drained twice: the cost per row must not grow with the number of writer
   versions.
6. latency at a steady rate, produce to queryable, for ``avro`` and ``seed``.

A warm-up drains the whole backlog through the job and the JSON baseline, writes it once as the
sink ceiling does, and drains 50,000 users through the job on a 50-version topic, so none pays
the JVM's warm-up (JIT compilation of the generated code and of Spark's planner, connector
sessions, Cassandra's own) in its figures: a long-running job does not. What the JIT still
compiles during a drain is in its CPU figures (``spark_jit``; ``docs/performance.md``,
findings).

Sizes come from ``BENCH_BACKLOG_USERS`` (200,000) and ``BENCH_STEADY_SECONDS`` (30).
"""

from __future__ import annotations

import io
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fastavro
from cassandra.query import SimpleStatement
from confluent_kafka import Producer
from pyspark.sql import Column, DataFrame, Observation, SparkSession
from pyspark.sql import functions as fn
from pyspark.sql.avro.functions import from_avro
from pyspark.sql.streaming.query import StreamingQuery
from pyspark.sql.types import (
    DoubleType,
    IntegerType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from bench.cpu import JIT, THREAD_GROUPS, CpuMeter
from clients.cassandra import connect
from clients.kafka import delete_topics, ensure_topics, producer_config
from clients.registry import Registry, value_subject
from config import Settings
from ops.migrate import apply_generated
from producer.avro import wire_header
from producer.publish import Origin, UserPublisher
from producer.records import build_user
from spark import wire
from spark.contract import ReaderContract
from spark.job import JobOptions, reader_source, start_query
from spark.metrics import MetricsLog, latency_percentiles
from spark.microbatch import (
    WRITETIME,
    BatchColumns,
    Classifier,
    forget_cassandra_sessions,
    projected_columns,
    write_time,
)
from spark.options import cassandra_options, kafka_options
from spark.reader import StaticReader
from spark.session import build_session
from spark.writer_schemas import WriterSchemas
from stack.offline_source import MAX_RESULTS, NATIONALITIES, make_page

BACKLOG_USERS = int(os.environ.get("BENCH_BACKLOG_USERS", "200000"))
STEADY_RATE = 1_000
STEADY_SECONDS = int(os.environ.get("BENCH_STEADY_SECONDS", "30"))
VERSIONS = 50
VERSION_DRAIN_ORDER = (False, True, True, False)
"""The 50-version comparison's drains, one version (False) or many (True): each kind twice, in
an order that cancels a drift over the four."""
HEADLINE_ORDER = ("avro", "sink_ceiling", "seed", "seed", "sink_ceiling", "avro")
"""The job, the sink ceiling and the JSON baseline, each drained twice in an order that cancels a
drift over the six: with one drain of each, two runs of the same code differed in the ratios by
more than the targets' margins (``docs/performance.md``)."""
VERSIONS_WARMUP_USERS = 50_000
"""Users drained through the job on a 50-version topic before measuring; the job and the
baseline each drain the whole backlog first: after one 50,000-row micro-batch, the JIT's
compilers still took a third of the Spark JVM's CPU in the next drain."""
DECODE_ROUNDS = 3
"""Rounds of each path in the decoding run; the last is measured, the others warm it up."""
COUNT_PAGE_ROWS = 1_000
TICK_S = 0.1
DRAIN_TIMEOUT_S = 1800.0
SOURCE = "offline://bench"
QUIET = {"spark.ui.showConsoleProgress": "false"}
BATCHING: dict[str, str | int | float | bool] = {"linger.ms": 20, "acks": "all"}
_NOW = datetime.now(UTC).replace(microsecond=0)

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
"""The JSON baseline's schema, written by hand: what the generated code replaces."""

Say = Callable[[str], None]


@dataclass(frozen=True)
class Bench:
    """What every run shares: the session, settings, contract, scratch folder, progress."""

    spark: SparkSession
    settings: Settings
    contract: ReaderContract
    workdir: Path
    say: Say
    cpu: CpuMeter


def run(settings: Settings, say: Say = print) -> dict[str, Any]:
    """Every run, in order; prints a line per phase and the figures, returns them."""
    spark = build_session(settings, extra=QUIET)
    spark.sparkContext.setLogLevel("ERROR")
    contract = ReaderContract.current()
    steady_users = STEADY_RATE * STEADY_SECONDS
    say(f"e2e: generating {BACKLOG_USERS:,} backlog users and {steady_users:,} steady ones")
    backlog = _api_users(BACKLOG_USERS, "bench-backlog")
    steady = _api_users(steady_users, "bench-steady")
    results: dict[str, Any] = {"master": settings.spark.master, "backlog_users": len(backlog)}
    with tempfile.TemporaryDirectory(prefix="e2e-bench-") as tmp, _scratch(settings) as names:
        bench = Bench(spark, settings, contract, Path(tmp), say, CpuMeter.of(spark, settings))
        avro_topic, seed_topic = names.new(bench, "avro"), names.new(bench, "seed")
        say("e2e [0/5] producing the backlog for each job; warm-up: the backlog through each run")
        _produce_project(settings, avro_topic, backlog)
        _produce_json(settings, seed_topic, backlog, _ignore)
        _drained_job(bench, names.new(bench, "warm_avro"), len(backlog), avro_topic)
        _drained_seed(bench, names.new(bench, "warm_seed"), len(backlog), seed_topic)
        _sink_ceiling(bench, avro_topic, names.new(bench, "warm_ceiling", register=False))
        warm_versions = names.new(bench, "warm_versions")
        versions_warm = backlog[:VERSIONS_WARMUP_USERS]
        _produce_versions(bench, warm_versions, _avro_records(versions_warm), spread=True)
        _drained_job(bench, warm_versions, len(versions_warm))
        say(
            f"e2e [1/5] the job, the sink ceiling and the JSON baseline, "
            f"{len(HEADLINE_ORDER)} drains"
        )
        results |= _headline(bench, names, avro_topic, seed_topic, len(backlog))
        say("e2e [2/5] decoding alone: each job's Spark work on the cached rows, no sink")
        results["decoding"] = _decoding(bench, avro_topic, seed_topic)
        say(
            f"  avro {results['decoding']['avro']['rows_per_s']:,.0f} rows/s, JSON baseline "
            f"{results['decoding']['seed']['rows_per_s']:,.0f}"
        )
        say(f"e2e [3/5] {VERSIONS} writer versions: backlog spread over them vs one version")
        results["many_versions"] = _many_versions(bench, names, backlog)
        many = results["many_versions"]
        one = many["one_version_rows_per_s"]
        say(f"  {many['rows_per_s']:,.0f} rows/s, one version {one:,.0f}")
        say(f"e2e [4/5] avro latency at a steady {STEADY_RATE:,} rows/s for {STEADY_SECONDS} s")
        results["avro"].update(_latency_avro(bench, names.new(bench, "avro_steady"), steady))
        say(f"e2e [5/5] JSON baseline latency at a steady {STEADY_RATE:,} rows/s")
        results["seed"].update(_latency_seed(bench, names.new(bench, "seed_steady"), steady))
    avro, seed, ceiling = results["avro"], results["seed"], results["sink_ceiling"]
    results["avro_over_seed"] = round(avro["rows_per_s"] / seed["rows_per_s"], 2)
    results["avro_share_of_ceiling"] = round(avro["rows_per_s"] / ceiling["rows_per_s"], 2)
    say(summary(results))
    return results


def summary(results: Mapping[str, Any]) -> str:
    """The end-to-end figures in a few lines."""
    avro, seed, ceiling = results["avro"], results["seed"], results["sink_ceiling"]
    many, decoding = results["many_versions"], results["decoding"]
    return (
        f"e2e, {results['backlog_users']:,} users, Spark {results['master']}:\n"
        f"  avro job         {avro['rows_per_s']:>8,.0f} rows/s {_each(avro)} "
        f"({results['avro_share_of_ceiling']:.0%} of the sink ceiling, "
        f"x{results['avro_over_seed']} the JSON baseline)\n"
        f"  sink ceiling     {ceiling['rows_per_s']:>8,.0f} rows/s {_each(ceiling)}\n"
        f"  JSON baseline    {seed['rows_per_s']:>8,.0f} rows/s {_each(seed)}\n"
        f"  decoding alone   avro {decoding['avro']['rows_per_s']:,.0f} rows/s "
        f"({decoding['avro']['spark_us_per_row']} µs a row), JSON baseline "
        f"{decoding['seed']['rows_per_s']:,.0f} ({decoding['seed']['spark_us_per_row']} µs), "
        f"x{decoding['avro_over_seed']}\n"
        f"  {many['versions']} versions      {many['rows_per_s']:>8,.0f} rows/s "
        f"({many['share_of_one_version']:.0%} of one version, "
        f"{many['one_version_rows_per_s']:,.0f})\n"
        f"  latency p50/p95 at {STEADY_RATE:,} rows/s: avro {avro['latency_s_p50']}/"
        f"{avro['latency_s_p95']} s, JSON baseline {seed['latency_s_p50']}/"
        f"{seed['latency_s_p95']} s\n"
        "  CPU µs a row      Spark JVM (its JIT)  Cassandra (compaction, flush, GC, JIT)\n"
        + "\n".join(
            f"  {label:<17} {_cpu(used)}"
            for label, used in (
                ("avro job", avro["cpu_us_per_row"]),
                ("sink ceiling", ceiling["cpu_us_per_row"]),
                ("JSON baseline", seed["cpu_us_per_row"]),
                (f"{many['versions']} versions", many["cpu_us_per_row"]),
                ("one version", many["one_version_cpu_us_per_row"]),
            )
        )
    )


def _each(kind: Mapping[str, Any]) -> str:
    return "[" + ", ".join(f"{rate:,.0f}" for rate in kind["rows_per_s_each"]) + "]"


def _cpu(used: Mapping[str, float]) -> str:
    spark = f"{used.get('spark', '?')} ({used.get(JIT, '?')})"
    parts = ", ".join(str(used.get(part, "?")) for part in THREAD_GROUPS["cassandra"])
    return f"{spark:<20} {used.get('cassandra', '?')} ({parts})"


def _api_users(count: int, seed: str) -> list[dict[str, Any]]:
    pages = range(1, -(-count // MAX_RESULTS) + 1)
    nats = tuple(NATIONALITIES)
    users = [u for page in pages for u in make_page(seed, page, MAX_RESULTS, nats)["results"]]
    return users[:count]


# -- scratch names --------------------------------------------------------------------------------


class _Names:
    """Fresh topic (with DLQ), subject and keyspace per run, all removed at the end."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.created: list[str] = []

    def new(self, bench: Bench, prefix: str, register: bool = True) -> str:
        name = f"bench_{prefix}_{uuid.uuid4().hex[:8]}"
        self.created.append(name)
        ensure_topics(self.settings, name, f"{name}.dlq")
        if register:
            with Registry(self.settings.registry) as registry:
                registry.register(value_subject(name), bench.contract.reader_schema)
        with connect(self.settings) as session:
            apply_generated(session, name, self.settings.cassandra.replication)
        forget_cassandra_sessions(bench.spark)  # the connector's sessions learn of the keyspace
        return name


@contextmanager
def _scratch(settings: Settings) -> Iterator[_Names]:
    names = _Names(settings)
    try:
        yield names
    finally:
        delete_topics(settings, [t for n in names.created for t in (n, f"{n}.dlq")])
        with Registry(settings.registry) as registry, connect(settings) as session:
            for name in names.created:
                registry.delete_subject(value_subject(name))
                session.execute(f"DROP KEYSPACE IF EXISTS {name}")


# -- draining a backlog ---------------------------------------------------------------------------


def _produce_project(settings: Settings, topic: str, users: list[dict[str, Any]]) -> None:
    publisher = UserPublisher(settings, topic=topic, dlq_topic=f"{topic}.producer-dlq")
    publisher.publish(users, Origin(SOURCE, "bench", 1), ingested_at=_NOW)
    counts = publisher.flush()
    if counts.produced != len(users):
        raise RuntimeError(f"{topic}: produced {counts} of {len(users)} users: {publisher.errors}")


def _job_options(bench: Bench, name: str, topic: str | None = None) -> JobOptions:
    """The job's options for run ``name`` (its keyspace, DLQ, checkpoint and figures), reading
    ``topic`` (by default the run's own)."""
    return JobOptions.from_settings(
        bench.settings,
        bench.contract,
        topic=topic or name,
        dlq_topic=f"{name}.dlq",
        keyspace=name,
        checkpoint=str(bench.workdir / name / "checkpoint"),
        metrics_file=bench.workdir / name / "batches.jsonl",
    )


def _job_settings(bench: Bench, name: str) -> Settings:
    """The bench's settings with the run's own status file (the stack's job keeps its own)."""
    spark = bench.settings.spark.model_copy(
        update={"status_file": bench.workdir / name / "status.json"}
    )
    return bench.settings.model_copy(update={"spark": spark})


def _start_job(bench: Bench, name: str, topic: str | None = None) -> StreamingQuery:
    return start_query(
        bench.spark, _job_settings(bench, name), bench.contract, _job_options(bench, name, topic)
    )


def _job_read(bench: Bench, name: str) -> Counter:
    """The rows the job has read, from its own batch figures (exact however often it reads a
    batch)."""
    log = MetricsLog(_job_options(bench, name).metrics_file)

    def read() -> tuple[int, int]:
        batches = log.batches()
        return sum(b["rows_read"] for b in batches), max(
            (b["batch_id"] for b in batches if b["rows_read"]), default=-1
        )

    return read


def _drained_job(bench: Bench, name: str, rows: int, topic: str | None = None) -> dict[str, Any]:
    """The job of run ``name`` draining ``topic`` (by default ``name``): see ``_measured``."""
    read = _job_read(bench, name)
    return _measured(bench, name, rows, lambda: _start_job(bench, name, topic), read)


Counter = Callable[[], tuple[int, int]]
"""Rows a query has read so far, and the id of the last batch counted."""


def _measured(
    bench: Bench,
    name: str,
    rows: int,
    start: Callable[[], StreamingQuery],
    read: Counter | None = None,
) -> dict[str, Any]:
    """A measured drain into run ``name``'s keyspace: once Cassandra is quiet, ``start`` the
    query and wait until it has read and written ``rows`` rows (``_drained``), with its CPU
    figures; then drop the keyspace (``_release``)."""
    quiet_s = bench.cpu.wait_quiet()
    before = bench.cpu.read()
    query = start()
    table = f"{name}.{bench.contract.table}"
    drained = _drained(query, bench, table, rows, read, cpu_since=before)
    _release(bench, name)
    return {**drained, "quiet_wait_s": quiet_s}


def _drained(
    query: StreamingQuery,
    bench: Bench,
    table: str,
    rows: int,
    read: Counter | None = None,
    cpu_since: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Wait until the query has read ``rows`` rows, check they are in ``table``; the drain's
    rate from the query's progress (first batch start to last batch end).

    ``read`` counts the rows read; by default the progress's ``numInputRows``, which counts a
    batch's rows once per read of the batch, so right only for a job that reads each batch once.
    With ``cpu_since`` (a ``CpuMeter`` reading), the figures hold the CPU per row from then to
    the query's stop: the check of ``table`` after it reads every row back, work that is not the
    drain's.
    """
    started = time.time()
    batches: dict[int, dict[str, Any]] = {}

    def from_progress() -> tuple[int, int]:
        return sum(b["numInputRows"] for b in batches.values()), max(batches, default=-1)

    counter = read or from_progress

    def drained() -> bool:
        for progress in query.recentProgress:
            if progress["numInputRows"]:
                batches[progress["batchId"]] = progress
        seen, last_batch = counter()
        return seen >= rows and last_batch in batches

    try:
        _wait_until(query, drained, f"{table}: fewer than {rows} rows", 0.5)
    finally:
        query.stop()
    cpu = {} if cpu_since is None else {"cpu_us_per_row": bench.cpu.per_row(cpu_since, rows)}
    written = _count_rows(bench.settings, table)
    if written != rows:
        raise RuntimeError(f"{table}: {written} rows after the drain, expected {rows}")
    first = min(_batch_start(b) for b in batches.values())
    last = max(
        _batch_start(b) + b["durationMs"]["triggerExecution"] / 1000 for b in batches.values()
    )
    return {
        "rows": rows,
        "rows_per_s": round(rows / (last - first), 1),
        "drain_s_incl_query_start": round(last - started, 2),
        "batches": len(batches),
        **cpu,
    }


def _count_rows(settings: Settings, table: str) -> int:
    """Rows of ``table``, read in small pages: every null column of a row is a tombstone, and
    Cassandra fails a read page that crosses 100,000 of them."""
    with connect(settings) as session:
        statement = SimpleStatement(f"SELECT id FROM {table}", fetch_size=COUNT_PAGE_ROWS)
        return sum(1 for _ in session.execute(statement, timeout=120))


def _batch_start(progress: Mapping[str, Any]) -> float:
    return datetime.fromisoformat(progress["timestamp"].replace("Z", "+00:00")).timestamp()


def _produce_json(
    settings: Settings, topic: str, users: list[dict[str, Any]], stamp: Callable[[int], None]
) -> None:
    producer = Producer(producer_config(settings, **BATCHING))
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


def _json_value(value: Any) -> str:
    return value.isoformat(timespec="milliseconds") if isinstance(value, datetime) else str(value)


def _ignore(_count: int) -> None:
    """The stamp of a backlog: produce everything at once, no pacing."""


def _start_seed(bench: Bench, name: str, topic: str | None = None) -> StreamingQuery:
    columns = projected_columns(bench.contract)
    sink = {
        **cassandra_options(bench.settings.cassandra),
        "keyspace": name,
        "table": bench.contract.table,
    }

    def write(batch: DataFrame, _batch_id: int) -> None:
        _seed_rows(batch, columns).write.format("org.apache.spark.sql.cassandra").options(
            **sink
        ).mode("append").save()

    return (
        bench.spark.readStream.format("kafka")
        .options(**kafka_options(bench.settings.kafka))
        .option("subscribe", topic or name)
        .option("startingOffsets", "earliest")
        .option("maxOffsetsPerTrigger", str(bench.settings.spark.max_offsets_per_trigger))
        .load()
        .writeStream.foreachBatch(write)
        .option("checkpointLocation", str(bench.workdir / name / "checkpoint"))
        .trigger(processingTime=bench.settings.spark.trigger_interval)
        .start()
    )


def _seed_rows(batch: DataFrame, columns: Sequence[Column]) -> DataFrame:
    """The baseline's work on a batch of Kafka rows: parse the JSON, project the columns."""
    parsed = batch.select(fn.from_json(fn.col("value").cast("string"), SEED_SCHEMA).alias("value"))
    return parsed.select(*columns)


def _drained_seed(bench: Bench, name: str, rows: int, topic: str) -> dict[str, Any]:
    """The baseline draining ``topic`` into run ``name``'s keyspace: see ``_measured``."""
    return _measured(bench, name, rows, lambda: _start_seed(bench, name, topic))


def _release(bench: Bench, keyspace: str) -> None:
    """Drop a measured run's keyspace once its rows are checked, so that every run finds the
    node holding the same data: none of an earlier run's memtables or SSTables."""
    with connect(bench.settings) as session:
        session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")


# -- the job, the sink ceiling and the baseline ---------------------------------------------------


def _headline(
    bench: Bench, names: _Names, avro_topic: str, seed_topic: str, rows: int
) -> dict[str, Any]:
    """The drains of HEADLINE_ORDER, each into a fresh keyspace; each kind's figures over its
    drains (``combined``)."""
    runs: dict[str, Callable[[str], dict[str, Any]]] = {
        "avro": lambda name: _drained_job(bench, name, rows, avro_topic),
        "sink_ceiling": lambda name: _sink_ceiling(bench, avro_topic, name),
        "seed": lambda name: _drained_seed(bench, name, rows, seed_topic),
    }
    drains: dict[str, list[dict[str, Any]]] = {kind: [] for kind in runs}
    for kind in HEADLINE_ORDER:
        drains[kind].append(runs[kind](names.new(bench, kind, register=False)))
        bench.say(f"  {kind}: {drains[kind][-1]['rows_per_s']:,.0f} rows/s")
    return {kind: combined(done) for kind, done in drains.items()}


def combined(drains: list[dict[str, Any]]) -> dict[str, Any]:
    """One kind's figures over its drains of the same rows: the rate over all of them, and the
    CPU per row averaged over them, beside each drain's own."""
    return {
        "rows": drains[0]["rows"],
        "drains": len(drains),
        "rows_per_s": round(_overall_rate(drains), 1),
        "rows_per_s_each": [d["rows_per_s"] for d in drains],
        "cpu_us_per_row": _mean_cpu(drains),
        "cpu_us_per_row_each": [d["cpu_us_per_row"] for d in drains],
        "quiet_wait_s_each": [d["quiet_wait_s"] for d in drains],
    }


# -- the sink alone -------------------------------------------------------------------------------


def _sink_ceiling(bench: Bench, source_topic: str, name: str) -> dict[str, Any]:
    """The avro backlog, decoded and projected like the job does, cached, then written alone."""
    reader = bench.contract.reader_schema
    options = {"avroSchema": reader, "mode": "PERMISSIVE"}
    rows = (
        _kafka_rows(bench, source_topic)
        .select(
            from_avro(wire.avro_body(fn.col("value")), reader, options).alias("value"),
            write_time(fn.col("timestamp"), fn.col("offset")).alias(WRITETIME),
        )
        .select(*projected_columns(bench.contract), WRITETIME)
        .cache()
    )
    count = rows.count()
    quiet_s = bench.cpu.wait_quiet()
    before = bench.cpu.read()
    started = time.perf_counter()
    rows.write.format("org.apache.spark.sql.cassandra").options(
        **cassandra_options(bench.settings.cassandra)
    ).options(keyspace=name, table=bench.contract.table, writetime=WRITETIME).mode("append").save()
    seconds = time.perf_counter() - started
    cpu = bench.cpu.per_row(before, count)
    rows.unpersist()
    _release(bench, name)
    return {
        "rows": count,
        "rows_per_s": round(count / seconds, 1),
        "cpu_us_per_row": cpu,
        "quiet_wait_s": quiet_s,
    }


def _kafka_rows(bench: Bench, topic: str, headers: bool = False) -> DataFrame:
    """All of ``topic`` as the Kafka source reads it (a batch read)."""
    return (
        bench.spark.read.format("kafka")
        .options(**kafka_options(bench.settings.kafka))
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .option("endingOffsets", "latest")
        .option("includeHeaders", str(headers).lower())
        .load()
    )


# -- decoding alone -------------------------------------------------------------------------------


def _decoding(bench: Bench, avro_topic: str, seed_topic: str) -> dict[str, Any]:
    """Each job's Spark work per row, from its backlog's Kafka rows cached, into ``noop``: the
    job's pass as it writes (framing, the writers' ``from_avro``, rules, figures, projection,
    write time), and the baseline's JSON parsing and projection."""
    schemas = WriterSchemas.from_settings(bench.settings)
    writers = schemas.resolve_batch(schemas.recent_ids(value_subject(avro_topic)))
    classifier = Classifier.build(writers, StaticReader(bench.contract).reader_for(writers))
    columns = BatchColumns.build()
    projection = projected_columns(bench.contract)

    def avro(rows: DataFrame) -> DataFrame:
        classified = classifier.apply(rows.select(*columns.frame))
        observation = Observation(f"decoding_{uuid.uuid4().hex}")
        return columns.to_write(columns.observed_good(classified, observation), bench.contract)

    runs = {
        "avro": (_kafka_rows(bench, avro_topic, headers=True), avro),
        "seed": (_kafka_rows(bench, seed_topic), lambda rows: _seed_rows(rows, projection)),
    }
    results = {kind: _decoded_alone(bench, *run) for kind, run in runs.items()}
    avro_rate, seed_rate = results["avro"]["rows_per_s"], results["seed"]["rows_per_s"]
    return {**results, "avro_over_seed": round(avro_rate / seed_rate, 2)}


def _decoded_alone(
    bench: Bench, raw: DataFrame, work: Callable[[DataFrame], DataFrame]
) -> dict[str, Any]:
    """``work`` over ``raw`` cached, into ``noop``, ``DECODE_ROUNDS`` times; the last measured."""
    cached = raw.cache()
    rows = cached.count()
    try:
        for _ in range(DECODE_ROUNDS):
            before, started = bench.cpu.read(), time.perf_counter()
            work(cached).write.format("noop").mode("overwrite").save()
            seconds = time.perf_counter() - started
            spark_us = bench.cpu.per_row(before, rows)["spark"]
    finally:
        cached.unpersist()
    return {"rows": rows, "rows_per_s": round(rows / seconds, 1), "spark_us_per_row": spark_us}


# -- many writer versions -------------------------------------------------------------------------


def _version_schemas(contract: ReaderContract) -> list[str]:
    """Version 1 (the contract), then versions 2..VERSIONS+1, each one optional field more."""
    base = json.loads(contract.reader_schema)
    schemas = [contract.reader_schema]
    for n in range(1, VERSIONS + 1):
        fields = [
            {"name": f"extra_{k}", "type": ["null", "string"], "default": None}
            for k in range(1, n + 1)
        ]
        schemas.append(json.dumps({**base, "fields": [*base["fields"], *fields]}))
    return schemas


def _framer(schema: str, schema_id: int) -> Callable[[dict[str, Any]], bytes]:
    parsed = fastavro.parse_schema(json.loads(schema))
    header = wire_header(schema_id)

    def frame(record: dict[str, Any]) -> bytes:
        out = io.BytesIO(header)
        out.seek(5)
        fastavro.schemaless_writer(out, parsed, record)
        return out.getvalue()

    return frame


def _live_migrated(bench: Bench, name: str) -> None:
    """Take the keyspace to the newest version as the job's live reader does (done ahead, so
    the drain measures decoding and writing, not fifty schema changes)."""
    settings, options = _job_settings(bench, name), _job_options(bench, name)
    reader_source(bench.spark, settings, bench.contract, options).reader_for([])


def _many_versions(bench: Bench, names: _Names, users: list[dict[str, Any]]) -> dict[str, Any]:
    """Both backlogs drained twice, in the order one, many, many, one, each on a fresh topic: a
    single pair moved by 0.65 to 0.86 between runs (the first drain of a kind paid more, and
    Cassandra's own background work lands on either), so each rate is over two drains whose
    order cancels a drift."""
    records = _avro_records(users)
    drains: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    for spread in VERSION_DRAIN_ORDER:
        name = names.new(bench, "versions" if spread else "one_version")
        _produce_versions(bench, name, records, spread=spread)
        drains[spread].append(_drained_job(bench, name, len(users)))
    many, one = _overall_rate(drains[True]), _overall_rate(drains[False])
    return {
        "versions": VERSIONS,
        "drains_each": len(drains[True]),
        "rows_per_s": round(many, 1),
        "one_version_rows_per_s": round(one, 1),
        "share_of_one_version": round(many / one, 2),
        "cpu_us_per_row": _mean_cpu(drains[True]),
        "one_version_cpu_us_per_row": _mean_cpu(drains[False]),
    }


def _overall_rate(drains: list[dict[str, Any]]) -> float:
    """Rows per second over several drains: all their rows over all their time."""
    rows: int = sum(d["rows"] for d in drains)
    seconds: float = sum(d["rows"] / d["rows_per_s"] for d in drains)
    return rows / seconds


def _mean_cpu(drains: list[dict[str, Any]]) -> dict[str, float]:
    """Each process's CPU per row, averaged over drains of the same size."""
    processes = set.intersection(*(set(d["cpu_us_per_row"]) for d in drains))
    return {
        p: round(statistics.fmean(d["cpu_us_per_row"][p] for d in drains), 1)
        for p in sorted(processes)
    }


def _avro_records(users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [build_user(u, source=SOURCE, ingested_at=_NOW).to_avro() for u in users]


def _produce_versions(
    bench: Bench, topic: str, records: list[dict[str, Any]], *, spread: bool
) -> None:
    """Register versions 1..VERSIONS+1 for ``topic``, take its table to the newest, and produce
    ``records`` spread over versions 2..VERSIONS+1 in turn, or all with the newest."""
    schemas = _version_schemas(bench.contract)
    with Registry(bench.settings.registry) as registry:
        ids = [registry.register(value_subject(topic), s).schema_id for s in schemas]
    _live_migrated(bench, topic)
    framers = [_framer(s, i) for s, i in zip(schemas[1:], ids[1:], strict=True)]
    producer = Producer(producer_config(bench.settings, **BATCHING))
    for index, record in enumerate(records):
        frame = framers[index % VERSIONS] if spread else framers[-1]
        _produce_retrying(producer, topic, str(record["id"]).encode(), frame(record))
    if producer.flush(120):
        raise RuntimeError(f"{topic}: records still undelivered after 120 s")


def _produce_retrying(producer: Producer, topic: str, key: bytes, value: bytes) -> None:
    while True:
        try:
            producer.produce(topic, value, key)
            return
        except BufferError:
            producer.poll(0.5)


# -- latency at a steady rate ---------------------------------------------------------------------


def _paced(users: list[dict[str, Any]], stamp: Callable[[int], None]) -> Iterator[list[Any]]:
    """Chunks of ``users`` at STEADY_RATE; ``stamp`` is told each chunk's size once sent."""
    per_tick = int(STEADY_RATE * TICK_S)
    next_tick = time.monotonic()
    for start in range(0, len(users), per_tick):
        chunk = users[start : start + per_tick]
        yield chunk
        stamp(len(chunk))
        next_tick += TICK_S
        time.sleep(max(0.0, next_tick - time.monotonic()))


def _running(query: StreamingQuery) -> float:
    """Wait until ``query`` has finished its first trigger; the seconds that took. A latency run
    produces only then, so its figures are the running pipeline's, not the query's start-up
    (reported apart, as ``start_s``)."""
    started = time.monotonic()
    _wait_until(query, lambda: query.lastProgress is not None, f"query {query.name}: no trigger")
    return round(time.monotonic() - started, 2)


def _wait_until(
    query: StreamingQuery, done: Callable[[], bool], timeout: str, tick: float = TICK_S
) -> None:
    """Poll ``done`` every ``tick`` seconds; fail when the query stops, or with ``timeout`` after
    DRAIN_TIMEOUT_S."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{timeout} after {DRAIN_TIMEOUT_S} s")
        if not query.isActive:
            raise RuntimeError(f"query {query.name} stopped: {query.exception()}")
        time.sleep(tick)


def _latency_avro(bench: Bench, name: str, users: list[dict[str, Any]]) -> dict[str, Any]:
    """From each record's Kafka timestamp to the end of its write, from the job's own figures
    (its writes carry the Kafka position as write time, so WRITETIME cannot tell)."""
    query = _start_job(bench, name)
    start_s = _running(query)
    publisher = UserPublisher(bench.settings, topic=name, dlq_topic=f"{name}.producer-dlq")
    for chunk in _paced(users, _ignore):
        publisher.publish(chunk, Origin(SOURCE, "bench", 1), ingested_at=datetime.now(UTC))
    publisher.flush()
    table = f"{name}.{bench.contract.table}"
    _drained(query, bench, table, len(users), _job_read(bench, name))
    batches = MetricsLog(_job_options(bench, name).metrics_file).batches()
    p50, p95, worst = latency_percentiles(batches) or [float("nan")] * 3
    return {
        "start_s": start_s,
        "steady_rows": len(users),
        "steady_rate_per_s": STEADY_RATE,
        "latency_s_p50": round(p50 / 1000, 3),
        "latency_s_p95": round(p95 / 1000, 3),
        "latency_s_max": round(worst / 1000, 3),
    }


def _latency_seed(bench: Bench, name: str, users: list[dict[str, Any]]) -> dict[str, Any]:
    """From the produce call to Cassandra's WRITETIME of the row (the baseline writes with the
    server's clock)."""
    query = _start_seed(bench, name)
    start_s = _running(query)
    produced_at: dict[str, float] = {}
    ids = iter(str(build_user(u, source=SOURCE, ingested_at=_NOW).id) for u in users)

    def stamp(count: int) -> None:
        now = time.time()
        for _ in range(count):
            produced_at[next(ids)] = now

    _produce_json(bench.settings, name, users, stamp)
    _drained(query, bench, f"{name}.{bench.contract.table}", len(users))
    with connect(bench.settings) as session:
        rows = session.execute(f"SELECT id, WRITETIME(email) AS written FROM {name}.created_users")
        latencies = [row.written / 1e6 - produced_at[str(row.id)] for row in rows]
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "start_s": start_s,
        "steady_rows": len(latencies),
        "steady_rate_per_s": STEADY_RATE,
        "latency_s_p50": round(cuts[49], 3),
        "latency_s_p95": round(cuts[94], 3),
        "latency_s_max": round(max(latencies), 3),
    }
