"""The lineage events' content without any service: datasets named by OpenLineage's naming spec,
the contracts' schemas as facets, the transports the settings name, the job's events per query
run, and an emitter whose transport fails without failing its caller."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from openlineage.client.event_v2 import RunState
from openlineage.client.facet_v2 import error_message_run, schema_dataset

from clients.lineage import (
    JOB_EMITTER,
    LineageEmitter,
    airflow_variables,
    transport_config,
)
from config import Settings
from config.settings import LineageSettings, updated
from contract.catalog import contract
from contract.lineage import (
    SCHEMA_FACET,
    cassandra_namespace,
    columns_facet,
    kafka_namespace,
    schema_facet,
    source_dataset,
    topic_dataset,
)
from spark.lineage import QueryLineage, job_name, query_event
from spark.reader_contract import ReaderContract
from spark.streams import plan

USERS = contract("user_created")
PERSON: dict[str, Any] = {
    "type": "record",
    "name": "Person",
    "namespace": "io.example",
    "doc": "A person.",
    "fields": [
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}, "doc": "Its id."},
        {"name": "nickname", "type": ["null", "string"], "default": None},
        {
            "name": "home",
            "type": {
                "type": "record",
                "name": "Address",
                "fields": [{"name": "city", "type": "string", "doc": "City."}],
            },
        },
        {"name": "work", "type": ["null", "Address"], "default": None},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "scores", "type": {"type": "map", "values": "long"}},
        {
            "name": "balance",
            "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2},
        },
        {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}},
        {"name": "other_kind", "type": "Kind"},
        {"name": "either", "type": ["int", "string"]},
        {"name": "friend", "type": ["null", "Person"], "default": None},
    ],
}


def shape(fields: list[schema_dataset.SchemaDatasetFacetFields] | None) -> list[Any]:
    """A facet's fields as (name, type) pairs, nested fields as a list after their pair."""
    return [
        (f.name, f.type, shape(f.fields)) if f.fields else (f.name, f.type) for f in fields or []
    ]


def test_a_topic_and_a_table_are_named_as_the_spec_names_kafka_and_cassandra() -> None:
    settings = updated(
        Settings(),
        kafka={"bootstrap_servers": "SASL_SSL://b1.example:9093,b2.example:9093"},
        cassandra={"contact_points": ["c1.example", "c2.example"], "port": 9142},
    )
    assert kafka_namespace(settings.kafka) == "kafka://b1.example:9093"
    assert cassandra_namespace(settings.cassandra) == "cassandra://c1.example:9142"


@pytest.mark.parametrize(
    ("url", "namespace", "name"),
    [
        ("https://randomuser.me/api/1.4/", "https://randomuser.me", "/api/1.4/"),
        ("http://user:secret@127.0.0.1:8765/api/?seed=x&key=k", "http://127.0.0.1:8765", "/api/"),
        ("https://example.org", "https://example.org", "/"),
    ],
)
def test_a_source_is_its_url_split_without_credentials_or_query(
    url: str, namespace: str, name: str
) -> None:
    dataset = source_dataset(url)
    assert (dataset.namespace, dataset.name) == (namespace, name)


def test_the_schema_facet_nests_records_and_labels_each_type() -> None:
    facet = schema_facet(json.dumps(PERSON))
    assert shape(facet.fields) == [
        ("id", "uuid"),
        ("nickname", "string"),
        ("home", "record", [("city", "string")]),
        ("work", "Address", [("city", "string")]),
        ("tags", "array<string>"),
        ("scores", "map<long>"),
        ("balance", "decimal(9,2)"),
        ("kind", "enum"),
        ("other_kind", "Kind"),
        ("either", "union<int,string>"),
        ("friend", "Person"),  # recursive: named, not walked again
    ]
    assert facet.fields is not None
    assert facet.fields[0].description == "Its id."


def test_the_contracts_schema_is_its_topics_facet_and_each_tables_columns() -> None:
    avro = json.loads(USERS.schema)
    topic = topic_dataset(Settings().kafka, "users_created", [USERS.schema])
    facet = (topic.facets or {})[SCHEMA_FACET]
    assert isinstance(facet, schema_dataset.SchemaDatasetFacet)
    assert [f.name for f in facet.fields or []] == [f["name"] for f in avro["fields"]]

    by_country = next(
        t for t in ReaderContract.generated(USERS).tables if t.name != "created_users"
    )
    columns = columns_facet(USERS.schema, by_country.columns)
    assert [f.name for f in columns.fields or []] == list(by_country.columns)
    city = next(f for f in columns.fields or [] if f.name == "location_city")
    assert (city.type, city.description) == ("string", "City.")
    assert shape(columns_facet(USERS.schema, ["id", "not_a_field"]).fields) == [
        ("id", "uuid"),
        ("not_a_field", None),
    ]


def test_a_topic_of_several_record_types_has_a_field_per_record_type() -> None:
    quakes = contract("quake_reported")
    topic = topic_dataset(Settings().kafka, "shared", [USERS.schema, quakes.schema])
    facet = (topic.facets or {})[SCHEMA_FACET]
    assert isinstance(facet, schema_dataset.SchemaDatasetFacet)
    assert [(f.name, f.type) for f in facet.fields or []] == [
        (USERS.record_name, "record"),
        (quakes.record_name, "record"),
    ]


def test_the_transport_is_a_file_an_endpoint_or_both() -> None:
    files = LineageSettings(dir=Path("/var/lineage"))
    assert transport_config(files, "job") == {
        "type": "file",
        "log_file_path": "/var/lineage/job.jsonl",
        "append": True,
    }
    http = {"type": "http", "url": "http://marquez:5000", "endpoint": "api/v1/lineage"}
    assert transport_config(LineageSettings(dir=None, url="http://marquez:5000"), "job") == http
    both = transport_config(updated(files, url="http://marquez:5000"), "job")
    assert both is not None and both["type"] == "composite"
    assert both["transports"] == {"file": transport_config(files, "job"), "http": http}
    assert transport_config(updated(files, enabled=False), "job") is None
    assert transport_config(LineageSettings(dir=None), "job") is None


def test_airflows_provider_gets_the_same_transport_or_is_turned_off() -> None:
    lineage = LineageSettings(dir=Path("/var/lineage"), namespace="team")
    variables = airflow_variables(lineage)
    assert json.loads(variables["AIRFLOW__OPENLINEAGE__TRANSPORT"])["log_file_path"] == (
        "/var/lineage/airflow.jsonl"
    )
    assert variables["AIRFLOW__OPENLINEAGE__NAMESPACE"] == "team"
    assert airflow_variables(updated(lineage, enabled=False)) == {
        "AIRFLOW__OPENLINEAGE__DISABLED": "True"
    }


def test_an_empty_url_or_folder_setting_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINE_LINEAGE__URL", "")
    monkeypatch.setenv("PIPELINE_LINEAGE__DIR", "")
    lineage = Settings().lineage
    assert (lineage.url, lineage.dir) == (None, None)


def deployment(tmp_path: Path) -> Settings:
    """A deployment of its own (prefixed topics, one keyspace), its events in ``tmp_path``."""
    return updated(
        Settings(),
        kafka={"bootstrap_servers": "broker:9092", "topic_prefix": "dev."},
        cassandra={"contact_points": ["db"], "port": 9042, "keyspace": "dev_ks"},
        lineage={"dir": tmp_path},
    )


def test_a_query_runs_event_reads_its_topic_and_writes_every_table(tmp_path: Path) -> None:
    settings = deployment(tmp_path)
    topic_plan = plan(settings, ["user_created"])["dev.users_created"]
    event = query_event(
        settings, topic_plan, "0190c5b4-0000-7000-8000-000000000001", RunState.START
    )
    assert event.job.name == job_name("dev.users_created")
    assert event.job.namespace == settings.lineage.namespace
    assert [(d.namespace, d.name) for d in event.inputs or []] == [
        ("kafka://broker:9092", "dev.users_created")
    ]
    assert [(d.namespace, d.name) for d in event.outputs or []] == [
        ("cassandra://db:9042", "dev_ks.created_users"),
        ("cassandra://db:9042", "dev_ks.users_by_country"),
    ]
    datasets = [*(event.inputs or []), *(event.outputs or [])]
    assert all(SCHEMA_FACET in (d.facets or {}) for d in datasets)
    failed = query_event(settings, topic_plan, event.run.runId, RunState.FAIL, "boom")
    error = (failed.run.facets or {})["errorMessage"]
    assert isinstance(error, error_message_run.ErrorMessageRunFacet)
    assert error.message == "boom"


def test_the_listener_emits_start_and_end_of_each_query_run(tmp_path: Path) -> None:
    settings = deployment(tmp_path)
    listener = QueryLineage(settings, LineageEmitter(settings.lineage, JOB_EMITTER), ())
    run = "0190c5b4-0000-7000-8000-000000000002"
    listener.onQueryStarted(SimpleNamespace(name="dev.users_created", runId=run))
    listener.onQueryStarted(SimpleNamespace(name="not_a_topic", runId="x"))
    listener.onQueryTerminated(SimpleNamespace(runId=run, exception=None))
    listener.onQueryTerminated(SimpleNamespace(runId="x", exception="never started"))
    events = [json.loads(line) for line in (tmp_path / "job.jsonl").read_text().splitlines()]
    assert [(e["eventType"], e["run"]["runId"]) for e in events] == [
        ("START", run),
        ("COMPLETE", run),
    ]


def test_events_that_cannot_be_written_are_a_warning_not_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    settings = updated(deployment(tmp_path), lineage={"dir": blocked / "lineage"})
    topic_plan = plan(settings, ["user_created"])["dev.users_created"]
    event = query_event(
        settings, topic_plan, "0190c5b4-0000-7000-8000-000000000003", RunState.START
    )
    with caplog.at_level(logging.WARNING, logger="clients.lineage"):
        LineageEmitter(settings.lineage, JOB_EMITTER).emit(event)
    assert "lineage event START of userstream-streaming-job.dev.users_created not sent" in (
        caplog.text
    )
