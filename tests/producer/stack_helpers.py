"""Helpers shared by the producer and Airflow tests: real topics, subjects, consuming, comparing.

Imported as ``tests.producer.stack_helpers`` (the repository root is on ``sys.path``).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from confluent_kafka import Consumer, KafkaException, Message
from confluent_kafka.admin import AdminClient
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

from clients.kafka import ensure_topics
from config import Settings
from generated.python.user_created import AVRO_SCHEMA

CREDENTIAL_FIELDS = ("password", "salt", "md5", "sha1", "sha256")


@dataclass(frozen=True)
class Consumed:
    """One consumed message, raw and decoded."""

    key: bytes | None
    value: bytes
    headers: dict[str, bytes]
    decoded: Any


def client_config(settings: Settings) -> dict[str, str | int | float | bool]:
    """The librdkafka settings, typed as the admin client and consumer declare them."""
    return {**settings.kafka.client_config()}


def reachable(settings: Settings) -> Settings:
    """``settings``, after checking that Kafka and the registry answer (else fail clearly)."""
    admin = AdminClient(client_config(settings))
    try:
        admin.list_topics(timeout=10)
    except KafkaException as exc:
        pytest.fail(
            f"Kafka is not reachable at {settings.kafka.bootstrap_servers} ({exc}); "
            "start the local stack with `make stack-up`"
        )
    try:
        SchemaRegistryClient(settings.registry.client_config()).get_subjects()
    except Exception as exc:
        pytest.fail(
            f"the schema registry is not reachable at {settings.registry.url} ({exc}); "
            "start the local stack with `make stack-up`"
        )
    return settings


@contextmanager
def scratch_topics(settings: Settings, *, register: bool = True) -> Iterator[Settings]:
    """Settings pointing at fresh unique topics (value subject registered unless told not to)."""
    suffix = uuid.uuid4().hex[:10]
    topic, dlq = f"test_users_{suffix}", f"test_users_{suffix}.dlq"
    ensure_topics(settings, topic, dlq)
    admin = AdminClient(client_config(settings))
    registry = SchemaRegistryClient(settings.registry.client_config())
    subject = f"{topic}-value"
    if register:
        registry.register_schema(subject, Schema(AVRO_SCHEMA, "AVRO"))
    kafka = settings.kafka.model_copy(update={"topic": topic, "dlq_topic": dlq})
    try:
        yield settings.model_copy(update={"kafka": kafka})
    finally:
        if register:
            registry.delete_subject(subject)
            registry.delete_subject(subject, permanent=True)
        for future in admin.delete_topics([topic, dlq]).values():
            future.result(30)


def consume(settings: Settings, topic: str, expected: int, timeout_s: float = 60) -> list[Consumed]:
    """Every message of ``topic`` from the beginning, waiting until ``expected`` have arrived.

    Values of the main topic are decoded through the registry (the writer schema by its id);
    DLQ values are JSON.
    """
    consumer = Consumer(
        {
            **client_config(settings),
            "group.id": f"test-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    registry = SchemaRegistryClient(settings.registry.client_config())
    decode = AvroDeserializer(registry)
    consumer.subscribe([topic])
    out: list[Consumed] = []
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            msg: Message | None = consumer.poll(1.0)
            if msg is None:
                if len(out) >= expected:
                    break  # one idle second after the expected count: nothing more is coming
                continue
            if msg.error():
                raise KafkaException(msg.error())
            value = msg.value() or b""
            raw = msg.headers() or []
            pairs = raw.items() if isinstance(raw, dict) else raw
            headers = {k: v.encode() if isinstance(v, str) else v or b"" for k, v in pairs}
            if topic == settings.kafka.dlq_topic:
                decoded = _json_or_none(value)
            else:
                decoded = decode(value, SerializationContext(topic, MessageField.VALUE))
            out.append(Consumed(msg.key(), value, headers, decoded))
    finally:
        consumer.close()
    return out


def _json_or_none(value: bytes) -> Any:
    """A DLQ body as JSON, or None when it was cut to fit the topic."""
    try:
        return json.loads(value)
    except ValueError:
        return None


def source_users(base_url: str, count: int, seed: str, query: str = "") -> list[dict[str, Any]]:
    """Page 1 of ``seed`` straight from the source, as the producer fetched it."""
    url = f"{base_url}?results={count}&seed={seed}&page=1{query}"
    users: list[dict[str, Any]] = httpx.get(url).json()["results"]
    return users


def normalized(user: dict[str, Any]) -> dict[str, Any]:
    """The documented normalization of an API user, written independently of producer.records."""
    loc = user["location"]
    return {
        "id": uuid.UUID(user["login"]["uuid"]),
        "gender": user["gender"],
        "name": user["name"],
        "location": {
            "street": loc["street"],
            "city": loc["city"],
            "state": loc["state"],
            "country": loc["country"],
            "postcode": str(loc["postcode"]),
            "coordinates": {k: float(v) for k, v in loc["coordinates"].items()},
            "timezone": loc["timezone"],
        },
        "email": user["email"],
        "username": user["login"]["username"],
        "dob": {"date": datetime.fromisoformat(user["dob"]["date"]), "age": user["dob"]["age"]},
        "registered": {
            "date": datetime.fromisoformat(user["registered"]["date"]),
            "age": user["registered"]["age"],
        },
        "phone": user["phone"],
        "cell": user["cell"],
        "national_id": user["id"],
        "picture": user["picture"],
        "nat": user["nat"],
    }


def credentials_of(users: list[dict[str, Any]]) -> set[bytes]:
    """Every credential value of the source users, as bytes to search messages for."""
    return {str(u["login"][f]).encode() for u in users for f in CREDENTIAL_FIELDS}


def assert_no_credentials(messages: list[Consumed], secrets: set[bytes]) -> None:
    for message in messages:
        blob = b"|".join([message.key or b"", message.value, *message.headers.values()])
        leaked = [s for s in secrets if s in blob]
        assert not leaked, f"credential value(s) found in a message: {len(leaked)}"
