"""End-to-end benchmark of the streaming job: Kafka -> Spark (local master) -> Cassandra.

Every run is a scratch deployment of its own (``bench.scratch``): settings whose
``kafka.topic_prefix`` and ``cassandra.keyspace`` name its topics, subjects and keyspace, with
the job's checkpoints, batch figures and state in a folder of its own. The job runs as
``spark.job.run`` runs it: ``spark.streams.TopicStreams`` starts one query per topic in the
bench's Spark session, each contract with its live reader. On the same users, each drain writes
into a fresh keyspace (dropped once its rows are checked) and starts once Cassandra is quiet,
with every feature of the job on (contract rules, live reader, ordered writes, DLQ routing).
The user contract writes two tables per record (``created_users`` and the narrower
``users_by_country``); every path below writes both, and every drain is checked to have put
every row in each of its tables.

1. ``avro``: this project's job draining a pre-produced backlog (sustained rows/s).
2. ``sink_ceiling``: the same rows, already decoded and cached, written to the same two tables
   (each with its own columns) by the job's own write (``spark.cassandra_sink.save``), same
   connector settings: the most the sink takes on this machine, so the job's share of it.
3. ``seed``: a JSON baseline with a hand-written schema: JSON values parsed with
   ``from_json`` and a hand-written StructType, the same projection, the same two tables
   (its rows cached between the two writes, as the job caches its classified rows).

   These three drain twice each, in the order of ``HEADLINE_ORDER``.
4. ``decoding``: each job's Spark work per row without the sink, from the same Kafka rows
   cached: the job's framing, decoding, rules, figures and both tables' projections against
   the baseline's JSON parsing and projections, into Spark's ``noop`` sink.
5. ``many_versions``: a backlog spread over 50 registered writer versions (each adding an
   optional field), against the same backlog written by one version with the same (widest)
   table, each drained twice: the cost per row must not grow with the number of writer
   versions.
6. ``multi_contract`` (more than one contract, ``--contract all``): the contracts streaming at
   once through ONE job (a query per topic in one Spark session), the backlog shared equally
   between them (``user_created``: users, ``quake_reported``: earthquakes of the offline feed),
   against the user contract alone on a backlog of the same total size; each drained twice in
   the order of ``MULTI_ORDER``. A contract's rate is its rows over the time from its query's
   first batch start to its last batch end; the combined rate is all rows over the time from
   the first batch start of either query to the last batch end of either.
7. latency, produce to queryable, for ``avro`` and ``seed``, producing at a paced target of
   ``STEADY_RATE`` rows/s. The target is a target: the rate actually produced (records
   acknowledged over the seconds the paced producing took) is measured and reported beside it.
   A latency that could not be measured is None ("not measured"), never a number.

A warm-up drains the whole backlog through the job and the JSON baseline, writes it once as the
sink ceiling does, drains 50,000 users through the job on a 50-version topic and, with several
contracts, drains their shared backlog once, so none pays the JVM's warm-up (JIT compilation of
the generated code and of Spark's planner, connector sessions, Cassandra's own) in its figures:
a long-running job does not. What the JIT still compiles during a drain is in its CPU figures
(``spark_jit``; ``docs/performance.md``, "What limits the rates on two cores").

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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import fastavro
from cassandra.query import SimpleStatement
from confluent_kafka import KafkaError, KafkaException, Message, Producer
from pyspark import StorageLevel
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

from bench import FLUSH_TIMEOUT_S, USER_CONTRACT
from bench.cpu import JIT, THREAD_GROUPS, CpuMeter
from bench.scratch import Deployment, Scratch
from clients.cassandra import connect
from clients.kafka import producer_config
from clients.registry import Registry
from config import Settings
from contract import wire
from contract.catalog import Contract
from contract.catalog import contract as contract_named
from contract.streams import Produced, TableTarget
from producer.publish import Origin, RecordPublisher
from spark import framing
from spark.cassandra_sink import (
    WRITETIME,
    CassandraTarget,
    save,
    write_time_column,
)
from spark.checkpoint import checkpoint_location
from spark.classifier import ERROR, Classifier, frame_columns, projected_columns
from spark.live_reader import LiveReader
from spark.metrics import MetricsLog, latency_percentiles
from spark.microbatch import figure_columns
from spark.options import cassandra_options, kafka_options
from spark.reader import StaticReader
from spark.reader_contract import ReaderContract
from spark.session import build_session
from spark.state import JobStateFile
from spark.streams import TopicStreams, plan, table_migrator
from spark.writer_schemas import WriterSchemas
from stack.control import Progress
from stack.offline_quakes import make_quake
from stack.offline_source import MAX_RESULTS, NATIONALITIES, make_page

BACKLOG_USERS = int(os.environ.get("BENCH_BACKLOG_USERS", "200000"))
STEADY_RATE = 1_000
"""The latency phase's pacing target, rows/s. A target, not a figure: the rate actually produced
is measured (``steady_produced_rows_per_s``) and reported beside it."""
STEADY_SECONDS = int(os.environ.get("BENCH_STEADY_SECONDS", "30"))
QUAKE_CONTRACT = "quake_reported"
ID_COLUMN = "id"
"""The column naming a user in each of the user contract's tables (the baseline's latency)."""
VERSIONS = 50
VERSION_DRAIN_ORDER = (False, True, True, False)
"""The 50-version comparison's drains, one version (False) or many (True): each kind twice, in
an order that cancels a drift over the four."""
HEADLINE_ORDER = ("avro", "sink_ceiling", "seed", "seed", "sink_ceiling", "avro")
"""The job, the sink ceiling and the JSON baseline, each drained twice in an order that cancels a
drift over the six: with one drain of each, two runs of the same code differed in the ratios by
more than the targets' margins (``docs/performance.md``)."""
MULTI_ORDER = ("single", "multi", "multi", "single")
"""The multi-contract comparison's drains: the user contract alone on the whole backlog
(``single``) and the contracts at once on a backlog of the same total size (``multi``), each
twice, in an order that cancels a drift over the four."""
VERSIONS_WARMUP_USERS = 50_000
"""Users drained through the job on a 50-version topic before measuring; the job and the
baseline each drain the whole backlog first: after one 50,000-row micro-batch, the JIT's
compilers still took a third of the Spark JVM's CPU in the next drain."""
DECODE_ROUNDS = 3
"""Rounds of each path in the decoding run; the last is measured, the others warm it up."""
COUNT_PAGE_ROWS = 1_000
TICK_S = 0.1
DRAIN_TIMEOUT_S = 1800.0
POLL_EVERY = 1_000
SOURCE = "offline://bench"
QUIET = {"spark.ui.showConsoleProgress": "false"}
BATCHING: dict[str, str | int | float | bool] = {"linger.ms": 20, "acks": "all"}
CASSANDRA_FORMAT = "org.apache.spark.sql.cassandra"
_NOW = datetime.now(UTC).replace(microsecond=0)

_TEXT, _INT, _DOUBLE, _TS = StringType(), IntegerType(), DoubleType(), TimestampType()
T = TypeVar("T")


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


def api_users(count: int, seed: str) -> list[dict[str, Any]]:
    """``count`` users in the randomuser API's JSON shape, from the offline source's generator."""
    pages = range(1, -(-count // MAX_RESULTS) + 1)
    nats = tuple(NATIONALITIES)
    users = [u for page in pages for u in make_page(seed, page, MAX_RESULTS, nats)["results"]]
    return users[:count]


def api_quakes(count: int) -> list[dict[str, Any]]:
    """``count`` events in the USGS feed's GeoJSON shape, from the offline feed's generator,
    each with an id of its own: a position whose id an earlier one has is skipped (the
    generator draws an 8-digit code per position, about 7 repeats in 100,000), so every record
    is a row of its own in each table and a drain's row count can be checked exactly."""
    quakes: list[dict[str, Any]] = []
    seen: set[str] = set()
    index = 0
    while len(quakes) < count:
        index += 1
        quake = make_quake(index)
        if quake["id"] not in seen:
            seen.add(quake["id"])
            quakes.append(quake)
    return quakes


SOURCE_RECORDS: dict[str, Callable[[int], list[dict[str, Any]]]] = {
    QUAKE_CONTRACT: api_quakes,
}
"""The source records of the contracts besides the user contract that the multi-contract part
can stream (the user contract's are the backlog's users)."""


def check_contracts(contracts: Sequence[Contract]) -> None:
    """``ValueError`` unless the bench can stream ``contracts``: the user contract among them
    (the headline parts are its), and source records for each of the others."""
    names = [c.name for c in contracts]
    if USER_CONTRACT not in names:
        raise ValueError(
            f"the benchmark's headline parts stream the contract {USER_CONTRACT}; "
            f"--contract {','.join(names)} leaves it out"
        )
    unknown = [n for n in names if n != USER_CONTRACT and n not in SOURCE_RECORDS]
    if unknown:
        raise ValueError(
            f"no offline source records for {', '.join(unknown)}: add a generator to "
            "bench.e2e_bench.SOURCE_RECORDS to stream it in the multi-contract part"
        )


@dataclass(frozen=True)
class Bench:
    """What every run shares: the session, settings, contract, scratch names, progress."""

    spark: SparkSession
    settings: Settings
    contract: Contract
    """The user contract."""
    reader: ReaderContract
    """The user contract as the job reads and writes it (its generated form)."""
    scratch: Scratch
    say: Progress
    cpu: CpuMeter


def run(
    settings: Settings, contracts: Sequence[Contract] | None = None, say: Progress = print
) -> dict[str, Any]:
    """Every run, in order; prints a line per phase and the figures, returns them.

    ``contracts`` (default: the user contract alone) must hold the user contract; with more
    than one, the multi-contract part streams them all at once."""
    user = contract_named(USER_CONTRACT)
    streamed = list(contracts) if contracts else [user]
    check_contracts(streamed)
    several = len(streamed) > 1
    spark = build_session(settings, extra=QUIET)
    spark.sparkContext.setLogLevel("ERROR")
    steady_users = STEADY_RATE * STEADY_SECONDS
    say(f"e2e: generating {BACKLOG_USERS:,} backlog users and {steady_users:,} steady ones")
    backlog = api_users(BACKLOG_USERS, "bench-backlog")
    steady = api_users(steady_users, "bench-steady")
    results: dict[str, Any] = {
        "master": settings.spark.master,
        "backlog_users": len(backlog),
        "contracts": [c.name for c in streamed],
    }
    steps = 6 if several else 5
    shared: Deployment | None = None
    shares: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="e2e-bench-") as tmp:
        scratch = Scratch(settings, Path(tmp), spark)
        bench = Bench(
            spark,
            settings,
            user,
            ReaderContract.generated(user),
            scratch,
            say,
            CpuMeter.of(spark, settings),
        )
        try:
            say(f"e2e [0/{steps}] producing the backlog for each job; warm-up: each path once")
            avro = scratch.new("avro", [user])
            seed = scratch.new("seed", [user], register=False, keyspace=False)
            _publish(avro.settings, user, backlog)
            _produce_json(seed.settings, seed.topic(user), _json_records(user, backlog))
            _job_drain(bench, scratch.new("warm_avro").reading(avro), {user.name: len(backlog)})
            _seed_drain(bench, scratch.new("warm_seed"), len(backlog), seed.topic(user))
            _sink_ceiling(bench, avro.topic(user), scratch.new("warm_ceiling"))
            warm_versions = scratch.new("warm_versions", [user], register=False)
            versions_warm = backlog[:VERSIONS_WARMUP_USERS]
            records = _avro_records(user, versions_warm)
            _produce_versions(bench, warm_versions, records, spread=True)
            _job_drain(bench, warm_versions, {user.name: len(versions_warm)})
            if several:
                shared, shares = _shared_backlog(bench, streamed, backlog)
                _job_drain(bench, scratch.new("warm_multi").reading(shared), shares)
            say(
                f"e2e [1/{steps}] the job, the sink ceiling and the JSON baseline, "
                f"{len(HEADLINE_ORDER)} drains"
            )
            results |= _headline(bench, avro, seed.topic(user), len(backlog))
            say(f"e2e [2/{steps}] decoding alone: each job's Spark work on the cached rows")
            results["decoding"] = _decoding(bench, avro, seed.topic(user))
            decoding = results["decoding"]
            say(
                f"  avro {decoding['avro']['rows_per_s']:,.0f} rows/s, JSON baseline "
                f"{decoding['seed']['rows_per_s']:,.0f}"
            )
            say(f"e2e [3/{steps}] {VERSIONS} writer versions: backlog spread over them vs one")
            results["many_versions"] = _many_versions(bench, backlog)
            many = results["many_versions"]
            one = many["one_version_rows_per_s"]
            say(f"  {many['rows_per_s']:,.0f} rows/s, one version {one:,.0f}")
            step = 4
            if shared is not None:
                say(
                    f"e2e [4/{steps}] {len(streamed)} contracts through one job "
                    f"({', '.join(shares)}) vs {USER_CONTRACT} alone, {len(backlog):,} rows each"
                )
                results["multi_contract"] = _multi_contract(bench, avro, shared, shares)
                step = 5
            say(
                f"e2e [{step}/{steps}] avro latency, producing at a target of "
                f"{STEADY_RATE:,} rows/s for {STEADY_SECONDS} s"
            )
            avro_steady = scratch.new("avro_steady", [user])
            results["avro"].update(_latency_avro(bench, avro_steady, steady))
            say(f"  {_steady_line(results['avro'])}")
            say(
                f"e2e [{step + 1}/{steps}] JSON baseline latency, producing at a target of "
                f"{STEADY_RATE:,} rows/s"
            )
            seed_steady = scratch.new("seed_steady", [user], register=False)
            results["seed"].update(_latency_seed(bench, seed_steady, steady))
            say(f"  {_steady_line(results['seed'])}")
        finally:
            for query in spark.streams.active:  # only the bench's: its own session
                query.stop()
            scratch.remove_all()
    spark.stop()
    avro_fig, seed_fig, ceiling = results["avro"], results["seed"], results["sink_ceiling"]
    results["avro_over_seed"] = round(avro_fig["rows_per_s"] / seed_fig["rows_per_s"], 2)
    results["avro_share_of_ceiling"] = round(avro_fig["rows_per_s"] / ceiling["rows_per_s"], 2)
    say(summary(results))
    return results


# -- the printed summary --------------------------------------------------------------------------


def summary(results: Mapping[str, Any]) -> str:
    """The end-to-end figures in a few lines."""
    avro, seed, ceiling = results["avro"], results["seed"], results["sink_ceiling"]
    many, decoding = results["many_versions"], results["decoding"]
    multi = results.get("multi_contract")
    cpu_rows = [
        ("avro job", avro["cpu_us_per_row"]),
        ("sink ceiling", ceiling["cpu_us_per_row"]),
        ("JSON baseline", seed["cpu_us_per_row"]),
        (f"{many['versions']} versions", many["cpu_us_per_row"]),
        ("one version", many["one_version_cpu_us_per_row"]),
    ]
    if multi:
        cpu_rows += [
            (f"{len(multi['contracts'])} contracts", multi["cpu_us_per_row"]),
            ("one contract", multi["single_contract"]["cpu_us_per_row"]),
        ]
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
        + (_multi_lines(multi) if multi else "")
        + f"  latency p50/p95, producing at a target of "
        f"{avro.get('steady_target_rows_per_s', STEADY_RATE):,} rows/s (the target, not a "
        f"measured rate): avro {_latency(avro)} ({_produced(avro)}), JSON baseline "
        f"{_latency(seed)} ({_produced(seed)})\n"
        "  CPU µs a row      Spark JVM (its JIT)  Cassandra (compaction, flush, GC, JIT)\n"
        + "\n".join(f"  {label:<17} {_cpu(used)}" for label, used in cpu_rows)
    )


def _multi_lines(multi: Mapping[str, Any]) -> str:
    single = multi["single_contract"]
    contracts = ", ".join(
        f"{name} {figures['rows_per_s']:,.0f} rows/s"
        for name, figures in multi["by_contract"].items()
    )
    return (
        f"  {len(multi['contracts'])} contracts at once {multi['rows_per_s']:>8,.0f} rows/s "
        f"{_each(multi)} combined ({contracts}; {multi['share_of_single']:.0%} of one contract)\n"
        f"  {single['contract']} alone {single['rows_per_s']:>8,.0f} rows/s {_each(single)}, "
        f"the same {single['rows']:,} rows\n"
    )


def _each(kind: Mapping[str, Any]) -> str:
    return "[" + ", ".join(f"{rate:,.0f}" for rate in kind["rows_per_s_each"]) + "]"


def _cpu(used: Mapping[str, float]) -> str:
    spark = f"{used.get('spark', '?')} ({used.get(JIT, '?')})"
    parts = ", ".join(str(used.get(part, "?")) for part in THREAD_GROUPS["cassandra"])
    return f"{spark:<20} {used.get('cassandra', '?')} ({parts})"


def _latency(kind: Mapping[str, Any]) -> str:
    """p50/p95 in seconds, or "not measured" (never a number that was not measured)."""
    p50, p95 = kind.get("latency_s_p50"), kind.get("latency_s_p95")
    if p50 is None or p95 is None:
        return "not measured"
    return f"{p50}/{p95} s"


def _produced(kind: Mapping[str, Any]) -> str:
    rate = kind.get("steady_produced_rows_per_s")
    if rate is None:
        return "rate produced not measured"
    return f"produced at {rate:,.0f} rows/s, measured"


def _steady_line(kind: Mapping[str, Any]) -> str:
    return (
        f"{kind['steady_rows']:,} rows acknowledged in {kind['steady_produce_s']} s: "
        f"{_produced(kind)} (target {kind['steady_target_rows_per_s']:,}); "
        f"latency p50/p95 {_latency(kind)}"
    )


# -- producing ------------------------------------------------------------------------------------


def _publish(settings: Settings, contract: Contract, records: Sequence[Any]) -> None:
    """``records`` (source records) mapped, checked and produced by the producer's own path to
    the contract's topic in ``settings``; every one must be acknowledged."""
    publisher = RecordPublisher(settings, contract)
    publisher.publish(records, Origin(SOURCE, "bench", 1), ingested_at=_NOW)
    counts = publisher.flush()
    if counts.produced != len(records):
        raise RuntimeError(
            f"{publisher.topic}: produced {counts} of {len(records)} records: {publisher.errors}"
        )


class AckedProducer:
    """A plain confluent-kafka producer for the bench's own records (the JSON baseline's, the
    50 writer versions'): a record counts as sent only once the broker acknowledged it (its
    delivery report); ``flush`` fails loudly when any send failed or went unanswered."""

    def __init__(self, settings: Settings, topic: str) -> None:
        self.topic = topic
        self._producer = Producer(producer_config(settings, **BATCHING))
        self.attempted = 0
        self.acknowledged = 0
        self.failed = 0
        self.errors: list[str] = []

    def send(self, key: bytes, value: bytes) -> None:
        self.attempted += 1
        while True:
            try:
                self._producer.produce(self.topic, value, key, on_delivery=self._delivered)
                break
            except BufferError:
                self._producer.poll(0.5)
            except KafkaException as exc:  # refused at once (e.g. too large): never queued
                self._failed(exc.args[0].str())
                break
        if self.attempted % POLL_EVERY == 0:
            self._producer.poll(0)

    def poll(self) -> None:
        self._producer.poll(0)

    def flush(self, timeout_s: float = FLUSH_TIMEOUT_S) -> int:
        """Wait for every delivery report; the records acknowledged, all of them, or
        ``RuntimeError``."""
        remaining = self._producer.flush(timeout_s)
        if remaining or self.failed or self.acknowledged != self.attempted:
            raise RuntimeError(
                f"{self.topic}: {self.acknowledged:,} of {self.attempted:,} records "
                f"acknowledged, {self.failed:,} failed, {remaining:,} unanswered after "
                f"{timeout_s:g} s: {self.errors}"
            )
        return self.acknowledged

    def _delivered(self, err: KafkaError | None, _msg: Message) -> None:
        if err is None:
            self.acknowledged += 1
        else:
            self._failed(err.str())

    def _failed(self, error: str) -> None:
        self.failed += 1
        if len(self.errors) < 10:
            self.errors.append(error)


def _json_records(contract: Contract, users: Iterable[Any]) -> Iterator[tuple[bytes, bytes]]:
    """The JSON baseline's (key, value) of each user: the contract's record as JSON."""
    produced = Produced(_NOW, SOURCE)
    for user in users:
        record = contract.from_source(user, produced).to_avro()
        yield str(record["id"]).encode(), json.dumps(record, default=_json_value).encode()


def _json_value(value: Any) -> str:
    return value.isoformat(timespec="milliseconds") if isinstance(value, datetime) else str(value)


def _produce_json(settings: Settings, topic: str, records: Iterable[tuple[bytes, bytes]]) -> int:
    """The JSON baseline's backlog, all at once; the records acknowledged (all, or an error)."""
    producer = AckedProducer(settings, topic)
    for key, value in records:
        producer.send(key, value)
    return producer.flush()


def _avro_records(contract: Contract, users: Sequence[Any]) -> list[dict[str, Any]]:
    produced = Produced(_NOW, SOURCE)
    return [contract.from_source(u, produced).to_avro() for u in users]


def _shares(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` as equal as can be."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _shared_backlog(
    bench: Bench, contracts: Sequence[Contract], users: Sequence[Any]
) -> tuple[Deployment, dict[str, int]]:
    """A backlog of ``len(users)`` records in all, shared equally by ``contracts``, each
    produced with the producer's own path (``RecordPublisher``) to its contract's topic; the
    deployment and each contract's records."""
    shared = bench.scratch.new("multi", contracts, keyspace=False)
    rows: dict[str, int] = {}
    for contract, share in zip(contracts, _shares(len(users), len(contracts)), strict=True):
        records = (
            users[:share]
            if contract.name == USER_CONTRACT
            else SOURCE_RECORDS[contract.name](share)
        )
        _publish(shared.settings, contract, records)
        rows[contract.name] = len(records)
    return shared, rows


# -- draining a backlog ---------------------------------------------------------------------------

Counter = Callable[[], tuple[int, int]]
"""Rows a query has read so far, and the id of the last batch counted."""


@dataclass
class _Drain:
    """One query draining a known number of rows into some tables."""

    query: StreamingQuery
    rows: int
    tables: tuple[TableTarget, ...]
    read: Counter | None = None
    """Counts the rows read; by default the progress's ``numInputRows``, which counts a
    batch's rows once per read of the batch, so right only for a query that reads each batch
    once (the JSON baseline). The job's are counted from its own batch figures."""
    batches: dict[int, dict[str, Any]] = field(default_factory=dict)

    def done(self) -> bool:
        """Whether the query has read its rows and the last batch's progress is in."""
        for progress in self.query.recentProgress:
            if progress["numInputRows"]:
                self.batches[progress["batchId"]] = progress
        seen, last_batch = (self.read or self._from_progress)()
        return seen >= self.rows and last_batch in self.batches

    def _from_progress(self) -> tuple[int, int]:
        return sum(b["numInputRows"] for b in self.batches.values()), max(self.batches, default=-1)

    def span(self) -> tuple[float, float]:
        """The start of its first batch and the end of its last (epoch seconds)."""
        return _span([self])

    def rate(self) -> float:
        first, last = self.span()
        return round(self.rows / (last - first), 1)


def _span(drains: Sequence[_Drain]) -> tuple[float, float]:
    """From the first batch start of any of ``drains`` to the last batch end of any."""
    batches = [b for d in drains for b in d.batches.values()]
    first = min(_batch_start(b) for b in batches)
    last = max(_batch_start(b) + b["durationMs"]["triggerExecution"] / 1000 for b in batches)
    return first, last


def _batch_start(progress: Mapping[str, Any]) -> float:
    return datetime.fromisoformat(progress["timestamp"].replace("Z", "+00:00")).timestamp()


def _job_read(metrics: MetricsLog, topic: str) -> Counter:
    """The rows the job's query of ``topic`` has read, from its own batch figures (exact
    however often it reads a batch)."""

    def read() -> tuple[int, int]:
        batches = [b for b in metrics.batches() if b.get("topic") == topic]
        return sum(b["rows_read"] for b in batches), max(
            (b["batch_id"] for b in batches if b["rows_read"]), default=-1
        )

    return read


def _start_job(
    bench: Bench, run: Deployment, names: Sequence[str]
) -> tuple[TopicStreams, dict[str, _Drain]]:
    """The job's queries for the contracts ``names`` in ``run``'s deployment, started in the
    bench's Spark session as ``spark.job.run`` starts them (one per topic, each contract with
    its live reader); a drain per contract, of no rows yet (the caller sets them)."""
    settings = run.settings
    streams = TopicStreams(bench.spark, settings, JobStateFile(settings.spark.status_file), None)
    metrics = MetricsLog(settings.spark.metrics_file)
    drains: dict[str, _Drain] = {}
    try:
        for topic, topic_plan in plan(settings, names).items():
            if len(topic_plan.contracts) != 1:
                raise ValueError(f"topic {topic}: the bench drains one contract per topic")
            contract = topic_plan.contracts[0]
            tables = ReaderContract.generated(contract).tables
            query = streams.start(topic_plan)
            drains[contract.name] = _Drain(query, 0, tables, _job_read(metrics, topic))
    except BaseException:
        streams.close()
        raise
    missing = set(names) - set(drains)
    if missing:
        streams.close()
        raise ValueError(f"no query of the job streams {', '.join(sorted(missing))}")
    return streams, drains


def _job_drain(bench: Bench, run: Deployment, rows: Mapping[str, int]) -> dict[str, Any]:
    """The job of ``run`` draining its backlog: ``rows`` records of each contract named."""

    def start() -> tuple[dict[str, _Drain], Callable[[], None]]:
        streams, drains = _start_job(bench, run, list(rows))
        for name, drain in drains.items():
            drain.rows = rows[name]
        return drains, streams.close

    return _measured(bench, run, start)


def _seed_drain(bench: Bench, run: Deployment, rows: int, topic: str) -> dict[str, Any]:
    """The baseline draining ``topic`` into ``run``'s keyspace: see ``_measured``."""

    def start() -> tuple[dict[str, _Drain], Callable[[], None]]:
        query = _start_seed(bench, run, topic)
        return {USER_CONTRACT: _Drain(query, rows, bench.reader.tables)}, query.stop

    return _measured(bench, run, start)


def _measured(
    bench: Bench,
    run: Deployment,
    start: Callable[[], tuple[dict[str, _Drain], Callable[[], None]]],
) -> dict[str, Any]:
    """A measured drain into ``run``'s keyspace: once Cassandra is quiet, ``start`` the queries
    and wait until each has read its rows; stop them; check every row is in each table; drop
    the keyspace.

    The rate is all rows over the time from the first batch start of any query to the last
    batch end of any (the queries' start-up is not in it); each contract's over its own
    query's. The CPU per row is from before the queries' start to their stop: the check of the
    tables after it reads every row back, work that is not the drain's.
    """
    quiet_s = bench.cpu.wait_quiet()
    before = bench.cpu.read()
    started = time.time()
    drains, stop = start()
    _drain_all(list(drains.values()), stop, run.name)
    total = sum(d.rows for d in drains.values())
    cpu = bench.cpu.per_row(before, total)
    by_contract = {
        name: {
            "rows": drain.rows,
            "rows_per_s": drain.rate(),
            "batches": len(drain.batches),
            "rows_by_table": _checked(bench.settings, run.keyspace, drain.tables, drain.rows),
        }
        for name, drain in drains.items()
    }
    bench.scratch.release(run.keyspace)
    first, last = _span(list(drains.values()))
    return {
        "rows": total,
        "rows_per_s": round(total / (last - first), 1),
        "drain_s_incl_query_start": round(last - started, 2),
        "batches": sum(len(d.batches) for d in drains.values()),
        "cpu_us_per_row": cpu,
        "quiet_wait_s": quiet_s,
        "by_contract": by_contract,
    }


def _drain_all(drains: Sequence[_Drain], stop: Callable[[], None], label: str) -> None:
    """Wait until every drain has read its rows; then ``stop`` the queries (also on failure)."""
    try:
        _wait_until(
            [d.query for d in drains],
            lambda: all([d.done() for d in drains]),  # a list: every drain notes its progress
            f"{label}: fewer rows than {[d.rows for d in drains]}",
            0.5,
        )
    finally:
        stop()


def _wait_until(
    queries: Sequence[StreamingQuery], done: Callable[[], bool], timeout: str, tick: float = TICK_S
) -> None:
    """Poll ``done`` every ``tick`` seconds; fail when a query stops, or with ``timeout`` after
    DRAIN_TIMEOUT_S."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{timeout} after {DRAIN_TIMEOUT_S} s")
        for query in queries:
            if not query.isActive:
                raise RuntimeError(f"query {query.name} stopped: {query.exception()}")
        time.sleep(tick)


def _checked(
    settings: Settings, keyspace: str, tables: Sequence[TableTarget], rows: int
) -> dict[str, int]:
    """The rows of each table, which must each hold every one of ``rows``."""
    counts = {table.name: _count_rows(settings, keyspace, table) for table in tables}
    wrong = {name: count for name, count in counts.items() if count != rows}
    if wrong:
        raise RuntimeError(f"{keyspace}: rows after the drain {wrong}, expected {rows} in each")
    return counts


def _count_rows(settings: Settings, keyspace: str, table: TableTarget) -> int:
    """Rows of ``table``, read in small pages: every null column of a row is a tombstone, and
    Cassandra fails a read page that crosses 100,000 of them."""
    with connect(settings) as session:
        statement = SimpleStatement(
            f"SELECT {table.primary_key[0]} FROM {keyspace}.{table.name}",
            fetch_size=COUNT_PAGE_ROWS,
        )
        return sum(1 for _ in session.execute(statement, timeout=120))


# -- the job, the sink ceiling and the baseline ---------------------------------------------------


def _headline(bench: Bench, avro: Deployment, seed_topic: str, rows: int) -> dict[str, Any]:
    """The drains of HEADLINE_ORDER, each into a fresh keyspace; each kind's figures over its
    drains (``combined``)."""
    runs: dict[str, Callable[[Deployment], dict[str, Any]]] = {
        "avro": lambda run: _job_drain(bench, run.reading(avro), {USER_CONTRACT: rows}),
        "sink_ceiling": lambda run: _sink_ceiling(bench, avro.topic(bench.contract), run),
        "seed": lambda run: _seed_drain(bench, run, rows, seed_topic),
    }
    drains: dict[str, list[dict[str, Any]]] = {kind: [] for kind in runs}
    for kind in HEADLINE_ORDER:
        drains[kind].append(runs[kind](bench.scratch.new(kind)))
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


def _start_seed(bench: Bench, run: Deployment, topic: str) -> StreamingQuery:
    """The JSON baseline's query: ``topic`` parsed with the hand-written schema, projected, and
    written to each of the contract's tables in ``run``'s keyspace (server-side write time)."""
    columns = projected_columns(bench.reader)
    sink = cassandra_options(bench.settings.cassandra)

    def to_table(rows: DataFrame, table: TableTarget) -> None:
        rows.select(*table.columns).write.format(CASSANDRA_FORMAT).options(**sink).options(
            keyspace=run.keyspace, table=table.name
        ).mode("append").save()

    def write(batch: DataFrame, _batch_id: int) -> None:
        _each_table(_seed_rows(batch, columns), bench.reader.tables, to_table)

    reader = (
        bench.spark.readStream.format("kafka")
        .options(**kafka_options(bench.settings.kafka))
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
    )
    limit = bench.settings.spark.max_offsets_per_trigger
    if limit is not None:
        reader = reader.option("maxOffsetsPerTrigger", str(limit))
    query: StreamingQuery = (
        reader.load()
        .writeStream.foreachBatch(write)
        .option("checkpointLocation", checkpoint_location(run.settings, f"seed-{topic}"))
        .trigger(processingTime=bench.settings.spark.trigger_interval)
        .start()
    )
    return query


def _seed_rows(batch: DataFrame, columns: Sequence[Column]) -> DataFrame:
    """The baseline's work on a batch of Kafka rows: parse the JSON, project the columns."""
    parsed = batch.select(fn.from_json(fn.col("value").cast("string"), SEED_SCHEMA).alias("value"))
    projected: DataFrame = parsed.select(*columns)
    return projected


def _each_table(
    rows: DataFrame,
    tables: Sequence[TableTarget],
    write: Callable[[DataFrame, TableTarget], None],
) -> None:
    """``write`` ``rows`` to each table; with several tables the rows are cached first, as the
    job caches its classified rows, so Kafka is read and the rows computed once."""
    several = len(tables) > 1
    held = rows.persist(StorageLevel.MEMORY_AND_DISK) if several else rows
    try:
        for table in tables:
            write(held, table)
    finally:
        if several:
            held.unpersist()


# -- the sink alone -------------------------------------------------------------------------------


def _sink_ceiling(bench: Bench, source_topic: str, run: Deployment) -> dict[str, Any]:
    """The avro backlog, framed, decoded and projected as the job does, cached, then written
    alone to each of the contract's tables (each with its own columns) by the job's write."""
    reader = bench.reader
    options = {"avroSchema": reader.reader_schema, "mode": "PERMISSIVE"}
    value = from_avro(framing.avro_body(fn.col("_kafka_value")), reader.reader_schema, options)
    rows = (
        _kafka_rows(bench, source_topic, headers=True)
        .select(*frame_columns())
        .select("_kafka_timestamp", "_kafka_offset", value.alias("value"))
        .select(*projected_columns(reader), write_time_column())
        .cache()
    )
    count = rows.count()
    target = CassandraTarget(
        options=cassandra_options(bench.settings.cassandra), keyspace=lambda _table: run.keyspace
    )
    quiet_s = bench.cpu.wait_quiet()
    before = bench.cpu.read()
    started = time.perf_counter()
    for table in reader.tables:
        save(rows, table, target, fn.col(WRITETIME))
    seconds = time.perf_counter() - started
    cpu = bench.cpu.per_row(before, count)
    rows.unpersist()
    written = _checked(bench.settings, run.keyspace, reader.tables, count)
    bench.scratch.release(run.keyspace)
    return {
        "rows": count,
        "rows_per_s": round(count / seconds, 1),
        "cpu_us_per_row": cpu,
        "quiet_wait_s": quiet_s,
        "rows_by_table": written,
    }


def _kafka_rows(bench: Bench, topic: str, headers: bool = False) -> DataFrame:
    """All of ``topic`` as the Kafka source reads it (a batch read)."""
    rows: DataFrame = (
        bench.spark.read.format("kafka")
        .options(**kafka_options(bench.settings.kafka))
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .option("endingOffsets", "latest")
        .option("includeHeaders", str(headers).lower())
        .load()
    )
    return rows


# -- decoding alone -------------------------------------------------------------------------------


def _noop(rows: DataFrame) -> None:
    rows.write.format("noop").mode("overwrite").save()


def _decoding(bench: Bench, avro: Deployment, seed_topic: str) -> dict[str, Any]:
    """Each job's Spark work per row, from its backlog's Kafka rows cached, into ``noop``: the
    job's pass as it writes (framing, the writers' ``from_avro``, rules, figures, each table's
    projection and write time, the classified rows cached between the tables), and the
    baseline's JSON parsing and projections (cached between the tables likewise)."""
    schemas = WriterSchemas.from_settings(bench.settings)
    writers = schemas.resolve_batch(schemas.recent_ids(avro.subject(bench.contract)))
    classifier = Classifier.build(writers, StaticReader(bench.reader).reader_for(writers))
    frame, figures, stamp = frame_columns(), figure_columns(), write_time_column()
    projection = projected_columns(bench.reader)
    tables = bench.reader.tables

    def avro_pass(raw: DataFrame) -> None:
        classified = classifier.apply(raw.select(*frame))
        several = len(tables) > 1
        held = classified.persist(StorageLevel.MEMORY_AND_DISK) if several else classified
        try:
            observation = Observation(f"decoding_{uuid.uuid4().hex}")
            good = held.where(fn.col(ERROR).isNull())
            observed = held.observe(observation, *figures).where(fn.col(ERROR).isNull())
            for index, table in enumerate(tables):
                _noop((observed if index == 0 else good).select(*table.columns, stamp))
                if index == 0:  # the job reads its figures after the first table's write
                    seen = observation.get
                    if seen["good"] != seen["read"]:
                        raise RuntimeError(f"decoding: {seen['good']} of {seen['read']} good")
        finally:
            if several:
                held.unpersist()

    def seed_pass(raw: DataFrame) -> None:
        _each_table(
            _seed_rows(raw, projection),
            tables,
            lambda rows, table: _noop(rows.select(*table.columns)),
        )

    runs: dict[str, tuple[DataFrame, Callable[[DataFrame], None]]] = {
        "avro": (_kafka_rows(bench, avro.topic(bench.contract), headers=True), avro_pass),
        "seed": (_kafka_rows(bench, seed_topic), seed_pass),
    }
    results = {kind: _decoded_alone(bench, *work) for kind, work in runs.items()}
    avro_rate, seed_rate = results["avro"]["rows_per_s"], results["seed"]["rows_per_s"]
    return {**results, "avro_over_seed": round(avro_rate / seed_rate, 2)}


def _decoded_alone(
    bench: Bench, raw: DataFrame, work: Callable[[DataFrame], None]
) -> dict[str, Any]:
    """``work`` over ``raw`` cached, ``DECODE_ROUNDS`` times; the last measured."""
    cached = raw.cache()
    rows = cached.count()
    seconds, spark_us = 0.0, 0.0
    try:
        for _ in range(DECODE_ROUNDS):
            before, started = bench.cpu.read(), time.perf_counter()
            work(cached)
            seconds = time.perf_counter() - started
            spark_us = bench.cpu.per_row(before, rows)["spark"]
    finally:
        cached.unpersist()
    return {"rows": rows, "rows_per_s": round(rows / seconds, 1), "spark_us_per_row": spark_us}


# -- many writer versions -------------------------------------------------------------------------


def _version_schemas(reader: ReaderContract) -> list[str]:
    """Version 1 (the contract), then versions 2..VERSIONS+1, each one optional field more."""
    base = json.loads(reader.reader_schema)
    schemas = [reader.reader_schema]
    for n in range(1, VERSIONS + 1):
        fields = [
            {"name": f"extra_{k}", "type": ["null", "string"], "default": None}
            for k in range(1, n + 1)
        ]
        schemas.append(json.dumps({**base, "fields": [*base["fields"], *fields]}))
    return schemas


def _framer(schema: str, schema_id: int) -> Callable[[dict[str, Any]], bytes]:
    parsed = fastavro.parse_schema(json.loads(schema))
    header = wire.header(schema_id)

    def frame(record: dict[str, Any]) -> bytes:
        out = io.BytesIO(header)
        out.seek(wire.HEADER_BYTES)
        fastavro.schemaless_writer(out, parsed, record)
        return out.getvalue()

    return frame


def _live_migrated(bench: Bench, run: Deployment, newest: int) -> None:
    """Take ``run``'s keyspace to the subject's newest version as the job's live reader does, with
    a live reader of its own (done ahead, so the drain measures decoding and writing, not fifty
    schema changes); fails when the reader refused a version or did not reach ``newest``."""
    settings = run.settings
    with Registry(settings.registry) as registry:
        reader = LiveReader(
            registry,
            run.subject(bench.contract),
            bench.reader,
            table_migrator(bench.spark, settings, bench.reader),
            JobStateFile(settings.spark.status_file),
            settings.spark.reader_poll_interval_s,
        )
        reader.poll()
    if reader.refused or reader.version != newest:
        raise RuntimeError(
            f"{run.subject(bench.contract)}: the live reader is at version {reader.version}, "
            f"not {newest}; refused: {reader.refused}"
        )


def _many_versions(bench: Bench, users: list[dict[str, Any]]) -> dict[str, Any]:
    """Both backlogs drained twice, in the order one, many, many, one, each on a fresh topic: a
    single pair moved by 0.65 to 0.86 between runs (the first drain of a kind paid more, and
    Cassandra's own background work lands on either), so each rate is over two drains whose
    order cancels a drift."""
    records = _avro_records(bench.contract, users)
    drains: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    for spread in VERSION_DRAIN_ORDER:
        run = bench.scratch.new(
            "versions" if spread else "one_version", [bench.contract], register=False
        )
        _produce_versions(bench, run, records, spread=spread)
        drains[spread].append(_job_drain(bench, run, {USER_CONTRACT: len(users)}))
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


def _overall_rate(drains: Sequence[Mapping[str, Any]]) -> float:
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


def _produce_versions(
    bench: Bench, run: Deployment, records: list[dict[str, Any]], *, spread: bool
) -> None:
    """Register versions 1..VERSIONS+1 under ``run``'s subject, take its keyspace to the newest,
    and produce ``records`` spread over versions 2..VERSIONS+1 in turn, or all with the newest."""
    schemas = _version_schemas(bench.reader)
    subject = run.subject(bench.contract)
    with Registry(bench.settings.registry) as registry:
        ids = [bench.scratch.register(registry, subject, s) for s in schemas]
        newest = registry.versions(subject)[-1]
    _live_migrated(bench, run, newest)
    framers = [_framer(s, i) for s, i in zip(schemas[1:], ids[1:], strict=True)]
    producer = AckedProducer(run.settings, run.topic(bench.contract))
    for index, record in enumerate(records):
        frame = framers[index % VERSIONS] if spread else framers[-1]
        producer.send(str(record["id"]).encode(), frame(record))
    producer.flush()


# -- several contracts at once --------------------------------------------------------------------


def _multi_contract(
    bench: Bench, avro: Deployment, shared: Deployment, shares: Mapping[str, int]
) -> dict[str, Any]:
    """The contracts of ``shared`` streaming at once through one job, against the user contract
    alone on the avro backlog (the same total of rows), each drained twice in MULTI_ORDER."""
    total = sum(shares.values())
    drains: dict[str, list[dict[str, Any]]] = {"single": [], "multi": []}
    for kind in MULTI_ORDER:
        run = bench.scratch.new(kind)
        if kind == "single":
            done = _job_drain(bench, run.reading(avro), {USER_CONTRACT: total})
        else:
            done = _job_drain(bench, run.reading(shared), shares)
        drains[kind].append(done)
        each = ", ".join(
            f"{name} {figures['rows_per_s']:,.0f}" for name, figures in done["by_contract"].items()
        )
        bench.say(f"  {kind}: {done['rows_per_s']:,.0f} rows/s ({each})")
    together, alone = combined(drains["multi"]), combined(drains["single"])
    by_contract = {
        name: {
            "rows": rows,
            "rows_per_s": round(
                _overall_rate([d["by_contract"][name] for d in drains["multi"]]), 1
            ),
            "rows_per_s_each": [d["by_contract"][name]["rows_per_s"] for d in drains["multi"]],
        }
        for name, rows in shares.items()
    }
    return {
        **together,
        "contracts": list(shares),
        "by_contract": by_contract,
        "single_contract": {"contract": USER_CONTRACT, **alone},
        "share_of_single": round(together["rows_per_s"] / alone["rows_per_s"], 2),
    }


# -- latency at a steady rate ---------------------------------------------------------------------


def _paced(records: Sequence[T]) -> Iterator[Sequence[T]]:
    """Chunks of ``records`` at the pace of STEADY_RATE (a target: the caller measures the rate
    it produced)."""
    per_tick = max(1, int(STEADY_RATE * TICK_S))
    next_tick = time.monotonic()
    for start in range(0, len(records), per_tick):
        yield records[start : start + per_tick]
        next_tick += TICK_S
        time.sleep(max(0.0, next_tick - time.monotonic()))


def _steady(acknowledged: int, seconds: float) -> dict[str, Any]:
    """The steady phase's producing: the target, and the rate actually produced (records
    acknowledged over the seconds from the first send to the last acknowledgment)."""
    return {
        "steady_rows": acknowledged,
        "steady_target_rows_per_s": STEADY_RATE,
        "steady_produce_s": round(seconds, 2),
        "steady_produced_rows_per_s": round(acknowledged / seconds, 1) if seconds > 0 else None,
    }


def _running(query: StreamingQuery) -> float:
    """Wait until ``query`` has finished its first trigger; the seconds that took. A latency run
    produces only then, so its figures are the running pipeline's, not the query's start-up
    (reported apart, as ``start_s``)."""
    started = time.monotonic()
    _wait_until([query], lambda: query.lastProgress is not None, f"query {query.name}: no trigger")
    return round(time.monotonic() - started, 2)


def _latencies(cuts: Sequence[float] | None) -> dict[str, float | None]:
    """p50, p95 and max in seconds from ``cuts`` (ms); None each when not measured."""
    if not cuts:
        return {"latency_s_p50": None, "latency_s_p95": None, "latency_s_max": None}
    p50, p95, worst = cuts
    return {
        "latency_s_p50": round(p50 / 1000, 3),
        "latency_s_p95": round(p95 / 1000, 3),
        "latency_s_max": round(worst / 1000, 3),
    }


def _latency_avro(bench: Bench, run: Deployment, users: list[dict[str, Any]]) -> dict[str, Any]:
    """From each record's Kafka timestamp to the end of its write to every table, from the job's
    own figures (its writes carry the Kafka position as write time, so WRITETIME cannot tell)."""
    streams, drains = _start_job(bench, run, [USER_CONTRACT])
    drain = drains[USER_CONTRACT]
    drain.rows = len(users)
    try:
        start_s = _running(drain.query)
        publisher = RecordPublisher(run.settings, bench.contract)
        started = time.monotonic()
        for page, chunk in enumerate(_paced(users), start=1):
            publisher.publish(chunk, Origin(SOURCE, "bench-steady", page), datetime.now(UTC))
        counts = publisher.flush()
        seconds = time.monotonic() - started
        if counts.produced != len(users):
            raise RuntimeError(
                f"{publisher.topic}: produced {counts} of {len(users)}: {publisher.errors}"
            )
        _drain_all([drain], streams.close, run.name)
    finally:
        streams.close()
    _checked(bench.settings, run.keyspace, drain.tables, drain.rows)
    batches = MetricsLog(run.settings.spark.metrics_file).batches()
    return {
        "start_s": start_s,
        **_steady(counts.produced, seconds),
        **_latencies(latency_percentiles(batches)),
    }


def _latency_seed(bench: Bench, run: Deployment, users: list[dict[str, Any]]) -> dict[str, Any]:
    """From the produce call to the row's WRITETIME in the last of the contract's tables (the
    baseline writes with the server's clock)."""
    topic = run.topic(bench.contract)
    records = list(_json_records(bench.contract, users))
    query = _start_seed(bench, run, topic)
    drain = _Drain(query, len(users), bench.reader.tables)
    produced_at: dict[str, float] = {}
    try:
        start_s = _running(query)
        producer = AckedProducer(run.settings, topic)
        started = time.monotonic()
        for chunk in _paced(records):
            for key, value in chunk:
                producer.send(key, value)
            sent = time.time()
            produced_at.update((key.decode(), sent) for key, _ in chunk)
            producer.poll()
        acknowledged = producer.flush()
        seconds = time.monotonic() - started
        _drain_all([drain], query.stop, run.name)
    finally:
        query.stop()
    _checked(bench.settings, run.keyspace, drain.tables, drain.rows)
    written = _written_at(bench.settings, run.keyspace, drain.tables)
    latencies = [written[key] - at for key, at in produced_at.items() if key in written]
    cuts = None
    if len(latencies) >= 2:  # fewer: not measured
        percents = statistics.quantiles(latencies, n=100)
        cuts = [percents[49] * 1000, percents[94] * 1000, max(latencies) * 1000]
    return {"start_s": start_s, **_steady(acknowledged, seconds), **_latencies(cuts)}


def _written_at(
    settings: Settings, keyspace: str, tables: Sequence[TableTarget]
) -> dict[str, float]:
    """Each row's last write time over ``tables`` (epoch seconds), by its ``ID_COLUMN``: the
    WRITETIME of a regular column of each table, the latest of them."""
    latest: dict[str, float] = {}
    with connect(settings) as session:
        for table in tables:
            column = next(c for c in table.columns if c not in table.primary_key)
            statement = SimpleStatement(
                f"SELECT {ID_COLUMN}, WRITETIME({column}) AS written FROM {keyspace}.{table.name}",
                fetch_size=COUNT_PAGE_ROWS,
            )
            for row in session.execute(statement, timeout=120):
                if row.written is not None:
                    key = str(getattr(row, ID_COLUMN))
                    latest[key] = max(latest.get(key, 0.0), row.written / 1e6)
    return latest
