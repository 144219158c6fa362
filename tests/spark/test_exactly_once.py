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

from config import Settings
from config.settings import REPO_ROOT
from spark.metrics import MetricsLog
from spark.reader_contract import ReaderContract
from tests.fixtures.cassandra import expected_row, table_rows
from tests.fixtures.polling import wait_for
from tests.fixtures.registry import register
from tests.fixtures.spark import StreamNames
from tests.fixtures.users import contract_record, make_users, publish

pytestmark = [pytest.mark.stack, pytest.mark.spark]

USERS = 1000
PER_TRIGGER = 100
TIMEOUT_S = 300.0


def _start_job(names: StreamNames, settings: Settings) -> subprocess.Popen[bytes]:
    """``python -m spark`` as its own process on the test's names, in small micro-batches so it
    is killed mid-way."""
    env = {
        **os.environ,
        **names.env(settings),
        "PIPELINE_SPARK__MAX_OFFSETS_PER_TRIGGER": str(PER_TRIGGER),
    }
    log = (settings.spark.status_file.parent / "job.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "spark", "--contract", names.contract.name],
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
    stream_names: StreamNames, cassandra_session: Any, tmp_path: Path
) -> None:
    contract = ReaderContract.generated(stream_names.contract)
    own, keyspace = stream_names.settings, stream_names.keyspace
    settings = stream_names.for_job(tmp_path)
    register(own, stream_names.subject, contract.reader_schema)
    users = make_users(USERS, seed="once")
    ingested_at = datetime.now(UTC).replace(microsecond=0)
    half = USERS // 2
    publish(own, users[:half], ingested_at)
    metrics = MetricsLog(settings.spark.metrics_file)
    log = tmp_path / "job.log"

    job = _start_job(stream_names, settings)
    try:
        wait_for(
            lambda: len(metrics.batches()) >= 2,
            TIMEOUT_S,
            f"two micro-batches of the first job run (log: {log})",
        )
        _kill(job)
        landed = len(table_rows(cassandra_session, keyspace, "created_users"))
        assert 0 < landed < USERS, "the kill must come mid-stream"
        publish(own, users[half:], ingested_at)

        job = _start_job(stream_names, settings)

        def complete() -> list[dict[str, Any]] | None:
            assert job.poll() is None, f"the job exited; see {log}"
            rows = table_rows(cassandra_session, keyspace, "created_users")
            return rows if len(rows) >= USERS else None

        rows = wait_for(complete, TIMEOUT_S, f"{USERS} rows in {keyspace}.created_users")
        wait_for(
            lambda: len(table_rows(cassandra_session, keyspace, "users_by_country")) >= USERS,
            TIMEOUT_S,
            f"{USERS} rows in {keyspace}.users_by_country",
        )
    finally:
        _kill(job)
    records = [contract_record(u, ingested_at) for u in users]
    for table in contract.tables:
        rows = table_rows(cassandra_session, keyspace, table.name)
        assert len(rows) == USERS, table.name
        assert {r["id"]: {c: r[c] for c in table.columns} for r in rows} == {
            str(r["id"]): expected_row(r, table.columns) for r in records
        }, table.name
    assert sum(b["rows_rejected"] for b in metrics.batches()) == 0
