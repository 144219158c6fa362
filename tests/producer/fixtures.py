"""Fixtures shared by the producer and Airflow tests (imported by both conftests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from config import Settings
from stack.offline_source import OfflineSource
from tests.producer.stack_helpers import reachable, scratch_topics


@pytest.fixture(scope="session")
def offline_source() -> Iterator[OfflineSource]:
    """A fault-free offline source; tests inject faults through query parameters of its URL."""
    with OfflineSource() as source:
        yield source


@pytest.fixture(scope="session")
def stack_settings(local_stack: Settings) -> Settings:
    """Settings of the local stack (started by the root ``local_stack`` fixture if needed)."""
    return reachable(local_stack)


@pytest.fixture
def topics(stack_settings: Settings) -> Iterator[Settings]:
    """Settings on fresh topics whose value subject is registered, deleted afterwards."""
    with scratch_topics(stack_settings) as settings:
        yield settings


@pytest.fixture
def unregistered_topics(stack_settings: Settings) -> Iterator[Settings]:
    """Settings on fresh topics whose value subject is NOT registered."""
    with scratch_topics(stack_settings, register=False) as settings:
        yield settings
