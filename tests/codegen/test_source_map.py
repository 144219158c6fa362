"""The generated ``from_source`` (``codegen/source_map.py``) of a test contract, generated with
the project's codegen into a temporary package: every kind of origin and conversion, the
straight and the checked path agreeing, and each bad value refused naming its source path."""

from __future__ import annotations

import copy
import importlib
import json
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from codegen.errors import SchemaError
from codegen.generate import render_all, write
from contract.source_values import OversizedNumber, SourceValueError, kept_for_dlq
from contract.streams import Produced, SourcePath

PACKAGE = "source_map_pkg"
STATION = {
    "type": "record",
    "name": "Station",
    "doc": "Where it was measured; its place is read from elsewhere in the source record.",
    "fields": [
        {"name": "code", "type": "string"},
        {"name": "name", "type": "string", "x-pii": True},
        {
            "name": "place",
            "x-source": "where",
            "type": {
                "type": "record",
                "name": "Place",
                "fields": [
                    {"name": "city", "type": "string"},
                    {"name": "longitude", "type": "double", "x-source": "geometry.coordinates.0"},
                    {"name": "latitude", "type": "double", "x-source": "geometry.coordinates.1"},
                ],
            },
        },
    ],
}
OPERATOR = {
    "type": "record",
    "name": "Operator",
    "fields": [
        {"name": "name", "type": "string"},
        {"name": "phone", "type": ["null", "string"], "default": None},
    ],
}
MILLIS = {"type": "long", "logicalType": "timestamp-millis"}
READING = {
    "type": "record",
    "name": "Reading",
    "namespace": "t.src",
    "doc": "A sensor reading.",
    "x-kafka": {"topic": "readings"},
    "x-source": {"url": "https://example.org/api/readings", "records": "data.items"},
    "x-cassandra": {"keyspace": "ks", "table": "readings", "partition_key": ["id"]},
    "fields": [
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}, "x-source": "meta.uuid"},
        {"name": "station", "type": STATION},
        {
            "name": "label",
            "type": "string",
            "x-source": {"join": ["station.code", "where.city"], "separator": " @ "},
        },
        {"name": "observed_at", "type": MILLIS, "x-source": "observed"},
        {"name": "updated_at", "type": MILLIS, "x-source": "updated"},
        {"name": "count", "type": "int", "x-source": {"path": "count", "coerce": True}},
        {"name": "code", "type": "string", "x-source": {"path": "code", "coerce": True}},
        {"name": "level", "type": {"type": "enum", "name": "Level", "symbols": ["LOW", "HIGH"]}},
        {"name": "note", "type": ["null", "string"], "default": None},
        {"name": "operator", "type": ["null", OPERATOR], "default": None},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "ingested_at", "type": MILLIS, "x-source": {"producer": "ingested_at"}},
        {"name": "source", "type": "string", "x-source": {"producer": "source_url"}},
    ],
}
ID = "6f1c1d6e-2f67-4a8e-9b4c-0c7f1a2b3c4d"
OBSERVED = datetime(2024, 5, 4, 3, 2, 1, 123000, tzinfo=UTC)
UPDATED_MS = 1_714_791_721_456
UPDATED = datetime(2024, 5, 4, 3, 2, 1, 456000, tzinfo=UTC)
PRODUCED = Produced(datetime(2026, 1, 2, tzinfo=UTC), "https://example.org/api/readings")


def source_item() -> dict[str, Any]:
    """A source record of the usual shape (credentials and other members included)."""
    return {
        "meta": {"uuid": ID, "token": "s3cret"},
        "station": {"code": "OSL-1", "name": "Blindern", "owner": "x"},
        "where": {"city": "Oslo"},
        "geometry": {"type": "Point", "coordinates": [10.72, 59.94, 94.0]},
        "observed": "2024-05-04T05:02:01.123+02:00",
        "updated": UPDATED_MS,
        "count": 12,
        "code": "A7",
        "level": "HIGH",
        "note": "calibrated",
        "operator": {"name": "Met", "phone": None},
        "tags": ["rain", "wind"],
        "unread": {"anything": [1, 2, 3]},
    }


def _schemas(folder: Path, **documents: dict[str, Any]) -> Path:
    folder.mkdir(parents=True)
    for stem, document in documents.items():
        (folder / f"{stem}.avsc").write_text(json.dumps(document), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def reading(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated Python module of the ``Reading`` contract."""
    root = tmp_path_factory.mktemp("source-map")
    schemas = _schemas(root / "schemas", reading=READING)
    write(root / PACKAGE, render_all(schemas))
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(f"{PACKAGE}.python.reading")
    finally:
        sys.path.remove(str(root))


def _expected(module: ModuleType) -> Any:
    return module.Reading(
        id=uuid.UUID(ID),
        station=module.Station(
            code="OSL-1",
            name="Blindern",
            place=module.Place(city="Oslo", longitude=10.72, latitude=59.94),
        ),
        label="OSL-1 @ Oslo",
        observed_at=OBSERVED,
        updated_at=UPDATED,
        count=12,
        code="A7",
        level=module.Level.HIGH,
        note="calibrated",
        operator=module.Operator(name="Met", phone=None),
        tags=["rain", "wind"],
        ingested_at=PRODUCED.ingested_at,
        source=PRODUCED.source_url,
    )


def _both_paths(module: ModuleType, item: Any) -> Any:
    """The record by ``from_source``, checking that the checked path builds the same one."""
    record = module.from_source(item, PRODUCED)
    assert module._from_source_checked(item, PRODUCED) == record
    return record


def test_a_source_record_of_the_usual_shape_takes_the_straight_path(reading: ModuleType) -> None:
    item = source_item()
    straight = reading._from_source_straight(item, PRODUCED)
    assert straight == _expected(reading)
    assert _both_paths(reading, item) == straight
    assert straight.observed_at.tzinfo == UTC and straight.updated_at.tzinfo == UTC
    assert type(straight.station.place.longitude) is float


def _with(path: str, value: Any) -> dict[str, Any]:
    """The usual source record with ``path`` set to ``value`` (removed for ``...``)."""
    item = copy.deepcopy(source_item())
    *parents, leaf = path.split(".")
    node: Any = item
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is ...:
        del node[leaf]
    elif isinstance(node, list):
        node[int(leaf)] = value
    else:
        node[leaf] = value
    return item


@pytest.mark.parametrize(
    ("path", "value", "field", "expected"),
    [
        ("observed", "2024-05-04T03:02:01.123Z", "observed_at", OBSERVED),
        ("observed", 1_714_791_721_123, "observed_at", OBSERVED),  # an integer of milliseconds
        ("updated", "2024-05-04T03:02:01.456+00:00", "updated_at", UPDATED),
        ("count", "12", "count", 12),  # coerce: a string holding an integer
        ("count", " 7 ", "count", 7),
        ("code", 407, "code", "407"),  # coerce: an integer as its decimal text
        ("note", None, "note", None),
        ("note", ..., "note", None),  # an optional field may be absent
        ("operator", None, "operator", None),
        ("operator", ..., "operator", None),
        ("operator.phone", ..., "operator", "Met"),
        ("operator.phone", "+47 22 33 44 55", "operator", "+47 22 33 44 55"),
        ("tags", [], "tags", []),
        ("level", "LOW", "level", "LOW"),
        ("geometry.coordinates", [11, 60], "station", (11.0, 60.0)),
        ("meta.uuid", ID.upper(), "id", uuid.UUID(ID)),
    ],
)
def test_each_accepted_spelling_gives_the_same_record_on_both_paths(
    reading: ModuleType, path: str, value: Any, field: str, expected: Any
) -> None:
    record = _both_paths(reading, _with(path, value))
    got = getattr(record, field)
    if field == "operator" and got is not None:
        got = got.phone if path == "operator.phone" and value is not ... else got.name
    elif field == "level":
        got = got.value
    elif field == "station":
        got = (got.place.longitude, got.place.latitude)
    assert got == expected
    untouched = _expected(reading)
    for other in ("id", "label", "tags", "ingested_at", "source"):
        if other != field:
            assert getattr(record, other) == getattr(untouched, other)


BAD: list[tuple[str, Any, str, str]] = [
    # (source path changed, value, path the error names, reason)
    ("meta.uuid", ..., "meta.uuid", "missing"),
    ("meta.uuid", 5, "meta.uuid", "expected a string, got int"),
    ("meta", "flat", "meta", "expected an object, got str"),
    ("station.name", ..., "station.name", "missing"),
    ("station.code", 5, "station.code", "expected a string, got int"),
    ("where", None, "where", "expected an object, got null"),
    ("where.city", ["Oslo"], "where.city", "expected a string, got list"),
    ("geometry.coordinates", [10.72], "geometry.coordinates.1", "missing"),
    ("geometry.coordinates", "10.72,59.94", "geometry.coordinates", "expected an object"),
    ("geometry.coordinates.0", "10.72", "geometry.coordinates.0", "expected a number, got str"),
    ("geometry.coordinates.1", 10**400, "geometry.coordinates.1", "too large for a double"),
    ("observed", "yesterday", "observed", "not an ISO-8601 timestamp"),
    ("observed", "2024-05-04T03:02:01", "observed", "timestamp without a time zone"),
    ("observed", 1.5e12, "observed", "expected an ISO-8601 timestamp, got float"),
    ("updated", 10**17, "updated", "a timestamp outside years 1 to 9999"),
    ("updated", True, "updated", "expected an ISO-8601 timestamp, got bool"),
    ("count", "twelve", "count", "not an integer"),
    ("count", 1.5, "count", "expected an integer, got float"),
    ("count", OversizedNumber(900), "count", "a number of 900 digits"),
    ("code", 1.5, "code", "expected a string or an integer, got float"),
    ("level", "MEDIUM", "level", "not one of LOW, HIGH"),
    ("level", None, "level", "not one of LOW, HIGH"),
    ("note", 5, "note", "expected a string, got int"),
    ("operator", "Met", "operator", "expected an object, got str"),
    ("operator.name", ..., "operator.name", "missing"),
    ("operator.phone", 5, "operator.phone", "expected a string, got int"),
    ("tags", "rain", "tags", "expected an array, got str"),
    ("tags", ["rain", 5], "tags[1]", "expected a string, got int"),
]


@pytest.mark.parametrize(("path", "value", "where", "reason"), BAD, ids=lambda v: repr(v)[:30])
def test_each_kind_of_bad_value_names_its_source_path(
    reading: ModuleType, path: str, value: Any, where: str, reason: str
) -> None:
    item = _with(path, value)
    for build in (reading.from_source, reading._from_source_checked):
        with pytest.raises(SourceValueError) as err:
            build(item, PRODUCED)
        assert (err.value.path, err.value.field, err.value.rule) == (where, where, "source:shape")
        assert reason in err.value.reason, err.value.reason


def test_a_uuid_that_is_not_one_breaks_type_uuid_of_the_contract_field(
    reading: ModuleType,
) -> None:
    with pytest.raises(SourceValueError) as err:
        reading.from_source(_with("meta.uuid", "not-a-uuid"), PRODUCED)
    assert (err.value.path, err.value.field, err.value.rule) == ("meta.uuid", "id", "type:uuid")
    assert "not-a-uuid" not in str(err.value)


@pytest.mark.parametrize("item", [["a"], "text", None, 3])
def test_a_source_record_that_is_no_object_is_refused_whole(reading: ModuleType, item: Any) -> None:
    with pytest.raises(SourceValueError) as err:
        reading.from_source(item, PRODUCED)
    assert err.value.path == "<record>"


def test_the_first_field_at_fault_is_named(reading: ModuleType) -> None:
    item = _with("count", "many")
    item["meta"]["uuid"] = 5
    with pytest.raises(SourceValueError) as err:
        reading.from_source(item, PRODUCED)
    assert err.value.path == "meta.uuid"


def test_declared_names_the_paths_it_reads_their_personal_data_and_the_key(
    reading: ModuleType,
) -> None:
    declared = reading.DECLARED
    assert declared.stream.key == ("id",)
    assert declared.source_key == ("meta", "uuid")
    assert declared.source is not None and declared.source.records == ("data", "items")
    paths = {p.path: p.pii for p in declared.source_paths}
    assert paths[("station", "name")] is True
    assert SourcePath(("geometry", "coordinates", "0")) in declared.source_paths
    assert set(paths) == {
        ("meta", "uuid"),
        ("station", "code"),
        ("station", "name"),
        ("where", "city"),
        ("geometry", "coordinates", "0"),
        ("geometry", "coordinates", "1"),
        ("observed",),
        ("updated",),
        ("count",),
        ("code",),
        ("level",),
        ("note",),
        ("operator", "name"),
        ("operator", "phone"),
        ("tags",),
    }
    kept = kept_for_dlq(source_item(), list(paths))
    assert "token" not in kept["meta"] and "unread" not in kept and "owner" not in kept["station"]


def _refused_render(tmp_path: Path, field: dict[str, Any], **props: Any) -> SchemaError:
    document = {
        "type": "record",
        "name": "R",
        "namespace": "t",
        "doc": "d",
        "x-source": {"url": "https://example.org/"},
        **props,
        "fields": [{"name": "id", "type": "string"}, field],
    }
    schemas = _schemas(tmp_path / "schemas", r=document)
    with pytest.raises(SchemaError) as err:
        render_all(schemas)
    assert err.value.source == "schemas/r.avsc"
    return err.value


@pytest.mark.parametrize(
    ("type_", "name"),
    [
        ({"type": "long", "logicalType": "local-timestamp-millis"}, "local-timestamp-millis"),
        ({"type": "fixed", "name": "D", "size": 12, "logicalType": "duration"}, "duration"),
        (["int", "string"], "union"),
        ({"type": "array", "items": ["int", "string"]}, "union"),
    ],
)
def test_a_type_without_a_json_conversion_is_an_error_naming_the_field(
    tmp_path: Path, type_: Any, name: str
) -> None:
    error = _refused_render(tmp_path, {"name": "when", "type": type_})
    assert error.path == "t.R.when"
    assert f"Avro type {name} has no conversion from a source's JSON" in error.message


def test_the_same_type_is_fine_in_a_contract_without_a_source(tmp_path: Path) -> None:
    field = {"name": "when", "type": {"type": "long", "logicalType": "local-timestamp-millis"}}
    document = {"type": "record", "name": "R", "namespace": "t", "doc": "d", "fields": [field]}
    output = render_all(_schemas(tmp_path / "schemas", r=document))
    assert "def from_source" not in output.files["python/r.py"]


@pytest.mark.parametrize(
    ("field", "message"),
    [
        (
            {"name": "n", "type": "int", "x-source": {"join": ["a", "b"]}},
            "a join makes a string field only",
        ),
        (
            {"name": "n", "type": "string", "x-source": {"join": ["a"]}},
            "join needs a list of two or more paths",
        ),
        (
            {"name": "n", "type": "string", "x-source": {"producer": "ingested_at"}},
            "producer value ingested_at fills a field of type timestamp-micros or timestamp-millis",
        ),
        (
            {"name": "n", "type": "string", "x-source": {"producer": "seed"}},
            "producer value 'seed' is not one of ingested_at, source_url",
        ),
        ({"name": "n", "type": "boolean", "x-source": {"path": "n", "coerce": True}}, "coerce"),
        ({"name": "n", "type": "int", "x-source": {"path": "n", "coerce": "y"}}, "true or false"),
        ({"name": "n", "type": "int", "x-source": "a..b"}, "'a..b' is not a dotted path"),
        ({"name": "n", "type": "int", "x-source": {"from": "a"}}, "unknown x-source key(s): from"),
        (
            {"name": "n", "type": "int", "x-source": {"path": "a", "producer": "source_url"}},
            "x-source is a dotted path, or an object with one of",
        ),
    ],
)
def test_a_bad_field_origin_names_the_file_and_field(
    tmp_path: Path, field: dict[str, Any], message: str
) -> None:
    error = _refused_render(tmp_path, field)
    assert error.path == "t.R.n"
    assert message in error.message


@pytest.mark.parametrize("raw", [5, True])
def test_an_x_source_that_is_neither_a_path_nor_an_object_is_an_error(
    tmp_path: Path, raw: Any
) -> None:
    error = _refused_render(tmp_path, {"name": "n", "type": "int", "x-source": raw})
    assert error.path == "t.R.n"
    assert "x-source is a dotted path, or an object" in error.message


def _generated(root: Path, package: str, stem: str, document: dict[str, Any]) -> ModuleType:
    """The generated Python module of one contract, imported from ``root``."""
    write(root / package, render_all(_schemas(root / "schemas", **{stem: document})))
    sys.path.insert(0, str(root))
    try:
        return importlib.import_module(f"{package}.python.{stem}")
    finally:
        sys.path.remove(str(root))


def test_an_index_into_a_string_is_refused_on_the_straight_path_too(tmp_path: Path) -> None:
    document = {
        "type": "record",
        "name": "Tagged",
        "namespace": "t",
        "x-source": {},
        "fields": [{"name": "first_tag", "type": "string", "x-source": "tags.0"}],
    }
    tagged = _generated(tmp_path, "source_map_tagged", "tagged", document)
    assert tagged.from_source({"tags": ["rain"]}, PRODUCED).first_tag == "rain"
    with pytest.raises(SourceValueError, match="tags: expected an object, got str"):
        tagged._from_source_checked({"tags": "rain"}, PRODUCED)
    with pytest.raises(SourceValueError, match="tags: expected an object, got str"):
        tagged.from_source({"tags": "rain"}, PRODUCED)  # today: Tagged(first_tag='r')
