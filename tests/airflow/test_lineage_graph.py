"""The lineage graph from real runs: one run of the user contract's DAG through Airflow (its
OpenLineage provider, configured as the local stack configures it) and the streaming job's
query started and stopped, both writing their events to a folder of the test's own; the events
read back must join into source -> task -> topic -> query -> every table, with the contract's
schema on the topic and the tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from clients.cassandra import table_keyspace
from clients.lineage import AIRFLOW_EMITTER, JOB_EMITTER, events_file
from config.settings import LineageSettings, updated
from contract.lineage import cassandra_namespace, kafka_namespace, source_dataset
from spark.lineage import job_name, watch
from spark.reader_contract import ReaderContract
from stack.airflow_local import airflow_home, run_dag_once
from stack.offline_source import OfflineSource
from tests.fixtures.polling import wait_for
from tests.fixtures.registry import register
from tests.fixtures.spark import StreamNames, start_job

DAG_ID = "user_created"
TIMEOUT_S = 120.0


def events(lineage: LineageSettings, emitter: str) -> list[dict[str, Any]]:
    path = events_file(lineage, emitter)
    assert path is not None
    lines = Path(path).read_text().splitlines() if Path(path).exists() else []
    return [json.loads(line) for line in lines]


def named(datasets: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(d["namespace"], d["name"]) for d in datasets]


def field_names(dataset: dict[str, Any]) -> list[str]:
    return [f["name"] for f in dataset["facets"]["schema"]["fields"]]


def test_a_dag_run_and_the_job_draw_source_topic_and_every_table(
    airflow_db: Path,
    spark: SparkSession,
    stream_names: StreamNames,
    offline_source: OfflineSource,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = stream_names
    lineage = LineageSettings(dir=tmp_path / "lineage")
    register(names.settings, names.subject, names.contract.schema)
    # the stack's own way to run a DAG once (as `make demo`), in the session's migrated Airflow
    home = tmp_path / "stack"
    settings = updated(names.settings, stack={"home": home}, lineage=lineage.model_dump())
    airflow_home(settings).parent.mkdir()
    airflow_home(settings).symlink_to(airflow_db)
    monkeypatch.setenv("PIPELINE_KAFKA__TOPIC_PREFIX", settings.kafka.topic_prefix)
    conf = {"batch_size": 10, "seed": "lineage", "source_url": offline_source.url}
    run_dag_once(settings, DAG_ID, conf)

    job_settings = updated(names.for_job(tmp_path / "job"), lineage=lineage.model_dump())
    listener = watch(spark, job_settings, [names.contract.name])
    assert listener is not None
    try:
        query, _ = start_job(spark, names, tmp_path / "job")
        wait_for(lambda: events(lineage, JOB_EMITTER), TIMEOUT_S, "the query's START event")
        query.stop()
        wait_for(lambda: len(events(lineage, JOB_EMITTER)) == 2, TIMEOUT_S, "its COMPLETE event")
    finally:
        spark.streams.removeListener(listener)

    topic = (kafka_namespace(settings.kafka), names.topic)
    contract_fields = [f["name"] for f in json.loads(names.contract.schema)["fields"]]
    (task,) = [
        e
        for e in events(lineage, AIRFLOW_EMITTER)
        if e["job"]["name"] == f"{DAG_ID}.produce" and e["eventType"] == "COMPLETE"
    ]
    source = source_dataset(offline_source.url)
    assert named(task["inputs"]) == [(source.namespace, source.name)]
    assert named(task["outputs"]) == [topic]
    assert field_names(task["outputs"][0]) == contract_fields

    start, complete = events(lineage, JOB_EMITTER)
    assert (start["eventType"], complete["eventType"]) == ("START", "COMPLETE")
    assert start["run"]["runId"] == complete["run"]["runId"] == str(query.runId)
    assert start["job"]["name"] == job_name(names.topic)
    assert named(start["inputs"]) == [topic]
    assert field_names(start["inputs"][0]) == contract_fields
    tables = ReaderContract.generated(names.contract).tables
    table_names = [f"{table_keyspace(settings, t.keyspace)}.{t.name}" for t in tables]
    assert named(start["outputs"]) == [
        (cassandra_namespace(settings.cassandra), name) for name in table_names
    ]
    for table, dataset in zip(tables, start["outputs"], strict=True):
        assert field_names(dataset) == list(table.columns)
