"""``make migrate``: apply the generated CQL to Cassandra, each migration exactly once.

``python -m ops.migrate apply [--contract NAMES] [--keyspace K]``, for each contract's keyspace:

1. ``CREATE KEYSPACE IF NOT EXISTS`` with ``settings.cassandra.replication``;
2. the contract's ``generated/cql/<stem>.cql`` (``CREATE TYPE/TABLE IF NOT EXISTS`` of each of
   its tables, so re-runnable);
3. every ``generated/cql/migrations/<table>/NNNN_<desc>.cql`` of its tables not yet applied, in
   order (table, then number), each recorded in ``<keyspace>.schema_migrations`` (name,
   checksum, applied_at) once it has run. A recorded migration whose file has since changed is
   an error: released migrations are never edited, a new one is added instead.

A contract's keyspace is ``--keyspace``, else ``cassandra.keyspace`` when set, else the one its
``x-cassandra`` names.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cassandra.cluster import NoHostAvailable

from clients.cassandra import connect, table_keyspace
from clients.cassandra_schema import ApplyReport, CqlText, Migration, MigrationError, apply_all
from codegen.errors import SchemaError
from codegen.table import tables_for
from config import Settings, load_settings
from config.settings import REPO_ROOT
from contract.catalog import UnknownContractError, requested
from ops.contract_files import SCHEMAS_DIR, discover_contracts

GENERATED_CQL = REPO_ROOT / "generated" / "cql"
_MIGRATION_FILE = re.compile(r"(\d+)_[A-Za-z0-9_]+\.cql")


def table_files(cql_dir: Path) -> list[CqlText]:
    """Every generated table file of ``cql_dir``, by name."""
    return [
        CqlText(str(path), path.read_text(encoding="utf-8"))
        for path in sorted(cql_dir.glob("*.cql"))
    ]


def migration_files(cql_dir: Path) -> list[Migration]:
    """Every migration under ``cql_dir/migrations``, by table then number."""
    found = []
    for path in sorted((cql_dir / "migrations").glob("*/*.cql")):
        match = _MIGRATION_FILE.fullmatch(path.name)
        if match is None:
            raise MigrationError(f"{path}: a migration file is named NNNN_<description>.cql")
        cql = CqlText(str(path), path.read_text(encoding="utf-8"))
        found.append(Migration(f"{path.parent.name}/{path.name}", int(match.group(1)), cql))
    return sorted(found, key=lambda m: (m.name.split("/")[0], m.number, m.name))


def apply_generated(
    session: Any,
    keyspace: str,
    replication: Mapping[str, str | int],
    cql_dir: Path = GENERATED_CQL,
) -> ApplyReport:
    """Bring ``keyspace`` to the CQL generated under ``cql_dir`` (tables, then migrations)."""
    return apply_all(session, keyspace, replication, table_files(cql_dir), migration_files(cql_dir))


@dataclass
class KeyspacePlan:
    """What one keyspace gets: the contracts' table files and their tables' migrations."""

    tables: list[CqlText] = field(default_factory=list)
    migrations: list[Migration] = field(default_factory=list)


def plans(
    settings: Settings,
    cql_dir: Path = GENERATED_CQL,
    schemas_dir: Path = SCHEMAS_DIR,
    names: list[str] | None = None,
    keyspace: str | None = None,
) -> dict[str, KeyspacePlan]:
    """Keyspace -> the CQL of the contracts (``names``, default all) that live in it."""
    found: dict[str, KeyspacePlan] = {}
    every_migration = migration_files(cql_dir)
    for contract in discover_contracts(settings, schemas_dir, names):
        tables = tables_for(contract.record)
        if not tables:
            continue
        target = keyspace or table_keyspace(settings, tables[0].keyspace)
        plan = found.setdefault(target, KeyspacePlan())
        path = cql_dir / f"{contract.name}.cql"
        if not path.exists():
            raise MigrationError(f"{path}: missing; run `make codegen`")
        plan.tables.append(CqlText(str(path), path.read_text(encoding="utf-8")))
        names_here = {table.name for table in tables}
        plan.migrations.extend(m for m in every_migration if m.name.split("/")[0] in names_here)
    return found


def run(argv: Sequence[str], settings: Settings) -> int:
    """The CLI on explicit settings; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m ops.migrate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    apply = commands.add_parser("apply", help="create keyspaces and tables, run new migrations")
    apply.add_argument("--contract", help="only these contracts (comma-separated; default all)")
    apply.add_argument("--keyspace", help="default: the keyspace each contract names")
    apply.add_argument("--cql-dir", type=Path, default=GENERATED_CQL)
    apply.add_argument("--schemas", type=Path, default=SCHEMAS_DIR)
    args = parser.parse_args(argv)
    try:
        planned = plans(
            settings, args.cql_dir, args.schemas, requested(args.contract), args.keyspace
        )
        with connect(settings) as session:
            reports = [
                apply_all(
                    session,
                    keyspace,
                    settings.cassandra.replication,
                    plan.tables,
                    plan.migrations,
                )
                for keyspace, plan in planned.items()
            ]
    except (MigrationError, SchemaError, ValueError, UnknownContractError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except NoHostAvailable as exc:
        print(
            f"error: cassandra {settings.cassandra.contact_points} port "
            f"{settings.cassandra.port}: {exc}",
            file=sys.stderr,
        )
        return 1
    for report in reports:
        files = ", ".join(report.files) or "no table files"
        print(f"keyspace {report.keyspace}: applied {files}")
        for name in report.applied:
            print(f"  migration {name}: applied")
        for name in report.already_applied:
            print(f"  migration {name}: already applied")
    if not reports:
        print("no contract has a Cassandra table: nothing to apply")
    return 0


def main() -> None:
    sys.exit(run(sys.argv[1:], load_settings()))


if __name__ == "__main__":
    main()
