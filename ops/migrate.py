"""``make migrate``: apply the generated CQL to Cassandra, each migration exactly once.

``python -m ops.migrate apply [--keyspace K]``:

1. ``CREATE KEYSPACE IF NOT EXISTS`` with ``settings.cassandra.replication``;
2. every ``generated/cql/<stem>.cql`` (``CREATE TYPE/TABLE IF NOT EXISTS``, so re-runnable);
3. every ``generated/cql/migrations/<table>/NNNN_<desc>.cql`` not yet applied, in order (table,
   then number), each recorded in ``<keyspace>.schema_migrations`` (name, checksum,
   applied_at) once it has run. A recorded migration whose file has since changed is an error:
   released migrations are never edited, a new one is added instead.

The keyspace is ``--keyspace``, else ``cassandra.keyspace`` when set, else the one the contracts'
``x-cassandra`` name.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cassandra.cluster import NoHostAvailable

from clients.cassandra import connect, table_keyspace
from clients.cassandra_schema import ApplyReport, CqlText, Migration, MigrationError, apply_all
from codegen.errors import SchemaError
from config import Settings, load_settings
from config.settings import REPO_ROOT
from ops.contracts import SCHEMAS_DIR, discover_contracts

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
        prog="python -m ops.migrate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    apply = commands.add_parser("apply", help="create keyspace and tables, run new migrations")
    apply.add_argument("--keyspace", help="default: the keyspace the contracts name")
    apply.add_argument("--cql-dir", type=Path, default=GENERATED_CQL)
    args = parser.parse_args(argv)
    try:
        keyspace = args.keyspace or table_keyspace(settings, contracts_keyspace(settings))
        with connect(settings) as session:
            report = apply_generated(
                session, keyspace, settings.cassandra.replication, args.cql_dir
            )
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
