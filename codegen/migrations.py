"""CQL migrations derived from a contract's released history.

Released versions live in ``schemas/history/<stem>/v<N>.avsc`` (v1 = first release); the file
``schemas/<stem>.avsc`` is the head. Each step (v1->v2, ..., vN->head) that adds columns to one
of its tables yields ``cql/migrations/<table>/<NNNN>_add_<column>.cql`` where NNNN is the
version the step leads to (the head counts as N+1), so a file keeps its name when the head is
later released.
Removed fields yield no ``DROP``: their columns stay (the compatibility check warns).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from codegen.errors import SchemaError
from codegen.model import SchemaFile
from codegen.parse import parse_files
from codegen.render_cql import render_migration
from codegen.table import Table, tables_for

_VERSION = re.compile(r"v([1-9][0-9]*)\.avsc")


def history(schemas_dir: Path, stem: str) -> list[tuple[int, Path]]:
    """The released versions of a contract, oldest first; numbers must run 1, 2, 3 ..."""
    folder = schemas_dir / "history" / stem
    found = sorted(
        (int(m.group(1)), p) for p in folder.glob("v*.avsc") if (m := _VERSION.fullmatch(p.name))
    )
    for expected, (number, path) in enumerate(found, start=1):
        if number != expected:
            raise SchemaError(
                path.as_posix(),
                "",
                f"history versions must be v1..vN without gaps; expected v{expected}.avsc",
            )
    return found


def migrations(schemas_dir: Path, head: SchemaFile) -> dict[str, str]:
    """Relative output path -> text of every migration of ``head``'s tables."""
    others = [p for p in sorted(schemas_dir.glob("*.avsc")) if p.stem != head.stem]
    versions: list[SchemaFile] = [
        parse_files([path, *others], display_root=schemas_dir.parent)[0]
        for _, path in history(schemas_dir, head.stem)
    ]
    versions.append(head)
    out: dict[str, str] = {}
    for number, (old, new) in enumerate(itertools.pairwise(versions), start=2):
        for step in version_steps(tables_for(old.record), tables_for(new.record), number):
            out[f"cql/migrations/{step[0]}"] = step[1]
    return out


def version_steps(
    old: tuple[Table, ...], new: tuple[Table, ...], number: int
) -> list[tuple[str, str]]:
    """The migrations of every table of ``new`` that ``old`` had too (a table new in ``new`` is
    created whole by the contract's DDL, not migrated)."""
    before = {table.name: table for table in old}
    steps = [
        step_migration(before[table.name], table, number) for table in new if table.name in before
    ]
    return [step for step in steps if step is not None]


def step_migration(old: Table, new: Table, number: int) -> tuple[str, str] | None:
    """``(<table>/<NNNN>_<description>.cql, text)`` of the step from ``old`` to ``new``, or
    None when the step changes nothing Cassandra must be told (the same name and text whether
    ``make codegen`` writes it or the streaming job's live reader applies it)."""
    old_columns = {c.name for c in old.columns}
    added = [c.name for c in new.columns if c.name not in old_columns]
    ttl_changed = old.default_ttl != new.default_ttl
    if not added and not ttl_changed:
        return None
    parts = []
    if added:
        parts.append(f"add_{added[0]}" + (f"_and_{len(added) - 1}_more" if len(added) > 1 else ""))
    if ttl_changed:
        parts.append("set_ttl")
    description = "_and_".join(parts)
    text = render_migration(new, added, number, description.replace("_", " "), ttl_changed)
    return f"{new.name}/{number:04d}_{description}.cql", text
