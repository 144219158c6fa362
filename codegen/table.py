"""A record's Cassandra table: its ``x-cassandra`` annotation, validated, and its flat columns.

Nested records flatten into columns by joining the field path with ``_`` (``location.city`` ->
``location_city``); every other type is one column. Identifiers must be valid unquoted CQL
identifiers in lower case (Cassandra folds unquoted names to lower case) and not reserved words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from codegen.errors import SchemaError
from codegen.model import Array, AvroType, Map, Record, Union, unwrap_nullable
from contract.streams import column_name

_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")
_MAX_NAME = 48  # Cassandra's limit for keyspace and table names
MAX_TTL_S = 630_720_000  # Cassandra's largest TTL

#: Cassandra's reserved words (CQL reference, appendix A): not usable as unquoted identifiers.
#: ``default``, ``mbean(s)``, ``replace`` and ``unset`` are reserved only in some versions (5.0
#: accepts them); they stay here so a contract works on every supported Cassandra.
VERSION_DEPENDENT = frozenset({"default", "mbean", "mbeans", "replace", "unset"})
RESERVED = frozenset(
    {
        "add",
        "allow",
        "alter",
        "and",
        "apply",
        "asc",
        "authorize",
        "batch",
        "begin",
        "by",
        "columnfamily",
        "create",
        "default",
        "delete",
        "desc",
        "describe",
        "drop",
        "entries",
        "execute",
        "from",
        "full",
        "grant",
        "if",
        "in",
        "index",
        "infinity",
        "insert",
        "into",
        "is",
        "keyspace",
        "limit",
        "materialized",
        "mbean",
        "mbeans",
        "modify",
        "nan",
        "norecursive",
        "not",
        "null",
        "of",
        "on",
        "or",
        "order",
        "primary",
        "rename",
        "replace",
        "revoke",
        "schema",
        "select",
        "set",
        "table",
        "to",
        "token",
        "truncate",
        "unlogged",
        "unset",
        "update",
        "use",
        "using",
        "view",
        "where",
        "with",
    }
)


@dataclass(frozen=True, slots=True)
class Column:
    """A flattened column: its name, the Avro field path it comes from, and its Avro type."""

    name: str
    path: tuple[str, ...]
    type: AvroType
    nullable: bool


@dataclass(frozen=True, slots=True)
class Table:
    """A record's table: where it lives by default, its columns and its primary key."""

    record: Record
    keyspace: str
    name: str
    columns: tuple[Column, ...]
    partition_key: tuple[str, ...]
    clustering: tuple[tuple[str, str], ...]
    default_ttl: int | None = None
    """Seconds a row is kept (Cassandra's ``default_time_to_live``); None keeps rows for ever."""

    @property
    def primary_key(self) -> tuple[str, ...]:
        """Partition key columns, then clustering columns."""
        return self.partition_key + tuple(c for c, _ in self.clustering)


def check_identifier(name: Any, source: str, path: str, what: str) -> str:
    """Return ``name`` if it is a valid, unreserved, lower-case CQL identifier, else raise."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise SchemaError(
            source,
            path,
            f"{what} {name!r} is not a valid CQL identifier "
            "(lower-case letter, then lower-case letters, digits or _)",
        )
    if name in RESERVED:
        raise SchemaError(source, path, f"{what} {name!r} is a reserved CQL word")
    return name


def tables_for(record: Record) -> tuple[Table, ...]:
    """The record's tables (none without an ``x-cassandra`` property).

    ``x-cassandra`` holds a ``keyspace`` and either one table's keys (``table``,
    ``partition_key``, ...) or a list of ``tables``, each keyed for one query (Cassandra's
    modelling: one table per query), all written from the same records.
    """
    spec = record.props.get("x-cassandra")
    if spec is None:
        return ()
    source, where = record.source, f"{record.fullname}.x-cassandra"
    if not isinstance(spec, dict):
        raise SchemaError(source, where, "x-cassandra must be an object")
    keyspace = check_identifier(spec.get("keyspace"), source, f"{where}.keyspace", "keyspace")
    _check_length(keyspace, "keyspace", source, where)
    if "tables" in spec:
        if "table" in spec:
            raise SchemaError(source, where, "give either 'table' or a list of 'tables', not both")
        listed = spec["tables"]
        if not isinstance(listed, list) or not listed:
            raise SchemaError(source, f"{where}.tables", "needs a non-empty list of tables")
        specs = [(item, f"{where}.tables[{i}]") for i, item in enumerate(listed)]
    else:
        specs = [(spec, where)]
    columns = flatten(record)
    tables: list[Table] = []
    for item, path in specs:
        if not isinstance(item, dict):
            raise SchemaError(source, path, "a table must be an object")
        table = _table(record, keyspace, item, columns, path)
        if any(t.name == table.name for t in tables):
            raise SchemaError(source, f"{path}.table", f"table {table.name!r} is listed twice")
        tables.append(table)
    return tuple(tables)


def _check_length(ident: str, what: str, source: str, where: str) -> None:
    if len(ident) > _MAX_NAME:
        raise SchemaError(source, where, f"{what} name {ident!r} is longer than {_MAX_NAME}")


def _table(
    record: Record,
    keyspace: str,
    spec: dict[str, Any],
    all_columns: tuple[Column, ...],
    where: str,
) -> Table:
    source = record.source
    name = check_identifier(spec.get("table"), source, f"{where}.table", "table name")
    _check_length(name, "table", source, where)
    columns = _chosen_columns(spec.get("columns"), all_columns, source, f"{where}.columns")
    by_name = {c.name: c for c in columns}
    partition = spec.get("partition_key")
    if not isinstance(partition, list) or not partition:
        raise SchemaError(source, f"{where}.partition_key", "needs a non-empty list of columns")
    clustering = _clustering(spec.get("clustering_key", []), source, f"{where}.clustering_key")
    key_names = [*partition, *(c for c, _ in clustering)]
    for i, key in enumerate(key_names):
        kpath = f"{where}.{'partition_key' if i < len(partition) else 'clustering_key'}"
        if key not in by_name:
            raise SchemaError(
                source,
                kpath,
                f"key column {key!r} is not a column of the table "
                f"(columns: {', '.join(sorted(by_name))})",
            )
        if key_names.index(key) != i:
            raise SchemaError(source, kpath, f"key column {key!r} appears twice")
        column = by_name[key]
        field_path = ".".join(column.path)
        if column.nullable:
            raise SchemaError(
                source,
                f"{record.fullname}.{field_path}",
                f"key column {key!r} is nullable; key columns must not be",
            )
        if isinstance(column.type, Array | Map):
            raise SchemaError(
                source,
                f"{record.fullname}.{field_path}",
                f"key column {key!r} is a collection; it cannot be a key",
            )
    ttl = spec.get("default_ttl")
    if ttl is not None and (
        not isinstance(ttl, int) or isinstance(ttl, bool) or not 0 < ttl <= MAX_TTL_S
    ):
        raise SchemaError(
            source,
            f"{where}.default_ttl",
            f"must be a number of seconds from 1 to {MAX_TTL_S} (20 years), not {ttl!r}",
        )
    return Table(record, keyspace, name, columns, tuple(partition), clustering, ttl)


def _chosen_columns(
    raw: Any, columns: tuple[Column, ...], source: str, where: str
) -> tuple[Column, ...]:
    """The table's columns: all of the record's, or those listed (in the record's order)."""
    if raw is None:
        return columns
    known = {c.name for c in columns}
    if not isinstance(raw, list) or not raw or not all(isinstance(c, str) for c in raw):
        raise SchemaError(source, where, "needs a non-empty list of column names")
    unknown = [c for c in raw if c not in known]
    if unknown:
        raise SchemaError(
            source, where, f"{', '.join(map(repr, unknown))} not columns of the record"
        )
    chosen = set(raw)
    return tuple(c for c in columns if c.name in chosen)


def flatten(record: Record) -> tuple[Column, ...]:
    """The record's columns in field order; two fields giving the same name are an error."""
    columns: dict[str, Column] = {}
    for column in _flatten(record, (), False):
        column_path = f"{record.fullname}.{'.'.join(column.path)}"
        check_identifier(column.name, record.source, column_path, "column name")
        if column.name in columns:
            other = ".".join(columns[column.name].path)
            raise SchemaError(
                record.source,
                column_path,
                f"column {column.name!r} is also the "
                f"flattened name of field {other}; rename one of them",
            )
        columns[column.name] = column
    return tuple(columns.values())


def _flatten(record: Record, prefix: tuple[str, ...], nullable: bool) -> list[Column]:
    out: list[Column] = []
    for field in record.fields:
        inner, is_nullable = unwrap_nullable(field.type)
        path = (*prefix, field.name)
        if isinstance(inner, Record):
            out.extend(_flatten(inner, path, nullable or is_nullable))
        else:
            has_null = is_nullable or (isinstance(inner, Union) and inner.has_null)
            out.append(Column(column_name(path), path, inner, nullable or has_null))
    return out


def _clustering(raw: Any, source: str, path: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list):
        raise SchemaError(source, path, "must be a list of {column, order} objects")
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or "column" not in item:
            raise SchemaError(source, f"{path}[{i}]", "must be an object with a 'column'")
        order = str(item.get("order", "ASC")).upper()
        if order not in ("ASC", "DESC"):
            raise SchemaError(source, f"{path}[{i}]", f"order must be ASC or DESC, not {order!r}")
        out.append((item["column"], order))
    return tuple(out)
