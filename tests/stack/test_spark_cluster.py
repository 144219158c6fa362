"""The local stack's Spark standalone cluster (``stack.shape = "cluster"``): a master and two
workers started from PySpark's ``spark-class``, on loopback, and a job submitted to the master in
client mode whose executors, one on each worker, get the connector jars and run its tasks.

The unit tests read the command lines and the driver's settings; the one on services runs a
private cluster (own ports and home) of the Kafka nodes and the Spark services only.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from confluent_kafka.admin import NewTopic

import stack
from clients.kafka import admin_client
from config import Settings, load_settings
from config.settings import REPO_ROOT, updated
from spark.session import connector_conf, loopback_environment, session_conf
from stack.control import STOP_ORDER, running_pid, services
from stack.errors import StackError
from stack.procs import is_alive, process_tree
from stack.service import marker_for
from stack.spark_cluster import MASTER, master_state, properties_file, worker_names
from stack.spark_cluster import services as spark_services
from tests.fixtures.kafka import produce
from tests.fixtures.loopback import assert_listens_on_loopback_only
from tests.fixtures.polling import wait_for
from tests.fixtures.private_stack import private_cluster_settings

JAVA = Path("/usr/lib/jvm/java-17/bin/java")
EXECUTOR_CLASS = "org.apache.spark.executor.CoarseGrainedExecutorBackend"
RECORDS = 200


def _cluster(tmp_path: Path, **spark: Any) -> Settings:
    """Cluster-shaped settings on the default ports, homed in ``tmp_path`` (nothing started)."""
    return updated(
        load_settings(),
        stack={"home": tmp_path, "shape": "cluster"},
        spark={"master": "spark://127.0.0.1:7077", "jars": ["/jars/connector.jar"], **spark},
    )


def test_the_master_and_workers_listen_on_loopback_and_carry_the_marker(tmp_path: Path) -> None:
    svc = spark_services(_cluster(tmp_path), JAVA)
    assert list(svc) == [MASTER, "spark-worker-1", "spark-worker-2"]
    master, worker = svc[MASTER], svc["spark-worker-2"]
    assert master.command[1:] == (
        "org.apache.spark.deploy.master.Master",
        *("--host", "127.0.0.1", "--port", "7077", "--webui-port", "8082"),
        *("--properties-file", str(tmp_path / MASTER / "spark.properties")),
    )
    assert worker.command[1:] == (
        "org.apache.spark.deploy.worker.Worker",
        *("--host", "127.0.0.1", "--webui-port", "8084", "--cores", "1", "--memory", "1g"),
        *("--work-dir", str(tmp_path / "spark-worker-2" / "work")),
        *("--properties-file", str(tmp_path / "spark-worker-2" / "spark.properties")),
        "spark://127.0.0.1:7077",
    )
    for service in svc.values():
        assert Path(service.command[0]).name == "spark-class"
        assert service.env["SPARK_LOCAL_IP"] == "127.0.0.1"
        assert service.env["SPARK_DAEMON_MEMORY"] == "256m"
        assert marker_for(service.home) in service.env["SPARK_DAEMON_JAVA_OPTS"].split()
        assert service.env["JAVA_HOME"] == "/usr/lib/jvm/java-17"
        # the shell script that execs the JVM carries it too: the pid is recognised throughout
        assert service.marker == str(properties_file(service.home)) in service.command
    assert (master.ports, worker.ports) == ((7077, 8082), (8084,))
    assert worker.env["SPARK_LOCAL_DIRS"] == str(tmp_path / "spark-worker-2" / "local")


def test_a_master_started_again_takes_its_applications_back(tmp_path: Path) -> None:
    """The soak kills the master mid-stream: its recovery state keeps the job's application."""
    master = spark_services(_cluster(tmp_path), JAVA)[MASTER]
    master.home.mkdir()  # the stack makes each home before it prepares the service
    master.prepare()
    lines = properties_file(master.home).read_text().splitlines()
    assert "spark.deploy.recoveryMode FILESYSTEM" in lines
    assert f"spark.deploy.recoveryDirectory {master.home / 'recovery'}" in lines


def test_a_master_the_job_does_not_name_is_refused(tmp_path: Path) -> None:
    settings = _cluster(tmp_path, master="spark://127.0.0.1:7078")
    with pytest.raises(
        StackError, match=r"\(stack\.spark_master_port\): spark\.master must name it"
    ):
        spark_services(settings, JAVA)


def test_spark_starts_after_cassandra_and_stops_before_kafka(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PIPELINE_KAFKA__BOOTSTRAP_SERVERS", raising=False)
    single = load_settings()
    monkeypatch.setenv("PIPELINE_STACK__SHAPE", "cluster")
    shaped = load_settings()
    names = list(services(shaped))
    spark = [name for name in names if name.startswith("spark-")]
    assert spark == [MASTER, *worker_names(shaped)]
    cassandra = [i for i, name in enumerate(names) if name.startswith("cassandra")]
    assert cassandra and max(cassandra) < names.index(MASTER)
    assert STOP_ORDER.index("spark") < STOP_ORDER.index("kafka")
    assert not any(name.startswith("spark") for name in services(single))


def test_the_driver_of_the_stack_master_sizes_its_executors_to_the_workers(tmp_path: Path) -> None:
    settings = _cluster(tmp_path)
    conf = session_conf(settings)
    assert {key: conf.get(key) for key in _STANDALONE} == {
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.executor.memory": "1g",
        "spark.executor.cores": "1",
        "spark.cores.max": "2",
    }
    assert conf["spark.jars"] == "/jars/connector.jar"
    assert loopback_environment(settings.spark.master) == {"SPARK_LOCAL_IP": "127.0.0.1"}
    local = session_conf(settings, "local[2]")
    assert {key: local.get(key) for key in _STANDALONE} == {
        **dict.fromkeys(_STANDALONE),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
    }
    remote = session_conf(settings, "spark://spark-master:7077")
    assert {key: remote.get(key) for key in _STANDALONE} == dict.fromkeys(_STANDALONE)


_STANDALONE = (
    "spark.driver.host",
    "spark.driver.bindAddress",
    "spark.executor.memory",
    "spark.executor.cores",
    "spark.cores.max",
)


@pytest.fixture
def spark_cluster(tmp_path: Path) -> Iterator[Settings]:
    """A private cluster-shaped stack's settings, its Kafka nodes and Spark services started;
    stopped and wiped afterwards."""
    own = private_cluster_settings(load_settings(), tmp_path / "stack")
    try:
        stack.up(own, progress=lambda _: None, only=["kafka", "spark"])
        yield own
    finally:
        stack.down(own, fresh=True, progress=lambda _: None)


_JOB = """
import json, sys, urllib.request
from config import load_settings
from config.settings import updated
from spark.session import build_session

master, servers, topic, count = sys.argv[1:]
settings = updated(load_settings(), spark={"master": master})
wait_for_both = {
    "spark.scheduler.minRegisteredResourcesRatio": "1.0",
    "spark.scheduler.maxRegisteredResourcesWaitingTime": "120s",
}
spark = build_session(settings, extra=wait_for_both)
read = (
    spark.read.format("kafka")
    .option("kafka.bootstrap.servers", servers)
    .option("subscribe", topic)
    .option("minPartitions", "8")
    .load()
)
assert read.count() == int(count)
sc = spark.sparkContext
url = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/executors"
tasks = {e["id"]: e["totalTasks"] for e in json.load(urllib.request.urlopen(url))}
print(json.dumps({"app": sc.applicationId, "tasks": tasks}), flush=True)
sys.stdin.readline()
spark.stop()
"""
"""A batch job on the master: reads a topic through the Kafka connector (on the executors,
which get its jars from the driver), reports its executors' tasks, and holds its executors
until told to stop (a line on stdin)."""


def _worker_executors(settings: Settings, app: str) -> dict[str, list[str]]:
    """The executor ids of ``app`` each worker runs, from the worker's own UI (``/json/``)."""
    found = {}
    for name, port in zip(
        worker_names(settings), settings.stack.spark_worker_ui_ports, strict=True
    ):
        state = requests.get(f"http://127.0.0.1:{port}/json/", timeout=10).json()
        found[name] = [str(e["id"]) for e in state["executors"] if e["appid"] == app]
    return found


@pytest.mark.outage
def test_a_job_on_the_master_runs_on_both_workers_on_loopback(
    spark_cluster: Settings, tmp_path: Path
) -> None:
    svc = services(spark_cluster)
    names = [MASTER, *worker_names(spark_cluster)]
    pids = {name: running_pid(svc[name]) for name in names}
    assert all(pids.values()), pids
    rows = {row.name: row for row in stack.status(spark_cluster)}
    assert all(rows[name].healthy for name in names)
    state = master_state(spark_cluster)
    assert state is not None
    assert sorted(w["webuiaddress"] for w in state["workers"] if w["state"] == "ALIVE") == [
        f"http://127.0.0.1:{port}" for port in sorted(spark_cluster.stack.spark_worker_ui_ports)
    ]
    for name, pid in pids.items():
        assert pid is not None
        assert marker_for(svc[name].home).encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    assert_listens_on_loopback_only({name: {pid} for name, pid in pids.items() if pid})

    topic = "spark-cluster-reads"
    admin = admin_client(spark_cluster)
    admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=3)])[topic].result(
        timeout=30
    )
    produce(spark_cluster, topic, [(f"k{i}".encode(), b"v") for i in range(RECORDS)])

    servers = spark_cluster.kafka.bootstrap_servers
    with (tmp_path / "job.log").open("w") as log:
        job = subprocess.Popen(
            [sys.executable, "-c", _JOB, spark_cluster.spark.master, servers, topic, str(RECORDS)],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    assert job.stdin is not None and job.stdout is not None
    try:
        line = job.stdout.readline()
        assert line, f"the job failed: {(tmp_path / 'job.log').read_text()[-3000:]}"
        report = json.loads(line)
        executors = _worker_executors(spark_cluster, report["app"])
        assert [len(ids) for ids in executors.values()] == [1, 1], executors
        assert all(report["tasks"][ids[0]] > 0 for ids in executors.values()), report

        jars = {Path(jar).name for jar in connector_conf(spark_cluster)["spark.jars"].split(",")}
        for name, ids in executors.items():
            folder = svc[name].home / "work" / report["app"] / ids[0]
            assert jars <= {path.name for path in folder.iterdir()}, f"{name}: {folder}"

        launched = {
            name: process_tree(pid) - {pid} for name, pid in pids.items() if name != MASTER and pid
        }
        assert all(launched.values()), launched  # each worker's executor, a child of it
        assert_listens_on_loopback_only(
            {"driver": process_tree(job.pid), **{f"{n}'s executor": p for n, p in launched.items()}}
        )
        job.stdin.write("\n")
        job.stdin.flush()
        assert job.wait(timeout=120) == 0
    finally:
        if job.poll() is None:
            job.kill()
            job.wait()

    stack.down(spark_cluster, fresh=True, progress=lambda _: None)
    assert not any(is_alive(pid, svc[name].marker) for name, pid in pids.items() if pid)
    executor_pids = set().union(*launched.values())
    wait_for(  # the workers end them with the application; a JVM's exit takes a moment
        lambda: not any(is_alive(pid, EXECUTOR_CLASS) for pid in executor_pids),
        30,
        "the executors to exit",
    )
    assert all(not svc[name].home.exists() for name in names)
