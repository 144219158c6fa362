"""Helpers of the Spark tests: users made by the producer, Kafka/registry I/O, Cassandra reads."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from confluent_kafka import Consumer, Message, Producer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from clients.cassandra_schema import split_statements
from config import Settings
from producer.publish import Origin, UserPublisher
from producer.records import build_user
from stack.offline_source import NATIONALITIES, make_page

T = TypeVar("T")

SOURCE = "offline://spark-tests"
PAGE_SIZE = 5000
NATS = tuple(NATIONALITIES)


@dataclass(frozen=True)
class StreamNames:
    """Where one test's job reads, rejects to and writes."""

    topic: str
    dlq_topic: str
    keyspace: str


def make_users(n: int, seed: str) -> list[dict[str, Any]]:
    """``n`` users in the randomuser API's shape, from the producer's offline source."""
    users: list[dict[str, Any]] = []
    for page in range(1, n // PAGE_SIZE + 2):
        users.extend(make_page(seed, page, min(PAGE_SIZE, n - len(users)), NATS)["results"])
        if len(users) >= n:
            break
    return users


def publish(
    settings: Settings, topic: str, users: list[dict[str, Any]], ingested_at: datetime
) -> None:
    """Produce ``users`` with the project's producer; every one must be acknowledged."""
    publisher = UserPublisher(settings, topic=topic, dlq_topic=f"{topic}.producer-dlq")
    publisher.publish(users, Origin(SOURCE, "spark-tests", 1), ingested_at=ingested_at)
    counts = publisher.flush()
    assert counts.produced == len(users), (counts, publisher.errors)


def contract_record(user: dict[str, Any], ingested_at: datetime) -> dict[str, Any]:
    """The Avro record the producer makes of an API user (the normalized source user)."""
    record: dict[str, Any] = build_user(user, source=SOURCE, ingested_at=ingested_at).to_avro()
    return record


def expected_row(record: dict[str, Any], columns: Iterable[str]) -> dict[str, Any]:
    """The table row a contract record should become, normalized like :func:`table_rows`."""
    flat = flatten(record)
    return {c: normalize_cell(flat[c]) for c in columns}


def flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested record to columns, joining the field path with ``_`` (the contract's rule)."""
    columns: dict[str, Any] = {}
    for name, value in record.items():
        if isinstance(value, dict):
            columns.update(flatten(value, f"{prefix}{name}_"))
        else:
            columns[f"{prefix}{name}"] = value
    return columns


def normalize_cell(value: Any) -> Any:
    """A Cassandra or Avro value in one comparable form (uuid text, epoch milliseconds)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(aware.timestamp() * 1000)
    return value


def register(settings: Settings, subject: str, schema_str: str) -> int:
    """Register ``schema_str`` under ``subject``; returns the registry's schema id."""
    client = SchemaRegistryClient(settings.registry.client_config())
    return int(client.register_schema(subject, Schema(schema_str, "AVRO")))


def produce_avro(
    settings: Settings, topic: str, schema_str: str, records: Iterable[dict[str, Any]]
) -> None:
    """Produce contract ``records`` keyed by id, framed with the registered ``schema_str``."""
    produce_raw(
        settings,
        topic,
        ((str(r["id"]).encode(), serialize(settings, topic, schema_str, r)) for r in records),
    )


def serialize(settings: Settings, topic: str, schema_str: str, record: dict[str, Any]) -> bytes:
    """One record in the Confluent wire format with an already registered schema."""
    client = SchemaRegistryClient(settings.registry.client_config())
    serializer = AvroSerializer(client, schema_str, conf={"auto.register.schemas": False})
    value = serializer(record, SerializationContext(topic, MessageField.VALUE))
    assert value is not None
    return bytes(value)


def produce_raw(
    settings: Settings, topic: str, messages: Iterable[tuple[bytes | None, bytes | None]]
) -> None:
    """Produce raw key/value bytes and wait until every one is acknowledged."""
    producer = Producer({**settings.kafka.client_config(), "acks": "all"})
    failures: list[str] = []

    def on_delivery(err: Any, _msg: Message) -> None:
        if err is not None:
            failures.append(str(err))

    for key, value in messages:
        producer.produce(topic, key=key, value=value, on_delivery=on_delivery)
        producer.poll(0)
    assert producer.flush(30) == 0, f"{topic}: messages still unacknowledged after 30 s"
    assert not failures, f"{topic}: delivery failed: {failures[:3]}"


def consume_all(settings: Settings, topic: str, count: int, timeout_s: float) -> list[Message]:
    """Read ``count`` messages of ``topic`` from the beginning (fails after ``timeout_s``)."""
    consumer = Consumer(
        {
            **settings.kafka.client_config(),
            "group.id": f"spark-tests-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    messages: list[Message] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(messages) < count and time.monotonic() < deadline:
            msg = consumer.poll(1.0)
            if msg is not None and msg.error() is None:
                messages.append(msg)
    finally:
        consumer.close()
    assert len(messages) >= count, f"{topic}: {len(messages)} of {count} messages in {timeout_s}s"
    return messages


def headers_of(message: Message) -> dict[str, str]:
    """A consumed message's headers as text."""
    raw = message.headers() or []
    pairs = raw.items() if isinstance(raw, dict) else raw
    return {
        name: value.decode() if isinstance(value, bytes) else (value or "") for name, value in pairs
    }


def wait_for(probe: Callable[[], T | None], timeout_s: float, what: str) -> T:
    """Poll ``probe`` until it returns a truthy value; fail naming ``what`` on timeout."""
    deadline = time.monotonic() + timeout_s
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(1.0)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what} (last: {last!r})")


def create_table(session: Any, keyspace: str, cql_path: Path) -> None:
    """Create ``keyspace`` (one replica) and apply the generated, unqualified CQL in it."""
    session.execute(
        f"CREATE KEYSPACE IF NOT EXISTS {keyspace} "
        "WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    session.set_keyspace(keyspace)
    for statement in split_statements(cql_path.read_text(encoding="utf-8")):
        session.execute(statement)


def table_rows(session: Any, keyspace: str, table: str) -> list[dict[str, Any]]:
    """Every row of ``keyspace.table`` as a column -> normalized value dict."""
    rows = session.execute(f"SELECT * FROM {keyspace}.{table}")
    return [
        {k: normalize_cell(v) for k, v in (row if isinstance(row, dict) else row._asdict()).items()}
        for row in rows
    ]
