"""The users_created DAG: its parsing, and ``dag.test()`` runs on the offline source and stack."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from config import Settings
from stack.offline_source import OfflineSource
from tests.fixtures.producer import assert_no_credentials, consume_decoded, credentials_of
from tests.fixtures.users import normalized, source_users

pytestmark = [pytest.mark.airflow, pytest.mark.stack]

DAGS = Path(__file__).resolve().parents[2] / "airflow" / "dags"

PARSE_PROBE = """
import json, runpy, sys, time
import airflow.sdk
before = set(sys.modules)
started = time.perf_counter()
runpy.run_path(sys.argv[1])
elapsed = time.perf_counter() - started
heavy = sorted(m for m in set(sys.modules) - before
               if m.split(".")[0] in ("producer", "confluent_kafka", "httpx", "fastavro"))
print(json.dumps({"elapsed": elapsed, "heavy": heavy}))
"""


def run_dag(dag: Any, **conf: Any) -> tuple[str, dict[str, Any]]:
    """``dag.test()`` with ``conf``; the run's state and what its task returned (XCom)."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    run = dag.test(run_conf=conf)
    with create_session() as session:
        row = (
            session.query(XComModel)
            .filter_by(dag_id=dag.dag_id, run_id=run.run_id, key="return_value")
            .one_or_none()
        )
        returned = row.value if row is not None else {}
    if isinstance(returned, str):
        returned = json.loads(returned)
    return str(run.state), returned


def test_dag_file_imports_without_errors_and_nothing_heavy() -> None:
    """Parsing stays cheap because the DAG file imports nothing heavy: the producer, Kafka and
    HTTP clients load inside the task. (The parse time itself is a figure, not an assertion:
    see README, measured with this same probe.)"""
    probe = subprocess.run(
        [sys.executable, "-c", PARSE_PROBE, str(DAGS / "users_created.py")],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(probe.stdout.strip().splitlines()[-1])
    assert report["heavy"] == [], "the DAG file must import the producer inside its task"


def test_dag_is_declared_as_specified(users_dag: Any) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import CronTriggerTimetable

    declared = DagBag(dag_folder=str(DAGS)).dags["users_created"]  # retries untouched
    assert isinstance(declared.timetable, CronTriggerTimetable)
    assert declared.timetable.expression == "*/5 * * * *"
    assert declared.catchup is False
    assert declared.max_active_runs == 1
    (task,) = declared.tasks
    assert task.retries == 2
    assert task.retry_delay == timedelta(minutes=1)
    assert set(declared.params) == {"batch_size", "seed", "source_url", "nat"}
    assert declared.params["batch_size"] == 1000


def test_run_produces_exactly_the_source_users_and_reruns_with_the_same_keys(
    users_dag: Any, dag_topics: Settings, offline_source: OfflineSource
) -> None:
    count, seed = 60, "dag-equal"
    started = datetime.now(UTC).replace(microsecond=0)
    conf = {"batch_size": count, "seed": seed, "source_url": offline_source.url}
    first = run_dag(users_dag, **conf)
    second = run_dag(users_dag, **conf)
    expected_counts = {"fetched": count, "produced": count, "rejected": 0, "failed": 0}
    assert first == second == ("success", expected_counts)

    messages = consume_decoded(dag_topics, dag_topics.kafka.topic, 2 * count)
    assert len(messages) == 2 * count
    users = {u["login"]["uuid"]: u for u in source_users(offline_source.url, count, seed)}
    assert sorted({m.key.decode() for m in messages if m.key}) == sorted(users)
    for message in messages:
        record = dict(message.decoded)
        assert record.pop("source") == offline_source.url
        ingested = record.pop("ingested_at")
        assert started <= ingested <= datetime.now(UTC)
        expected = normalized(users[str(record["id"])])
        assert record == expected
        assert not {"password", "salt", "md5", "sha1", "sha256", "login"} & set(record)
    assert_no_credentials(messages, credentials_of(list(users.values())))


def test_429_and_5xx_still_complete_the_batch(
    users_dag: Any, dag_topics: Settings, offline_source: OfflineSource
) -> None:
    url = f"{offline_source.url}?rate_limit_rate=0.5&retry_after=1&error_rate=0.3"
    before = offline_source.requests
    state, counts = run_dag(users_dag, batch_size=25, seed="faulty", source_url=url)
    assert (state, counts["produced"]) == ("success", 25)
    assert offline_source.requests - before > 1, "the faults were injected and retried"
    assert len(consume_decoded(dag_topics, dag_topics.kafka.topic, 25)) == 25


def test_bad_users_land_in_the_dlq_and_counts_add_up(
    users_dag: Any, dag_topics: Settings, offline_source: OfflineSource
) -> None:
    url = f"{offline_source.url}?bad_user_rate=0.25"
    state, counts = run_dag(users_dag, batch_size=80, seed="bad", source_url=url)
    assert state == "success"
    assert counts["fetched"] == counts["produced"] + counts["rejected"] == 80
    assert counts["rejected"] > 0
    dlq = consume_decoded(dag_topics, dag_topics.kafka.dlq_topic, counts["rejected"])
    assert len(dlq) == counts["rejected"]
    assert all(m.headers["error"] and m.headers["error.field"] for m in dlq)
    produced = consume_decoded(dag_topics, dag_topics.kafka.topic, counts["produced"])
    assert len(produced) == counts["produced"]


def test_source_down_for_good_fails_the_task_clearly(
    users_dag: Any,
    dag_topics: Settings,
    offline_source: OfflineSource,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PIPELINE_SOURCE__MAX_ATTEMPTS", "2")
    monkeypatch.setenv("PIPELINE_SOURCE__BACKOFF_INITIAL_S", "0.05")
    state, counts = run_dag(
        users_dag, batch_size=10, seed="down", source_url=f"{offline_source.url}?error_rate=1"
    )
    output = "".join(capfd.readouterr())
    assert (state, counts) == ("failed", {})
    assert "unavailable after 2 attempt(s)" in output
    assert "0 of 10 users fetched: 0 produced" in output
    assert consume_decoded(dag_topics, dag_topics.kafka.topic, 0, timeout_s=3) == []


def test_unregistered_subject_fails_fast_with_the_register_instruction(
    users_dag: Any,
    unregistered_topics: Settings,
    offline_source: OfflineSource,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PIPELINE_KAFKA__TOPIC", unregistered_topics.kafka.topic)
    before = offline_source.requests
    state, _ = run_dag(users_dag, batch_size=10, seed="unreg", source_url=offline_source.url)
    assert state == "failed"
    assert "run `make register`" in "".join(capfd.readouterr())
    assert offline_source.requests == before, "nothing was fetched"


def test_connections_take_precedence_over_settings(
    users_dag: Any,
    dag_topics: Settings,
    offline_source: OfflineSource,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Broker, registry and source come from Airflow connections when they are defined."""
    monkeypatch.setenv("PIPELINE_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("PIPELINE_REGISTRY__URL", "http://127.0.0.1:1/nowhere")
    monkeypatch.setenv(
        "AIRFLOW_CONN_KAFKA_DEFAULT",
        json.dumps({"conn_type": "kafka", "host": dag_topics.kafka.bootstrap_servers}),
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_SCHEMA_REGISTRY_DEFAULT",
        json.dumps({"conn_type": "http", "extra": {"url": dag_topics.registry.url}}),
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_RANDOMUSER_DEFAULT",
        json.dumps({"conn_type": "http", "host": offline_source.url}),
    )
    state, counts = run_dag(users_dag, batch_size=5, seed="conns")
    assert (state, counts["produced"]) == ("success", 5)
