"""Fixtures of the outage tests: a private stack that tests may stop and start, and the
supervised streaming job (``python -m stack.streaming_job supervise``) running against it.

The private stack has its own ports and home, so stopping one of its services never disturbs
the shared stack the other tests use.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import stack
from clients.cassandra import connect
from clients.kafka import ensure_topics
from clients.registry import Registry, value_subject
from config import Settings
from config.settings import REPO_ROOT
from ops.migrate import apply_generated
from spark.contract import ReaderContract
from tests.producer.fixtures import offline_source
from tests.spark.conftest import stream_names
from tests.stack.private import private_settings

__all__ = ["offline_source", "stream_names"]


@dataclass(frozen=True)
class OutageStack:
    """A private stack's settings, on fresh names: topic, DLQ, keyspace, job files."""

    settings: Settings
    workdir: Path

    def env(self) -> dict[str, str]:
        """The environment that points a child process (the job) at this stack and names."""
        s = self.settings
        return {
            **os.environ,
            "PIPELINE_KAFKA__BOOTSTRAP_SERVERS": s.kafka.bootstrap_servers,
            "PIPELINE_KAFKA__TOPIC": s.kafka.topic,
            "PIPELINE_KAFKA__DLQ_TOPIC": s.kafka.dlq_topic,
            "PIPELINE_KAFKA__REQUEST_TIMEOUT_S": str(s.kafka.request_timeout_s),
            "PIPELINE_REGISTRY__URL": s.registry.url,
            "PIPELINE_REGISTRY__TIMEOUT_S": str(s.registry.timeout_s),
            "PIPELINE_CASSANDRA__PORT": str(s.cassandra.port),
            "PIPELINE_CASSANDRA__KEYSPACE": s.cassandra.keyspace or "",
            "PIPELINE_SPARK__CHECKPOINT_DIR": str(s.spark.checkpoint_dir),
            "PIPELINE_SPARK__METRICS_FILE": str(s.spark.metrics_file),
            "PIPELINE_SPARK__STATUS_FILE": str(s.spark.status_file),
            "PIPELINE_SPARK__TRIGGER_INTERVAL": s.spark.trigger_interval,
            "PIPELINE_SPARK__RESTART_BACKOFF_MAX_S": str(s.spark.restart_backoff_max_s),
            "PIPELINE_SPARK__DRIVER_MEMORY": s.spark.driver_memory,
            "PIPELINE_SPARK__STALL_TIMEOUT_S": str(s.spark.stall_timeout_s),
            "PIPELINE_STACK__HOME": str(s.stack.home),
        }


@pytest.fixture(scope="session")
def outage_base(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A private stack, started once for the outage tests and wiped afterwards."""
    own = private_settings(settings, tmp_path_factory.mktemp("outage") / "stack")
    own = own.model_copy(
        update={
            "kafka": own.kafka.model_copy(update={"request_timeout_s": 10.0}),
            "registry": own.registry.model_copy(update={"timeout_s": 3.0, "max_retries": 1}),
        }
    )
    stack.up(own, progress=lambda _: None)
    try:
        yield own
    finally:
        stack.down(own, fresh=True, progress=lambda _: None)


def outage_names(base: Settings, workdir: Path) -> OutageStack:
    """Fresh topic, DLQ and keyspace on the private stack, registered and migrated."""
    name = f"outage_{uuid.uuid4().hex[:10]}"
    own = base.model_copy(
        update={
            "kafka": base.kafka.model_copy(update={"topic": name, "dlq_topic": f"{name}.dlq"}),
            "cassandra": base.cassandra.model_copy(update={"keyspace": name}),
            "spark": base.spark.model_copy(
                update={
                    "checkpoint_dir": workdir / "checkpoint",
                    "metrics_file": workdir / "batches.jsonl",
                    "status_file": workdir / "status.json",
                    "trigger_interval": "1 second",
                    "restart_backoff_max_s": 4.0,
                    "stall_timeout_s": 90.0,
                    "driver_memory": "1g",
                }
            ),
        }
    )
    ensure_topics(own, own.kafka.topic, own.kafka.dlq_topic)
    with Registry(own.registry) as registry:
        registry.register(value_subject(name), ReaderContract.current().reader_schema)
    with connect(own) as session:
        apply_generated(session, name, own.cassandra.replication)
    return OutageStack(own, workdir)


@pytest.fixture(scope="module")
def outage_stack(outage_base: Settings, tmp_path_factory: pytest.TempPathFactory) -> OutageStack:
    """One set of names on the private stack, shared by the tests of a module."""
    return outage_names(outage_base, tmp_path_factory.mktemp("outage-job"))


class SupervisedJob:
    """``python -m stack.streaming_job supervise`` against an ``OutageStack``, as a user runs it."""

    def __init__(self, target: OutageStack) -> None:
        self.target = target
        self.log = target.workdir / "supervisor.log"
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "stack.streaming_job", "supervise"],
                cwd=REPO_ROOT,
                env=target.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def job_log(self) -> Path:
        return (
            self.target.settings.stack.home
            / "spark-job"
            / self.target.settings.kafka.topic
            / "job.log"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(30)


@pytest.fixture(scope="module")
def supervised_job(outage_stack: OutageStack) -> Iterator[SupervisedJob]:
    """The supervised job on the module's names; stopped (SIGTERM, then SIGKILL) afterwards."""
    job = SupervisedJob(outage_stack)
    try:
        yield job
    finally:
        job.stop()
