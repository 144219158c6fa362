"""SIGKILL the job mid-stream, restart it from its checkpoint: exactly the produced set lands,
each row written from its own record, and the restart reads exactly what was not committed.

Cassandra's upsert hides a row written twice, so beyond the set of rows: the source topic holds
each user once, each row's write time is its own record's (the job writes ``USING TIMESTAMP``
the record's Kafka timestamp and offset), and the batches' recorded offsets
(``BatchMetrics.start_offsets``/``end_offsets``) account for every record read, none twice.
"""

from __future__ import annotations

import contextlib
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
from spark.checkpoint import checkpoint_location, written_offsets
from spark.metrics import MetricsLog
from spark.reader_contract import ReaderContract
from tests.fixtures.cassandra import expected_row, table_rows, write_times
from tests.fixtures.dlq import dlq_entries
from tests.fixtures.polling import wait_for
from tests.fixtures.registry import register
from tests.fixtures.source_positions import (
    misattributed,
    miscounted,
    once_per_key,
    overlapping,
    source_records,
    spans,
    uncovered,
)
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
        start_new_session=True,
    )


def _kill(job: subprocess.Popen[bytes]) -> None:
    """SIGKILL the job's Python process and its Spark JVM together: a JVM left behind for a
    moment would commit the batch under way after the test read the checkpoint."""
    with contextlib.suppress(ProcessLookupError):  # the whole group is gone already
        os.killpg(job.pid, signal.SIGKILL)
    job.wait(30)


def test_sigkill_mid_stream_then_restart_gives_exactly_the_produced_set(
    stream_names: StreamNames, cassandra_session: Any, tmp_path: Path
) -> None:
    contract = ReaderContract.generated(stream_names.contract)
    own, keyspace, topic = stream_names.settings, stream_names.keyspace, stream_names.topic
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
        committed = written_offsets(Path(checkpoint_location(settings, topic)), topic)
        landed = len(table_rows(cassandra_session, keyspace, "created_users"))
        # the batches before the kill are committed (their rows all landed); the one under way
        # may have written its rows, at most PER_TRIGGER, without being committed
        assert 0 < sum(committed.values()) <= landed <= sum(committed.values()) + PER_TRIGGER
        assert landed < half, "the kill must come mid-stream, with records still unread"
        publish(own, users[half:], ingested_at)
        first_run = len(metrics.batches())

        job = _start_job(stream_names, settings)

        def complete() -> list[dict[str, Any]] | None:
            assert job.poll() is None, f"the job exited; see {log}"
            rows = table_rows(cassandra_session, keyspace, "created_users")
            return rows if len(rows) >= USERS else None

        wait_for(complete, TIMEOUT_S, f"{USERS} rows in {keyspace}.created_users")
        wait_for(
            lambda: len(table_rows(cassandra_session, keyspace, "users_by_country")) >= USERS,
            TIMEOUT_S,
            f"{USERS} rows in {keyspace}.users_by_country",
        )
        records = once_per_key(source_records(own, topic))
        unread = [r for r in records.values() if r.offset >= committed.get(r.partition, 0)]
        # a batch's offsets are recorded once it is committed, just after its rows landed
        wait_for(
            lambda: not uncovered(spans(metrics.batches()[first_run:]), unread),
            TIMEOUT_S,
            "the offsets of the second run's batches",
        )
    finally:
        _kill(job)
    assert len(records) == USERS, "the source topic holds each user once"
    produced = [contract_record(u, ingested_at) for u in users]
    for table in contract.tables:
        rows = table_rows(cassandra_session, keyspace, table.name)
        assert len(rows) == USERS, table.name
        assert {r["id"]: {c: r[c] for c in table.columns} for r in rows} == {
            str(r["id"]): expected_row(r, table.columns) for r in produced
        }, table.name
        wrong = misattributed(write_times(cassandra_session, keyspace, table, "id"), records)
        assert not wrong, f"{table.name}: rows not written from their own record: {wrong}"
    batches = metrics.batches()
    restarted = batches[first_run:]
    assert sum(b["rows_read"] for b in restarted) == len(unread), (
        "the restart must read exactly the records not committed before the kill"
    )
    recorded = spans(batches)
    assert not overlapping(recorded), "a record read by two batches"
    assert not miscounted(recorded)
    # the kill may fall between a batch's commit and its progress: its offsets go unrecorded
    missed = uncovered(recorded, records.values())
    assert len(missed) <= PER_TRIGGER, f"records no recorded batch read: {missed}"
    assert sum(b["rows_rejected"] for b in batches) == 0
    assert not dlq_entries(own, stream_names.dlq_topic)
