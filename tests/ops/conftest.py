"""Fixtures of the ops tests, on top of the shared ones (``local_stack``, ``cassandra_session``):
scratch names for what the code under test creates itself, cleaned up afterwards (and swept at
the end of the session in any case, ``tests.fixtures.names``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from config import Settings
from tests.fixtures.local_stack import unique_name
from tests.fixtures.spark import isolated


@pytest.fixture
def keyspace(request: pytest.FixtureRequest, cassandra_session: Any) -> Iterator[str]:
    """A keyspace name no other test uses, not created (the applier creates it); dropped after."""
    name = unique_name(request, "ops")
    yield name
    cassandra_session.execute(f"DROP KEYSPACE IF EXISTS {name}")


@pytest.fixture
def deployment(request: pytest.FixtureRequest, local_stack: Settings) -> Settings:
    """Settings of a deployment of its own: a scratch topic prefix (``kafka.topic_prefix``:
    every contract topic, DLQ and topic-named subject starts with it) and keyspace, the way a
    user isolates an environment. What the test creates under it is swept at session end."""
    return isolated(local_stack, unique_name(request, "ops"))
