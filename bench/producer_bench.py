"""Producer throughput: already-fetched API payloads to records acknowledged by the local broker.

Two paths over the same users, one process each, on fresh scratch topics:
- this project's path: validation into ``UserCreated``, Avro by the producer's own framed
  serializer (the generated ``avro_binary()``; the schema id looked up in the registry, never
  registered by the producer), confluent-kafka idempotent producer with acks=all, lz4 and
  batching; timed until every delivery report is in;
- a JSON baseline with a hand-written schema: the user dict as JSON through kafka-python, one
  ``send`` per record, no registry; timed until ``flush`` returns.
Users come from the offline source's generator (no HTTP), so fetching is not measured.
"""

from __future__ import annotations

import gc
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaProducer

from clients.kafka import delete_topics, ensure_topics
from clients.registry import Registry, value_subject
from config import Settings
from generated.python.user_created import AVRO_SCHEMA
from producer.publish import Origin, UserPublisher
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
    """Records per second by the wall clock, and per CPU-second of this process (all threads).

    The CPU figure is the one that stays comparable when other work shares the machine.
    """

    wall: float = 0.0
    cpu: float = 0.0


@contextmanager
def timed(records: int) -> Iterator[Rate]:
    rate = Rate()
    wall, cpu = time.perf_counter(), time.process_time()
    yield rate
    rate.wall = records / (time.perf_counter() - wall)
    rate.cpu = records / max(time.process_time() - cpu, 1e-9)


@contextmanager
def scratch_topic(settings: Settings, register: bool) -> Iterator[str]:
    """A fresh topic (value subject registered if asked), deleted afterwards."""
    topic = f"bench_users_{uuid.uuid4().hex[:10]}"
    ensure_topics(settings, topic)
    with Registry(settings.registry) as registry:
        if register:
            registry.register(value_subject(topic), AVRO_SCHEMA)
        try:
            yield topic
        finally:
            if register:
                registry.delete_subject(value_subject(topic))
            delete_topics(settings, [topic])


def project_path(settings: Settings, users: list[dict[str, Any]]) -> Rate:
    """Records per second through validation, the framed serializer and confluent-kafka."""
    with scratch_topic(settings, register=True) as topic:
        publisher = UserPublisher(settings, topic=topic, dlq_topic=f"{topic}.dlq")
        origin = Origin(source="bench", seed="bench", page=1)
        with timed(len(users)) as rate:
            publisher.publish(users, origin, datetime.now(UTC))
            counts = publisher.flush()
    if counts.produced != len(users):
        raise RuntimeError(f"benchmark lost records: {counts} ({publisher.errors})")
    return rate


def seed_path(settings: Settings, users: list[dict[str, Any]]) -> Rate:
    """Records per second the JSON baseline's way: JSON, kafka-python, one send per record."""
    with scratch_topic(settings, register=False) as topic:
        producer = KafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers)
        with timed(len(users)) as rate:
            for user in users:
                value = json.dumps({**user, "id": str(uuid.uuid4())}).encode("utf-8")
                producer.send(topic, value)
            producer.flush()
        producer.close()
    return rate


def run(settings: Settings, count: int = USERS) -> dict[str, Any]:
    """Measure both paths on the same users; print and return the figures."""
    users = payloads(count)
    # The payloads are static input, as if fetched earlier: keep the collector from rescanning
    # their millions of objects on every collection, for both paths alike.
    gc.collect()
    gc.freeze()
    ours = project_path(settings, users)
    seed = seed_path(settings, users)
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
        "project (validate + own framed serializer, schema id looked up in the registry"
        " + confluent-kafka acks=all):",
        "JSON baseline (JSON + kafka-python, one send per record, no registry):",
    )
    width = max(map(len, labels))
    print(
        f"producer, {count:,} users, fetched payloads to acknowledged:\n"
        f"  {labels[0]:<{width}} {ours.wall:,.0f} rec/s wall, {ours.cpu:,.0f} rec/CPU-s\n"
        f"  {labels[1]:<{width}} {seed.wall:,.0f} rec/s wall, {seed.cpu:,.0f} rec/CPU-s\n"
        f"  ratio x{figures['ratio']} wall, x{figures['cpu_ratio']} CPU"
    )
    gc.unfreeze()
    return figures


if __name__ == "__main__":
    from config import load_settings

    run(load_settings())
