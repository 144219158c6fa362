"""Serialization through the Schema Registry and idempotent producing to Kafka, with a DLQ.

Every fetched source record ends in exactly one of three places, whatever it holds:

- **produced**: mapped into the contract's record (its generated ``from_source``), within every
  contract rule, Avro-serialized with the registered schema, at most
  ``kafka.max_message_bytes``, and acknowledged by the broker;
- **rejected**: on the contract's DLQ topic with the reason in headers (``contract.dlq``,
  shared with the streaming job, ``docs/dlq.md``): a value the mapping cannot read
  (``source:shape``), a broken contract rule (its name, e.g. ``latitude_in_range`` or
  ``type:utf8``), a record too large for the topic (``size:max-message``). The body keeps only
  what the contract reads of the source record (credentials and other fields never leave the
  producer), personal-data fields masked, cut to fit the DLQ topic;
- **failed**: not acknowledged (broker down past ``kafka.delivery_timeout_s``), counted.

The producer never registers schemas: at construction it checks that a broker answers and looks
its schema up under the contract's subject, failing fast with a clear error otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from clients.kafka import check_reachable, producer_config
from clients.registry import Registry
from config.settings import Settings
from contract.catalog import Contract
from contract.dlq import DlqHeader, Rejection, RejectRule, Stage
from contract.pii import mask
from contract.source_values import SourceValueError, kept_for_dlq
from contract.streams import Produced, kafka_key
from producer.avro import FramedAvroSerializer
from producer.errors import SubjectNotRegisteredError
from producer.json_scan import UnparsedRecord

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
WHOLE_RECORD = "<record>"
"""The field named by a rejection about the whole record rather than one field."""


@dataclass
class BatchCounts:
    """Every fetched record ends up produced, rejected (in the DLQ), or failed (not delivered)."""

    fetched: int = 0
    produced: int = 0
    rejected: int = 0
    failed: int = 0
    warned_by_rule: dict[str, int] = field(default_factory=dict)
    """Produced records that broke a rule in ``warn`` mode, per rule (they are not rejected)."""
    rejected_by_rule: dict[str, int] = field(default_factory=dict)
    """Records in the DLQ, per rule: for the run's metrics (the DLQ itself says it too)."""

    @property
    def unaccounted(self) -> int:
        """Records in none of the three outcomes (0 once every delivery report has come)."""
        return self.fetched - self.produced - self.rejected - self.failed

    def as_dict(self) -> dict[str, Any]:
        """The counts; ``warned_by_rule`` only when a rule in ``warn`` mode was broken."""
        counts = asdict(self)
        del counts["rejected_by_rule"]
        if not self.warned_by_rule:
            del counts["warned_by_rule"]
        return counts


@dataclass(frozen=True)
class Origin:
    """Where a page of records came from (the URL already redacted), carried into DLQ headers."""

    source: str
    seed: str
    page: int


def ensure_registered(registry: Registry, subject: str, schema: str) -> int:
    """The id of ``schema`` under ``subject``; fails fast if it is not there."""
    registered = registry.lookup(subject, schema)
    if registered is None:
        raise SubjectNotRegisteredError(subject, registry.url)
    return registered.schema_id


DeliveryListener = Callable[[bytes | None, KafkaError | None], None]
"""Told each record's key and delivery error (None: acknowledged)."""


class RecordPublisher:
    """Maps, checks, serializes and produces one contract's records; one instance per batch."""

    def __init__(
        self,
        settings: Settings,
        contract: Contract,
        on_delivery: DeliveryListener | None = None,
    ) -> None:
        """``on_delivery`` hears each record of the contract's topic once its fate is known:
        its key, and None when the broker acknowledged it or the error that failed it (a soak,
        a fault test, keeps its own ledger of what was acknowledged)."""
        self.contract = contract
        self._listener = on_delivery
        names = contract.names(settings)
        self.topic, self.dlq_topic, self.subject = names.topic, names.dlq_topic, names.subject
        check_reachable(settings)
        self._registry = Registry(settings.registry)
        self.schema_id = ensure_registered(self._registry, self.subject, contract.schema)
        self._serialize = FramedAvroSerializer(self.schema_id)
        self._from_source = contract.from_source
        self._key_paths = tuple(tuple(path.split(".")) for path in contract.stream.key)
        self._source_key = contract.declared.source_key
        self._kept_paths = tuple(p.path for p in contract.declared.source_paths)
        self._masked_paths = tuple(
            ".".join(p.path) for p in contract.declared.source_paths if p.pii
        )
        self._producer = Producer(producer_config(settings, **PRODUCER_TUNING))
        self._max_bytes = settings.kafka.max_message_bytes
        self._dlq_body_bytes = settings.kafka.dlq_max_message_bytes - HEADER_ROOM
        self._delivery_timeout_s = settings.kafka.delivery_timeout_s
        self.counts = BatchCounts()
        self.errors: list[str] = []

    def publish(
        self, records: Sequence[Any], origin: Origin, ingested_at: datetime | None = None
    ) -> None:
        """Queue one page: valid records to the topic, the others to the DLQ."""
        produced = Produced(ingested_at or datetime.now(UTC), origin.source)
        now = datetime.now(UTC)
        for index, item in enumerate(records):
            self.counts.fetched += 1
            outcome = self._encode(item, produced, now)
            if isinstance(outcome, Rejection):
                self._reject(item, origin, index, outcome)
            else:
                key, value = outcome
                self._produce(self.topic, key, value, None, self._on_delivery)
            if index % POLL_EVERY == 0:
                self._producer.poll(0)

    def _encode(
        self, item: Any, produced: Produced, now: datetime
    ) -> tuple[bytes | None, bytes] | Rejection:
        """(key, framed value) of a source record, or why it is rejected. Never raises."""
        if isinstance(item, UnparsedRecord):
            reason = f"{item.reason} ({item.size} bytes)"
            return Rejection(RejectRule.SOURCE_SHAPE, WHOLE_RECORD, reason)
        try:
            record = self._from_source(item, produced)
        except SourceValueError as exc:
            return Rejection(exc.rule, exc.field, exc.reason)
        except (RecursionError, TypeError, ValueError, OverflowError) as exc:
            reason = f"unreadable record ({type(exc).__name__})"
            return Rejection(RejectRule.SOURCE_SHAPE, WHOLE_RECORD, reason)
        violation = record.violation(now)
        if violation is not None:
            return Rejection(violation.rule, violation.field, violation.message)
        for warning in record.warnings(now):
            warned = self.counts.warned_by_rule
            warned[warning.rule] = warned.get(warning.rule, 0) + 1
        try:
            value = self._serialize(record)
        except Exception as exc:  # the encoder raises several types; the rules should catch it
            reason = f"not serializable ({type(exc).__name__})"
            return Rejection(RejectRule.AVRO_SERIALIZE, WHOLE_RECORD, reason)
        if len(value) > self._max_bytes:
            return Rejection(
                RejectRule.MAX_MESSAGE,
                WHOLE_RECORD,
                f"serialized record of {len(value):,} bytes is over kafka.max_message_bytes "
                f"{self._max_bytes:,}",
            )
        return self._record_key(record), value

    def _record_key(self, record: Any) -> bytes | None:
        if not self._key_paths:
            return None
        return kafka_key([_field_value(record, path) for path in self._key_paths])

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

    def _reject(self, item: Any, origin: Origin, index: int, why: Rejection) -> None:
        headers: list[tuple[str, str | bytes | None]] = [
            (DlqHeader.ERROR, _text(why.message)),
            (DlqHeader.RULE, _text(why.rule)),
            (DlqHeader.FIELD, _text(why.field)),
            (DlqHeader.STAGE, _text(Stage.PRODUCER)),
            (DlqHeader.CONTRACT, _text(self.contract.name)),
            (DlqHeader.SOURCE_URL, _text(origin.source)),
            (DlqHeader.SOURCE_SEED, _text(origin.seed)),
            (DlqHeader.SOURCE_PAGE, _text(str(origin.page))),
            (DlqHeader.SOURCE_INDEX, _text(str(index))),
        ]
        body = self.dlq_body(item)
        if len(body) > self._dlq_body_bytes:
            headers.append((DlqHeader.BODY_TRUNCATED_FROM, _text(str(len(body)))))
            body = body[: self._dlq_body_bytes]
        delivered = partial(self._on_dlq_delivery, str(why.rule))
        self._produce(self.dlq_topic, self._dlq_key(item), body, headers, delivered)

    def dlq_body(self, item: Any) -> bytes:
        """What the DLQ keeps of a rejected source record: the values the contract reads,
        personal-data ones masked. Never raises: text that is not UTF-8 (a lone surrogate) is
        kept as its JSON escape, and values JSON cannot hold are shown as text."""
        if isinstance(item, UnparsedRecord):
            kept: Any = {"unparsed": {"reason": item.reason, "size": item.size}}
        else:
            kept = kept_for_dlq(item, self._kept_paths)
            if isinstance(kept, dict):
                kept = mask(kept, self._masked_paths)
        try:
            text = json.dumps(kept, ensure_ascii=False, default=str)
        except (ValueError, RecursionError) as exc:
            text = json.dumps({"unprintable": type(exc).__name__})
        return text.encode("utf-8", "backslashreplace")

    def _dlq_key(self, item: Any) -> bytes | None:
        """The source record's key value (where its first key field is read), when it is text."""
        if not self._source_key:
            return None
        value = item
        for name in self._source_key:
            value = value.get(name) if isinstance(value, dict) else None
        return value.encode("utf-8", "backslashreplace") if isinstance(value, str) else None

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
                if self._listener is not None and topic == self.topic:
                    self._listener(key, exc.args[0])
                self.counts.failed += 1
                self._note(f"{topic}: {exc.args[0].str()}")
                return

    def _on_delivery(self, err: KafkaError | None, msg: Message) -> None:
        if self._listener is not None:
            self._listener(msg.key(), err)
        if err is None:
            self.counts.produced += 1
        else:
            self.counts.failed += 1
            self._note(f"{msg.topic()}: {err.str()}")

    def _on_dlq_delivery(self, rule: str, err: KafkaError | None, msg: Message) -> None:
        if err is None:
            self.counts.rejected += 1
            by_rule = self.counts.rejected_by_rule
            by_rule[rule] = by_rule.get(rule, 0) + 1
        else:
            self.counts.failed += 1
            self._note(f"DLQ {msg.topic()}: {err.str()}")

    def _note(self, error: str) -> None:
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)


def _text(value: str) -> bytes:
    """A header value as UTF-8 (a lone surrogate kept as its escape)."""
    return value.encode("utf-8", "backslashreplace")


def _field_value(record: Any, path: tuple[str, ...]) -> Any:
    """The value of a (nested) field of a generated record."""
    value = record
    for name in path:
        value = getattr(value, name)
    return value
