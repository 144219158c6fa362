"""Nodes lost mid-stream at cluster shape: while users stream in at a steady rate, a Kafka
broker, a Cassandra node, a Spark worker, then two brokers at once are killed outright
(SIGKILL) and brought back. Every acknowledged record lands, none twice, and each test prints
how long the pipeline took to recover.

One private cluster (three Kafka nodes, the registry, three Cassandra nodes, a Spark master and
two workers) and one supervised job, submitted to that master, serve the module; the tests run
in file order, each with its own users.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from cassandra import ConsistencyLevel
from cassandra.query import SimpleStatement

import stack
from clients.cassandra import connect
from clients.kafka import describe_topics
from config import Settings
from config.settings import updated
from spark.state import JobStateFile
from stack import faults
from stack.control import running_pid, services
from stack.ports import listening_sockets_of
from tests.fixtures.dlq import dlq_entries
from tests.fixtures.outage import OutageStack, SupervisedJob, outage_names
from tests.fixtures.polling import wait_for
from tests.fixtures.private_stack import private_cluster_settings
from tests.fixtures.steady import Ledger, SteadyProducer

pytestmark = [pytest.mark.stack, pytest.mark.spark, pytest.mark.outage]

TIMEOUT_S = 300.0
DELIVERY_TIMEOUT_S = 30.0
"""The producer's bound on one record's delivery here: two brokers lost must fail it loudly
within this, not after the default two minutes."""
STALL_TIMEOUT_S = 240.0
TABLES = ("created_users", "users_by_country")
LANDED: set[str] = set()
"""Every id acknowledged by the tests that finished: the tables must hold them all."""


@pytest.fixture(scope="module")
def cluster(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OutageStack]:
    """A private cluster-shaped stack, the user contract's topics, subject and keyspace on it;
    stopped and wiped afterwards."""
    own = private_cluster_settings(settings, tmp_path_factory.mktemp("cluster") / "stack")
    own = updated(
        own,
        kafka={"request_timeout_s": 10.0, "delivery_timeout_s": DELIVERY_TIMEOUT_S},
        registry={"timeout_s": 3.0, "max_retries": 1},
    )
    try:
        stack.up(own, progress=lambda _: None)
        target = outage_names(own, tmp_path_factory.mktemp("cluster-job"))
        # the first micro-batch on executors of their own (jars shipped, code generated) may
        # take longer than the single shape's stall bound
        yield OutageStack(
            updated(target.settings, spark={"stall_timeout_s": STALL_TIMEOUT_S}), target.workdir
        )
    finally:
        stack.down(own, fresh=True, progress=lambda _: None)


@pytest.fixture(scope="module")
def job(cluster: OutageStack) -> Iterator[SupervisedJob]:
    """The supervised job, its queries submitted to the cluster's Spark master."""
    supervised = SupervisedJob(cluster)
    try:
        wait_for(
            lambda: JobStateFile(cluster.settings.spark.status_file).read().queries or None,
            TIMEOUT_S,
            f"the job's queries to start (log {supervised.log})",
        )
        yield supervised
    finally:
        supervised.stop()


def _ids(settings: Settings, table: str, only_host: str | None = None) -> set[str]:
    """The ids in ``table``, read at ONE from ``only_host`` alone when given (what that replica
    holds), else at the settings' consistency through any node."""
    statement = SimpleStatement(
        f"SELECT id FROM {settings.cassandra.keyspace}.{table}",
        consistency_level=ConsistencyLevel.ONE if only_host else ConsistencyLevel.LOCAL_QUORUM,
    )
    with connect(settings, only_hosts=[only_host] if only_host else ()) as session:
        return {str(row.id) for row in session.execute(statement)}


def _wait_landed(
    target: OutageStack, job: SupervisedJob, producer: SteadyProducer, ids: set[str]
) -> None:
    """Wait until every table holds ``ids``, and only ids this module produced."""

    def landed() -> bool:
        assert job.process.poll() is None, f"the supervisor exited; see {job.log}"
        try:
            tables = [_ids(target.settings, table) for table in TABLES]
        except Exception:  # a coordinator lost mid-read: ask again
            return False
        produced = LANDED | set(producer.sent)  # a row may land before its ack is heard
        for table, held in zip(TABLES, tables, strict=True):
            assert not held - produced, f"{table}: rows nobody produced"
        return all(ids <= held for held in tables)

    wait_for(landed, TIMEOUT_S, f"{len(ids)} ids in {TABLES} (job log {job.log})")


def _streaming(target: OutageStack, job: SupervisedJob, seed: str) -> SteadyProducer:
    """A steady producer, once its first records have landed (the job streams)."""
    producer = SteadyProducer(target.settings, seed)
    wait_for(lambda: len(producer.ledger.acked) >= 40 or None, 60, f"{seed}: first acks")
    _wait_landed(target, job, producer, set(list(producer.ledger.acked)[:40]))
    return producer


def _recovered(target: OutageStack, job: SupervisedJob, producer: SteadyProducer) -> float:
    """Seconds until the records acknowledged after this call's start have landed: the
    pipeline streams again end to end."""
    started = time.monotonic()
    before = set(producer.ledger.acked)
    wait_for(lambda: len(producer.ledger.acked) > len(before) + 20 or None, 120, "new acks")
    _wait_landed(target, job, producer, set(producer.ledger.acked) - before)
    return time.monotonic() - started


def _finish(target: OutageStack, job: SupervisedJob, producer: SteadyProducer) -> Ledger:
    """Stop producing; every acknowledged id lands, the DLQ stays empty and unique."""
    ledger = producer.stop()
    _wait_landed(target, job, producer, ledger.acked)
    LANDED.update(ledger.acked)
    assert dlq_entries(target.settings, target.names.dlq_topic) == []
    return ledger


def _report(capsys: pytest.CaptureFixture[str], fault: str, **seconds: float) -> None:
    """One line in the test output: what was killed and how long each recovery took."""
    figures = ", ".join(f"{name.replace('_', ' ')} {s:.1f} s" for name, s in seconds.items())
    with capsys.disabled():
        print(f"\n[cluster fault] {fault}: {figures}")


def test_every_node_runs_on_loopback_and_holds_a_replica(
    cluster: OutageStack, job: SupervisedJob
) -> None:
    settings = cluster.settings
    assert [row.name for row in stack.status(settings) if not row.healthy] == []
    pids = {pid for service in services(settings).values() if (pid := running_pid(service))}
    assert [str(s) for s in listening_sockets_of(pids) if not s.is_loopback] == []
    names = cluster.names
    topics = describe_topics(settings, [names.topic, names.dlq_topic])
    replicas = {
        name: (each.replication_factor, each.config["min.insync.replicas"])
        for name, each in topics.items()
    }
    assert replicas == {names.topic: (3, "2"), names.dlq_topic: (3, "2")}
    addresses = settings.stack.cassandra_cluster_addresses
    for address in addresses:
        with connect(settings, only_hosts=[address]) as session:
            peers = {str(row.peer) for row in session.execute("SELECT peer FROM system.peers")}
            keyspace = session.execute(
                "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = %s",
                [settings.cassandra.keyspace],
            ).one()
        assert peers == set(addresses) - {address}, address
        assert keyspace.replication == {
            "class": "org.apache.cassandra.locator.NetworkTopologyStrategy",
            "datacenter1": "3",
        }


def test_a_broker_killed_loses_no_acknowledged_record(
    cluster: OutageStack, job: SupervisedJob, capsys: pytest.CaptureFixture[str]
) -> None:
    producer = _streaming(cluster, job, "cluster-broker")
    killed = faults.kill(cluster.settings, "kafka-2")
    streaming_again = _recovered(cluster, job, producer)
    node_back = faults.restore(cluster.settings, killed)
    ledger = _finish(cluster, job, producer)
    assert ledger.failed == {}, "two of three replicas in sync: no delivery may fail"
    _report(capsys, "kafka-2 SIGKILL", streaming_again=streaming_again, node_back=node_back)


def test_a_cassandra_node_killed_writes_go_on_and_it_gets_them_back(
    cluster: OutageStack, job: SupervisedJob, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = cluster.settings
    address = settings.stack.cassandra_cluster_addresses[2]
    producer = _streaming(cluster, job, "cluster-cassandra")
    killed = faults.kill(settings, "cassandra-3")
    streaming_again = _recovered(cluster, job, producer)
    time.sleep(5)  # rows written while the node is down: the others keep hints for it
    node_back = faults.restore(settings, killed)
    ledger = _finish(cluster, job, producer)
    assert ledger.failed == {}
    started = time.monotonic()

    def replica_holds_all() -> bool:
        return all(_ids(settings, table, only_host=address) >= LANDED for table in TABLES)

    wait_for(replica_holds_all, TIMEOUT_S, f"{address} to hold every row (hinted handoff)")
    _report(
        capsys,
        "cassandra-3 SIGKILL",
        streaming_again=streaming_again,
        node_back=node_back,
        hints_replayed=time.monotonic() - started,
    )


def _active_stages(settings: Settings) -> list[dict[str, Any]]:
    """The running Spark application's active stages, from its REST API (none while the
    driver's UI does not answer: a busy driver, a restart)."""
    ui = JobStateFile(settings.spark.status_file).read().ui_url
    if not ui:
        return []
    try:
        apps = requests.get(f"{ui}/api/v1/applications", timeout=10).json()
        url = f"{ui}/api/v1/applications/{apps[0]['id']}/stages?status=active"
        stages: list[dict[str, Any]] = requests.get(url, timeout=10).json()
    except (requests.RequestException, ValueError, IndexError, KeyError):
        return []
    return stages


def test_a_spark_worker_killed_mid_batch_is_retried_on_the_other(
    cluster: OutageStack, job: SupervisedJob, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = cluster.settings
    producer = _streaming(cluster, job, "cluster-worker")
    wait_for(lambda: _active_stages(settings) or None, 60, "a micro-batch under way")
    killed = faults.kill(settings, "spark-worker-1")
    streaming_again = _recovered(cluster, job, producer)
    worker_back = faults.restore(settings, killed)
    ledger = _finish(cluster, job, producer)
    assert ledger.failed == {}
    _report(
        capsys, "spark-worker-1 SIGKILL", streaming_again=streaming_again, node_back=worker_back
    )


def test_two_brokers_killed_fail_the_producer_loudly_then_the_pipeline_resumes(
    cluster: OutageStack, job: SupervisedJob, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = cluster.settings
    producer = _streaming(cluster, job, "cluster-two-brokers")
    first = faults.kill(settings, "kafka-2")
    second = faults.kill(settings, "kafka-3")
    wait_for(
        lambda: producer.ledger.first_failure_at,
        DELIVERY_TIMEOUT_S + 30,
        "a failed delivery with two of three brokers down",
    )
    failed_after = (producer.ledger.first_failure_at or 0) - second.at
    assert failed_after <= DELIVERY_TIMEOUT_S + 10, "the failure must come within the timeout"
    faults.restore(settings, first)
    nodes_back = faults.restore(settings, second)
    streaming_again = _recovered(cluster, job, producer)
    ledger = _finish(cluster, job, producer)
    assert ledger.failed, "records must fail while only one broker is up"
    reasons = set(ledger.failed.values())
    assert any("timed out" in why or "replicas" in why.lower() for why in reasons), reasons
    assert not set(ledger.failed) & ledger.acked
    _report(
        capsys,
        "kafka-2 and kafka-3 SIGKILL",
        first_failure=failed_after,
        nodes_back=nodes_back,
        streaming_again=streaming_again,
    )
