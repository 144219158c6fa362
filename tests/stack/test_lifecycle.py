"""up/down/status of a whole stack, and that data survives a restart.

Runs on a private stack (own ports and home) so that stopping it cannot break tests that
use the shared stack at the same time.
"""

from __future__ import annotations

import uuid

import pytest
from cassandra.cluster import Cluster
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient

import stack
from config import Settings
from stack.__main__ import main
from stack.control import running_pid, services
from tests.stack.kafka_io import consume, produce

_SCHEMA = '{"type": "record", "name": "Kept", "fields": [{"name": "a", "type": "int"}]}'


def _cql(settings: Settings, *statements: str) -> list[tuple[object, ...]]:
    cluster = Cluster(["127.0.0.1"], port=settings.cassandra.port, protocol_version=5)
    try:
        session = cluster.connect()
        rows: list[tuple[object, ...]] = []
        for statement in statements:
            rows = [tuple(row) for row in session.execute(statement)]
        return rows
    finally:
        cluster.shutdown()


def test_data_survives_down_then_up(private_stack: Settings) -> None:
    first = stack.up(private_stack, progress=lambda _: None)
    assert first.started == ("kafka", "registry", "cassandra")
    assert stack.up(private_stack, progress=lambda _: None).started == ()  # idempotent

    topic, subject = "kept", "kept-value"
    admin = AdminClient(private_stack.kafka.client_config())
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result(
        timeout=30
    )
    sent = [(f"k{i}".encode(), uuid.uuid4().bytes) for i in range(3)]
    produce(private_stack, topic, sent)
    schema_id = SchemaRegistryClient(private_stack.registry.client_config()).register_schema(
        subject, Schema(_SCHEMA, "AVRO")
    )
    _cql(
        private_stack,
        "CREATE KEYSPACE kept WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1}",
        "CREATE TABLE kept.rows (id int PRIMARY KEY, v text)",
        "INSERT INTO kept.rows (id, v) VALUES (1, 'one')",
        "INSERT INTO kept.rows (id, v) VALUES (2, 'two')",
    )

    stack.down(private_stack, progress=lambda _: None)
    assert [running_pid(s) for s in services(private_stack).values()] == [None, None, None]
    assert all(not row.running for row in stack.status(private_stack))

    assert stack.up(private_stack, progress=lambda _: None).started == (
        "kafka",
        "registry",
        "cassandra",
    )
    assert consume(private_stack, topic, len(sent)) == sent
    registry = SchemaRegistryClient(private_stack.registry.client_config())
    assert registry.get_latest_version(subject).schema_id == schema_id
    assert '"Kept"' in str(registry.get_schema(schema_id).schema_str)
    assert sorted(_cql(private_stack, "SELECT id, v FROM kept.rows")) == [(1, "one"), (2, "two")]


def test_status_cli_reports_every_service(
    local_stack: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    for row in stack.status(local_stack):
        assert row.healthy and row.pid is not None and row.rss_mib is not None
        assert f"{row.name:<10} healthy" in out and row.endpoint in out
