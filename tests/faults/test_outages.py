"""Outages of each service while the supervised job streams: the exact produced set lands in
Cassandra (nothing lost, nothing duplicated), nothing is misrouted to the DLQ, and the job
recovers by itself.

One private stack and one supervised job serve the module; the tests run in file order, each
with its own users, each checking its own rows and that the DLQ is still empty.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import stack
from clients.cassandra import connect
from clients.kafka import end_offsets
from config import Settings
from contract.catalog import contract
from contract.dlq import DlqHeader
from contract.wire import unframe
from producer.publish import Origin, RecordPublisher
from spark.state import JobPhase, JobState, JobStateFile
from tests.fixtures.dlq import dlq_entries
from tests.fixtures.kafka import produce
from tests.fixtures.outage import OutageStack, SupervisedJob
from tests.fixtures.polling import wait_for
from tests.fixtures.registry import framing, register
from tests.fixtures.spark import USER_CONTRACT
from tests.fixtures.users import contract_record, make_users

pytestmark = [pytest.mark.stack, pytest.mark.spark, pytest.mark.outage]

TIMEOUT_S = 300.0
OUTAGE_FAILURE_TIMEOUT_S = 180.0


PRODUCED: set[str] = set()
"""Ids produced so far in this module: the table must hold exactly these."""
ORIGIN = Origin("offline://outage-tests", "outage", 1)


def _publisher(settings: Settings) -> RecordPublisher:
    return RecordPublisher(settings, contract(USER_CONTRACT))


def _publish(settings: Settings, users: list[dict[str, Any]]) -> None:
    publisher = _publisher(settings)
    publisher.publish(users, ORIGIN, datetime.now(UTC))
    counts = publisher.flush()
    assert (counts.produced, counts.failed) == (len(users), 0), publisher.errors
    PRODUCED.update(u["login"]["uuid"] for u in users)


def _table_ids(settings: Settings) -> tuple[set[str], set[str]]:
    """The ids in each of the contract's two tables."""
    keyspace = settings.cassandra.keyspace

    def ids(session: Any, table: str) -> set[str]:
        return {str(r.id) for r in session.execute(f"SELECT id FROM {keyspace}.{table}")}

    with connect(settings) as session:
        return ids(session, "created_users"), ids(session, "users_by_country")


def _wait_exact_set(target: OutageStack, job: SupervisedJob) -> None:
    """Wait until both tables hold exactly the produced ids (none missing, none extra)."""

    def landed() -> bool:
        assert job.process.poll() is None, f"the supervisor exited; see {job.log}"
        try:
            by_id, by_country = _table_ids(target.settings)
        except Exception:  # Cassandra still starting: keep waiting
            return False
        extra = (by_id | by_country) - PRODUCED
        assert not extra, f"rows nobody produced: {sorted(extra)[:3]}"
        return by_id == by_country == PRODUCED

    wait_for(landed, TIMEOUT_S, f"{len(PRODUCED)} rows in Cassandra (job log {job.job_log})")


def _assert_dlq_empty(target: OutageStack) -> None:
    """An outage must delay rows, never dead-letter them (nor any record twice)."""
    entries = dlq_entries(target.settings, target.names.dlq_topic)
    rules = Counter(e.header(DlqHeader.RULE) for e in entries)
    assert not entries, f"records dead-lettered during outages, by rule: {dict(rules)}"


def _status(target: OutageStack) -> JobState:
    return JobStateFile(target.settings.spark.status_file).read()


def test_the_supervised_job_streams_on_the_private_stack(
    outage_stack: OutageStack, supervised_job: SupervisedJob
) -> None:
    _publish(outage_stack.settings, make_users(100, seed="outage-warmup"))
    _wait_exact_set(outage_stack, supervised_job)
    assert _status(outage_stack).phase == JobPhase.RUNNING
    _assert_dlq_empty(outage_stack)


def test_cassandra_down_longer_than_a_batch_delays_rows_and_loses_none(
    outage_stack: OutageStack, supervised_job: SupervisedJob
) -> None:
    settings = outage_stack.settings
    restarts_before = _status(outage_stack).query_restarts
    stack.down(settings, only=["cassandra"], progress=lambda _: None)
    try:
        _publish(settings, make_users(200, seed="outage-cassandra"))
        # the batch that reads them fails against the stopped node (how long that takes depends
        # on the driver's timeouts and the machine's load): the query is restarted
        wait_for(
            lambda: _status(outage_stack).query_restarts > restarts_before,
            OUTAGE_FAILURE_TIMEOUT_S,
            "a query failure while Cassandra is down",
        )
    finally:
        stack.up(settings, progress=lambda _: None)
    _wait_exact_set(outage_stack, supervised_job)
    _assert_dlq_empty(outage_stack)
    status = _status(outage_stack)
    assert "cassandra" in (status.last_failure or "").lower(), status


def test_kafka_down_mid_stream_then_back_delays_job_and_producer_and_loses_none(
    outage_stack: OutageStack, supervised_job: SupervisedJob
) -> None:
    """The broker stops while one producer batch is under way and the job streams: the
    producer's queued records are delivered once it is back (idempotent: no duplicates), and
    the job catches up from its checkpoint."""
    settings = outage_stack.settings
    users = make_users(600, seed="outage-kafka")
    publisher = _publisher(settings)  # the batch starts while the broker is up
    finished = threading.Event()
    errors: list[BaseException] = []

    def produce_slowly() -> None:
        try:
            for start in range(0, len(users), 100):
                publisher.publish(users[start : start + 100], ORIGIN, datetime.now(UTC))
                time.sleep(1.0)
        except BaseException as exc:
            errors.append(exc)
        finally:
            finished.set()

    producer = threading.Thread(target=produce_slowly, daemon=True)
    producer.start()
    time.sleep(2.0)
    stack.down(settings, only=["kafka"], progress=lambda _: None)
    time.sleep(10)
    stack.up(settings, progress=lambda _: None)
    assert finished.wait(TIMEOUT_S) and not errors, errors
    counts = publisher.flush()
    assert (counts.produced, counts.failed) == (len(users), 0), publisher.errors
    on_topic = sum(end_offsets(settings, outage_stack.names.topic).values())
    assert on_topic == len(PRODUCED) + len(users), "the idempotent producer wrote duplicates"
    PRODUCED.update(u["login"]["uuid"] for u in users)
    _wait_exact_set(outage_stack, supervised_job)
    _assert_dlq_empty(outage_stack)


def test_registry_down_when_a_new_writer_id_appears_delays_rows_and_loses_none(
    outage_stack: OutageStack, supervised_job: SupervisedJob
) -> None:
    """A writer schema the job has never seen arrives while the registry is down: the batch
    fails and is retried (not dead-lettered) until the registry answers again. The query's
    restarts while it is down fail too (its live reader cannot look its contract up), and are
    retried in turn: the job's process never exits for it."""
    settings, names = outage_stack.settings, outage_stack.names
    reader = json.loads(contract(USER_CONTRACT).schema)
    reader["fields"].append(  # a compatible writer the job has not seen: one more field
        {"name": "outage_note", "type": ["null", "string"], "default": None}
    )
    variant = json.dumps(reader)
    new_id = register(settings, names.subject, variant)
    frame = framing(settings, names.topic, variant)
    records = [
        contract_record(u, datetime.now(UTC).replace(microsecond=0))
        for u in make_users(50, seed="outage-registry")
    ]
    frames = [(str(r["id"]).encode(), frame(r)) for r in records]
    assert all(unframe(value)[0] == new_id for _, value in frames)
    before = _status(outage_stack)
    stack.down(settings, only=["registry"], progress=lambda _: None)
    try:
        produce(settings, names.topic, frames)
        wait_for(
            lambda: _status(outage_stack).query_restarts >= before.query_restarts + 3,
            120,
            "the job to fail a batch, then restarts of its query, on the unreachable registry",
        )
        during = _status(outage_stack)
        assert "registry" in str(during.last_failure).lower(), during.last_failure
        assert during.process_restarts == before.process_restarts, "the job's process exited"
    finally:
        stack.up(settings, progress=lambda _: None)
    PRODUCED.update(str(r["id"]) for r in records)
    _wait_exact_set(outage_stack, supervised_job)
    _assert_dlq_empty(outage_stack)


def _java_children(pid: int) -> list[int]:
    """Pids of java processes in the process tree under ``pid`` (from /proc)."""
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for child in Path(f"/proc/{parent}/task/{parent}/children").read_text().split():
            frontier.append(int(child))
            if b"java" in Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")[0]:
                found.append(int(child))
    return found


def test_killing_the_jobs_spark_process_is_followed_by_a_restart(
    outage_stack: OutageStack, supervised_job: SupervisedJob
) -> None:
    settings = outage_stack.settings
    (jvm,) = _java_children(supervised_job.process.pid)
    os.kill(jvm, signal.SIGKILL)
    _publish(settings, make_users(80, seed="outage-kill"))
    _wait_exact_set(outage_stack, supervised_job)
    assert _status(outage_stack).process_restarts >= 1
    _assert_dlq_empty(outage_stack)
