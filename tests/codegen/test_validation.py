"""Each validation error names the schema file and the field path; warnings name them too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from codegen.errors import SchemaError
from codegen.generate import render_all
from codegen.parse import parse_files


def _record(fields: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"type": "record", "name": "R", "namespace": "t", "doc": "d", **extra, "fields": fields}


def _table(partition: list[str], clustering: list[Any] | None = None, **kw: Any) -> dict[str, Any]:
    spec = {"keyspace": "ks", "table": "r", "partition_key": partition}
    return {"x-cassandra": {**spec, "clustering_key": clustering or [], **kw}}


ID = {"name": "id", "type": "string"}

#: name -> (files of the schemas folder, substrings the error message must contain)
CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "malformed JSON": ({"bad.avsc": '{"type": "record",\n "name": }'}, ["bad.avsc", "line 2"]),
    "top level not a record": ({"bad.avsc": ["null", "string"]}, ["bad.avsc", "one record"]),
    "field without type": ({"bad.avsc": _record([{"name": "f"}])}, ["bad.avsc", "t.R.f", "'type'"]),
    "invalid field name": (
        {"bad.avsc": _record([{"name": "9lives", "type": "int"}])},
        ["bad.avsc", "t.R.fields[0]", "'9lives'"],
    ),
    "decimal without precision": (
        {"bad.avsc": _record([{"name": "m", "type": {"type": "bytes", "logicalType": "decimal"}}])},
        ["bad.avsc", "t.R.m", "precision"],
    ),
    "logical type on the wrong type": (
        {"bad.avsc": _record([{"name": "u", "type": {"type": "int", "logicalType": "uuid"}}])},
        ["bad.avsc", "t.R.u", "uuid cannot annotate int"],
    ),
    "duplicate enum symbol": (
        {
            "bad.avsc": _record(
                [{"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "A"]}}]
            )
        },
        ["bad.avsc", "t.E", "duplicate enum symbol"],
    ),
    "default of the wrong type": (
        {"bad.avsc": _record([{"name": "n", "type": ["null", "int"], "default": 3}])},
        ["bad.avsc", "t.R.n", "default 3"],
    ),
    "unknown referenced type": (
        {"bad.avsc": _record([{"name": "a", "type": "Missing"}])},
        ["bad.avsc", "t.R.a", "unknown type 'Missing'"],
    ),
    "recursive record": (
        {"bad.avsc": _record([{"name": "next", "type": ["null", "R"]}])},
        ["bad.avsc", "t.R.next", "recursive record (t.R -> t.R)"],
    ),
    "type defined in two files": (
        {"a.avsc": _record([ID]), "b.avsc": _record([ID])},
        ["b.avsc", "t.R", "already defined in schemas/a.avsc"],
    ),
    "key naming a missing column": (
        {"bad.avsc": _record([ID], **_table(["nope"]))},
        ["bad.avsc", "t.R.x-cassandra.partition_key", "'nope' is not a column"],
    ),
    "clustering key naming a nested record": (
        {
            "bad.avsc": _record(
                [ID, {"name": "n", "type": {"type": "record", "name": "N", "fields": [ID]}}],
                **_table(["id"], [{"column": "n"}]),
            )
        },
        ["bad.avsc", "t.R.x-cassandra.clustering_key", "'n' is not a column", "n_id"],
    ),
    "missing partition key": (
        {"bad.avsc": _record([ID], **_table([]))},
        ["bad.avsc", "t.R.x-cassandra.partition_key", "non-empty list"],
    ),
    "nullable key column": (
        {"bad.avsc": _record([{"name": "id", "type": ["null", "string"]}], **_table(["id"]))},
        ["bad.avsc", "t.R.id", "'id' is nullable"],
    ),
    "key column under a nullable record": (
        {
            "bad.avsc": _record(
                [
                    ID,
                    {
                        "name": "n",
                        "type": ["null", {"type": "record", "name": "N", "fields": [ID]}],
                    },
                ],
                **_table(["id", "n_id"]),
            )
        },
        ["bad.avsc", "t.R.n.id", "'n_id' is nullable"],
    ),
    "invalid table name": (
        {
            "bad.avsc": _record(
                [ID],
                **{"x-cassandra": {"keyspace": "ks", "table": "Bad-Name", "partition_key": ["id"]}},
            )
        },
        ["bad.avsc", "t.R.x-cassandra.table", "'Bad-Name' is not a valid CQL identifier"],
    ),
    "reserved column name": (
        {"bad.avsc": _record([ID, {"name": "select", "type": "int"}], **_table(["id"]))},
        ["bad.avsc", "t.R.select", "reserved CQL word"],
    ),
    "camelCase column name": (
        {"bad.avsc": _record([ID, {"name": "firstName", "type": "int"}], **_table(["id"]))},
        ["bad.avsc", "t.R.firstName", "not a valid CQL identifier"],
    ),
    "two fields flatten to one column": (
        {
            "bad.avsc": _record(
                [
                    ID,
                    {
                        "name": "a",
                        "type": {
                            "type": "record",
                            "name": "A",
                            "fields": [{"name": "b", "type": "int"}],
                        },
                    },
                    {"name": "a_b", "type": "string"},
                ],
                **_table(["id"]),
            )
        },
        ["bad.avsc", "t.R.a_b", "'a_b' is also the flattened name of field a.b"],
    ),
    "union of several non-null types in a table": (
        {"bad.avsc": _record([ID, {"name": "u", "type": ["int", "string"]}], **_table(["id"]))},
        ["bad.avsc", "t.R.u", "no CQL form"],
    ),
    "nullable items in a table collection": (
        {
            "bad.avsc": _record(
                [ID, {"name": "xs", "type": {"type": "array", "items": ["null", "int"]}}],
                **_table(["id"]),
            )
        },
        ["bad.avsc", "t.R.xs[]", "cannot hold null"],
    ),
    "python keyword as field name": (
        {"bad.avsc": _record([{"name": "class", "type": "string"}])},
        ["bad.avsc", "t.R.class", "reserved in Python"],
    ),
}


def _write(folder: Path, files: dict[str, Any]) -> None:
    folder.mkdir()
    for name, content in files.items():
        text = content if isinstance(content, str) else json.dumps(content)
        (folder / name).write_text(text)


@pytest.mark.parametrize("case", sorted(CASES))
def test_error_names_file_and_field(case: str, tmp_path: Path) -> None:
    files, expected = CASES[case]
    _write(tmp_path / "schemas", files)
    with pytest.raises(SchemaError) as caught:
        render_all(tmp_path / "schemas")
    message = str(caught.value)
    assert message.startswith("schemas/"), message
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"


def test_timestamp_micros_in_a_table_is_a_warning_naming_file_and_field(tmp_path: Path) -> None:
    ts = {"name": "at", "type": {"type": "long", "logicalType": "timestamp-micros"}}
    _write(tmp_path / "schemas", {"r.avsc": _record([ID, ts], **_table(["id"]))})
    output = render_all(tmp_path / "schemas")
    assert [str(w) for w in output.warnings] == [
        "warning: schemas/r.avsc: t.R.at: CQL timestamp has millisecond precision: "
        "microseconds are truncated"
    ]
    assert "-- note: t.R.at: CQL timestamp has millisecond precision" in output.files["cql/r.cql"]


def test_named_types_resolve_across_files_in_any_order(tmp_path: Path) -> None:
    user = _record([{"name": "home", "type": "t.Place"}])
    place = {"type": "record", "name": "Place", "namespace": "t", "fields": [ID]}
    _write(tmp_path / "schemas", {"a_user.avsc": user, "b_place.avsc": place})
    paths = sorted((tmp_path / "schemas").glob("*.avsc"))
    forward = parse_files(paths, tmp_path)
    backward = parse_files(reversed(paths), tmp_path)
    assert {f.stem: f.record for f in forward} == {f.stem: f.record for f in backward}
    assert forward[0].record.fields[0].type is forward[1].record
    python = render_all(tmp_path / "schemas").files["python/a_user.py"]
    assert "from .b_place import Place" in python


def test_a_contract_without_a_table_needs_no_cql_column_names(tmp_path: Path) -> None:
    """Field names only a CQL table would refuse are fine in a contract written to none."""
    fields = [{"name": "firstName", "type": "string"}]
    _write(tmp_path / "schemas", {"r.avsc": _record(fields)})
    assert "python/r.py" in render_all(tmp_path / "schemas").files
