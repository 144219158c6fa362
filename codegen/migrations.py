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
        old_columns = {c.name for c in old_table.columns}
        added = [c.name for c in new_table.columns if c.name not in old_columns]
        if not added:
            continue
        description = f"add_{added[0]}" + (f"_and_{len(added) - 1}_more" if len(added) > 1 else "")
        text = render_migration(new_table, added, number, description.replace("_", " "))
        out[f"cql/migrations/{table.name}/{number:04d}_{description}.cql"] = text
    return out
