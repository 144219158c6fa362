"""Produce and consume helpers for tests that need raw messages on a topic."""

from __future__ import annotations

import uuid

from confluent_kafka import Consumer, KafkaError, Message, Producer

from config import Settings


def produce(settings: Settings, topic: str, messages: list[tuple[bytes, bytes]]) -> None:
    """Produce ``(key, value)`` pairs idempotently and wait until all are acknowledged."""
    producer = Producer({**settings.kafka.client_config(), "enable.idempotence": True})
    errors: list[str] = []

    def on_delivery(error: KafkaError | None, _msg: Message) -> None:
        if error is not None:
            errors.append(str(error))

    for key, value in messages:
        producer.produce(topic, key=key, value=value, on_delivery=on_delivery)
    assert producer.flush(30) == 0, "messages left unacknowledged"
    assert errors == []


def consume(settings: Settings, topic: str, count: int) -> list[tuple[bytes, bytes]]:
    """Read ``count`` messages from the start of ``topic`` (fails after 60 s of polling)."""
    consumer = Consumer(
        {
            **settings.kafka.client_config(),
            "group.id": f"g-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    got: list[tuple[bytes, bytes]] = []
    try:
        for _ in range(120):
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            assert msg.error() is None, msg.error()
            key, value = msg.key(), msg.value()
            assert key is not None and value is not None, f"null key/value at {msg.offset()}"
            got.append((key, value))
            if len(got) == count:
                break
    finally:
        consumer.close()
    assert len(got) == count, f"consumed {len(got)} of {count} messages from {topic}"
    return got
