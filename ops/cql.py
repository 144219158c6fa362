"""Apply the generated CQL to Cassandra: keyspace, tables, then each migration exactly once.

``python -m ops.cql apply [--keyspace K]`` (``make migrate``):

1. ``CREATE KEYSPACE IF NOT EXISTS`` with ``settings.cassandra.replication``;
2. every ``generated/cql/<stem>.cql`` (``CREATE TYPE/TABLE IF NOT EXISTS``, so re-runnable);
3. every ``generated/cql/migrations/<table>/NNNN_<desc>.cql`` not yet applied, in order (table,
   then number), each recorded in ``<keyspace>.schema_migrations`` (name, checksum,
   applied_at) once it has run. A recorded migration whose file has since changed is an error:
   released migrations are never edited, a new one is added instead.

The keyspace is ``--keyspace``, else the one the contracts' ``x-cassandra`` name.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cassandra.cluster import NoHostAvailable

from codegen.cql import keyspace_statement
from codegen.errors import SchemaError
from config import Settings, load_settings
from config.settings import REPO_ROOT
from ops.cassandra import connect
from ops.contracts import SCHEMAS_DIR, discover_contracts

GENERATED_CQL = REPO_ROOT / "generated" / "cql"
MIGRATIONS_TABLE = "schema_migrations"
_MIGRATION_FILE = re.compile(r"(\d+)_[A-Za-z0-9_]+\.cql")


class MigrationError(RuntimeError):
    """A CQL file could not be applied, or an applied migration was edited; names the file."""


@dataclass(frozen=True)
class Migration:
    """One migration file; ``name`` (``<table>/<file>``) is its identity once applied."""

    name: str
    path: Path
    number: int

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@dataclass
class ApplyReport:
    keyspace: str
    files: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    already_applied: list[str] = field(default_factory=list)


def split_statements(text: str) -> list[str]:
    """CQL statements of a file, without comments; ``;`` inside quotes does not split."""
    statements: list[str] = []
    current: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch, pair = text[i], text[i : i + 2]
        if pair in ("--", "//"):
            i = _end_of(text, "\n", i)
        elif pair == "/*":
            i = _end_of(text, "*/", i + 2)
        elif pair == "$$":
            end = _end_of(text, "$$", i + 2)
            current.append(text[i:end])
            i = end
        elif ch in "'\"":
            end = i + 1
            while end < n and not (text[end] == ch and text[end + 1 : end + 2] != ch):
                end += 2 if text[end] == ch else 1  # a doubled quote is an escaped quote
            current.append(text[i : end + 1])
            i = end + 1
        elif ch == ";":
            statements.append("".join(current).strip())
            current, i = [], i + 1
        else:
            current.append(ch)
            i += 1
    statements.append("".join(current).strip())
    return [s for s in statements if s]


def _end_of(text: str, marker: str, start: int) -> int:
    """Index just past ``marker`` at or after ``start`` (end of text when missing)."""
    found = text.find(marker, start)
    return len(text) if found < 0 else found + len(marker)


def table_files(cql_dir: Path) -> list[Path]:
    return sorted(cql_dir.glob("*.cql"))


def pending_order(cql_dir: Path) -> list[Migration]:
    """Every migration under ``cql_dir/migrations``, by table then number."""
    found = []
    for path in sorted((cql_dir / "migrations").glob("*/*.cql")):
        match = _MIGRATION_FILE.fullmatch(path.name)
        if match is None:
            raise MigrationError(f"{path}: a migration file is named NNNN_<description>.cql")
        found.append(Migration(f"{path.parent.name}/{path.name}", path, int(match.group(1))))
    return sorted(found, key=lambda m: (m.path.parent.name, m.number, m.name))


def _execute_file(session: Any, path: Path, text: str) -> None:
    for index, statement in enumerate(split_statements(text), start=1):
        try:
            session.execute(statement)
        except Exception as exc:  # the driver raises many types; each is re-raised with context
            first_line = statement.splitlines()[0]
            raise MigrationError(
                f"{path}: statement {index} ({first_line} ...) failed: {exc}"
            ) from exc


def applied_migrations(session: Any, keyspace: str) -> dict[str, str]:
    """Name -> checksum of every migration recorded in the keyspace."""
    rows = session.execute(f"SELECT name, checksum FROM {keyspace}.{MIGRATIONS_TABLE}")
    return {row.name: row.checksum for row in rows}


def apply_all(
    session: Any,
    keyspace: str,
    replication: Mapping[str, str | int],
    cql_dir: Path = GENERATED_CQL,
) -> ApplyReport:
    """Bring ``keyspace`` to the generated schema; running it again changes nothing.

    The generated CQL is unqualified, so this sets ``keyspace`` as the session's keyspace.
    """
    session.execute(keyspace_statement(keyspace, replication))
    session.set_keyspace(keyspace)
    session.execute(
        f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} "
        "(name text PRIMARY KEY, checksum text, applied_at timestamp)"
    )
    report = ApplyReport(keyspace)
    for path in table_files(cql_dir):
        _execute_file(session, path, path.read_text(encoding="utf-8"))
        report.files.append(path.name)
    recorded = applied_migrations(session, keyspace)
    migrations = pending_order(cql_dir)
    for migration in migrations:  # check every recorded one before changing anything
        if migration.name in recorded and recorded[migration.name] != migration.checksum:
            raise MigrationError(
                f"{migration.path}: changed since it was applied to keyspace {keyspace} "
                f"(checksum {recorded[migration.name][:12]} then, {migration.checksum[:12]} now); "
                "an applied migration is never edited: restore it and add a new one"
            )
    for migration in migrations:
        if migration.name in recorded:
            report.already_applied.append(migration.name)
            continue
        _execute_file(session, migration.path, migration.text)
        session.execute(
            f"INSERT INTO {MIGRATIONS_TABLE} (name, checksum, applied_at) "
            "VALUES (%s, %s, toTimestamp(now()))",
            (migration.name, migration.checksum),
        )
        report.applied.append(migration.name)
    return report


def contracts_keyspace(settings: Settings, schemas_dir: Path = SCHEMAS_DIR) -> str:
    """The one keyspace the contracts' ``x-cassandra`` name."""
    keyspaces: set[str] = set()
    for contract in discover_contracts(settings, schemas_dir):
        spec = contract.record.props.get("x-cassandra")
        if isinstance(spec, dict) and isinstance(spec.get("keyspace"), str):
            keyspaces.add(spec["keyspace"])
    if len(keyspaces) != 1:
        raise MigrationError(
            f"{schemas_dir}: the contracts name keyspaces "
            f"{sorted(keyspaces) or 'none'}; choose one with --keyspace"
        )
    return keyspaces.pop()


def run(argv: Sequence[str], settings: Settings) -> int:
    """The CLI on explicit settings; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m ops.cql",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    apply = commands.add_parser("apply", help="create keyspace and tables, run new migrations")
    apply.add_argument("--keyspace", help="default: the keyspace the contracts name")
    apply.add_argument("--cql-dir", type=Path, default=GENERATED_CQL)
    args = parser.parse_args(argv)
    try:
        keyspace = args.keyspace or settings.cassandra.keyspace or contracts_keyspace(settings)
        with connect(settings) as session:
            report = apply_all(session, keyspace, settings.cassandra.replication, args.cql_dir)
    except (MigrationError, SchemaError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except NoHostAvailable as exc:
        print(
            f"error: cassandra {settings.cassandra.contact_points} port "
            f"{settings.cassandra.port}: {exc}",
            file=sys.stderr,
        )
        return 1
    print(f"keyspace {report.keyspace}: applied {', '.join(report.files) or 'no table files'}")
    for name in report.applied:
        print(f"  migration {name}: applied")
    for name in report.already_applied:
        print(f"  migration {name}: already applied")
    return 0


def main() -> None:
    sys.exit(run(sys.argv[1:], load_settings()))


if __name__ == "__main__":
    main()
