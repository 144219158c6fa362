"""Fixtures of the security tests: a private secured stack, and the pipeline running on it.

The stack is the secured profile (``stack.secure``) on free ports in a temporary home, started
once for the module and wiped afterwards. The streaming job runs as ``python -m spark`` in a
subprocess that gets nothing but the stack's generated ``client.env`` (``PIPELINE_ENV_FILE``):
the way ``make demo SECURE=1`` runs it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

import stack
from clients.kafka import list_topics
from config import Settings
from config.settings import REPO_ROOT, updated
from contract.catalog import all_contracts
from ops import migrate, register
from tests.fixtures.private_stack import private_settings
from tests.fixtures.secured_stack import SecuredJob, SecuredStack, client_environment


@pytest.fixture(scope="module")
def secured(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredStack]:
    own = updated(
        private_settings(settings, tmp_path_factory.mktemp("secured") / "stack"),
        stack={"secure": True},
    )
    try:
        stack.up(own, progress=lambda _: None)
        yield SecuredStack(own, stack.client_settings(own))
    finally:
        stack.down(own, fresh=True, progress=lambda _: None)


@pytest.fixture(scope="module")
def secured_job(secured: SecuredStack) -> Iterator[SecuredJob]:
    """Every contract's schema registered and topics created (``make register``), its CQL
    applied (``make migrate``), then ``python -m spark`` started (every contract's stream)."""
    assert register.run([], secured.client) == 0
    assert migrate.run(["apply"], secured.client) == 0
    topics = set(list_topics(secured.client))
    for each in all_contracts():
        names = each.names(secured.client)
        assert {names.topic, names.dlq_topic, names.redriven_topic} <= topics, each.name
    log = secured.stack.stack.home / "spark-job.log"
    env = {**client_environment(secured), "PIPELINE_SPARK__DRIVER_MEMORY": "1g"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "spark", "--trigger", "1 second"],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    yield SecuredJob(process, log)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
