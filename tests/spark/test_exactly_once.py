"""SIGKILL the job mid-stream, restart it from its checkpoint: exactly the produced set lands."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from clients.registry import value_subject
from config import Settings
from config.settings import REPO_ROOT
from spark.contract import ReaderContract
from spark.metrics import MetricsLog
from tests.fixtures.cassandra import expected_row, table_rows
from tests.fixtures.polling import wait_for
from tests.fixtures.registry import register
from tests.fixtures.spark import StreamNames
from tests.fixtures.users import contract_record, make_users, publish

pytestmark = [pytest.mark.stack, pytest.mark.spark]

USERS = 1000
PER_TRIGGER = 100
TIMEOUT_S = 300.0


def _start_job(names: StreamNames, workdir: Path) -> subprocess.Popen[bytes]:
    """``python -m spark`` as its own process, in small micro-batches so it is killed mid-way."""
    env = {**os.environ, "PIPELINE_SPARK__MAX_OFFSETS_PER_TRIGGER": str(PER_TRIGGER)}
    log = (workdir / "job.log").open("ab")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "spark",
            "--topic",
            names.topic,
            "--dlq-topic",
            names.dlq_topic,
            "--keyspace",
            names.keyspace,
            "--checkpoint",
            str(workdir / "checkpoint"),
            "--metrics-file",
            str(workdir / "batches.jsonl"),
            "--trigger",
            "1 second",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _kill(job: subprocess.Popen[bytes]) -> None:
    if job.poll() is None:
        job.send_signal(signal.SIGKILL)
        job.wait(30)


def test_sigkill_mid_stream_then_restart_gives_exactly_the_produced_set(
    settings: Settings, stream_names: StreamNames, cassandra_session: Any, tmp_path: Path
) -> None:
    contract = ReaderContract.current()
    topic, keyspace = stream_names.topic, stream_names.keyspace
    register(settings, value_subject(topic), contract.reader_schema)
    users = make_users(USERS, seed="once")
    ingested_at = datetime.now(UTC).replace(microsecond=0)
    half = USERS // 2
    publish(settings, topic, users[:half], ingested_at)
    metrics = MetricsLog(tmp_path / "batches.jsonl")

    job = _start_job(stream_names, tmp_path)
    try:
        wait_for(
            lambda: len(metrics.batches()) >= 2,
            TIMEOUT_S,
            f"two micro-batches of the first job run (log: {tmp_path / 'job.log'})",
        )
        _kill(job)
        landed = len(table_rows(cassandra_session, keyspace, contract.table))
        assert 0 < landed < USERS, "the kill must come mid-stream"
        publish(settings, topic, users[half:], ingested_at)

        job = _start_job(stream_names, tmp_path)

        def complete() -> list[dict[str, Any]] | None:
            assert job.poll() is None, f"the job exited; see {tmp_path / 'job.log'}"
            rows = table_rows(cassandra_session, keyspace, contract.table)
            return rows if len(rows) >= USERS else None

        rows = wait_for(complete, TIMEOUT_S, f"{USERS} rows in {keyspace}.{contract.table}")
    finally:
        _kill(job)
    columns = [column for column, _ in contract.projection]
    records = [contract_record(u, ingested_at) for u in users]
    assert len(rows) == USERS
    assert {r["id"]: {c: r[c] for c in columns} for r in rows} == {
        str(r["id"]): expected_row(r, columns) for r in records
    }
    assert sum(b["rows_rejected"] for b in metrics.batches()) == 0
