"""Kafka, behind one module: clients built from the settings, topics, offsets and ranges.

Every producer, consumer and admin client of the project starts from ``producer_config``,
``consumer_config`` or ``admin_client`` here, so bootstrap servers, security and timeouts are
set in one place. ``watermarks`` / ``read_range`` read what a run added to a topic.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from config import Settings

Offsets = dict[int, int]
ClientConfig = dict[str, str | int | float | bool]


class UnknownTopicError(LookupError):
    """The topic does not exist (or the broker reports an error for it)."""


class KafkaUnavailableError(RuntimeError):
    """The broker did not answer within the configured timeout; the message names it."""


def admin_client(settings: Settings, **overrides: str | int | float | bool) -> AdminClient:
    """An admin client on the configured cluster (librdkafka ``overrides`` last)."""
    return AdminClient({**settings.kafka.client_config(), **overrides})


def producer_config(settings: Settings, **overrides: str | int | float | bool) -> ClientConfig:
    """Producer settings: the shared client settings, the delivery timeout, then ``overrides``."""
    return {
        **settings.kafka.client_config(),
        "message.timeout.ms": int(settings.kafka.delivery_timeout_s * 1000),
        "message.max.bytes": settings.kafka.dlq_max_message_bytes,
        **overrides,
    }


def consumer_config(settings: Settings, group_id: str = "userstream-ops") -> ClientConfig:
    """Consumer settings for reading ranges: no commits, no end-of-partition events."""
    return {
        **settings.kafka.client_config(),
        "group.id": group_id,
        "enable.auto.commit": False,
        "enable.partition.eof": False,
    }


def check_reachable(settings: Settings) -> None:
    """Raise ``KafkaUnavailableError`` unless a broker answers a metadata request in time."""
    admin = admin_client(settings)
    try:
        metadata = admin.list_topics(timeout=settings.kafka.request_timeout_s)
    except KafkaException as exc:
        raise KafkaUnavailableError(
            f"kafka {settings.kafka.bootstrap_servers}: no broker answered within "
            f"{settings.kafka.request_timeout_s:g} s ({exc.args[0].str()})"
        ) from exc
    if not metadata.brokers:
        raise KafkaUnavailableError(f"kafka {settings.kafka.bootstrap_servers}: no broker")


@dataclass(frozen=True)
class TopicSpec:
    """A topic as the pipeline creates it: partitions, replication and configuration."""

    name: str
    partitions: int
    replication_factor: int
    config: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TopicInfo:
    """A topic as the cluster has it."""

    partitions: int
    replication_factor: int
    config: dict[str, str]


def ensure_topics(settings: Settings, specs: Sequence[TopicSpec]) -> list[str]:
    """Create each topic of ``specs`` that does not exist yet; return the ones created."""
    admin = admin_client(settings)
    timeout = settings.kafka.request_timeout_s
    existing = admin.list_topics(timeout=timeout).topics
    missing = [spec for spec in specs if spec.name not in existing]
    if not missing:
        return []
    futures = admin.create_topics(
        [
            NewTopic(
                spec.name,
                num_partitions=spec.partitions,
                replication_factor=spec.replication_factor,
                config=spec.config,
            )
            for spec in missing
        ],
        operation_timeout=timeout,
    )
    created = []
    for name, future in futures.items():
        try:
            future.result(timeout)
            created.append(name)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise RuntimeError(
                    f"cannot create Kafka topic {name}: {exc.args[0].str()}"
                ) from exc
    return sorted(created)


def describe_topics(settings: Settings, names: Sequence[str]) -> dict[str, TopicInfo]:
    """Partitions, replication factor and configuration of existing topics."""
    if not names:
        return {}
    admin = admin_client(settings)
    timeout = settings.kafka.request_timeout_s
    metadata = admin.list_topics(timeout=timeout).topics
    resources = [ConfigResource(ConfigResource.Type.TOPIC, name) for name in names]
    configs = admin.describe_configs(resources, request_timeout=timeout)
    found = {}
    for resource, future in configs.items():
        entries = future.result(timeout)
        partitions = metadata[resource.name].partitions
        replicas = min((len(p.replicas) for p in partitions.values()), default=0)
        found[resource.name] = TopicInfo(
            len(partitions), replicas, {key: str(entry.value) for key, entry in entries.items()}
        )
    return found


def delete_topics(settings: Settings, topics: list[str]) -> None:
    """Delete the given topics, waiting for the broker to confirm each."""
    if not topics:
        return
    timeout = settings.kafka.request_timeout_s
    admin = admin_client(settings)  # held until every answer is in: its handle serves them
    for future in admin.delete_topics(topics, operation_timeout=timeout).values():
        future.result(timeout)


def list_topics(settings: Settings) -> list[str]:
    """The cluster's topics, without internal ones (``__*``, ``_*``, the registry's journal)."""
    topics = admin_client(settings).list_topics(timeout=settings.kafka.request_timeout_s).topics
    return sorted(t for t in topics if not t.startswith("_") and not t.startswith("kafkasql"))


def list_consumer_groups(settings: Settings) -> list[str]:
    """The ids of the cluster's consumer groups, sorted."""
    timeout = settings.kafka.request_timeout_s
    admin = admin_client(settings)  # held until the answer is in: its handle serves it
    listing = admin.list_consumer_groups(request_timeout=timeout).result(timeout)
    if listing.errors:
        raise listing.errors[0]
    return sorted(group.group_id for group in listing.valid)


_GONE_OR_IN_USE = {KafkaError.GROUP_ID_NOT_FOUND, KafkaError.NON_EMPTY_GROUP}


def delete_consumer_groups(settings: Settings, groups: Sequence[str]) -> list[str]:
    """Delete the given consumer groups; returns the ones deleted. A group that does not exist
    (any more) is fine, one that still has members is left as it is."""
    if not groups:
        return []
    timeout = settings.kafka.request_timeout_s
    admin = admin_client(settings)  # held until every answer is in: its handle serves them
    futures = admin.delete_consumer_groups(list(groups), request_timeout=timeout)
    deleted = []
    for group, future in futures.items():
        try:
            future.result(timeout)
            deleted.append(group)
        except KafkaException as exc:
            if exc.args[0].code() not in _GONE_OR_IN_USE:
                raise
    return sorted(deleted)


_TRANSIENT_CODES = {
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.UNKNOWN_TOPIC_OR_PART,
    KafkaError._TIMED_OUT,
}


def watermarks(settings: Settings, topic: str) -> dict[int, tuple[int, int]]:
    """The low and high watermark of every partition of ``topic``.

    Retriable broker answers (a partition whose leader is still being elected, as right after
    the topic was created) are retried until the request timeout, then raised.
    """
    timeout = settings.kafka.request_timeout_s
    consumer = Consumer(consumer_config(settings))
    deadline = time.monotonic() + timeout
    try:
        meta = consumer.list_topics(topic, timeout=timeout).topics.get(topic)
        if meta is None or meta.error is not None:
            reason = meta.error.str() if meta is not None and meta.error else "not found"
            raise UnknownTopicError(f"topic {topic}: {reason}")
        while True:
            try:
                return {
                    p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)
                    for p in sorted(meta.partitions)
                }
            except KafkaException as exc:
                error = exc.args[0]
                transient = error.retriable() or error.code() in _TRANSIENT_CODES
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
    """One message read back: key, value, headers (bytes), timestamp and position."""

    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]
    timestamp_ms: int
    partition: int
    offset: int

    @classmethod
    def of(cls, message: Message) -> RangeMessage:
        """A message as confluent-kafka's consumer returned it."""
        return cls(
            key=message.key(),
            value=message.value(),
            headers=headers_dict(message.headers()),
            timestamp_ms=message.timestamp()[1],
            partition=message.partition() or 0,
            offset=message.offset() or 0,
        )

    def header(self, name: str, default: str = "") -> str:
        """A header as text (undecodable bytes replaced), or ``default`` when absent."""
        raw = self.headers.get(name)
        return default if raw is None else raw.decode("utf-8", "replace")


def read_range(settings: Settings, topic: str, start: Offsets, end: Offsets) -> list[RangeMessage]:
    """Every message of ``topic`` from ``start`` (inclusive) to ``end`` (exclusive) per partition.

    Raises when the range cannot be read completely in time, so a count is never short silently.
    """
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
            if idle_polls > settings.kafka.request_timeout_s:
                raise TimeoutError(f"{topic}: {remaining} messages of the range were not readable")
            for message in batch:
                error = message.error()
                if error is not None:
                    raise RuntimeError(f"{topic}: {error.str()}")
                read = RangeMessage.of(message)
                if read.offset >= wanted[read.partition][1]:
                    continue
                remaining -= 1
                messages.append(read)
    finally:
        consumer.close()
    return messages


def latest_messages(settings: Settings, topic: str, count: int) -> list[RangeMessage]:
    """Up to ``count`` newest messages of each partition of ``topic``, oldest first overall."""
    marks = watermarks(settings, topic)
    start = {p: max(low, high - count) for p, (low, high) in marks.items()}
    messages = read_range(settings, topic, start, {p: high for p, (_, high) in marks.items()})
    return sorted(messages, key=lambda m: (m.timestamp_ms, m.partition, m.offset))[-count:]


def headers_dict(
    raw: Mapping[str, Any] | list[tuple[str, Any]] | None,
) -> dict[str, bytes]:
    """Kafka headers as a dict of bytes (the last value wins when a key repeats)."""
    pairs = raw.items() if isinstance(raw, Mapping) else raw or []
    return {k: v.encode() if isinstance(v, str) else (v or b"") for k, v in pairs}
