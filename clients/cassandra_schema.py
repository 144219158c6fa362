"""Bringing a keyspace to the generated schema, each migration applied exactly once.

The mechanism behind ``make migrate`` and the streaming job's live switch to a new contract
version: tables are ``CREATE ... IF NOT EXISTS`` (re-runnable), and every migration is recorded
in ``<keyspace>.schema_migrations`` (name, checksum, applied_at) once it has run. A recorded
migration whose text has since changed is an error: released migrations are never edited, a new
one is added instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from codegen.render_cql import keyspace_statement

MIGRATIONS_TABLE = "schema_migrations"


class MigrationError(RuntimeError):
    """A CQL text could not be applied, or an applied migration was edited; names its origin."""


@dataclass(frozen=True)
class CqlText:
    """CQL to run: ``origin`` (a file path, or what generated it) names it in errors."""

    origin: str
    text: str


@dataclass(frozen=True)
class Migration:
    """One migration; ``name`` (``<table>/<NNNN>_<description>.cql``) is its identity."""

    name: str
    number: int
    cql: CqlText

    @property
    def checksum(self) -> str:
        """A digest of the statements alone: comments (such as the header naming the schema
        file it was generated from) do not count, so the same step applied by the streaming
        job's live reader and by ``make migrate`` is the same migration."""
        statements = ";\n".join(" ".join(s.split()) for s in split_statements(self.cql.text))
        return hashlib.sha256(statements.encode("utf-8")).hexdigest()


@dataclass
class ApplyReport:
    """What one run applied, and which migrations were there already."""

    keyspace: str
    files: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    already_applied: list[str] = field(default_factory=list)


def split_statements(text: str) -> list[str]:
    """CQL statements of a text, without comments; ``;`` inside quotes does not split."""
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


def execute_cql(session: Any, cql: CqlText) -> None:
    """Run every statement of ``cql``; a failure names the origin and the statement."""
    for index, statement in enumerate(split_statements(cql.text), start=1):
        try:
            session.execute(statement)
        except Exception as exc:  # the driver raises many types; each is re-raised with context
            first_line = statement.splitlines()[0]
            raise MigrationError(
                f"{cql.origin}: statement {index} ({first_line} ...) failed: {exc}"
            ) from exc


def applied_migrations(session: Any, keyspace: str) -> dict[str, str]:
    """Name -> checksum of every migration recorded in the keyspace."""
    rows = session.execute(f"SELECT name, checksum FROM {keyspace}.{MIGRATIONS_TABLE}")
    return {row.name: row.checksum for row in rows}


def prepare_keyspace(session: Any, keyspace: str, replication: Mapping[str, str | int]) -> None:
    """Create the keyspace (if missing) and its migrations table, and use it."""
    session.execute(keyspace_statement(keyspace, replication))
    session.set_keyspace(keyspace)
    session.execute(
        f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} "
        "(name text PRIMARY KEY, checksum text, applied_at timestamp)"
    )


def apply_migrations(
    session: Any, keyspace: str, migrations: Sequence[Migration], report: ApplyReport
) -> None:
    """Run each migration not yet recorded in ``keyspace``, in order, and record it.

    Every recorded one is checked before anything runs, so an edited migration changes nothing.
    """
    recorded = applied_migrations(session, keyspace)
    for migration in migrations:
        if migration.name in recorded and recorded[migration.name] != migration.checksum:
            raise MigrationError(
                f"{migration.cql.origin}: changed since it was applied to keyspace {keyspace} "
                f"(checksum {recorded[migration.name][:12]} then, {migration.checksum[:12]} now); "
                "an applied migration is never edited: restore it and add a new one"
            )
    for migration in migrations:
        if migration.name in recorded:
            report.already_applied.append(migration.name)
            continue
        execute_cql(session, migration.cql)
        session.execute(
            f"INSERT INTO {keyspace}.{MIGRATIONS_TABLE} (name, checksum, applied_at) "
            "VALUES (%s, %s, toTimestamp(now()))",
            (migration.name, migration.checksum),
        )
        report.applied.append(migration.name)


def apply_all(
    session: Any,
    keyspace: str,
    replication: Mapping[str, str | int],
    tables: Sequence[CqlText],
    migrations: Sequence[Migration],
) -> ApplyReport:
    """Bring ``keyspace`` to the given schema; running it again changes nothing.

    The generated CQL is unqualified, so this sets ``keyspace`` as the session's keyspace.
    """
    prepare_keyspace(session, keyspace, replication)
    report = ApplyReport(keyspace)
    for table in tables:
        execute_cql(session, table)
        report.files.append(table.origin.rsplit("/", 1)[-1])
    apply_migrations(session, keyspace, migrations, report)
    return report
