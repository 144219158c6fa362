"""The demo (``make demo``: ``python -m stack.demo``) from a stopped stack, then ``make inspect
JSON=1``, on the real services.

The run is a deployment of its own, by environment overrides (a scratch topic prefix and
keyspace, its own checkpoints, metrics and state), so its per-contract counts can be compared
exactly with what Cassandra and Kafka hold. The demo is run with ``--json-report`` (the one
option ``make demo`` does not pass) so its report is read as the ``DemoReport`` it returned.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import stack
from clients.cassandra import connect
from clients.kafka import end_offsets
from config import Settings, load_settings
from config.settings import REPO_ROOT
from contract.catalog import all_contracts, contract
from spark.reader_contract import spark_module
from stack.demo import ContractReport, DemoReport, render_report
from stack.streaming_job import stop_job
from tests.fixtures.names import scratch_name

COUNT = 1000
USER_CONTRACT = "user_created"
WITH_SOURCE = sorted(c.name for c in all_contracts() if c.source is not None)


@pytest.fixture
def demo_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    name = scratch_name("demo")
    env = {
        **os.environ,
        "PIPELINE_KAFKA__TOPIC_PREFIX": f"{name}.",
        "PIPELINE_CASSANDRA__KEYSPACE": name,
        "PIPELINE_SPARK__CHECKPOINT_DIR": str(tmp_path / "checkpoints"),
        "PIPELINE_SPARK__METRICS_FILE": str(tmp_path / "job" / "batches.jsonl"),
        "PIPELINE_SPARK__STATUS_FILE": str(tmp_path / "job" / "state.json"),
    }
    yield env
    demo_settings = _settings(env)
    stop_job(demo_settings)
    with connect(demo_settings) as session:
        session.execute(f"DROP KEYSPACE IF EXISTS {name}")


def _settings(env: dict[str, str]) -> Settings:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return load_settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args),
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )


def _report(path: Path) -> DemoReport:
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    contracts = [ContractReport(**each) for each in raw.pop("contracts")]
    return DemoReport(contracts=contracts, **raw)


def _count(session: Any, keyspace: str, table: str) -> int:
    return int(session.execute(f"SELECT COUNT(*) FROM {keyspace}.{table}").one()[0])


@pytest.mark.restarts_stack
@pytest.mark.spark  # the demo starts the streaming job
@pytest.mark.airflow  # and runs each contract's DAG with Airflow
def test_demo_from_a_stopped_stack_reports_what_cassandra_and_kafka_hold(
    local_stack: Settings, demo_env: dict[str, str], tmp_path: Path
) -> None:
    stack.down(local_stack)
    assert not any(service.running for service in stack.status(local_stack))

    json_report = tmp_path / "demo.json"
    demo = _run(
        demo_env,
        *(sys.executable, "-m", "stack.demo", "--count", str(COUNT), "--source", "offline"),
        *("--json-report", str(json_report)),
    )
    assert demo.returncode == 0, f"the demo failed:\n{demo.stdout[-3000:]}\n{demo.stderr[-3000:]}"
    report = _report(json_report)

    # one report per contract with a source, each adding up
    by_name = {r.contract: r for r in report.contracts}
    assert [r.contract for r in report.contracts] == WITH_SOURCE
    for each in report.contracts:
        assert each.complete, each
        assert each.fetched == each.produced + each.rejected == COUNT, each
        assert each.rows_written == each.produced, each
        assert each.source_url.startswith("http://127.0.0.1:"), "the offline source"
        assert each.tables == [t.name for t in spark_module(contract(each.contract)).TABLES]
    users = by_name[USER_CONTRACT]
    assert (users.produced, users.rows_written) == (COUNT, COUNT)  # 1000/1000

    # the job's start-up is reported on its own; latency covers only records produced once the
    # job streamed (the DAGs run after it streams), so no record waited for the job's start
    assert report.job_startup_s is not None and report.job_startup_s > 0
    assert report.streaming_since_ms is not None
    for each in report.contracts:
        assert each.latency_ms_p50 is not None and each.latency_ms_p95 is not None, each
        assert 0 <= each.latency_ms_p50 <= each.latency_ms_p95, each
        assert each.first_produced_ms is not None, each
        assert each.first_produced_ms >= report.streaming_since_ms, each
        assert each.rows_per_s > 0
    out = demo.stdout
    assert f"job start-up       {report.job_startup_s} s" in out
    for each in report.contracts:
        assert f"{each.contract}: {each.source_url} (seed {each.seed})" in out
        assert f"  rows written       {each.rows_written} (each in " in out
        # the single node keeps one copy: the topic as the broker has it, the keyspace's
        assert each.replication.startswith("topic: replication factor 1, min.insync.replicas 1; ")
        assert each.replication.endswith(": {'replication_factor': '1'}"), each.replication
        assert f"  replication        {each.replication}\n" in out
    assert "offline source on http://127.0.0.1:" in out

    settings = _settings(demo_env)
    keyspace = demo_env["PIPELINE_CASSANDRA__KEYSPACE"]
    with connect(settings) as session:
        for each in report.contracts:
            for table in each.tables:  # every table of the contract holds every record
                assert _count(session, keyspace, table) == each.produced, (each.contract, table)
        emails = [r.email for r in session.execute(f"SELECT email FROM {keyspace}.created_users")]
    shown = demo.stdout + demo.stderr
    assert "***" in demo.stdout, "the sample tables show personal data masked"
    assert not [e for e in emails if e in shown], "no e-mail address (tagged x-pii) is printed"
    for each in report.contracts:
        names = contract(each.contract).names(settings)
        assert sum(end_offsets(settings, names.topic).values()) == each.produced
        assert sum(end_offsets(settings, names.dlq_topic).values()) == each.rejected

    inspect = _run(demo_env, "make", "--no-print-directory", "inspect", "JSON=1")
    assert inspect.returncode == 0, inspect.stderr
    flow = json.loads(inspect.stdout)
    assert flow["contracts"] == sorted(c.name for c in all_contracts())
    topics = {t["name"]: t["messages"] for t in flow["topics"]["rows"]}
    dlqs = {d["topic"]: d["messages"] for d in flow["dlq"]["rows"]}
    tables = {t["table"]: t["rows"] for t in flow["tables"]["rows"]}
    (job,) = flow["job"]["rows"]
    streams = {s["topic"]: s for s in job["streams"]}
    for each in report.contracts:
        names = contract(each.contract).names(settings)
        assert topics[names.topic] == each.produced
        assert dlqs[names.dlq_topic] == each.rejected
        for table in each.tables:
            assert tables[f"{keyspace}.{table}"] == each.produced
        assert streams[names.topic]["lag"] == 0
        assert streams[names.topic]["last_batch"] is not None


def test_the_next_steps_name_the_stack_s_shape() -> None:
    """``make stack-down`` without ``SHAPE=cluster`` would leave a cluster-shaped stack up."""
    cluster = render_report(DemoReport(shape="cluster"))
    for target in ("inspect", "airflow", "stack-down", "stack-reset"):
        assert f"make {target} SHAPE=cluster" in cluster, cluster
    assert "SHAPE" not in render_report(DemoReport())
