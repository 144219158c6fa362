"""Personal data, as the contract tags it: fields with ``"x-pii": true`` are masked wherever the
pipeline prints or dead-letters a record in readable form.

Tags are read from the Avro schema JSON itself (the generated ``AVRO_SCHEMA``, or a writer schema
fetched from the registry), so any producer's records are masked by their own schema's tags.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"
PII_PROPERTY = "x-pii"


def pii_paths(schema: Mapping[str, Any]) -> frozenset[str]:
    """Dotted paths of the tagged fields of an Avro record schema (through nested records and
    ``["null", record]`` unions)."""
    return frozenset(_paths(schema, ""))


def _paths(schema: Any, prefix: str) -> Iterable[str]:
    if isinstance(schema, list):
        for branch in schema:
            yield from _paths(branch, prefix)
        return
    if not isinstance(schema, Mapping) or schema.get("type") not in ("record", "error"):
        if isinstance(schema, Mapping) and isinstance(schema.get("type"), Mapping | list):
            yield from _paths(schema["type"], prefix)
        return
    for field in schema.get("fields", []):
        if not isinstance(field, Mapping) or not isinstance(field.get("name"), str):
            continue
        path = f"{prefix}{field['name']}"
        if field.get(PII_PROPERTY) is True:
            yield path
        yield from _paths(field.get("type"), f"{path}.")


def mask(record: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """A copy of ``record`` whose tagged non-null values are replaced by ``"***"``."""
    masked: dict[str, Any] = dict(record)
    for path in paths:
        _mask_path(masked, path.split("."))
    return masked


def _mask_path(node: dict[str, Any], parts: list[str]) -> None:
    head, rest = parts[0], parts[1:]
    if head not in node or node[head] is None:
        return
    if not rest:
        node[head] = MASK
        return
    child = node[head]
    if isinstance(child, Mapping):
        node[head] = dict(child)
        _mask_path(node[head], rest)
