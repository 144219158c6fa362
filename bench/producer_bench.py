"""Producer throughput: already-fetched API payloads to records acknowledged by the local broker.

Two paths over the same users, one process each, on fresh scratch topics (a topic prefix of
their own, ``bench.scratch``):
- this project's path: the user contract's generated mapping (``from_source``) and rules, Avro
  by the producer's own framed serializer (the generated ``avro_binary()``; the schema id looked
  up in the registry, never registered by the producer), confluent-kafka idempotent producer
  with acks=all, lz4 and batching (``producer.publish.RecordPublisher``); timed until every
  delivery report is in, and counting only the records the broker acknowledged;
- a JSON baseline with a hand-written schema: the user dict as JSON through kafka-python, one
  ``send`` per record, no registry; timed until ``flush`` returns, counting only the sends the
  broker acknowledged (each send's callback); a failed send fails the benchmark.
Users come from the offline source's generator (no HTTP), so fetching is not measured.
"""

from __future__ import annotations

import gc
import json
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kafka import KafkaProducer

from bench import FLUSH_TIMEOUT_S, USER_CONTRACT
from bench.scratch import Deployment, Scratch
from config import Settings
from contract.catalog import contract
from producer.publish import Origin, RecordPublisher
from stack.offline_source import NATIONALITIES, make_page

USERS = 50_000
DISTINCT = 5_000  # generated once, then copied with fresh ids: generation is not what we time


def payloads(count: int = USERS) -> list[dict[str, Any]]:
    """``count`` API users in the API's JSON shape, each with its own ``login.uuid``."""
    base = make_page("bench", 1, min(count, DISTINCT), tuple(NATIONALITIES))["results"]
    users = []
    for index in range(count):
        user = dict(base[index % len(base)])
        user["login"] = {**user["login"], "uuid": str(uuid.uuid4())}
        users.append(user)
    return users


@dataclass
class Rate:
    """Records acknowledged per second by the wall clock, and per CPU-second of this process
    (all threads).

    The CPU figure is the one that stays comparable when other work shares the machine.
    """

    wall: float = 0.0
    cpu: float = 0.0


@dataclass
class Timing:
    """Wall and CPU seconds of a timed block."""

    wall_s: float = 0.0
    cpu_s: float = 0.0

    def rate(self, records: int) -> Rate:
        """``records`` (acknowledged ones) per second of this timing."""
        return Rate(records / self.wall_s, records / max(self.cpu_s, 1e-9))


@contextmanager
def timed() -> Iterator[Timing]:
    timing = Timing()
    wall, cpu = time.perf_counter(), time.process_time()
    yield timing
    timing.wall_s = time.perf_counter() - wall
    timing.cpu_s = time.process_time() - cpu


@contextmanager
def scratch_topics(settings: Settings, register: bool) -> Iterator[Deployment]:
    """A deployment of fresh topics of the user contract (its subject registered if asked),
    all removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="producer-bench-") as tmp:
        scratch = Scratch(settings, Path(tmp))
        try:
            yield scratch.new(
                "producer", [contract(USER_CONTRACT)], register=register, keyspace=False
            )
        finally:
            scratch.remove_all()


def project_path(settings: Settings, users: list[dict[str, Any]]) -> Rate:
    """Records per second through the mapping, the rules, the framed serializer and
    confluent-kafka, counting the records acknowledged (delivery reports)."""
    with scratch_topics(settings, register=True) as deployment:
        publisher = RecordPublisher(deployment.settings, contract(USER_CONTRACT))
        origin = Origin(source="bench", seed="bench", page=1)
        with timed() as timing:
            publisher.publish(users, origin, datetime.now(UTC))
            counts = publisher.flush()
    if counts.produced != len(users):
        raise RuntimeError(f"benchmark lost records: {counts} ({publisher.errors})")
    return timing.rate(counts.produced)


@dataclass
class Acks:
    """What the broker answered to the JSON baseline's sends (their callbacks, which run on the
    producer's I/O thread before ``flush`` returns)."""

    acknowledged: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def ok(self, _metadata: object) -> None:
        self.acknowledged += 1

    def error(self, exc: BaseException) -> None:
        self.failed += 1
        if len(self.errors) < 10:
            self.errors.append(repr(exc))


def seed_path(settings: Settings, users: list[dict[str, Any]]) -> Rate:
    """Records per second the JSON baseline's way: JSON, kafka-python, one send per record;
    only acknowledged sends count, and a failed one fails the run."""
    with scratch_topics(settings, register=False) as deployment:
        topic = deployment.topic(contract(USER_CONTRACT))
        producer = KafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers)
        acks = Acks()
        try:
            with timed() as timing:
                for user in users:
                    value = json.dumps({**user, "id": str(uuid.uuid4())}).encode("utf-8")
                    producer.send(topic, value).add_callback(acks.ok).add_errback(acks.error)
                producer.flush(FLUSH_TIMEOUT_S)
        finally:
            producer.close()
    if acks.failed or acks.acknowledged != len(users):
        raise RuntimeError(
            f"JSON baseline: {acks.acknowledged:,} of {len(users):,} sends acknowledged, "
            f"{acks.failed:,} failed: {acks.errors}"
        )
    return timing.rate(acks.acknowledged)


def run(settings: Settings, count: int = USERS) -> dict[str, Any]:
    """Measure both paths on the same users; print and return the figures."""
    users = payloads(count)
    # The payloads are static input, as if fetched earlier: keep the collector from rescanning
    # their millions of objects on every collection, for both paths alike.
    gc.collect()
    gc.freeze()
    try:
        ours = project_path(settings, users)
        seed = seed_path(settings, users)
    finally:
        gc.unfreeze()
    figures = {
        "users": count,
        "project_records_per_s": round(ours.wall),
        "seed_records_per_s": round(seed.wall),
        "ratio": round(ours.wall / seed.wall, 2),
        "project_records_per_cpu_s": round(ours.cpu),
        "seed_records_per_cpu_s": round(seed.cpu),
        "cpu_ratio": round(ours.cpu / seed.cpu, 2),
    }
    labels = (
        "project (generated mapping and rules + own framed serializer, schema id looked up"
        " in the registry + confluent-kafka acks=all):",
        "JSON baseline (JSON + kafka-python, one send per record, no registry):",
    )
    width = max(map(len, labels))
    print(
        f"producer, {count:,} users, fetched payloads to acknowledged:\n"
        f"  {labels[0]:<{width}} {ours.wall:,.0f} rec/s wall, {ours.cpu:,.0f} rec/CPU-s\n"
        f"  {labels[1]:<{width}} {seed.wall:,.0f} rec/s wall, {seed.cpu:,.0f} rec/CPU-s\n"
        f"  ratio x{figures['ratio']} wall, x{figures['cpu_ratio']} CPU"
    )
    return figures


if __name__ == "__main__":
    from config import load_settings

    run(load_settings())
