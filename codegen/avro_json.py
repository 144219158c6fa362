"""The self-contained JSON form of a record: every named type inlined at its first use.

Names are written as full names (no ``namespace`` keys), keys in one fixed order, no whitespace,
so the text is stable: it is what producers register and Spark uses as its reader schema.
"""

from __future__ import annotations

import json
from typing import Any

from codegen.model import Array, AvroType, Enum, Field, Fixed, Map, Primitive, Record, Union


def schema_json(record: Record) -> str:
    """The canonical, self-contained JSON text of ``record``."""
    return json.dumps(to_json(record, set()), separators=(",", ":"), ensure_ascii=True)


def to_json(t: AvroType, seen: set[str]) -> Any:
    """The JSON value of ``t``; named types already in ``seen`` are referenced by name."""
    if isinstance(t, Primitive):
        if t.logical is None:
            return t.type
        return {
            "type": t.type,
            "logicalType": t.logical,
            **_decimal(t.logical, t.precision, t.scale),
        }
    if isinstance(t, Array):
        return {"type": "array", "items": to_json(t.items, seen)}
    if isinstance(t, Map):
        return {"type": "map", "values": to_json(t.values, seen)}
    if isinstance(t, Union):
        return [to_json(b, seen) for b in t.branches]
    if t.fullname in seen:
        return t.fullname
    seen.add(t.fullname)
    head: dict[str, Any] = {"name": t.fullname}
    if t.doc is not None:
        head["doc"] = t.doc
    if isinstance(t, Fixed):
        logical = {"logicalType": t.logical} if t.logical else {}
        return {
            "type": "fixed",
            **head,
            "size": t.size,
            **logical,
            **_decimal(t.logical, t.precision, t.scale),
        }
    if isinstance(t, Enum):
        default = {"default": t.default} if t.default is not None else {}
        return {"type": "enum", **head, "symbols": list(t.symbols), **default}
    aliases = {"aliases": list(t.aliases)} if t.aliases else {}
    props = {k: t.props[k] for k in sorted(t.props)}
    return {
        "type": "record",
        **head,
        **aliases,
        **props,
        "fields": [_field(f, seen) for f in t.fields],
    }


def _field(f: Field, seen: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": f.name}
    if f.aliases:
        out["aliases"] = list(f.aliases)
    if f.doc is not None:
        out["doc"] = f.doc
    out["type"] = to_json(f.type, seen)
    if f.has_default:
        out["default"] = f.default
    out.update((k, f.props[k]) for k in sorted(f.props))
    return out


def _decimal(logical: str | None, precision: int, scale: int) -> dict[str, int]:
    return {"precision": precision, "scale": scale} if logical == "decimal" else {}
