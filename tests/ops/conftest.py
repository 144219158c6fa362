"""Fixtures of the ops tests: the running local stack, a Cassandra session, unique names.

The stack is started through ``stack.control.up``, which reuses services already running; a
service that cannot start fails the test with the stack's own message.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient

from config import Settings, load_settings
from ops.cassandra import connect
from stack import control


@pytest.fixture(scope="session")
def ops_settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def ops_stack(ops_settings: Settings) -> Settings:
    """Settings of a running local stack (Kafka, registry, Cassandra)."""
    control.up(ops_settings, progress=lambda _line: None)
    return ops_settings


@pytest.fixture(scope="session")
def cassandra(ops_stack: Settings) -> Iterator[Any]:
    with connect(ops_stack) as session:
        yield session


@pytest.fixture
def keyspace(cassandra: Any) -> Iterator[str]:
    """A keyspace name no other test uses; dropped afterwards."""
    name = f"ops_{uuid.uuid4().hex[:12]}"
    yield name
    cassandra.execute(f"DROP KEYSPACE IF EXISTS {name}")


@pytest.fixture
def subject_prefix(ops_stack: Settings) -> Iterator[str]:
    """A registry subject prefix no other test uses; its subjects are deleted afterwards."""
    prefix = f"ops-{uuid.uuid4().hex[:12]}-"
    yield prefix
    client = SchemaRegistryClient(ops_stack.registry.client_config())
    for subject in client.get_subjects():
        if subject.startswith(prefix):
            client.delete_subject(subject)
            client.delete_subject(subject, permanent=True)
