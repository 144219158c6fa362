"""up/down/status of a whole stack, and that data survives a restart.

Runs on a private stack (own ports and home) so that stopping it cannot break tests that
use the shared stack at the same time.
"""

from __future__ import annotations

import uuid

import pytest
from confluent_kafka.admin import NewTopic
from confluent_kafka.schema_registry import Schema

import stack
from clients.cassandra import connect
from clients.kafka import admin_client
from config import Settings
from stack import prometheus_server
from stack.__main__ import main
from stack.control import SERVICE_NAMES, running_pid, services
from stack.ports import listening_sockets_of
from stack.procs import process_tree
from stack.prometheus_server import ScrapeJob
from tests.fixtures.kafka import consume, produce
from tests.fixtures.loopback import assert_listens_on_loopback_only
from tests.fixtures.prometheus import wait_for_positive
from tests.fixtures.registry import confluent_client, value_subject

_SCHEMA = '{"type": "record", "name": "Kept", "fields": [{"name": "a", "type": "int"}]}'


def _cql(settings: Settings, *statements: str) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    with connect(settings) as session:
        for statement in statements:
            rows = [tuple(row) for row in session.execute(statement)]
    return rows


def test_data_survives_down_then_up(private_stack: Settings) -> None:
    first = stack.up(private_stack, progress=lambda _: None)
    assert first.started == SERVICE_NAMES
    assert stack.up(private_stack, progress=lambda _: None).started == ()  # idempotent

    topic, subject = "kept", value_subject("kept")
    admin = admin_client(private_stack)
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result(
        timeout=30
    )
    sent = [(f"k{i}".encode(), uuid.uuid4().bytes) for i in range(3)]
    produce(private_stack, topic, sent)
    registry = confluent_client(private_stack.registry)
    schema_id = registry.register_schema(subject, Schema(_SCHEMA, "AVRO"))
    _cql(
        private_stack,
        "CREATE KEYSPACE kept WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1}",
        "CREATE TABLE kept.rows (id int PRIMARY KEY, v text)",
        "INSERT INTO kept.rows (id, v) VALUES (1, 'one')",
        "INSERT INTO kept.rows (id, v) VALUES (2, 'two')",
    )

    _metrics_are_scraped(private_stack, topic)

    stack.down(private_stack, progress=lambda _: None)
    assert [running_pid(s) for s in services(private_stack).values()] == [None] * 5
    assert all(not row.running for row in stack.status(private_stack))

    assert stack.up(private_stack, progress=lambda _: None).started == SERVICE_NAMES
    assert [(m.key, m.value) for m in consume(private_stack, topic, len(sent))] == sent
    registry = confluent_client(private_stack.registry)
    assert registry.get_latest_version(subject).schema_id == schema_id
    assert '"Kept"' in str(registry.get_schema(schema_id).schema_str)
    assert sorted(_cql(private_stack, "SELECT id, v FROM kept.rows")) == [(1, "one"), (2, "two")]


def _metrics_are_scraped(settings: Settings, topic: str) -> None:
    """The stack's Prometheus scrapes itself, the Pushgateway, and Kafka's and Cassandra's JMX
    exporters, whose rules export what the test just did; every process, the exporters in
    Kafka's and Cassandra's included, listens on loopback only."""
    url = prometheus_server.url(settings)
    for job in (ScrapeJob.PROMETHEUS, ScrapeJob.PUSHGATEWAY, ScrapeJob.KAFKA, ScrapeJob.CASSANDRA):
        wait_for_positive(url, f'up{{job="{job}"}}')
    messages_in = f'kafka_server_brokertopicmetrics_messagesin_total{{topic="{topic}"}}'
    assert wait_for_positive(url, messages_in) >= 3
    wait_for_positive(url, 'cassandra_clientrequest_write_total{job="cassandra"}')
    trees = {n: process_tree(running_pid(each) or 0) for n, each in services(settings).items()}
    assert_listens_on_loopback_only(trees)
    for name, exporter in (
        ("kafka", settings.stack.kafka_metrics_port),
        ("cassandra", settings.stack.cassandra_metrics_port),
    ):
        assert exporter in {s.port for s in listening_sockets_of(trees[name])}, name


def test_status_cli_reports_every_service(
    local_stack: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    for row in stack.status(local_stack):
        assert row.healthy and row.pid is not None and row.rss_mib is not None
        assert f"{row.name:<14} healthy" in out and row.endpoint in out
