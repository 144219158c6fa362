"""Acceptance tests of the local stack's services, through the clients the pipeline uses."""

from __future__ import annotations

import uuid

from cassandra.cluster import Session
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from clients.registry import Registry
from config import Settings
from contract.wire import unframe
from tests.fixtures.kafka import consume, produce
from tests.fixtures.registry import value_subject

_AVRO_SCHEMA = """{
  "type": "record", "name": "Probe", "namespace": "userstream.tests",
  "fields": [
    {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "n", "type": "long"},
    {"name": "city", "type": ["null", "string"], "default": null}
  ]
}"""


def test_kafka_produce_then_consume(local_stack: Settings, unique_topic: str) -> None:
    sent = [(f"k{i}".encode(), f"value {i} {uuid.uuid4()}".encode()) for i in range(5)]
    produce(local_stack, unique_topic, sent)
    assert [(m.key, m.value) for m in consume(local_stack, unique_topic, len(sent))] == sent


def test_schema_registered_is_fetched_back_by_id(
    registry_client: SchemaRegistryClient, unique_subject: str
) -> None:
    schema_id = registry_client.register_schema(unique_subject, Schema(_AVRO_SCHEMA, "AVRO"))
    fetched = registry_client.get_schema(schema_id)
    assert fetched.schema_type == "AVRO"
    latest = registry_client.get_latest_version(unique_subject)
    assert latest.schema_id == schema_id
    assert fetched.schema_str is not None
    assert '"name":"Probe"' in fetched.schema_str.replace(" ", "")


def test_avro_serializer_round_trip_through_kafka(
    local_stack: Settings,
    registry_client: SchemaRegistryClient,
    unique_topic: str,
) -> None:
    subject = value_subject(unique_topic)  # TopicNameStrategy, as the pipeline uses
    schema_id = registry_client.register_schema(subject, Schema(_AVRO_SCHEMA, "AVRO"))
    try:
        serializer = AvroSerializer(
            registry_client, _AVRO_SCHEMA, conf={"auto.register.schemas": False}
        )
        user_id = str(uuid.uuid4())
        record = {"id": user_id, "n": 2**40, "city": "Zürich"}
        ctx = SerializationContext(unique_topic, MessageField.VALUE)
        payload = serializer(record, ctx)
        assert payload is not None
        assert unframe(payload)[0] == schema_id  # unframe checks the magic byte too
        produce(local_stack, unique_topic, [(user_id.encode(), payload)])
        [message] = consume(local_stack, unique_topic, 1)
        decoded = AvroDeserializer(registry_client)(message.value, ctx)
        assert decoded == {**record, "id": uuid.UUID(user_id)}  # uuid logical type
    finally:
        with Registry(local_stack.registry) as registry:
            registry.delete_subject(subject)


def test_cassandra_keyspace_table_write_read(
    cassandra_session: Session, unique_keyspace: str
) -> None:
    table = f"{unique_keyspace}.people"
    cassandra_session.execute(
        f"CREATE TABLE {table} (id uuid, seen timestamp, name text, PRIMARY KEY (id, seen))"
        " WITH CLUSTERING ORDER BY (seen DESC)"
    )
    ids = [uuid.uuid4() for _ in range(3)]
    insert = cassandra_session.prepare(f"INSERT INTO {table} (id, seen, name) VALUES (?, ?, ?)")
    for i, id_ in enumerate(ids):
        cassandra_session.execute(insert, (id_, 1_700_000_000_000 + i, f"name-{i}"))
    # an upsert of the same primary key replaces, never duplicates
    cassandra_session.execute(insert, (ids[0], 1_700_000_000_000, "renamed"))
    rows = {r.id: r.name for r in cassandra_session.execute(f"SELECT id, name FROM {table}")}
    assert rows == {ids[0]: "renamed", ids[1]: "name-1", ids[2]: "name-2"}
