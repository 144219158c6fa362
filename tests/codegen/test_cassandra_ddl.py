"""The generated CQL on the real Cassandra: every column stored and read back; migrations."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cassandra.protocol import SyntaxException

from codegen.generate import render_all, write
from codegen.model import Array, AvroType, Map, Record, unwrap_nullable
from codegen.parse import parse_folder
from codegen.table import RESERVED, VERSION_DEPENDENT, tables_for
from config import Settings
from ops.migrate import apply_generated
from tests.fixtures import codegen as codegen_samples
from tests.fixtures.codegen import REPO_ROOT

pytestmark = pytest.mark.stack


def _cql_value(t: AvroType, value: Any) -> Any:
    """An Avro value as the driver binds it: records (UDTs) as tuples in field order."""
    inner, _ = unwrap_nullable(t)
    if value is None:
        return None
    if isinstance(inner, Record):
        return tuple(_cql_value(f.type, value[f.name]) for f in inner.fields)
    if isinstance(inner, Array):
        return [_cql_value(inner.items, v) for v in value]
    if isinstance(inner, Map):
        return {k: _cql_value(inner.values, v) for k, v in value.items()}
    return value


def _read_value(value: Any) -> Any:
    """A driver value in plain Python form: UDT rows as tuples, driver dates and times unwrapped."""
    if hasattr(value, "_fields"):
        return tuple(_read_value(v) for v in value)
    if isinstance(value, list):
        return [_read_value(v) for v in value]
    if hasattr(value, "items"):
        return {k: _read_value(v) for k, v in value.items()}
    if type(value).__name__ in ("Date", "Time") and type(value).__module__ == "cassandra.util":
        return value.date() if type(value).__name__ == "Date" else value.time()
    return value


def _stored(value: Any) -> Any:
    """The documented losses: timestamps come back naive UTC with millisecond precision."""
    if isinstance(value, dt.datetime):
        utc = value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
        return utc.replace(microsecond=utc.microsecond // 1000 * 1000)
    return value


def _columns(record: Any) -> dict[str, Any]:
    """Column name -> bound value, from the record's avro dict and the contract's flattening."""
    avro = record.to_avro()
    (table,) = tables_for(
        next(
            f.record for f in parse_folder(codegen_samples.TEST_SCHEMAS) if f.stem == "kitchen_sink"
        )
    )
    out = {}
    for column in table.columns:
        value: Any = avro
        for part in column.path:
            value = None if value is None else value[part]
        out[column.name] = _cql_value(column.type, value)
    return out


def test_every_kitchen_sink_column_is_stored_and_read_back(
    cassandra_session: Any,
    unique_keyspace: str,
    settings: Settings,
    kitchen_sink_dir: Path,
    ks_python: dict[str, ModuleType],
) -> None:
    replication = settings.cassandra.replication
    apply_generated(
        cassandra_session, unique_keyspace, replication, cql_dir=kitchen_sink_dir / "cql"
    )
    record = codegen_samples.kitchen_sink(ks_python["kitchen_sink"], ks_python["point"])
    values = _columns(record)
    names = list(values)
    insert = cassandra_session.prepare(
        f"INSERT INTO {unique_keyspace}.kitchen_sink ({', '.join(names)}) "
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    cassandra_session.execute(insert, [values[n] for n in names])
    row = cassandra_session.execute(
        f"SELECT * FROM {unique_keyspace}.kitchen_sink WHERE id = %s AND seq = %s",
        (record.id, record.seq),
    ).one()
    assert row is not None
    got = {n: _read_value(getattr(row, n)) for n in names}
    expected = {n: _stored(values[n]) for n in names}
    assert got == expected
    assert got["ts_us"].microsecond == 123000  # the one documented loss, made visible


def _contract(fields: list[dict[str, Any]]) -> str:
    return json.dumps(
        {
            "type": "record",
            "name": "Evolving",
            "namespace": "t",
            "doc": "d",
            "x-cassandra": {"keyspace": "ks", "table": "evolving", "partition_key": ["id"]},
            "fields": [{"name": "id", "type": {"type": "string", "logicalType": "uuid"}}, *fields],
        }
    )


def test_migrations_follow_the_history_and_apply_once(
    cassandra_session: Any, unique_keyspace: str, settings: Settings, tmp_path: Path
) -> None:
    schemas = tmp_path / "schemas"
    (schemas / "history" / "evolving").mkdir(parents=True)
    v1: list[dict[str, Any]] = [
        {"name": "a", "type": "string"},
        {"name": "gone", "type": "int", "default": 0},
    ]
    item = {"type": "record", "name": "Item", "fields": [{"name": "sku", "type": "string"}]}
    v2: list[dict[str, Any]] = [v1[0], {"name": "b", "type": ["null", "int"], "default": None}]
    head: list[dict[str, Any]] = [
        *v2,
        {"name": "items", "type": {"type": "array", "items": item}, "default": []},
        {"name": "c", "type": ["null", "string"], "default": None},
    ]
    (schemas / "history" / "evolving" / "v1.avsc").write_text(_contract(v1))
    (schemas / "history" / "evolving" / "v2.avsc").write_text(_contract(v2))
    (schemas / "evolving.avsc").write_text(_contract(head))

    files = render_all(schemas).files
    migrations = sorted(p for p in files if p.startswith("cql/migrations/"))
    assert migrations == [
        "cql/migrations/evolving/0002_add_b.cql",
        "cql/migrations/evolving/0003_add_items_and_1_more.cql",
    ]
    third = files[migrations[1]]
    assert "CREATE TYPE IF NOT EXISTS item (\n    sku text\n);" in third
    assert "ALTER TABLE evolving ADD IF NOT EXISTS items list<frozen<item>>;" in third
    assert "DROP" not in "".join(files.values())  # the removed field keeps its column

    out = tmp_path / "generated"
    write(out, render_all(schemas))
    # a keyspace created at v1, then migrated, then migrated again (a no-op)
    (tmp_path / "v1").mkdir()
    shutil.copy(schemas / "history" / "evolving" / "v1.avsc", tmp_path / "v1" / "evolving.avsc")
    v1_out = tmp_path / "v1_generated"
    write(v1_out, render_all(tmp_path / "v1"))
    replication = settings.cassandra.replication
    apply_generated(cassandra_session, unique_keyspace, replication, cql_dir=v1_out / "cql")
    first = apply_generated(cassandra_session, unique_keyspace, replication, cql_dir=out / "cql")
    again = apply_generated(cassandra_session, unique_keyspace, replication, cql_dir=out / "cql")
    assert first.applied == ["evolving/0002_add_b.cql", "evolving/0003_add_items_and_1_more.cql"]
    assert again.applied == [] and again.already_applied == first.applied
    columns = {
        r.column_name: r.type
        for r in cassandra_session.execute(
            "SELECT column_name, type FROM system_schema.columns "
            "WHERE keyspace_name = %s AND table_name = 'evolving'",
            (unique_keyspace,),
        )
    }
    assert columns == {
        "id": "uuid",
        "a": "text",
        "gone": "int",
        "b": "int",
        "c": "text",
        "items": "list<frozen<item>>",
    }


def _column_kinds(session: Any, keyspace: str, table: str) -> dict[str, str]:
    rows = session.execute(
        "SELECT column_name, kind FROM system_schema.columns "
        "WHERE keyspace_name = %s AND table_name = %s",
        (keyspace, table),
    )
    return {r.column_name: r.kind for r in rows}


def test_user_contract_tables_are_accepted_by_cassandra(
    cassandra_session: Any, unique_keyspace: str, settings: Settings
) -> None:
    replication = settings.cassandra.replication
    apply_generated(
        cassandra_session, unique_keyspace, replication, cql_dir=REPO_ROOT / "generated" / "cql"
    )
    by_id, by_country = tables_for(_user_record())
    assert (by_id.name, by_country.name) == ("created_users", "users_by_country")
    kinds = _column_kinds(cassandra_session, unique_keyspace, "created_users")
    assert kinds["id"] == "partition_key"
    assert kinds["location_city"] == "regular"
    assert len(kinds) == len(by_id.columns)
    kinds = _column_kinds(cassandra_session, unique_keyspace, "users_by_country")
    assert kinds == {
        "location_country": "partition_key",
        "registered_date": "clustering",
        "id": "clustering",
        "name_first": "regular",
        "name_last": "regular",
        "location_city": "regular",
        "location_state": "regular",
        "nat": "regular",
    }
    assert len(kinds) == len(by_country.columns)


def _user_record() -> Record:
    return next(f.record for f in parse_folder(REPO_ROOT / "schemas") if f.stem == "user_created")


def test_reserved_words_are_exactly_what_cassandra_refuses(
    cassandra_session: Any, unique_keyspace: str
) -> None:
    refused = []
    for word in sorted(RESERVED - VERSION_DEPENDENT):
        with pytest.raises(SyntaxException):
            cassandra_session.execute(
                f"CREATE TABLE {unique_keyspace}.t_{word} ({word} int PRIMARY KEY)"
            )
        refused.append(word)
    assert refused
    # field names of the user contract and other common words codegen accepts unquoted
    allowed = [
        "name",
        "value",
        "date",
        "time",
        "key",
        "type",
        "timestamp",
        "text",
        "offset",
        "first",
        "last",
        "state",
        "source",
        "number",
        "age",
        "count",
        "ttl",
        "user",
    ]
    assert not set(allowed) & RESERVED
    cassandra_session.execute(
        f"CREATE TABLE {unique_keyspace}.allowed (id int PRIMARY KEY, "
        + ", ".join(f"{w} int" for w in allowed)
        + ")"
    )
