"""Parse every ``.avsc`` file of a folder into the validated model, resolving shared named types.

Files are first scanned for every named type they define, so a file may use a type defined in
another file whatever their order. Each named type is then parsed once, in the context of the
file that defines it, so its errors name that file.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codegen.errors import SchemaError
from codegen.model import (
    Array,
    AvroType,
    Enum,
    Field,
    Fixed,
    Map,
    NamedType,
    Primitive,
    Record,
    SchemaFile,
    Union,
    is_null,
)
from codegen.typemap import LOGICAL_BASES, PRIMITIVES

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAMED_KINDS = ("record", "error", "enum", "fixed")
_AVRO_KEYS = frozenset(
    {
        "type",
        "name",
        "namespace",
        "doc",
        "aliases",
        "fields",
        "symbols",
        "default",
        "size",
        "items",
        "values",
        "logicalType",
        "precision",
        "scale",
        "order",
    }
)


_FIELD_KEYS = frozenset({"name", "type", "doc", "default", "aliases", "order"})


@dataclass(frozen=True, slots=True)
class _Definition:
    raw: dict[str, Any]
    namespace: str
    source: str


@dataclass(slots=True)
class _Parser:
    definitions: dict[str, _Definition] = field(default_factory=dict)
    parsed: dict[str, NamedType] = field(default_factory=dict)
    in_progress: list[str] = field(default_factory=list)

    # -- scanning ---------------------------------------------------------------------------

    def collect(self, raw: Any, namespace: str, source: str, path: str) -> None:
        """Record every named type defined in ``raw`` (recursively) with its namespace."""
        if isinstance(raw, list):
            for i, branch in enumerate(raw):
                self.collect(branch, namespace, source, f"{path}[{i}]")
            return
        if not isinstance(raw, dict):
            return
        kind = raw.get("type")
        if kind in _NAMED_KINDS:
            fullname, namespace = _fullname(raw, namespace, source, path)
            if fullname in self.definitions:
                other = self.definitions[fullname].source
                raise SchemaError(source, path, f"type {fullname} is already defined in {other}")
            self.definitions[fullname] = _Definition(raw, namespace, source)
            path = fullname
        elif isinstance(kind, dict | list):
            self.collect(kind, namespace, source, path)
        for f in raw.get("fields", []) if kind in ("record", "error") else []:
            if isinstance(f, dict):
                self.collect(f.get("type"), namespace, source, f"{path}.{f.get('name')}")
        for key in ("items", "values"):
            if key in raw:
                self.collect(raw[key], namespace, source, path)

    # -- parsing ----------------------------------------------------------------------------

    def parse(self, raw: Any, namespace: str, source: str, path: str) -> AvroType:
        """One case per shape of Avro type JSON: a name, a union list, or a type object."""
        if isinstance(raw, str):
            return self.reference(raw, namespace, source, path)
        if isinstance(raw, list):
            return self.union(raw, namespace, source, path)
        if not isinstance(raw, dict):
            raise SchemaError(
                source, path, f"a type must be a name, a list or an object, not {raw!r}"
            )
        kind = raw.get("type")
        if kind in _NAMED_KINDS:
            fullname, _ = _fullname(raw, namespace, source, path)
            return self.named(fullname, source, path)
        if kind == "array":
            return Array(
                self.parse(_required(raw, "items", source, path), namespace, source, f"{path}[]")
            )
        if kind == "map":
            return Map(
                self.parse(_required(raw, "values", source, path), namespace, source, f"{path}{{}}")
            )
        if kind in PRIMITIVES:
            return _primitive(raw, str(kind), source, path)
        if isinstance(kind, dict | list | str) and "logicalType" not in raw:
            return self.parse(kind, namespace, source, path)
        raise SchemaError(source, path, f"invalid type {kind!r}")

    def reference(self, name: str, namespace: str, source: str, path: str) -> AvroType:
        if name in PRIMITIVES:
            return Primitive(name)
        candidates = [name] if "." in name else [f"{namespace}.{name}" if namespace else name, name]
        for candidate in candidates:
            if candidate in self.definitions:
                return self.named(candidate, source, path)
        raise SchemaError(
            source,
            path,
            f"unknown type {name!r} (not a primitive, and no schema "
            "file under the schemas folder defines it)",
        )

    def named(self, fullname: str, source: str, path: str) -> NamedType:
        if fullname in self.parsed:
            return self.parsed[fullname]
        if fullname in self.in_progress:
            cycle = " -> ".join([*self.in_progress[self.in_progress.index(fullname) :], fullname])
            raise SchemaError(
                source,
                path,
                f"recursive record ({cycle}): no Cassandra table, "
                "Spark struct or flat column list can hold it",
            )
        definition = self.definitions[fullname]
        self.in_progress.append(fullname)
        try:
            result = self.define(fullname, definition)
        finally:
            self.in_progress.pop()
        self.parsed[fullname] = result
        return result

    def define(self, fullname: str, d: _Definition) -> NamedType:
        raw, source, ns = d.raw, d.source, fullname.rpartition(".")[0]
        doc = _doc(raw, source, fullname)
        kind = raw["type"]
        if kind == "enum":
            return _enum(raw, fullname, source, doc)
        if kind == "fixed":
            return _fixed(raw, fullname, source, doc)
        raw_fields = raw.get("fields")
        if not isinstance(raw_fields, list):
            raise SchemaError(source, fullname, "a record needs a 'fields' list")
        fields: list[Field] = []
        for i, raw_field in enumerate(raw_fields):
            if not isinstance(raw_field, dict):
                raise SchemaError(source, f"{fullname}.fields[{i}]", "a field must be an object")
            name = raw_field.get("name")
            if not isinstance(name, str) or not _NAME.fullmatch(name):
                raise SchemaError(source, f"{fullname}.fields[{i}]", f"invalid field name {name!r}")
            fpath = f"{fullname}.{name}"
            if any(f.name == name for f in fields):
                raise SchemaError(source, fpath, "duplicate field name")
            ftype = self.parse(_required(raw_field, "type", source, fpath), ns, source, fpath)
            has_default = "default" in raw_field
            if has_default:
                _check_default(ftype, raw_field["default"], source, fpath)
            fields.append(
                Field(
                    name,
                    ftype,
                    _doc(raw_field, source, fpath),
                    has_default,
                    raw_field.get("default"),
                    _aliases(raw_field, source, fpath),
                    {k: v for k, v in raw_field.items() if k not in _FIELD_KEYS},
                )
            )
        props = {k: v for k, v in raw.items() if k not in _AVRO_KEYS}
        return Record(fullname, tuple(fields), source, doc, _aliases(raw, source, fullname), props)

    def union(self, raw: list[Any], namespace: str, source: str, path: str) -> Union:
        branches = tuple(self.parse(b, namespace, source, f"{path}|{i}") for i, b in enumerate(raw))
        if not branches:
            raise SchemaError(source, path, "empty union")
        if all(is_null(b) for b in branches):
            raise SchemaError(source, path, "a union of only null holds no value")
        seen: set[str] = set()
        for b in branches:
            key = _union_key(b)
            if key in seen:
                raise SchemaError(source, path, f"union has two branches of type {key}")
            if isinstance(b, Union):
                raise SchemaError(source, path, "a union may not directly contain a union")
            seen.add(key)
        return Union(branches)


def parse_folder(schemas_dir: Path) -> list[SchemaFile]:
    """Parse every ``*.avsc`` directly under ``schemas_dir`` (not its ``history/``)."""
    paths = sorted(schemas_dir.glob("*.avsc"))
    if not paths:
        raise SchemaError(str(schemas_dir), "", "no .avsc files found")
    return parse_files(paths, display_root=schemas_dir.parent)


def parse_files(paths: Iterable[Path], display_root: Path) -> list[SchemaFile]:
    """Parse the given files together; ``display_root`` makes the paths shown in messages."""
    parser = _Parser()
    loaded: list[tuple[str, Path, dict[str, Any]]] = []
    for path in paths:
        source = _display(path, display_root)
        raw = load_json(path, source)
        if not isinstance(raw, dict) or raw.get("type") not in ("record", "error"):
            raise SchemaError(source, "", "the top level of a schema file must be one record")
        parser.collect(raw, "", source, "")
        loaded.append((source, path, raw))
    files = []
    for source, path, raw in loaded:
        fullname, _ = _fullname(raw, "", source, "")
        record = parser.named(fullname, source, fullname)
        assert isinstance(record, Record)
        files.append(SchemaFile(source, path.stem, record))
    return files


def parse_document(document: object, source: str) -> Record:
    """Parse one self-contained schema given as decoded JSON (e.g. fetched from a registry)."""
    parser = _Parser()
    if not isinstance(document, dict) or document.get("type") not in ("record", "error"):
        raise SchemaError(source, "", "the top level of a schema must be one record")
    parser.collect(document, "", source, "")
    record = parser.named(_fullname(document, "", source, "")[0], source, "")
    assert isinstance(record, Record)
    return record


def load_json(path: Path, source: str) -> Any:
    """Read a JSON file; malformed JSON becomes a :class:`SchemaError` with line and column."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise SchemaError(
            source, f"line {e.lineno} column {e.colno}", f"malformed JSON: {e.msg}"
        ) from e


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _fullname(raw: dict[str, Any], namespace: str, source: str, path: str) -> tuple[str, str]:
    name = raw.get("name")
    if not isinstance(name, str) or not all(_NAME.fullmatch(p) for p in name.split(".")):
        raise SchemaError(source, path or "<top>", f"invalid or missing type name {name!r}")
    if "." in name:
        return name, name.rpartition(".")[0]
    ns = raw.get("namespace", namespace)
    if not isinstance(ns, str) or (ns and not all(_NAME.fullmatch(p) for p in ns.split("."))):
        raise SchemaError(source, path or name, f"invalid namespace {ns!r}")
    return (f"{ns}.{name}" if ns else name), ns


def _required(raw: dict[str, Any], key: str, source: str, path: str) -> Any:
    if key not in raw:
        raise SchemaError(source, path, f"missing '{key}'")
    return raw[key]


def _aliases(raw: dict[str, Any], source: str, path: str) -> tuple[str, ...]:
    aliases = raw.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise SchemaError(source, path, "'aliases' must be a list of names")
    return tuple(aliases)


def _doc(raw: dict[str, Any], source: str, path: str) -> str | None:
    doc = raw.get("doc")
    if doc is not None and not isinstance(doc, str):
        raise SchemaError(source, path, "'doc' must be a string")
    return doc


def _primitive(raw: dict[str, Any], kind: str, source: str, path: str) -> Primitive:
    logical = raw.get("logicalType")
    if logical is None or logical not in LOGICAL_BASES:
        return Primitive(kind)  # unknown logical types are ignored, as the Avro spec says
    if kind not in LOGICAL_BASES[logical]:
        raise SchemaError(
            source,
            path,
            f"logical type {logical} cannot annotate {kind} "
            f"(allowed: {', '.join(sorted(LOGICAL_BASES[logical]))})",
        )
    precision, scale = _decimal_args(raw, logical, None, source, path)
    return Primitive(kind, str(logical), precision, scale)


def _fixed(raw: dict[str, Any], fullname: str, source: str, doc: str | None) -> Fixed:
    size = raw.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise SchemaError(
            source, fullname, f"fixed size must be a non-negative integer, not {size!r}"
        )
    logical = raw.get("logicalType")
    if logical is None or logical not in LOGICAL_BASES:
        return Fixed(fullname, size, source, doc)
    if "fixed" not in LOGICAL_BASES[logical]:
        raise SchemaError(source, fullname, f"logical type {logical} cannot annotate fixed")
    if logical == "duration" and size != 12:
        raise SchemaError(source, fullname, "logical type duration needs a fixed of size 12")
    precision, scale = _decimal_args(raw, logical, size, source, fullname)
    return Fixed(fullname, size, source, doc, str(logical), precision, scale)


def _decimal_args(
    raw: dict[str, Any], logical: Any, size: int | None, source: str, path: str
) -> tuple[int, int]:
    if logical != "decimal":
        return 0, 0
    precision, scale = raw.get("precision"), raw.get("scale", 0)
    if not isinstance(precision, int) or isinstance(precision, bool) or precision < 1:
        raise SchemaError(
            source, path, f"decimal precision must be a positive integer, not {precision!r}"
        )
    if not isinstance(scale, int) or isinstance(scale, bool) or not 0 <= scale <= precision:
        raise SchemaError(
            source, path, f"decimal scale must be an integer in 0..precision, not {scale!r}"
        )
    if size is not None and precision > math.floor(math.log10(2 ** (8 * size - 1) - 1)):
        raise SchemaError(
            source, path, f"decimal precision {precision} does not fit in {size} bytes"
        )
    return precision, scale


def _enum(raw: dict[str, Any], fullname: str, source: str, doc: str | None) -> Enum:
    symbols = raw.get("symbols")
    if not isinstance(symbols, list) or not symbols:
        raise SchemaError(source, fullname, "an enum needs a non-empty 'symbols' list")
    for s in symbols:
        if not isinstance(s, str) or not _NAME.fullmatch(s):
            raise SchemaError(source, fullname, f"invalid enum symbol {s!r}")
    if len(set(symbols)) != len(symbols):
        raise SchemaError(source, fullname, "duplicate enum symbol")
    default = raw.get("default")
    if default is not None and default not in symbols:
        raise SchemaError(source, fullname, f"enum default {default!r} is not a symbol")
    return Enum(fullname, tuple(symbols), source, doc, default)


def _union_key(t: AvroType) -> str:
    if isinstance(t, Primitive):
        return t.type
    if isinstance(t, Array):
        return "array"
    if isinstance(t, Map):
        return "map"
    if isinstance(t, Union):
        return "union"
    return t.fullname


def _check_default(t: AvroType, value: Any, source: str, path: str) -> None:
    """A field default must be a JSON value of the field's type (of the first union branch)."""
    if not _default_fits(t, value):
        raise SchemaError(
            source,
            path,
            f"default {json.dumps(value)} does not match the field type"
            " (for a union, the default must match its first branch)",
        )


def _default_fits(t: AvroType, v: Any) -> bool:
    if isinstance(t, Union):
        return _default_fits(t.branches[0], v)
    if isinstance(t, Primitive):
        checks: dict[str, bool] = {
            "null": v is None,
            "boolean": isinstance(v, bool),
            "int": isinstance(v, int) and not isinstance(v, bool),
            "long": isinstance(v, int) and not isinstance(v, bool),
            "float": isinstance(v, int | float) and not isinstance(v, bool),
            "double": isinstance(v, int | float) and not isinstance(v, bool),
            "bytes": isinstance(v, str),
            "string": isinstance(v, str),
        }
        return checks[t.type]
    if isinstance(t, Enum):
        return v in t.symbols
    if isinstance(t, Fixed):
        return isinstance(v, str) and len(v) == t.size
    if isinstance(t, Array):
        return isinstance(v, list) and all(_default_fits(t.items, x) for x in v)
    if isinstance(t, Map):
        return isinstance(v, dict) and all(_default_fits(t.values, x) for x in v.values())
    return isinstance(v, dict) and all(
        _default_fits(f.type, v[f.name]) if f.name in v else f.has_default for f in t.fields
    )
