"""Creating the pipeline's Kafka topics with the configured partitions and replication."""

from __future__ import annotations

from config import Settings

_TIMEOUT_S = 30.0


def ensure_topics(settings: Settings, *topics: str) -> list[str]:
    """Create each topic that does not exist yet; return the ones created.

    Without names, the pipeline's own topics (``settings.kafka.topic`` and its DLQ).
    """
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AdminClient
    from confluent_kafka.cimpl import NewTopic

    names = topics or (settings.kafka.topic, settings.kafka.dlq_topic)
    admin = AdminClient(settings.kafka.client_config())
    existing = admin.list_topics(timeout=_TIMEOUT_S).topics
    missing = [name for name in names if name not in existing]
    if not missing:
        return []
    futures = admin.create_topics(
        [
            NewTopic(
                name,
                num_partitions=settings.kafka.partitions,
                replication_factor=settings.kafka.replication_factor,
            )
            for name in missing
        ],
        operation_timeout=_TIMEOUT_S,
    )
    created = []
    for name, future in futures.items():
        try:
            future.result()
            created.append(name)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise RuntimeError(
                    f"cannot create Kafka topic {name}: {exc.args[0].str()}"
                ) from exc
    return sorted(created)
