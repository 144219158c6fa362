"""Fixtures of the outage tests: a private stack that tests may stop and start, fresh names on
it, and the supervised streaming job running against them (``tests.fixtures.outage``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import stack
from config import Settings
from config.settings import updated
from tests.fixtures.outage import OutageStack, SupervisedJob, outage_names
from tests.fixtures.private_stack import private_settings


@pytest.fixture(scope="session")
def outage_base(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A private stack, started once for the outage tests and wiped afterwards."""
    own = private_settings(settings, tmp_path_factory.mktemp("outage") / "stack")
    own = updated(
        own, kafka={"request_timeout_s": 10.0}, registry={"timeout_s": 3.0, "max_retries": 1}
    )
    stack.up(own, progress=lambda _: None)
    try:
        yield own
    finally:
        stack.down(own, fresh=True, progress=lambda _: None)


@pytest.fixture(scope="module")
def outage_stack(outage_base: Settings, tmp_path_factory: pytest.TempPathFactory) -> OutageStack:
    """One set of names on the private stack, shared by the tests of a module."""
    return outage_names(outage_base, tmp_path_factory.mktemp("outage-job"))


@pytest.fixture(scope="module")
def supervised_job(outage_stack: OutageStack) -> Iterator[SupervisedJob]:
    """The supervised job on the module's names; stopped (SIGTERM, then SIGKILL) afterwards."""
    job = SupervisedJob(outage_stack)
    try:
        yield job
    finally:
        job.stop()
