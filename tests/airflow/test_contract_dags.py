"""The contracts' DAGs (``airflow/dags/contract_streams.py``, one per contract with a source):
their parsing, and ``dag.test()`` runs on the offline source and the stack."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from config import Settings
from contract.catalog import all_contracts, contract
from producer.airflow_connections import KAFKA_CONN_ID, REGISTRY_CONN_ID
from stack.airflow_local import connection_variable
from stack.offline_quakes import make_collection
from stack.offline_source import OfflineSource
from tests.fixtures.producer import assert_no_credentials, consume_decoded, credentials_of
from tests.fixtures.users import normalized, source_users

pytestmark = [pytest.mark.airflow, pytest.mark.stack]

DAGS = Path(__file__).resolve().parents[2] / "airflow" / "dags"
USERS = contract("user_created")
QUAKES = contract("quake_reported")
DECLARED = {
    # dag id: (schedule, source connection id, default batch size), as each contract declares
    "user_created": ("*/5 * * * *", "randomuser_default", 1000),
    "quake_reported": ("*/10 * * * *", "usgs_default", 500),
}

# The modules the DAG file must leave to its task: the producer, the Kafka client, the sources'
# HTTP client (requests) and Avro. (httpx is Airflow's own: airflow.sdk imports it before the
# probe looks, so it cannot tell the DAG file's imports.)
PARSE_PROBE = """
import json, runpy, sys, time
import airflow.sdk
before = set(sys.modules)
started = time.perf_counter()
found = runpy.run_path(sys.argv[1])
elapsed = time.perf_counter() - started
heavy = sorted(m for m in set(sys.modules) - before
               if m.split(".")[0] in ("producer", "confluent_kafka", "requests", "fastavro"))
dags = sorted(k for k, v in found.items() if type(v).__name__ == "DAG")
print(json.dumps({"elapsed": elapsed, "heavy": heavy, "dags": dags}))
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
    HTTP clients load inside the task. (The probe reports the parse time as ``elapsed``; it is
    not asserted, since it depends on the machine.)"""
    probe = subprocess.run(
        [sys.executable, "-c", PARSE_PROBE, str(DAGS / "contract_streams.py")],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(probe.stdout.strip().splitlines()[-1])
    assert report["heavy"] == [], "the DAG file must import the producer inside its task"
    assert report["dags"] == sorted(DECLARED)


def test_one_dag_per_contract_with_a_source(contract_dags: dict[str, Any]) -> None:
    with_source = {c.name for c in all_contracts() if c.source is not None}
    assert set(contract_dags) == with_source == set(DECLARED)


@pytest.mark.parametrize("dag_id", sorted(DECLARED))
def test_each_dag_is_declared_as_its_contract_says(
    parse_dags: Callable[[], dict[str, Any]], dag_id: str
) -> None:
    from airflow.sdk import CronTriggerTimetable

    schedule, connection, batch_size = DECLARED[dag_id]
    declared = parse_dags()[dag_id]  # retries untouched
    assert isinstance(declared.timetable, CronTriggerTimetable)
    assert declared.timetable.expression == schedule
    assert declared.catchup is False
    assert declared.max_active_runs == 1
    (task,) = declared.tasks
    assert task.task_id == "produce"
    assert task.retries == 2
    assert task.retry_delay == timedelta(minutes=1)
    assert task.execution_timeout == timedelta(minutes=30)
    assert set(declared.params) == {"batch_size", "seed", "source_url", "query"}
    assert declared.params["batch_size"] == batch_size
    assert declared.params["query"] == {}
    assert dag_id in declared.tags
    source = contract(dag_id).source
    assert source is not None
    assert (source.schedule, source.connection, source.batch_size) == (
        schedule,
        connection,
        batch_size,
    )


def test_a_schedule_in_the_settings_replaces_the_declared_one(
    parse_dags: Callable[[], dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_SOURCE__SCHEDULES", json.dumps({"quake_reported": "0 * * * *"}))
    monkeypatch.setenv("PIPELINE_SOURCE__TASK_TIMEOUT_MIN", "7")
    dags = parse_dags()
    assert dags["quake_reported"].timetable.expression == "0 * * * *"
    assert dags["user_created"].timetable.expression == DECLARED["user_created"][0]
    assert dags["quake_reported"].tasks[0].execution_timeout == timedelta(minutes=7)


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

    messages = consume_decoded(dag_topics, USERS.names(dag_topics).topic, 2 * count)
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
    # nothing of the other contract's stream was touched
    quakes = QUAKES.names(dag_topics)
    assert consume_decoded(dag_topics, quakes.topic, 0, timeout_s=3) == []


def test_the_quake_dag_produces_the_feed_to_its_own_topic(
    quakes_dag: Any, dag_topics: Settings, offline_source: OfflineSource
) -> None:
    assert QUAKES.source is not None and QUAKES.source.url is not None
    url = offline_source.url_for(QUAKES.source.url)
    state, counts = run_dag(quakes_dag, batch_size=30, source_url=url)
    assert (state, counts) == (
        "success",
        {"fetched": 30, "produced": 30, "rejected": 0, "failed": 0},
    )

    names = QUAKES.names(dag_topics)
    messages = consume_decoded(dag_topics, names.topic, 30)
    assert len(messages) == 30
    features = make_collection(1, 30, None, 0.0)  # the feed's first 30 (offset from 1)
    by_id = {f["id"]: f for f in features["features"]}
    assert sorted(m.key.decode() for m in messages if m.key) == sorted(by_id)
    for message in messages:
        record = message.decoded
        feature = by_id[record["id"]]
        assert record["network"] == feature["properties"]["net"]
        assert record["magnitude"] == feature["properties"]["mag"]
        assert record["epicenter"]["depth_km"] == feature["geometry"]["coordinates"][2]
        assert int(record["occurred_at"].timestamp() * 1000) == feature["properties"]["time"]
        assert record["source"] == url.split("?", 1)[0]
    assert consume_decoded(dag_topics, USERS.names(dag_topics).topic, 0, timeout_s=3) == []


def test_the_query_param_reaches_the_source(
    users_dag: Any, dag_topics: Settings, offline_source: OfflineSource
) -> None:
    state, counts = run_dag(
        users_dag, batch_size=30, seed="nat", source_url=offline_source.url, query={"nat": "DE"}
    )
    assert (state, counts["produced"]) == ("success", 30)
    messages = consume_decoded(dag_topics, USERS.names(dag_topics).topic, 30)
    assert {m.decoded["nat"] for m in messages} == {"DE"}


def test_429_and_5xx_still_complete_the_batch(
    users_dag: Any, dag_topics: Settings, offline_source: OfflineSource
) -> None:
    url = f"{offline_source.url}?rate_limit_rate=0.5&retry_after=1&error_rate=0.3"
    before = offline_source.requests
    state, counts = run_dag(users_dag, batch_size=25, seed="faulty", source_url=url)
    assert (state, counts["produced"]) == ("success", 25)
    assert offline_source.requests - before > 1, "the faults were injected and retried"
    assert len(consume_decoded(dag_topics, USERS.names(dag_topics).topic, 25)) == 25


def test_bad_users_land_in_the_dlq_and_counts_add_up(
    users_dag: Any, dag_topics: Settings, offline_source: OfflineSource
) -> None:
    names = USERS.names(dag_topics)
    url = f"{offline_source.url}?bad_user_rate=0.25"
    state, counts = run_dag(users_dag, batch_size=80, seed="bad", source_url=url)
    assert state == "success"
    assert counts["fetched"] == counts["produced"] + counts["rejected"] == 80
    assert counts["rejected"] > 0
    dlq = consume_decoded(dag_topics, names.dlq_topic, counts["rejected"])
    assert len(dlq) == counts["rejected"]
    assert all(m.headers["error"] and m.headers["error.field"] for m in dlq)
    assert {m.headers["error.contract"] for m in dlq} == {USERS.name.encode()}
    produced = consume_decoded(dag_topics, names.topic, counts["produced"])
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
    assert "user_created: 0 of 10 records fetched: 0 produced" in output
    assert consume_decoded(dag_topics, USERS.names(dag_topics).topic, 0, timeout_s=3) == []


def test_unregistered_subject_fails_fast_with_the_register_instruction(
    users_dag: Any,
    unregistered_dag_topics: Settings,
    offline_source: OfflineSource,
    capfd: pytest.CaptureFixture[str],
) -> None:
    before = offline_source.requests
    state, _ = run_dag(users_dag, batch_size=10, seed="unreg", source_url=offline_source.url)
    assert state == "failed"
    assert "run `make register`" in "".join(capfd.readouterr())
    assert offline_source.requests == before, "nothing was fetched"


@pytest.mark.parametrize("dag_id", sorted(DECLARED))
def test_connections_take_precedence_over_settings(
    contract_dags: dict[str, Any],
    dag_id: str,
    dag_topics: Settings,
    offline_source: OfflineSource,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Broker, registry and source come from Airflow connections when they are defined; each
    DAG reads its own contract's source connection, not another's."""
    monkeypatch.setenv("PIPELINE_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("PIPELINE_REGISTRY__URL", "http://127.0.0.1:1/nowhere")
    monkeypatch.setenv(
        connection_variable(KAFKA_CONN_ID),
        json.dumps({"conn_type": "kafka", "host": dag_topics.kafka.bootstrap_servers}),
    )
    monkeypatch.setenv(
        connection_variable(REGISTRY_CONN_ID),
        json.dumps({"conn_type": "http", "extra": {"url": dag_topics.registry.url}}),
    )
    for other, (_, connection, _) in DECLARED.items():
        declared = contract(other).source
        assert declared is not None and declared.url is not None
        # the other contracts' connections lead nowhere: a DAG reading one would fail
        url = offline_source.url_for(declared.url) if other == dag_id else "http://127.0.0.1:1/"
        monkeypatch.setenv(
            connection_variable(connection), json.dumps({"conn_type": "http", "host": url})
        )
    before = offline_source.requests
    state, counts = run_dag(contract_dags[dag_id], batch_size=5, seed="conns")
    assert (state, counts["produced"]) == ("success", 5)
    assert offline_source.requests > before
    names = contract(dag_id).names(dag_topics)
    assert len(consume_decoded(dag_topics, names.topic, 5)) == 5
