"""Avro serialization through the Schema Registry and idempotent producing to Kafka, with a DLQ.

Every fetched user ends in exactly one of three places, whatever it holds:

- **produced**: built into a ``UserCreated``, within every contract rule, Avro-serialized with
  the registered schema, at most ``kafka.max_message_bytes``, and acknowledged by the broker;
- **rejected**: on the DLQ topic with the reason in headers (the DLQ format is shared with the
  streaming job, see ``docs/dlq.md``): a shape the API would not send (``source:shape``), a
  broken contract rule (its name, e.g. ``latitude_in_range`` or ``type:utf8``), a record too
  large for the topic (``size:max-message``). The body is the user's JSON minus credentials,
  personal-data fields masked, cut to fit the DLQ topic;
- **failed**: not acknowledged (broker down past ``kafka.delivery_timeout_s``), counted.

The producer never registers schemas: at construction it checks that a broker answers and looks
its schema up under the value subject, failing fast with a clear error otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from clients.kafka import check_reachable, producer_config
from clients.registry import Registry, value_subject
from config.settings import Settings
from contract.pii import pii_paths
from generated.python.user_created import AVRO_SCHEMA
from producer.avro import FramedAvroSerializer
from producer.errors import RecordInvalidError, SubjectNotRegisteredError
from producer.json_scan import UnparsedUser
from producer.records import build_user, dlq_body

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
}
POLL_EVERY = 2000
MAX_ERRORS_KEPT = 10
HEADER_ROOM = 16 * 1024
"""Bytes kept free in a DLQ message for its headers."""
STAGE = "producer"
PII_PATHS = pii_paths(json.loads(AVRO_SCHEMA))


@dataclass
class BatchCounts:
    """Every fetched user ends up produced, rejected (in the DLQ), or failed (not delivered)."""

    fetched: int = 0
    produced: int = 0
    rejected: int = 0
    failed: int = 0

    @property
    def unaccounted(self) -> int:
        """Users in none of the three outcomes (0 once every delivery report has come)."""
        return self.fetched - self.produced - self.rejected - self.failed

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Origin:
    """Where a page of users came from (the URL already redacted), carried into DLQ headers."""

    source: str
    seed: str
    page: int


@dataclass(frozen=True)
class Rejection:
    """Why a user goes to the DLQ: the rule (or failure kind), the field it names, a message."""

    rule: str
    field: str
    message: str


def ensure_registered(registry: Registry, subject: str) -> int:
    """The id of this producer's schema under ``subject``; fails fast if it is not there."""
    registered = registry.lookup(subject, AVRO_SCHEMA)
    if registered is None:
        raise SubjectNotRegisteredError(subject, registry.url)
    return registered.schema_id


class UserPublisher:
    """Builds, checks, serializes and produces users; one instance per batch."""

    def __init__(
        self,
        settings: Settings,
        *,
        topic: str | None = None,
        dlq_topic: str | None = None,
    ) -> None:
        self.topic = topic or settings.kafka.topic
        self.dlq_topic = dlq_topic or settings.kafka.dlq_topic
        self.subject = value_subject(self.topic)
        check_reachable(settings)
        self._registry = Registry(settings.registry)
        self.schema_id = ensure_registered(self._registry, self.subject)
        self._serialize = FramedAvroSerializer(self.schema_id)
        self._producer = Producer(producer_config(settings, **PRODUCER_TUNING))
        self._max_bytes = settings.kafka.max_message_bytes
        self._dlq_body_bytes = settings.kafka.dlq_max_message_bytes - HEADER_ROOM
        self._delivery_timeout_s = settings.kafka.delivery_timeout_s
        self.counts = BatchCounts()
        self.errors: list[str] = []

    def publish(
        self, users: Sequence[Any], origin: Origin, ingested_at: datetime | None = None
    ) -> None:
        """Queue one page: valid users to the topic, the others to the DLQ."""
        ingested_at = ingested_at or datetime.now(UTC)
        now = datetime.now(UTC)
        for index, user in enumerate(users):
            self.counts.fetched += 1
            outcome = self._encode(user, origin, ingested_at, now)
            if isinstance(outcome, Rejection):
                self._reject(user, origin, index, outcome)
            else:
                key, value = outcome
                self._produce(self.topic, key, value, None, self._on_delivery)
            if index % POLL_EVERY == 0:
                self._producer.poll(0)

    def _encode(
        self, user: Any, origin: Origin, ingested_at: datetime, now: datetime
    ) -> tuple[bytes, bytes] | Rejection:
        """(key, framed value) of a user, or why it is rejected. Never raises on input."""
        if isinstance(user, UnparsedUser):
            return Rejection("source:shape", "<user>", f"{user.reason} ({user.size} bytes)")
        try:
            record = build_user(user, source=origin.source, ingested_at=ingested_at)
        except RecordInvalidError as exc:
            return Rejection(exc.rule, exc.field, exc.reason)
        except (RecursionError, TypeError, ValueError, OverflowError) as exc:
            return Rejection("source:shape", "<user>", f"unreadable user ({type(exc).__name__})")
        violation = record.violation(now)
        if violation is not None:
            return Rejection(violation.rule, violation.field, violation.message)
        try:
            value = self._serialize(record)
        except Exception as exc:  # the encoder raises several types; the rules should catch it
            reason = f"not serializable ({type(exc).__name__})"
            return Rejection("avro:serialize", "<record>", reason)
        if len(value) > self._max_bytes:
            return Rejection(
                "size:max-message",
                "<record>",
                f"serialized record of {len(value):,} bytes is over kafka.max_message_bytes "
                f"{self._max_bytes:,}",
            )
        return str(record.id).encode(), value

    def flush(self) -> BatchCounts:
        """Wait for every delivery report; anything still queued after the delivery timeout
        (plus a margin) is counted failed."""
        timeout_s = self._delivery_timeout_s + 10.0
        remaining = self._producer.flush(timeout_s)
        if remaining:
            self.counts.failed += remaining
            self._note(f"{remaining} message(s) still undelivered after {timeout_s:g}s")
        self._registry.close()
        return self.counts

    def _reject(self, user: Any, origin: Origin, index: int, why: Rejection) -> None:
        headers: list[tuple[str, str | bytes | None]] = [
            ("error", why.message.encode("utf-8", "backslashreplace")),
            ("error.rule", why.rule.encode()),
            ("error.field", why.field.encode("utf-8", "backslashreplace")),
            ("error.stage", STAGE.encode()),
            ("source.url", origin.source.encode("utf-8", "backslashreplace")),
            ("source.seed", origin.seed.encode("utf-8", "backslashreplace")),
            ("source.page", str(origin.page).encode()),
            ("source.index", str(index).encode()),
        ]
        body = dlq_body(user, PII_PATHS)
        if len(body) > self._dlq_body_bytes:
            headers.append(("error.body_truncated_from", str(len(body)).encode()))
            body = body[: self._dlq_body_bytes]
        self._produce(self.dlq_topic, _dlq_key(user), body, headers, self._on_dlq_delivery)

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
            except KafkaException as exc:  # refused at once (e.g. too large): never queued
                self.counts.failed += 1
                self._note(f"{topic}: {exc.args[0].str()}")
                return

    def _on_delivery(self, err: KafkaError | None, msg: Message) -> None:
        if err is None:
            self.counts.produced += 1
        else:
            self.counts.failed += 1
            self._note(f"{msg.topic()}: {err.str()}")

    def _on_dlq_delivery(self, err: KafkaError | None, msg: Message) -> None:
        if err is None:
            self.counts.rejected += 1
        else:
            self.counts.failed += 1
            self._note(f"DLQ {msg.topic()}: {err.str()}")

    def _note(self, error: str) -> None:
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)


def _dlq_key(user: Any) -> bytes | None:
    """The user's ``login.uuid`` as the DLQ key, when it is text."""
    login = user.get("login") if isinstance(user, dict) else None
    key = login.get("uuid") if isinstance(login, dict) else None
    return key.encode("utf-8", "backslashreplace") if isinstance(key, str) else None
