"""The local stack at cluster shape (``stack.shape = "cluster"``): three KRaft nodes form one
cluster, the contracts' topics are replicated three times, and a node killed outright loses no
acknowledged record and stops no ``acks=all`` producer.

Runs its own private cluster (own ports and home) and only its Kafka nodes: the registry and
Cassandra are the single shape's, tested elsewhere.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import stack
from clients.kafka import admin_client, describe_topics
from config import Settings, load_settings
from config.settings import REPO_ROOT, updated
from contract.catalog import contract
from ops.topics import wanted_topics
from stack import cassandra_cluster
from stack.control import running_pid, services
from stack.kafka_cluster import node_names, server_properties
from stack.ports import listening_sockets_of
from stack.procs import is_alive
from tests.fixtures.kafka import consume, produce
from tests.fixtures.names import scratch_name
from tests.fixtures.private_stack import private_cluster_settings
from tests.fixtures.spark import USER_CONTRACT


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Settings]:
    """A private cluster-shaped stack's settings, its Kafka nodes started; stopped and wiped
    afterwards."""
    own = private_cluster_settings(load_settings(), tmp_path / "stack")
    try:
        stack.up(own, progress=lambda _: None, only=["kafka"])
        yield own
    finally:
        stack.down(own, fresh=True, progress=lambda _: None)


def test_the_cluster_shape_names_three_brokers_and_replicates_three_times(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PIPELINE_KAFKA__BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.setenv("PIPELINE_STACK__SHAPE", "cluster")
    shaped = load_settings()
    assert shaped.kafka.bootstrap_servers == "localhost:9092,localhost:9094,localhost:9096"
    assert (shaped.kafka.replication_factor, shaped.kafka.min_insync_replicas) == (3, 2)
    assert (shaped.cassandra.contact_points, shaped.cassandra.replication) == (
        ["127.0.0.1", "127.0.0.2", "127.0.0.3"],
        {"class": "NetworkTopologyStrategy", "datacenter1": 3},
    )
    assert shaped.spark.master == "spark://127.0.0.1:7077"
    assert list(services(shaped)) == [
        *node_names(),
        "registry",
        *cassandra_cluster.node_names(),
        "spark-master",
        "spark-worker-1",
        "spark-worker-2",
        *_metrics(shaped),
    ]

    props = server_properties(shaped, 2, tmp_path).splitlines()
    assert "controller.quorum.voters=1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097" in props
    assert "listeners=PLAINTEXT://127.0.0.1:9094,CONTROLLER://127.0.0.1:9095" in props
    assert {"node.id=2", "default.replication.factor=3", "min.insync.replicas=2"} <= set(props)


def _metrics(settings: Settings) -> list[str]:
    return [name for name in ("pushgateway", "prometheus") if name in services(settings)]


def _topics_by_make_topics(settings: Settings, prefix: str) -> None:
    """``make topics CONTRACT=user_created`` in the cluster shape, its brokers named only."""
    env = {
        **os.environ,
        "PIPELINE_STACK__SHAPE": "cluster",
        "PIPELINE_KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "PIPELINE_KAFKA__TOPIC_PREFIX": prefix,
    }
    done = subprocess.run(
        [sys.executable, "-m", "ops.topics", "--contract", USER_CONTRACT],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.outage
def test_three_nodes_replicate_and_survive_a_killed_node(cluster: Settings) -> None:
    svc = services(cluster)
    pids = {name: running_pid(svc[name]) for name in node_names()}
    assert all(pids.values()), pids
    rows = {row.name: row for row in stack.status(cluster)}
    assert all(rows[name].healthy for name in node_names())
    assert all(s.is_loopback for s in listening_sockets_of({p for p in pids.values() if p}))

    admin = admin_client(cluster)  # held until its answer is in: its handle serves it
    described = admin.describe_cluster(request_timeout=10).result(timeout=15)
    assert sorted(node.id for node in described.nodes) == [1, 2, 3]

    prefix = scratch_name("cluster") + "."
    _topics_by_make_topics(cluster, prefix)
    prefixed = updated(cluster, kafka={"topic_prefix": prefix})
    names = [spec.name for spec in wanted_topics(prefixed, [contract(USER_CONTRACT).stream])]
    found = describe_topics(cluster, names)
    assert {
        name: (info.replication_factor, info.config["min.insync.replicas"])
        for name, info in found.items()
    } == {name: (3, "2") for name in names}

    topic = names[0]
    first = [(b"k0", b"before")]
    produce(cluster, topic, first)
    assert [(m.key, m.value) for m in consume(cluster, topic, 1)] == first

    victim = pids["kafka-2"]
    assert victim is not None
    os.kill(victim, signal.SIGKILL)
    while is_alive(victim, svc["kafka-2"].marker):
        time.sleep(0.1)

    after = [(f"k{i}".encode(), f"after {i}".encode()) for i in range(1, 51)]
    produce(cluster, topic, after)  # acks=all: raises unless every record is acknowledged
    partitions = admin.list_topics(topic, timeout=10).topics[topic].partitions.values()
    assert [(p.leader != 2, sorted(p.isrs)) for p in partitions] == [(True, [1, 3])] * len(
        partitions
    )  # the killed node leads nothing, and two replicas hold every record
    read = consume(cluster, topic, len(first) + len(after), settle_s=2.0)
    assert sorted((m.key, m.value) for m in read) == sorted(first + after)

    stack.down(cluster, progress=lambda _: None)
    assert not any(is_alive(pid, svc[name].marker) for name, pid in pids.items() if pid is not None)
    assert all(not row.running for row in stack.status(cluster))
