"""CQL migrations derived from a contract's released history.

Released versions live in ``schemas/history/<stem>/v<N>.avsc`` (v1 = first release); the file
``schemas/<stem>.avsc`` is the head. Each step (v1->v2, ..., vN->head) that adds columns yields
``cql/migrations/<table>/<NNNN>_add_<column>.cql`` where NNNN is the version the step leads to
(the head counts as N+1), so a file keeps its name when the head is later released.
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
from codegen.table import Table, table_for

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


def migrations(schemas_dir: Path, head: SchemaFile, table: Table) -> dict[str, str]:
    """Relative output path -> text of every migration of ``head``'s table."""
    others = [p for p in sorted(schemas_dir.glob("*.avsc")) if p.stem != head.stem]
    versions: list[SchemaFile] = [
        parse_files([path, *others], display_root=schemas_dir.parent)[0]
        for _, path in history(schemas_dir, head.stem)
    ]
    versions.append(head)
    out: dict[str, str] = {}
    for number, (old, new) in enumerate(itertools.pairwise(versions), start=2):
        old_table, new_table = table_for(old.record), table_for(new.record)
        if old_table is None or new_table is None:
            continue
        step = step_migration(old_table, new_table, number)
        if step is not None:
            out[f"cql/migrations/{step[0]}"] = step[1]
    return out


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
