"""`make demo` from a stopped stack, then `make inspect JSON=1`, on the real services.

The run is isolated by environment overrides (its own topic, DLQ, keyspace, checkpoint and
metrics file), so its counts can be compared exactly with what Cassandra and Kafka hold.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import stack
from clients.cassandra import connect
from clients.kafka import end_offsets
from config import Settings, load_settings
from config.settings import REPO_ROOT
from stack.streaming_job import stop_all

USERS = 500
COUNT_LINE = re.compile(r"^\s+(users fetched|produced|rejected \(DLQ\)|rows written)\s+(\d+)", re.M)


@pytest.fixture
def demo_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    name = f"demo_{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "PIPELINE_KAFKA__TOPIC": name,
        "PIPELINE_KAFKA__DLQ_TOPIC": f"{name}.dlq",
        "PIPELINE_CASSANDRA__KEYSPACE": name,
        "PIPELINE_SPARK__CHECKPOINT_DIR": str(tmp_path / "checkpoint"),
        "PIPELINE_SPARK__METRICS_FILE": str(tmp_path / "metrics.jsonl"),
        "PIPELINE_SPARK__STATUS_FILE": str(tmp_path / "status.json"),
    }
    yield env
    demo_settings = _settings(env)
    stop_all(demo_settings)
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


def _make(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.mark.restarts_stack
@pytest.mark.spark  # `make demo` starts the streaming job
@pytest.mark.airflow  # and runs the producer DAG with Airflow
def test_demo_from_a_stopped_stack_reports_what_cassandra_and_kafka_hold(
    local_stack: Settings, demo_env: dict[str, str]
) -> None:
    stack.down(local_stack)
    assert not any(service.running for service in stack.status(local_stack))

    demo = _make(demo_env, "demo", "SOURCE=offline", f"USERS={USERS}")
    assert demo.returncode == 0, f"make demo failed:\n{demo.stdout[-3000:]}\n{demo.stderr[-3000:]}"
    counts = {label: int(n) for label, n in COUNT_LINE.findall(demo.stdout)}
    assert counts["users fetched"] == USERS
    assert counts["produced"] + counts["rejected (DLQ)"] == USERS
    assert counts["rows written"] == counts["produced"]
    assert "offline randomuser-compatible source" in demo.stdout

    settings = _settings(demo_env)
    with connect(settings) as session:
        rows = session.execute(
            f"SELECT COUNT(*) FROM {demo_env['PIPELINE_CASSANDRA__KEYSPACE']}.created_users"
        ).one()[0]
    assert rows == counts["produced"]
    with connect(settings) as session:
        emails = [
            r.email
            for r in session.execute(
                f"SELECT email FROM {demo_env['PIPELINE_CASSANDRA__KEYSPACE']}.created_users"
            )
        ]
    shown = demo.stdout + demo.stderr
    assert "***" in demo.stdout, "the sample table shows personal data masked"
    assert not [e for e in emails if e in shown], "no e-mail address (tagged x-pii) is printed"
    dlq_size = sum(end_offsets(settings, settings.kafka.dlq_topic).values())
    assert dlq_size == counts["rejected (DLQ)"]

    inspect = _make(demo_env, "inspect", "JSON=1")
    assert inspect.returncode == 0, inspect.stderr
    report = json.loads(inspect.stdout)
    topics = {t["name"]: t["messages"] for t in report["topics"]["rows"]}
    assert topics[settings.kafka.topic] == counts["produced"]
    assert report["dlq"]["rows"][0]["messages"] == counts["rejected (DLQ)"]
    tables = {t["table"]: t["rows"] for t in report["tables"]["rows"]}
    assert tables[f"{settings.cassandra.keyspace}.created_users"] == counts["produced"]
    job = report["job"]["rows"][0]
    assert job["lag"] == 0
    assert job["last_batch"] is not None
