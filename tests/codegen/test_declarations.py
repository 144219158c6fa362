"""A contract's stream declarations, without services: ``x-kafka`` and ``x-source`` validated
with errors that name the file and the field path, their defaults, the tables of
``x-cassandra`` (``tables_for``), and what must hold across contracts (``check_streams``)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from codegen.declarations import snake_case, source_of, stream_of
from codegen.errors import SchemaError
from codegen.generate import check_streams, render_all
from codegen.model import Record
from codegen.parse import parse_document, parse_folder
from codegen.table import tables_for
from contract.streams import Paging, Source, Stream, SubjectStrategy

SOURCE = "schemas/reading.avsc"
LOCATION = {
    "type": "record",
    "name": "Location",
    "fields": [
        {"name": "city", "type": "string"},
        {"name": "country", "type": "string"},
    ],
}
FIELDS: list[dict[str, Any]] = [
    {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "location", "type": LOCATION},
    {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "value", "type": "double"},
    {"name": "note", "type": ["null", "string"], "default": None},
]


def _document(**props: Any) -> dict[str, Any]:
    return {
        "type": "record",
        "name": "SensorReading",
        "namespace": "t",
        "doc": "d",
        **props,
        "fields": FIELDS,
    }


def _record(**props: Any) -> Record:
    return parse_document(_document(**props), SOURCE)


def _refused(call: Any, **props: Any) -> SchemaError:
    with pytest.raises(SchemaError) as err:
        call(_record(**props))
    assert err.value.source == SOURCE
    assert str(err.value).startswith(f"{SOURCE}: {err.value.path}: ")
    return err.value


TABLE = {"keyspace": "ks", "table": "readings", "partition_key": ["id"]}

# -- x-kafka ------------------------------------------------------------------------------------


def test_the_stream_defaults_follow_the_record_name() -> None:
    assert snake_case("SensorReading") == "sensor_reading"
    assert snake_case("Md5Sum") == "md5_sum"
    assert stream_of(_record()) == Stream(
        "sensor_reading", "sensor_reading.dlq", SubjectStrategy.TOPIC, ()
    )


def test_the_key_defaults_to_the_first_tables_partition_key_as_field_paths() -> None:
    tables = {
        "keyspace": "ks",
        "tables": [
            {"table": "by_country", "partition_key": ["location_country", "location_city"]},
            {"table": "by_id", "partition_key": ["id"]},
        ],
    }
    stream = stream_of(_record(**{"x-cassandra": tables}))
    assert stream.key == ("location.country", "location.city")
    assert stream_of(_record(**{"x-cassandra": TABLE})).key == ("id",)


def test_a_declared_stream_is_taken_as_declared() -> None:
    declared = {
        "topic": "readings.v1",
        "dlq_topic": "readings-dead",
        "subject_name_strategy": "TopicRecordNameStrategy",
        "key": ["location.city", "id"],
    }
    assert stream_of(_record(**{"x-kafka": declared, "x-cassandra": TABLE})) == Stream(
        "readings.v1", "readings-dead", SubjectStrategy.TOPIC_RECORD, ("location.city", "id")
    )


@pytest.mark.parametrize(
    ("x_kafka", "path", "message"),
    [
        ("readings", "x-kafka", "must be an object"),
        (
            {"topc": "x"},
            "x-kafka",
            "unknown key(s) topc (known: dlq_topic, key, subject_name_strategy, topic)",
        ),
        ({"topic": "bad topic!"}, "x-kafka.topic", "'bad topic!' is not a Kafka topic name"),
        ({"topic": ".."}, "x-kafka.topic", "'..' is not a Kafka topic name"),
        ({"topic": 5}, "x-kafka.topic", "5 is not a Kafka topic name"),
        ({"topic": "x" * 201}, "x-kafka.topic", "is not a Kafka topic name"),
        ({"topic": "a", "dlq_topic": "a"}, "x-kafka.dlq_topic", "the DLQ must be another topic"),
        (
            {"subject_name_strategy": "TopicStrategy"},
            "x-kafka.subject_name_strategy",
            "'TopicStrategy' is not one of TopicNameStrategy, RecordNameStrategy, "
            "TopicRecordNameStrategy",
        ),
        ({"key": "id"}, "x-kafka.key", "must be a non-empty list of field paths"),
        ({"key": [["id"]]}, "x-kafka.key", "must be a non-empty list of field paths"),
        ({"key": ["note"]}, "x-kafka.key", "'note' is not a non-nullable field of the record"),
        ({"key": ["nope"]}, "x-kafka.key", "'nope' is not a non-nullable field of the record"),
        ({"key": ["location"]}, "x-kafka.key", "'location' is not a non-nullable field"),
    ],
)
def test_a_bad_x_kafka_names_file_and_field(x_kafka: Any, path: str, message: str) -> None:
    error = _refused(stream_of, **{"x-kafka": x_kafka})
    assert error.path == f"t.SensorReading.{path}"
    assert message in error.message


def test_a_bad_dlq_topic_name_names_its_key() -> None:
    error = _refused(stream_of, **{"x-kafka": {"dlq_topic": "dead letters"}})
    assert error.path == "t.SensorReading.x-kafka.dlq_topic"
    assert "'dead letters' is not a Kafka topic name" in error.message


# -- x-source -----------------------------------------------------------------------------------


def test_no_x_source_is_no_source() -> None:
    assert source_of(_record()) is None


def test_the_source_defaults() -> None:
    assert source_of(_record(**{"x-source": {}})) == Source(
        url=None,
        records=(),
        error=None,
        paging=None,
        params=(),
        schedule="*/5 * * * *",
        connection=None,
        batch_size=1000,
    )
    page = source_of(_record(**{"x-source": {"paging": {"size": "n", "page": "p"}}}))
    assert page is not None and page.paging == Paging(size="n", page="p", first=1)
    offset = source_of(_record(**{"x-source": {"paging": {"size": "n", "offset": "o"}}}))
    assert offset is not None and offset.paging == Paging(size="n", offset="o", first=0)
    assert offset.paging.max_size == 1000 and offset.paging.exact is False


def test_a_declared_source_is_taken_as_declared() -> None:
    declared = {
        "url": "https://example.org/api/v2/readings",
        "records": "data.items",
        "error": "fault",
        "paging": {
            "size": "limit",
            "offset": "start",
            "seed": "seed",
            "first": 1,
            "max_size": 200,
            "exact": True,
        },
        "params": {"format": "json", "sort[]": "time"},
        "schedule": "@hourly",
        "connection": "readings_default",
        "batch_size": 50,
    }
    assert source_of(_record(**{"x-source": declared})) == Source(
        url="https://example.org/api/v2/readings",
        records=("data", "items"),
        error="fault",
        paging=Paging(size="limit", offset="start", seed="seed", first=1, max_size=200, exact=True),
        params=(("format", "json"), ("sort[]", "time")),
        schedule="@hourly",
        connection="readings_default",
        batch_size=50,
    )


@pytest.mark.parametrize(
    ("x_source", "path", "message"),
    [
        ([], "x-source", "must be an object"),
        ({"uri": "https://x"}, "x-source", "unknown key(s) uri (known: batch_size, connection"),
        ({"url": "ftp://example.org/"}, "x-source.url", "must be an http(s) URL"),
        ({"url": 5}, "x-source.url", "must be an http(s) URL, not 5"),
        ({"records": ["data"]}, "x-source.records", "must be a dotted path"),
        ({"error": ""}, "x-source.error", "must name a member of an error answer"),
        ({"params": {"n": 5}}, "x-source.params", "must map parameter names to text values"),
        ({"params": {"a b": "x"}}, "x-source.params", "must map parameter names to text"),
        ({"params": ["a=b"]}, "x-source.params", "must map parameter names to text values"),
        ({"schedule": "every minute"}, "x-source.schedule", "is not a cron expression"),
        ({"schedule": "*/5 * * *"}, "x-source.schedule", "is not a cron expression"),
        ({"schedule": "@sometimes"}, "x-source.schedule", "is not a cron expression or preset"),
        ({"connection": "my conn"}, "x-source.connection", "'my conn' is not a connection id"),
        ({"batch_size": 0}, "x-source.batch_size", "must be a positive integer, not 0"),
        ({"batch_size": True}, "x-source.batch_size", "must be a positive integer, not True"),
        ({"batch_size": "10"}, "x-source.batch_size", "must be a positive integer"),
        ({"paging": "page"}, "x-source.paging", "must be an object"),
        ({"paging": {"size": "n", "page": "p", "step": 2}}, "x-source.paging", "unknown key"),
        ({"paging": {"page": "p"}}, "x-source.paging.size", "needs the page-size parameter"),
        ({"paging": {"size": "n"}}, "x-source.paging", "one of 'page' (a number) or 'offset'"),
        (
            {"paging": {"size": "n", "page": "p", "offset": "o"}},
            "x-source.paging",
            "one of 'page' (a number) or 'offset'",
        ),
        ({"paging": {"size": "a b", "page": "p"}}, "x-source.paging.size", "not a query"),
        ({"paging": {"size": "n", "page": 1}}, "x-source.paging.page", "not a query parameter"),
        ({"paging": {"size": "n", "page": "p", "first": -1}}, "x-source.paging.first", ">= 0"),
        ({"paging": {"size": "n", "page": "p", "first": True}}, "x-source.paging.first", ">= 0"),
        (
            {"paging": {"size": "n", "page": "p", "max_size": 0}},
            "x-source.paging.max_size",
            "must be a positive integer",
        ),
        (
            {"paging": {"size": "n", "page": "p", "exact": "yes"}},
            "x-source.paging.exact",
            "must be true or false",
        ),
    ],
)
def test_a_bad_x_source_names_file_and_field(x_source: Any, path: str, message: str) -> None:
    error = _refused(source_of, **{"x-source": x_source})
    assert error.path == f"t.SensorReading.{path}"
    assert message in error.message


def test_render_all_names_the_file_of_a_bad_declaration(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "reading.avsc").write_text(json.dumps(_document(**{"x-source": {"url": "x"}})))
    with pytest.raises(SchemaError, match=r"^schemas/reading\.avsc: t\.SensorReading\.x-source"):
        render_all(schemas)
    (schemas / "reading.avsc").write_text(json.dumps(_document(**{"x-kafka": {"key": 1}})))
    with pytest.raises(SchemaError, match=r"^schemas/reading\.avsc: t\.SensorReading\.x-kafka"):
        render_all(schemas)


# -- x-cassandra: the tables --------------------------------------------------------------------


def test_no_x_cassandra_is_no_table() -> None:
    assert tables_for(_record()) == ()


def test_the_legacy_one_table_form_is_one_table_of_every_column() -> None:
    (table,) = tables_for(_record(**{"x-cassandra": {**TABLE, "default_ttl": 60}}))
    assert (table.keyspace, table.name, table.partition_key, table.clustering) == (
        "ks",
        "readings",
        ("id",),
        (),
    )
    assert [c.name for c in table.columns] == [
        "id",
        "location_city",
        "location_country",
        "at",
        "value",
        "note",
    ]
    assert table.columns[1].path == ("location", "city")
    assert table.default_ttl == 60


def test_a_list_of_tables_with_a_subset_of_columns() -> None:
    spec = {
        "keyspace": "ks",
        "tables": [
            {"table": "readings", "partition_key": ["id"]},
            {
                "table": "readings_by_city",
                "partition_key": ["location_city"],
                "clustering_key": [{"column": "at", "order": "desc"}, {"column": "id"}],
                "columns": ["value", "at", "id", "location_city"],
            },
        ],
    }
    by_id, by_city = tables_for(_record(**{"x-cassandra": spec}))
    assert (by_id.name, by_city.name) == ("readings", "readings_by_city")
    assert len(by_id.columns) == 6
    # the listed columns, in the record's order
    assert [c.name for c in by_city.columns] == ["id", "location_city", "at", "value"]
    assert by_city.clustering == (("at", "DESC"), ("id", "ASC"))
    assert by_city.primary_key == ("location_city", "at", "id")
    assert by_city.keyspace == by_id.keyspace == "ks"


def _tables(*tables: Any, **spec: Any) -> dict[str, Any]:
    return {"x-cassandra": {"keyspace": "ks", "tables": list(tables), **spec}}


@pytest.mark.parametrize(
    ("x_cassandra", "path", "message"),
    [
        (
            _tables(
                {"table": "t", "partition_key": ["id"]}, {"table": "t", "partition_key": ["at"]}
            ),
            "x-cassandra.tables[1].table",
            "table 't' is listed twice",
        ),
        (
            _tables(
                {
                    "table": "t",
                    "partition_key": ["location_city"],
                    "clustering_key": [{"column": "at"}],
                    "columns": ["id", "location_city"],
                }
            ),
            "x-cassandra.tables[0].clustering_key",
            "key column 'at' is not a column of the table (columns: id, location_city)",
        ),
        (
            _tables({"table": "t", "partition_key": ["id"], "columns": ["value"]}),
            "x-cassandra.tables[0].partition_key",
            "key column 'id' is not a column of the table (columns: value)",
        ),
        (
            _tables({"table": "t", "partition_key": ["id"], "columns": ["id", "nope"]}),
            "x-cassandra.tables[0].columns",
            "'nope' not columns of the record",
        ),
        (
            _tables({"table": "t", "partition_key": ["id"], "columns": []}),
            "x-cassandra.tables[0].columns",
            "needs a non-empty list of column names",
        ),
        (
            _tables({"table": "t", "partition_key": ["id", "id"]}),
            "x-cassandra.tables[0].partition_key",
            "key column 'id' appears twice",
        ),
        (_tables(), "x-cassandra.tables", "needs a non-empty list of tables"),
        (_tables("t"), "x-cassandra.tables[0]", "a table must be an object"),
        (
            _tables({"table": "t", "partition_key": ["id"]}, **TABLE),
            "x-cassandra",
            "give either 'table' or a list of 'tables', not both",
        ),
        (
            _tables({"table": "Bad", "partition_key": ["id"]}),
            "x-cassandra.tables[0].table",
            "'Bad' is not a valid CQL identifier",
        ),
        (
            {"x-cassandra": {"tables": [{"table": "t", "partition_key": ["id"]}]}},
            "x-cassandra.keyspace",
            "keyspace None is not a valid CQL identifier",
        ),
        ({"x-cassandra": ["t"]}, "x-cassandra", "x-cassandra must be an object"),
    ],
)
def test_a_bad_table_names_file_and_field(
    x_cassandra: dict[str, Any], path: str, message: str
) -> None:
    error = _refused(tables_for, **x_cassandra)
    assert error.path == f"t.SensorReading.{path}"
    assert message in error.message


# -- across contracts ---------------------------------------------------------------------------


def _contract(name: str, **props: Any) -> dict[str, Any]:
    return {
        "type": "record",
        "name": name,
        "namespace": "t",
        "doc": "d",
        **props,
        "fields": [{"name": "id", "type": "string"}],
    }


def _check(tmp_path: Path, **documents: dict[str, Any]) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir(exist_ok=True)
    for stem, document in documents.items():
        (schemas / f"{stem}.avsc").write_text(json.dumps(document))
    check_streams(parse_folder(schemas))


def _table(name: str) -> dict[str, Any]:
    return {"x-cassandra": {"keyspace": "ks", "table": name, "partition_key": ["id"]}}


def test_separate_streams_and_tables_pass(tmp_path: Path) -> None:
    _check(tmp_path, a=_contract("A", **_table("a")), b=_contract("B", **_table("b")))


def test_two_contracts_writing_one_table_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SchemaError) as err:
        _check(tmp_path, a=_contract("A", **_table("t")), b=_contract("B", **_table("t")))
    assert (err.value.source, err.value.path) == ("schemas/b.avsc", "t.B.x-cassandra")
    assert err.value.message == "table ks.t is also written by schemas/a.avsc"


def test_the_same_table_name_in_another_keyspace_is_another_table(tmp_path: Path) -> None:
    other = {"x-cassandra": {"keyspace": "ks2", "table": "t", "partition_key": ["id"]}}
    _check(tmp_path, a=_contract("A", **_table("t")), b=_contract("B", **other))


def _on(topic: str, **kafka: str) -> dict[str, Any]:
    return {"x-kafka": {"topic": topic, **kafka}}


def test_contracts_sharing_a_topic_must_share_its_dlq(tmp_path: Path) -> None:
    record_named = {"subject_name_strategy": "RecordNameStrategy"}
    with pytest.raises(SchemaError) as err:
        _check(
            tmp_path,
            a=_contract("A", **_on("events", **record_named)),
            b=_contract("B", **_on("events", dlq_topic="events.b.dlq", **record_named)),
        )
    assert (err.value.source, err.value.path) == ("schemas/b.avsc", "t.B.x-kafka.dlq_topic")
    assert "shares topic events with schemas/a.avsc, whose DLQ is events.dlq" in str(err.value)


@pytest.mark.parametrize("named", ["a", "b"])
def test_contracts_sharing_a_topic_need_a_record_name_strategy(tmp_path: Path, named: str) -> None:
    strategies = {"a": "RecordNameStrategy", "b": "TopicRecordNameStrategy"}
    strategies[named] = "TopicNameStrategy"
    with pytest.raises(SchemaError) as err:
        _check(
            tmp_path,
            a=_contract("A", **_on("events", subject_name_strategy=strategies["a"])),
            b=_contract("B", **_on("events", subject_name_strategy=strategies["b"])),
        )
    assert err.value.source == f"schemas/{named}.avsc"
    assert err.value.path == f"t.{named.upper()}.x-kafka.subject_name_strategy"
    assert "topic events carries 2 contracts; under TopicNameStrategy they would share" in str(
        err.value
    )


def test_contracts_sharing_a_topic_its_dlq_and_record_subjects_pass(tmp_path: Path) -> None:
    _check(
        tmp_path,
        a=_contract("A", **_on("events", subject_name_strategy="RecordNameStrategy")),
        b=_contract("B", **_on("events", subject_name_strategy="TopicRecordNameStrategy")),
    )
    render_all(tmp_path / "schemas")  # and the whole render agrees


def test_a_topic_that_is_another_contracts_dlq_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SchemaError) as err:
        _check(tmp_path, a=_contract("A", **_on("a")), b=_contract("B", **_on("a.dlq")))
    assert (err.value.source, err.value.path) == ("schemas/b.avsc", "t.B.x-kafka")
    assert err.value.message == "topic a.dlq is also a DLQ topic"


def test_render_all_checks_the_streams_across_contracts(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    for stem, name in (("a", "A"), ("b", "B")):
        (schemas / f"{stem}.avsc").write_text(json.dumps(_contract(name, **_table("t"))))
    with pytest.raises(
        SchemaError, match=re.escape("table ks.t is also written by schemas/a.avsc")
    ):
        render_all(schemas)
