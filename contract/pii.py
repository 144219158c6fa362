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
    """Dotted paths of the tagged fields of an Avro record schema (through nested records,
    ``["null", record]`` unions, and references by name to records defined earlier in it)."""
    return frozenset(_paths(schema, "", {}, None, frozenset()))


def _full_name(name: str, namespace: str | None) -> str:
    return name if "." in name or not namespace else f"{namespace}.{name}"


def _paths(
    schema: Any,
    prefix: str,
    names: dict[str, Mapping[str, Any]],
    namespace: str | None,
    expanding: frozenset[str],
) -> Iterable[str]:
    """Tagged paths under ``schema``; ``names`` collects the records defined so far by full
    name, ``expanding`` the records being walked (so a recursive reference stops)."""
    if isinstance(schema, list):
        for branch in schema:
            yield from _paths(branch, prefix, names, namespace, expanding)
        return
    if isinstance(schema, str):  # a reference; a recursive one is not entered again
        name = _full_name(schema, namespace)
        if name in names and name not in expanding:
            yield from _paths(names[name], prefix, names, namespace, expanding)
        return
    if not isinstance(schema, Mapping) or schema.get("type") not in ("record", "error"):
        if isinstance(schema, Mapping) and isinstance(schema.get("type"), Mapping | list):
            yield from _paths(schema["type"], prefix, names, namespace, expanding)
        return
    namespace = schema.get("namespace", namespace)
    name = _full_name(str(schema.get("name", "")), namespace)
    names[name] = schema
    for field in schema.get("fields", []):
        if not isinstance(field, Mapping) or not isinstance(field.get("name"), str):
            continue
        path = f"{prefix}{field['name']}"
        if field.get(PII_PROPERTY) is True:
            yield path
        yield from _paths(field.get("type"), f"{path}.", names, namespace, expanding | {name})


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


def pii_columns(schema: Mapping[str, Any]) -> frozenset[str]:
    """The table columns of the tagged fields (a nested field's column joins its path with
    ``_``, the contract's flattening rule)."""
    return frozenset(path.replace(".", "_") for path in pii_paths(schema))
