"""Fixtures of the Spark tests: a topic (3 partitions) with its DLQ, and a keyspace with the
generated table, created fresh and removed afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient

from clients.kafka import ensure_topics
from config import Settings
from config.settings import REPO_ROOT
from tests.spark.spark_support import StreamNames, create_table

CQL = REPO_ROOT / "generated" / "cql" / "user_created.cql"
_TIMEOUT_S = 30.0


@contextmanager
def _stream_names(
    settings: Settings, admin: AdminClient, session: Any, tag: str
) -> Iterator[StreamNames]:
    name = f"spark_{tag}_{uuid.uuid4().hex[:10]}"
    names = StreamNames(topic=name, dlq_topic=f"{name}.dlq", keyspace=name)
    ensure_topics(settings, names.topic, names.dlq_topic)
    create_table(session, names.keyspace, CQL)
    try:
        yield names
    finally:
        session.execute(f"DROP KEYSPACE IF EXISTS {names.keyspace}")
        for future in admin.delete_topics([names.topic, names.dlq_topic]).values():
            future.result(_TIMEOUT_S)


@pytest.fixture
def stream_names(
    request: pytest.FixtureRequest,
    local_stack: Settings,
    kafka_admin: AdminClient,
    cassandra_session: Any,
) -> Iterator[StreamNames]:
    """Fresh topic, DLQ topic and keyspace (with the generated table) for one test."""
    with _stream_names(local_stack, kafka_admin, cassandra_session, request.node.name[5:15]) as n:
        yield n


@pytest.fixture(scope="module")
def module_stream_names(
    local_stack: Settings, kafka_admin: AdminClient, cassandra_session: Any
) -> Iterator[StreamNames]:
    """Like ``stream_names``, shared by the tests of one module (one job run, several checks)."""
    with _stream_names(local_stack, kafka_admin, cassandra_session, "shared") as names:
        yield names
