"""Reading what a run added to a topic: end offsets before and after, and the messages between."""

from __future__ import annotations

import time
from dataclasses import dataclass

from config import Settings

_TIMEOUT_S = 10.0
Offsets = dict[int, int]


class UnknownTopicError(LookupError):
    """The topic does not exist (or the broker reports an error for it)."""


def watermarks(settings: Settings, topic: str) -> dict[int, tuple[int, int]]:
    """The low and high watermark of every partition of ``topic``.

    Retriable broker answers (a partition whose leader is still being elected, as right after
    the topic was created) are retried until a deadline, then raised.
    """
    from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

    transient_codes = {
        KafkaError.NOT_LEADER_FOR_PARTITION,
        KafkaError.LEADER_NOT_AVAILABLE,
        KafkaError.UNKNOWN_TOPIC_OR_PART,
        KafkaError._TIMED_OUT,
    }
    consumer = Consumer(consumer_config(settings))
    deadline = time.monotonic() + _TIMEOUT_S
    try:
        meta = consumer.list_topics(topic, timeout=_TIMEOUT_S).topics.get(topic)
        if meta is None or meta.error is not None:
            reason = meta.error.str() if meta is not None and meta.error else "not found"
            raise UnknownTopicError(f"topic {topic}: {reason}")
        while True:
            try:
                return {
                    p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=_TIMEOUT_S)
                    for p in sorted(meta.partitions)
                }
            except KafkaException as exc:
                error = exc.args[0]
                transient = error.retriable() or error.code() in transient_codes
                if not transient or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    finally:
        consumer.close()


def end_offsets(settings: Settings, topic: str) -> Offsets:
    """The high watermark of every partition of ``topic`` (empty when it does not exist)."""
    try:
        return {p: high for p, (_, high) in watermarks(settings, topic).items()}
    except UnknownTopicError:
        return {}


@dataclass(frozen=True)
class RangeMessage:
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]
    timestamp_ms: int
    partition: int
    offset: int


def read_range(settings: Settings, topic: str, start: Offsets, end: Offsets) -> list[RangeMessage]:
    """Every message of ``topic`` from ``start`` (inclusive) to ``end`` (exclusive) per partition.

    Raises when the range cannot be read completely in time, so a count is never short silently.
    """
    from confluent_kafka import Consumer, TopicPartition

    wanted = {p: (start.get(p, 0), high) for p, high in end.items() if high > start.get(p, 0)}
    if not wanted:
        return []
    consumer = Consumer(consumer_config(settings))
    messages: list[RangeMessage] = []
    try:
        consumer.assign([TopicPartition(topic, p, low) for p, (low, _) in wanted.items()])
        remaining = sum(high - low for low, high in wanted.values())
        idle_polls = 0
        while remaining > 0:
            batch = consumer.consume(num_messages=min(remaining, 10_000), timeout=1.0)
            idle_polls = 0 if batch else idle_polls + 1
            if idle_polls > _TIMEOUT_S:
                raise TimeoutError(f"{topic}: {remaining} messages of the range were not readable")
            for message in batch:
                error = message.error()
                if error is not None:
                    raise RuntimeError(f"{topic}: {error.str()}")
                partition, offset = message.partition() or 0, message.offset() or 0
                if offset >= wanted[partition][1]:
                    continue
                remaining -= 1
                messages.append(
                    RangeMessage(
                        key=message.key(),
                        value=message.value(),
                        headers=_headers(message.headers()),
                        timestamp_ms=message.timestamp()[1],
                        partition=partition,
                        offset=offset,
                    )
                )
    finally:
        consumer.close()
    return messages


def consumer_config(settings: Settings) -> dict[str, str | int | float | bool]:
    return {
        **settings.kafka.client_config(),
        "group.id": "userstream-ops",
        "enable.auto.commit": False,
        "enable.partition.eof": False,
    }


def _headers(
    raw: dict[str, str | bytes | None] | list[tuple[str, str | bytes | None]] | None,
) -> dict[str, bytes]:
    """Kafka headers as a dict of bytes (the last value wins when a key repeats)."""
    pairs = raw.items() if isinstance(raw, dict) else raw or []
    return {k: v.encode() if isinstance(v, str) else (v or b"") for k, v in pairs}
