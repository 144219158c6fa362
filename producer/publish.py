"""Avro serialization through the Schema Registry and idempotent producing to Kafka, with a DLQ.

The producer never registers schemas: at construction it looks its schema up under the value
subject and fails fast with ``SubjectNotRegisteredError`` when it is absent. Users that fail
validation go to the DLQ topic as their original JSON (credentials removed) with the reason in
headers. Every delivery report is counted; ``flush`` returns the final ``BatchCounts``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import KafkaError, Message, Producer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext, SerializationError

from config.settings import Settings
from generated.python.user_created import AVRO_SCHEMA, UserCreated
from producer.errors import RecordInvalidError, SubjectNotRegisteredError
from producer.records import build_user, without_credentials

SUBJECT_NOT_FOUND = 40401
SCHEMA_NOT_FOUND = 40403

# Throughput over latency: large lz4 batches, a short linger, idempotence (implies acks=all and
# in-order retries without duplicates).
PRODUCER_TUNING: dict[str, str | int | bool] = {
    "enable.idempotence": True,
    "acks": "all",
    "compression.type": "lz4",
    "linger.ms": 20,
    "batch.size": 1_000_000,
    "batch.num.messages": 10_000,
    "queue.buffering.max.messages": 500_000,
    "queue.buffering.max.kbytes": 512 * 1024,
    "message.timeout.ms": 60_000,
}
POLL_EVERY = 2000
MAX_ERRORS_KEPT = 10


@dataclass
class BatchCounts:
    """Every fetched user ends up produced, rejected (in the DLQ), or failed (not delivered)."""

    fetched: int = 0
    produced: int = 0
    rejected: int = 0
    failed: int = 0

    @property
    def unaccounted(self) -> int:
        """Users neither acknowledged on the topic nor in the DLQ (must be 0 after a flush)."""
        return self.fetched - self.produced - self.rejected

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Origin:
    """Where a page of users came from, carried into DLQ headers."""

    source: str
    seed: str
    page: int


def ensure_registered(registry: SchemaRegistryClient, subject: str, registry_url: str) -> int:
    """The id of this producer's schema under ``subject``; fails fast if it is not there."""
    try:
        registered = registry.lookup_schema(subject, Schema(AVRO_SCHEMA, "AVRO"))
    except SchemaRegistryError as exc:
        if exc.error_code in (SUBJECT_NOT_FOUND, SCHEMA_NOT_FOUND) or exc.http_status_code == 404:
            raise SubjectNotRegisteredError(subject, registry_url) from exc
        raise
    if registered.schema_id is None:
        raise SubjectNotRegisteredError(subject, registry_url)
    schema_id: int = registered.schema_id
    return schema_id


def _to_avro(record: object, _ctx: SerializationContext | None) -> dict[str, Any]:
    if not isinstance(record, UserCreated):
        raise SerializationError(f"expected UserCreated, got {type(record).__name__}")
    avro: dict[str, Any] = record.to_avro()
    return avro


class UserPublisher:
    """Builds, serializes and produces users; one instance per batch."""

    def __init__(
        self,
        settings: Settings,
        *,
        topic: str | None = None,
        dlq_topic: str | None = None,
    ) -> None:
        self.topic = topic or settings.kafka.topic
        self.dlq_topic = dlq_topic or settings.kafka.dlq_topic
        self.subject = f"{self.topic}-value"
        registry = SchemaRegistryClient(settings.registry.client_config())
        self.schema_id = ensure_registered(registry, self.subject, settings.registry.url)
        self._serialize = AvroSerializer(
            registry,
            AVRO_SCHEMA,
            to_dict=_to_avro,
            conf={"auto.register.schemas": False, "use.latest.version": False},
        )
        self._context = SerializationContext(self.topic, MessageField.VALUE)
        self._producer = Producer({**settings.kafka.client_config(), **PRODUCER_TUNING})
        self.counts = BatchCounts()
        self.errors: list[str] = []

    def publish(
        self, users: Sequence[Any], origin: Origin, ingested_at: datetime | None = None
    ) -> None:
        """Queue one page: valid users to the topic, the others to the DLQ."""
        ingested_at = ingested_at or datetime.now(UTC)
        self.counts.fetched += len(users)
        for index, user in enumerate(users):
            try:
                record = build_user(user, source=origin.source, ingested_at=ingested_at)
                value = self._serialize(record, self._context)
            except RecordInvalidError as exc:
                self._reject(user, origin, index, exc.field, exc.reason)
                continue
            except SerializationError as exc:
                self._reject(user, origin, index, "<record>", f"Avro serialization: {exc}")
                continue
            self._produce(self.topic, str(record.id).encode(), value, None, self._on_delivery)
            if index % POLL_EVERY == 0:
                self._producer.poll(0)

    def flush(self, timeout_s: float = 120.0) -> BatchCounts:
        """Wait for every delivery report; anything still queued after ``timeout_s`` is failed."""
        remaining = self._producer.flush(timeout_s)
        if remaining:
            self.counts.failed += remaining
            self._note(f"{remaining} message(s) still undelivered after {timeout_s}s")
        return self.counts

    def _reject(self, user: Any, origin: Origin, index: int, field: str, reason: str) -> None:
        login = user.get("login") if isinstance(user, dict) else None
        key = login.get("uuid") if isinstance(login, dict) else None
        headers: list[tuple[str, str | bytes | None]] = [
            ("error", reason.encode()),
            ("error.field", field.encode()),
            ("source", origin.source.encode()),
            ("seed", origin.seed.encode()),
            ("page", str(origin.page).encode()),
            ("index", str(index).encode()),
        ]
        value = json.dumps(without_credentials(user), ensure_ascii=False).encode()
        key_bytes = key.encode() if isinstance(key, str) else None
        self._produce(self.dlq_topic, key_bytes, value, headers, self._on_dlq_delivery)

    def _produce(
        self,
        topic: str,
        key: bytes | None,
        value: bytes,
        headers: list[tuple[str, str | bytes | None]] | None,
        callback: Any,
    ) -> None:
        while True:
            try:
                self._producer.produce(topic, value, key, headers=headers, on_delivery=callback)
                return
            except BufferError:
                self._producer.poll(0.5)

    def _on_delivery(self, err: KafkaError | None, msg: Message) -> None:
        if err is None:
            self.counts.produced += 1
        else:
            self.counts.failed += 1
            self._note(f"{msg.topic()}: {err}")

    def _on_dlq_delivery(self, err: KafkaError | None, msg: Message) -> None:
        if err is None:
            self.counts.rejected += 1
        else:
            self.counts.failed += 1
            self._note(f"DLQ {msg.topic()}: {err}")

    def _note(self, error: str) -> None:
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)
