"""Render CQL: the keyspace statement, a table with its UDTs, and ``ALTER TABLE`` migrations.

:func:`cql_type` is the one recursive function from an Avro type to its CQL form (one case per
kind, the forms themselves from :data:`codegen.typemap.TYPE_MAP`). Where Cassandra requires it,
nested collections and records are frozen; records inside collections become user-defined types.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from codegen.errors import SchemaError, SchemaWarning
from codegen.model import Array, AvroType, Map, Record, Union
from codegen.table import Column, Table, check_identifier
from codegen.templates import CQL_HEADER, CQL_MIGRATION, CQL_TABLE, CQL_TABLES, CQL_TYPE
from codegen.typemap import TYPE_MAP, type_key

#: Where a type appears: a table column, an element of a collection, or a field of a UDT.
Context = Literal["column", "element", "field"]


def keyspace_statement(keyspace: str, replication: Mapping[str, str | int]) -> str:
    """``CREATE KEYSPACE IF NOT EXISTS`` with the replication of ``cassandra.replication``."""
    check_identifier(keyspace, "configuration", "cassandra keyspace", "keyspace")
    if "class" not in replication:
        raise ValueError(
            "setting cassandra.replication needs a 'class' entry, such as "
            "SimpleStrategy or NetworkTopologyStrategy"
        )
    entries = ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in replication.items())
    return f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = {{{entries}}};"


def _literal(value: str | int) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"setting cassandra.replication: {value!r} is neither text nor an integer")
    return str(value) if isinstance(value, int) else "'" + value.replace("'", "''") + "'"


def udt_name(record: Record) -> str:
    """``DateOfBirth`` -> ``date_of_birth``: the UDT a record becomes inside a collection."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", record.name).lower()


@dataclass(slots=True)
class CqlTypes:
    """Maps types to CQL while collecting the UDTs they need (dependencies first) and warnings."""

    source: str
    udts: dict[str, Record] = field(default_factory=dict)
    udt_fields: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    warnings: list[SchemaWarning] = field(default_factory=list)

    def cql_type(self, t: AvroType, path: str, context: Context) -> str:
        """The CQL form of ``t`` at ``path``; raises where CQL has none."""
        key = type_key(t)
        mapping = TYPE_MAP[key]
        frozen = context != "column"
        if isinstance(t, Union):
            if key == "union":
                raise SchemaError(
                    self.source,
                    path,
                    "a union of several non-null types has no CQL "
                    'form; use one type or ["null", T]',
                )
            if context == "element":
                raise SchemaError(
                    self.source,
                    path,
                    "Cassandra collections cannot hold null; "
                    "make the item or value type non-nullable",
                )
            return self.cql_type(t.non_null[0], path, context)
        if mapping.cql is None:
            raise SchemaError(self.source, path, f"Avro type {key} has no CQL form")
        if isinstance(t, Array):
            inner = self.cql_type(t.items, f"{path}[]", "element")
            return _frozen(mapping.cql, frozen).format(items=inner)
        if isinstance(t, Map):
            inner = self.cql_type(t.values, f"{path}{{}}", "element")
            return _frozen(mapping.cql, frozen).format(values=inner)
        if isinstance(t, Record):
            return mapping.cql.format(name=self.udt(t))
        if mapping.cql_warning:
            self.warnings.append(SchemaWarning(self.source, path, mapping.cql_warning))
        return mapping.cql

    def udt(self, record: Record) -> str:
        """Register ``record`` (and the records it uses) as UDTs; return its UDT name."""
        name = check_identifier(udt_name(record), record.source, record.fullname, "type name")
        known = self.udts.get(name)
        if known is not None and known.fullname != record.fullname:
            raise SchemaError(
                record.source,
                record.fullname,
                f"records {known.fullname} and "
                f"{record.fullname} would both become CQL type {name!r}",
            )
        if known is None:
            fields = tuple(
                (
                    check_identifier(
                        f.name, record.source, f"{record.fullname}.{f.name}", "UDT field"
                    ),
                    self.cql_type(f.type, f"{record.fullname}.{f.name}", "field"),
                )
                for f in record.fields
            )
            self.udts[name] = record
            self.udt_fields[name] = fields
        return name

    def type_statements(self, names: set[str] | None = None) -> str:
        """``CREATE TYPE IF NOT EXISTS`` for the given (default: all) UDTs, dependencies first."""
        chosen = [n for n in self.udts if names is None or n in names]
        return "".join(
            CQL_TYPE.substitute(
                name=n, fields=",\n".join(f"    {f} {t}" for f, t in self.udt_fields[n])
            )
            for n in chosen
        )


def _frozen(template: str, frozen: bool) -> str:
    return f"frozen<{template}>" if frozen else template


def column_types(table: Table, types: CqlTypes) -> list[tuple[Column, str]]:
    """Each column with its CQL type."""
    record = table.record.fullname
    return [
        (c, types.cql_type(c.type, f"{record}.{'.'.join(c.path)}", "column")) for c in table.columns
    ]


def render_tables(tables: tuple[Table, ...]) -> tuple[str, list[SchemaWarning]]:
    """The DDL file of a contract's tables: the UDTs they need first, then one
    ``CREATE TABLE IF NOT EXISTS`` per table."""
    types = CqlTypes(tables[0].record.source)
    statements = [_table_statement(table, types) for table in tables]
    source = tables[0].record.source
    text = CQL_HEADER.format(source=source) + CQL_TABLES.substitute(
        fullname=tables[0].record.fullname,
        keyspace=tables[0].keyspace,
        tables=", ".join(t.name for t in tables),
        types=types.type_statements(),
        statements="".join(statements),
    )
    return text, list(dict.fromkeys(types.warnings))


def _table_statement(table: Table, types: CqlTypes) -> str:
    """One table's ``CREATE TABLE``, with a note for each lossy column type it introduces."""
    known = len(types.warnings)
    typed = column_types(table, types)
    width = max(len(c.name) for c, _ in typed)
    clustering = ", ".join(f"{c} {order}" for c, order in table.clustering)
    partition = ", ".join(table.partition_key)
    key = ", ".join([f"({partition})", *(c for c, _ in table.clustering)])
    notes = "".join(f"-- note: {w.path}: {w.message}\n" for w in types.warnings[known:])
    return CQL_TABLE.substitute(
        table=table.name,
        notes=notes,
        columns="".join(f"    {c.name.ljust(width)} {t},\n" for c, t in typed),
        primary_key=key,
        options=_table_options(clustering, table.default_ttl),
    )


def _table_options(clustering: str, ttl: int | None) -> str:
    options = [f"CLUSTERING ORDER BY ({clustering})"] if clustering else []
    if ttl is not None:
        options.append(f"default_time_to_live = {ttl}")
    return "\nWITH " + "\n AND ".join(options) if options else ""


def render_migration(
    table: Table, added: list[str], number: int, description: str, ttl_changed: bool = False
) -> str:
    """An idempotent migration adding the columns ``added`` (and the UDTs they need), and
    setting the table's default TTL when it changed."""
    types = CqlTypes(table.record.source)
    typed = [(c, t) for c, t in column_types(table, types) if c.name in added]
    needed = {n for n in types.udts if any(_uses(t, n) for _, t in typed)}
    while (
        more := {
            n
            for n in types.udts
            for m in needed
            if any(_uses(t, n) for _, t in types.udt_fields[m])
        }
        - needed
    ):
        needed |= more
    statements = types.type_statements(needed).lstrip("\n")
    statements += "".join(
        f"ALTER TABLE {table.name} ADD IF NOT EXISTS {c.name} {t};\n" for c, t in typed
    )
    if ttl_changed:
        statements += (
            f"ALTER TABLE {table.name} WITH default_time_to_live = {table.default_ttl or 0};\n"
        )
    return CQL_MIGRATION.substitute(
        header=CQL_HEADER.format(source=table.record.source),
        number=f"{number:04d}",
        table=table.name,
        description=description,
        statements=statements,
    )


def _uses(cql: str, udt: str) -> bool:
    return re.search(rf"\bfrozen<{re.escape(udt)}>", cql) is not None
