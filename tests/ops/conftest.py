"""Fixtures of the ops tests, on top of the shared ones (``local_stack``, ``cassandra_session``):
names the code under test creates itself, cleaned up afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from clients.kafka import delete_topics, list_topics
from clients.registry import Registry
from config import Settings


@pytest.fixture
def keyspace(cassandra_session: Any) -> Iterator[str]:
    """A keyspace name no other test uses, not created (the applier creates it); dropped after."""
    name = f"ops_{uuid.uuid4().hex[:12]}"
    yield name
    cassandra_session.execute(f"DROP KEYSPACE IF EXISTS {name}")


@pytest.fixture
def subject_prefix(local_stack: Settings) -> Iterator[str]:
    """A registry subject prefix no other test uses; its subjects are deleted afterwards."""
    prefix = f"ops-{uuid.uuid4().hex[:12]}-"
    yield prefix
    with Registry(local_stack.registry) as registry:
        for subject in registry.subjects(prefix):
            registry.delete_subject(subject)


@pytest.fixture
def prefixed_topic(subject_prefix: str, local_stack: Settings) -> Iterator[str]:
    """A topic under ``subject_prefix`` (so its subject is cleaned up too); deleted after."""
    name = f"{subject_prefix}users"
    yield name
    if name in list_topics(local_stack):
        delete_topics(local_stack, [name])
