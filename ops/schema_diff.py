"""A readable field-level diff between two versions of a contract."""

from __future__ import annotations

from dataclasses import dataclass

from codegen.compat import describe
from codegen.model import Record
from codegen.table import Column, flatten


@dataclass(frozen=True)
class FieldChange:
    """One leaf field (dotted path) added (+), removed (-) or changed (~)."""

    kind: str
    path: str
    before: str | None
    after: str | None

    def __str__(self) -> str:
        if self.kind == "+":
            return f"+ {self.path}: {self.after}"
        if self.kind == "-":
            return f"- {self.path}: {self.before}"
        return f"~ {self.path}: {self.before} -> {self.after}"


def _leaves(record: Record | None) -> dict[str, str]:
    columns = flatten(record) if record is not None else ()
    return {".".join(c.path): _shown(c) for c in columns}


def _shown(column: Column) -> str:
    return f"{describe(column.type)}{' | null' if column.nullable else ''}"


def diff_schemas(old: Record | None, new: Record) -> list[FieldChange]:
    """Leaf fields added, removed or retyped from ``old`` (None: nothing) to ``new``."""
    before, after = _leaves(old), _leaves(new)
    changes = [FieldChange("-", p, t, None) for p, t in before.items() if p not in after]
    for path, shown in after.items():
        if path not in before:
            changes.append(FieldChange("+", path, None, shown))
        elif before[path] != shown:
            changes.append(FieldChange("~", path, before[path], shown))
    return changes
