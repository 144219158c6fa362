"""Fixtures of the ops tests, on top of the root ones (``local_stack``, ``cassandra_session``,
``registry_client``): names the code under test creates itself, cleaned up afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient
from confluent_kafka.schema_registry import SchemaRegistryClient


@pytest.fixture
def keyspace(cassandra_session: Any) -> Iterator[str]:
    """A keyspace name no other test uses, not created (the applier creates it); dropped after."""
    name = f"ops_{uuid.uuid4().hex[:12]}"
    yield name
    cassandra_session.execute(f"DROP KEYSPACE IF EXISTS {name}")


@pytest.fixture
def subject_prefix(registry_client: SchemaRegistryClient) -> Iterator[str]:
    """A registry subject prefix no other test uses; its subjects are deleted afterwards."""
    prefix = f"ops-{uuid.uuid4().hex[:12]}-"
    yield prefix
    for subject in registry_client.get_subjects():
        if subject.startswith(prefix):
            registry_client.delete_subject(subject)
            registry_client.delete_subject(subject, permanent=True)


@pytest.fixture
def prefixed_topic(subject_prefix: str, kafka_admin: AdminClient) -> Iterator[str]:
    """A topic under ``subject_prefix`` (so its subject is cleaned up too); deleted after."""
    name = f"{subject_prefix}users"
    yield name
    if name in kafka_admin.list_topics(timeout=30).topics:
        kafka_admin.delete_topics([name], operation_timeout=30)[name].result(timeout=30)
