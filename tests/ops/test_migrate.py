"""The CQL applier on a real Cassandra: keyspace, tables, migrations recorded and run once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from clients.cassandra_schema import MIGRATIONS_TABLE, MigrationError, split_statements
from codegen.generate import render_all
from codegen.table import flatten, tables_for
from config import Settings
from config.settings import updated
from contract.catalog import all_contracts
from ops.contract_files import load_contract
from ops.migrate import GENERATED_CQL, apply_generated, plans, run

pytestmark = pytest.mark.stack

REPO_SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
COMPAT_SCHEMAS = Path(__file__).resolve().parents[1] / "compat" / "schemas"


def _columns(session: Any, keyspace: str, table: str) -> dict[str, str]:
    rows = session.execute(
        "SELECT column_name, type FROM system_schema.columns "
        "WHERE keyspace_name = %s AND table_name = %s",
        (keyspace, table),
    )
    return {row.column_name: row.type for row in rows}


def _recorded(session: Any, keyspace: str) -> dict[str, Any]:
    rows = session.execute(f"SELECT name, checksum, applied_at FROM {keyspace}.{MIGRATIONS_TABLE}")
    return {row.name: row for row in rows}


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_split_statements_ignores_comments_and_quoted_semicolons() -> None:
    text = """-- header; not a statement
    CREATE TABLE t (a text) WITH comment = 'it''s; fine'; // trailing; comment
    /* block; comment */ INSERT INTO t (a) VALUES ('x;y');
    """
    assert split_statements(text) == [
        "CREATE TABLE t (a text) WITH comment = 'it''s; fine'",
        "INSERT INTO t (a) VALUES ('x;y')",
    ]


def test_generated_cql_builds_every_table_of_every_contract(
    cassandra_session: Any, keyspace: str, local_stack: Settings
) -> None:
    replication = local_stack.cassandra.replication
    report = apply_generated(cassandra_session, keyspace, replication, GENERATED_CQL)
    assert report.files == sorted(p.name for p in GENERATED_CQL.glob("*.cql"))
    assert report.files == sorted(f"{c.name}.cql" for c in all_contracts())

    users = load_contract(REPO_SCHEMAS / "user_created.avsc", local_stack)
    expected = {c.name for c in flatten(users.record)}
    assert set(_columns(cassandra_session, keyspace, "created_users")) == expected
    # the second table of the user contract: its declared subset of the columns
    by_country = _columns(cassandra_session, keyspace, "users_by_country")
    assert set(by_country) == {
        "id",
        "name_first",
        "name_last",
        "location_city",
        "location_state",
        "location_country",
        "nat",
        "registered_date",
    }
    for each in all_contracts():
        record = load_contract(REPO_SCHEMAS / f"{each.name}.avsc", local_stack).record
        for table in tables_for(record):
            assert _columns(cassandra_session, keyspace, table.name), table.name

    stored = (
        cassandra_session.execute(
            "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = %s", (keyspace,)
        )
        .one()
        .replication
    )
    for key, value in replication.items():
        assert str(value) in stored[key]


def test_each_migration_runs_once_even_when_applied_twice(
    cassandra_session: Any, keyspace: str, local_stack: Settings, tmp_path: Path
) -> None:
    _write(tmp_path / "t.cql", "CREATE TABLE IF NOT EXISTS t (id uuid PRIMARY KEY, a text);\n")
    # Not idempotent on purpose: each run would insert one more row.
    _write(
        tmp_path / "migrations" / "t" / "0002_add_b.cql",
        "ALTER TABLE t ADD IF NOT EXISTS b int;\nINSERT INTO t (id, b) VALUES (uuid(), 2);\n",
    )
    replication = local_stack.cassandra.replication

    first = apply_generated(cassandra_session, keyspace, replication, tmp_path)
    second = apply_generated(cassandra_session, keyspace, replication, tmp_path)

    assert (first.applied, first.already_applied) == (["t/0002_add_b.cql"], [])
    assert (second.applied, second.already_applied) == ([], ["t/0002_add_b.cql"])
    assert [row.b for row in cassandra_session.execute(f"SELECT b FROM {keyspace}.t")] == [2]
    recorded = _recorded(cassandra_session, keyspace)
    assert list(recorded) == ["t/0002_add_b.cql"]
    assert recorded["t/0002_add_b.cql"].applied_at is not None
    assert len(recorded["t/0002_add_b.cql"].checksum) == 64


def test_migrations_run_in_number_order(
    cassandra_session: Any, keyspace: str, local_stack: Settings, tmp_path: Path
) -> None:
    _write(tmp_path / "t.cql", "CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY);\n")
    # 0010 needs 0003's column: lexical order of "10" and "3" would run them the wrong way.
    _write(
        tmp_path / "migrations" / "t" / "0010_fill.cql",
        "INSERT INTO t (id, c) VALUES (1, 'filled');\n",
    )
    _write(tmp_path / "migrations" / "t" / "0003_add_c.cql", "ALTER TABLE t ADD c text;\n")
    report = apply_generated(
        cassandra_session, keyspace, local_stack.cassandra.replication, tmp_path
    )
    assert report.applied == ["t/0003_add_c.cql", "t/0010_fill.cql"]
    assert cassandra_session.execute(f"SELECT c FROM {keyspace}.t WHERE id = 1").one().c == "filled"


def test_an_edited_applied_migration_is_refused_before_anything_runs(
    cassandra_session: Any, keyspace: str, local_stack: Settings, tmp_path: Path
) -> None:
    _write(tmp_path / "t.cql", "CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY);\n")
    edited = _write(tmp_path / "migrations" / "t" / "0002_add_b.cql", "ALTER TABLE t ADD b int;\n")
    replication = local_stack.cassandra.replication
    apply_generated(cassandra_session, keyspace, replication, tmp_path)

    edited.write_text("ALTER TABLE t ADD b bigint;\n", encoding="utf-8")
    _write(tmp_path / "migrations" / "t" / "0003_add_c.cql", "ALTER TABLE t ADD c int;\n")
    with pytest.raises(MigrationError, match=rf"{edited}: changed since it was applied"):
        apply_generated(cassandra_session, keyspace, replication, tmp_path)
    assert "c" not in _columns(cassandra_session, keyspace, "t")
    assert list(_recorded(cassandra_session, keyspace)) == ["t/0002_add_b.cql"]


def test_a_failing_statement_names_the_file_and_is_not_recorded(
    cassandra_session: Any, keyspace: str, local_stack: Settings, tmp_path: Path
) -> None:
    _write(tmp_path / "t.cql", "CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY);\n")
    bad = _write(tmp_path / "migrations" / "t" / "0002_bad.cql", "ALTER TABLE nope ADD b int;\n")
    with pytest.raises(MigrationError, match=rf"{bad}: statement 1 \(ALTER TABLE nope"):
        apply_generated(cassandra_session, keyspace, local_stack.cassandra.replication, tmp_path)
    assert _recorded(cassandra_session, keyspace) == {}


def _generate(schemas: Path, out: Path) -> None:
    for relative, text in render_all(schemas).files.items():
        if relative.startswith("cql/"):
            _write(out / relative.removeprefix("cql/"), text)


def test_codegen_migration_evolves_an_existing_table(
    cassandra_session: Any, keyspace: str, local_stack: Settings, tmp_path: Path
) -> None:
    """v1 table with data, then the v2 contract (an added optional field): the column is added
    by the generated migration, existing rows keep their values, and a rerun changes nothing."""
    schemas, cql = tmp_path / "schemas", tmp_path / "cql"
    _write(schemas / "account.avsc", (COMPAT_SCHEMAS / "base.avsc").read_text())
    _generate(schemas, cql)
    replication = local_stack.cassandra.replication
    assert apply_generated(cassandra_session, keyspace, replication, cql).applied == []
    cassandra_session.execute(
        f"INSERT INTO {keyspace}.accounts (id, created, count, name) "
        "VALUES (5b6962dd-3f90-4c93-8f61-eabfa4a803e2, '2024-01-01', 7, 'old')"
    )

    (schemas / "history" / "account").mkdir(parents=True)
    shutil.copy(schemas / "account.avsc", schemas / "history" / "account" / "v1.avsc")
    shutil.copy(COMPAT_SCHEMAS / "added_optional.avsc", schemas / "account.avsc")
    shutil.rmtree(cql)
    _generate(schemas, cql)
    (migration,) = (cql / "migrations").glob("*/*.cql")

    first = apply_generated(cassandra_session, keyspace, replication, cql)
    second = apply_generated(cassandra_session, keyspace, replication, cql)
    name = f"{migration.parent.name}/{migration.name}"
    assert (first.applied, second.applied, second.already_applied) == ([name], [], [name])
    assert _columns(cassandra_session, keyspace, "accounts")["nickname"] == "text"
    row = cassandra_session.execute(f"SELECT count, name, nickname FROM {keyspace}.accounts").one()
    assert (row.count, row.name, row.nickname) == (7, "old", None)


def _account_contract(schemas: Path, cql: Path) -> None:
    """A contract ``account`` (table ``accounts``) and its generated CQL, with a migration of
    its table that is not idempotent (each run would add a row)."""
    _write(schemas / "account.avsc", (COMPAT_SCHEMAS / "base.avsc").read_text())
    _generate(schemas, cql)
    _write(
        cql / "migrations" / "accounts" / "0002_add_b.cql",
        "ALTER TABLE accounts ADD b int;\n"
        "INSERT INTO accounts (id, created, b) VALUES (uuid(), '2024-01-01', 2);\n",
    )


def test_cli_applies_and_reports(
    local_stack: Settings,
    cassandra_session: Any,
    keyspace: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    schemas, cql = tmp_path / "schemas", tmp_path / "cql"
    _account_contract(schemas, cql)
    argv = ["apply", "--keyspace", keyspace, "--cql-dir", str(cql), "--schemas", str(schemas)]
    assert run(argv, local_stack) == 0
    out = capsys.readouterr().out
    assert f"keyspace {keyspace}: applied account.cql" in out
    assert "migration accounts/0002_add_b.cql: applied" in out
    assert run(argv, local_stack) == 0
    assert "migration accounts/0002_add_b.cql: already applied" in capsys.readouterr().out
    assert [r.b for r in cassandra_session.execute(f"SELECT b FROM {keyspace}.accounts")] == [2]


def test_cli_applies_into_the_configured_keyspace_and_names_an_unknown_contract(
    local_stack: Settings, keyspace: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``cassandra.keyspace`` (an isolated run) takes every contract's tables."""
    schemas, cql = tmp_path / "schemas", tmp_path / "cql"
    _account_contract(schemas, cql)
    settings = updated(local_stack, cassandra={"keyspace": keyspace})
    argv = ["apply", "--cql-dir", str(cql), "--schemas", str(schemas)]
    assert run([*argv, "--contract", "account"], settings) == 0
    assert f"keyspace {keyspace}: applied account.cql" in capsys.readouterr().out

    assert run([*argv, "--contract", "acount"], settings) == 1
    err = capsys.readouterr().err
    assert "no contract named acount" in err and "account" in err


def test_each_contract_goes_to_its_own_keyspace_unless_one_is_configured(
    local_stack: Settings, tmp_path: Path
) -> None:
    """Contracts naming different keyspaces are each applied in their own (this was an error
    when there was one contract table); ``cassandra.keyspace`` or ``--keyspace`` gathers them."""
    schemas, cql = tmp_path / "schemas", tmp_path / "cql"
    for stem, keyspace in (("a", "ks_one"), ("b", "ks_two")):
        schema = json.loads((COMPAT_SCHEMAS / "base.avsc").read_text())
        schema["name"] = stem.upper()
        schema["namespace"] = f"io.userstream.test.{stem}"
        schema["x-cassandra"]["keyspace"] = keyspace
        schema["x-cassandra"]["table"] = f"accounts_{stem}"
        _write(schemas / f"{stem}.avsc", json.dumps(schema))
    _generate(schemas, cql)
    local = updated(local_stack, cassandra={"keyspace": None})

    planned = plans(local, cql, schemas)
    assert {k: [Path(t.origin).name for t in p.tables] for k, p in planned.items()} == {
        "ks_one": ["a.cql"],
        "ks_two": ["b.cql"],
    }
    assert list(plans(local, cql, schemas, ["b"])) == ["ks_two"]
    assert list(plans(local, cql, schemas, keyspace="elsewhere")) == ["elsewhere"]
    pinned = updated(local_stack, cassandra={"keyspace": "isolated"})
    (only,) = plans(pinned, cql, schemas).values()
    assert [Path(t.origin).name for t in only.tables] == ["a.cql", "b.cql"]

    shipped = plans(local, GENERATED_CQL, REPO_SCHEMAS)
    assert list(shipped) == ["spark_streams"]
    assert [Path(t.origin).name for t in shipped["spark_streams"].tables] == sorted(
        f"{c.name}.cql" for c in all_contracts()
    )
    assert [m.name for m in shipped["spark_streams"].migrations] == [
        "created_users/0002_set_ttl.cql"
    ]
