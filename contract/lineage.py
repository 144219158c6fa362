"""The pipeline's datasets in OpenLineage's terms: a contract's source, its topic, its tables.

Names follow OpenLineage's naming spec, so the events of the DAG task (``producer.airflow_task``)
and of the streaming job (``spark.lineage``) meet on the same topic, and other tools' events on
the same tables:

- a topic: namespace ``kafka://<host>:<port>`` of the first bootstrap server, name the topic;
- a table: namespace ``cassandra://<host>:<port>`` of the first contact point, name
  ``<keyspace>.<table>``;
- a JSON source, which the spec does not name: its URL split like any URI, namespace
  ``<scheme>://<host>[:<port>]``, name its path (credentials and query left out).

A topic carries the contract's schema as its ``schema`` facet (each field with its Avro type and
``doc``, nested records as nested fields); a table carries the same for the columns it keeps, a
nested field flattened as the table flattens it (``location.city`` as ``location_city``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from openlineage.client.event_v2 import Dataset
from openlineage.client.facet_v2 import schema_dataset

from config.settings import CassandraSettings, KafkaSettings
from contract.streams import column_name

SCHEMA_FACET = "schema"
"""The key of the schema facet in a dataset's ``facets`` (OpenLineage's own name for it)."""
Field = schema_dataset.SchemaDatasetFacetFields


def kafka_namespace(kafka: KafkaSettings) -> str:
    """``kafka://host:port`` of the first bootstrap server (a ``PROTOCOL://`` prefix dropped)."""
    first = kafka.bootstrap_servers.split(",")[0].strip()
    return f"kafka://{first.split('://')[-1]}"


def cassandra_namespace(cassandra: CassandraSettings) -> str:
    """``cassandra://host:port`` of the first contact point."""
    return f"cassandra://{cassandra.contact_points[0]}:{cassandra.port}"


def source_dataset(url: str) -> Dataset:
    """The dataset a source URL names: ``scheme://host[:port]`` and its path."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    authority = f"{host}:{parts.port}" if parts.port is not None else host
    return Dataset(namespace=f"{parts.scheme}://{authority}", name=parts.path or "/")


def topic_dataset(kafka: KafkaSettings, topic: str, schemas: Sequence[str]) -> Dataset:
    """A topic, with its contract's schema (Avro text) as its schema facet; a topic that
    carries several contracts' records has one field per record type, named by its full name."""
    if len(schemas) == 1:
        facet = schema_facet(schemas[0])
    else:
        facet = schema_dataset.SchemaDatasetFacet(
            fields=[
                Field(name=_name_of(json.loads(s), None), type="record", fields=_top(s))
                for s in schemas
            ]
        )
    return Dataset(namespace=kafka_namespace(kafka), name=topic, facets={SCHEMA_FACET: facet})


def table_dataset(
    cassandra: CassandraSettings, keyspace: str, table: str, columns: Sequence[str], schema: str
) -> Dataset:
    """A contract's table, with the contract's fields it keeps (``columns``) as its schema."""
    return Dataset(
        namespace=cassandra_namespace(cassandra),
        name=f"{keyspace}.{table}",
        facets={SCHEMA_FACET: columns_facet(schema, columns)},
    )


def schema_facet(schema: str) -> schema_dataset.SchemaDatasetFacet:
    """The fields of an Avro record schema, each with its type and ``doc``, nested records as
    nested fields."""
    return schema_dataset.SchemaDatasetFacet(fields=_top(schema))


def _top(schema: str) -> list[Field]:
    return _fields(json.loads(schema), {}, None, set())


def columns_facet(schema: str, columns: Sequence[str]) -> schema_dataset.SchemaDatasetFacet:
    """The flattened fields of an Avro record schema that a table keeps, in ``columns``' order;
    a column the schema does not describe is named without a type."""
    flat = dict(_flattened(_top(schema), ()))
    return schema_dataset.SchemaDatasetFacet(fields=[flat.get(c, Field(name=c)) for c in columns])


def _flattened(fields: Sequence[Field], path: tuple[str, ...]) -> Iterator[tuple[str, Field]]:
    for field in fields:
        if field.fields:
            yield from _flattened(field.fields, (*path, field.name))
        else:
            column = column_name((*path, field.name))
            yield column, Field(name=column, type=field.type, description=field.description)


def _full_name(name: str, namespace: str | None) -> str:
    return name if "." in name or not namespace else f"{namespace}.{name}"


def _name_of(named: Mapping[str, Any], namespace: str | None) -> str:
    """The full name of a named type's definition."""
    return _full_name(str(named.get("name", "")), named.get("namespace", namespace))


def _fields(
    record: Mapping[str, Any],
    names: dict[str, Mapping[str, Any]],
    namespace: str | None,
    expanding: set[str],
) -> list[Field]:
    """The facet fields of ``record``; ``names`` collects the named types defined so far (a
    reference by name reads its definition), ``expanding`` the records being walked (a recursive
    reference is a field of its record's type, not walked again)."""
    name = _name_of(record, namespace)
    namespace = name.rsplit(".", 1)[0] if "." in name else namespace
    names[name] = record
    walked = expanding | {name}
    fields = []
    for field in record.get("fields", []):
        avro = field.get("type")
        _register(avro, names, namespace)
        nested = _record_of(avro, names, namespace)
        children = (
            _fields(nested, names, namespace, walked)
            if nested is not None and _name_of(nested, namespace) not in walked
            else []
        )
        fields.append(
            Field(
                name=field["name"],
                type=type_label(avro, namespace),
                description=field.get("doc"),
                fields=children or None,
            )
        )
    return fields


def _record_of(
    avro: Any, names: Mapping[str, Mapping[str, Any]], namespace: str | None
) -> Mapping[str, Any] | None:
    """The record a field's type is (directly, as the one non-null branch of a union, or by
    name), else None."""
    if isinstance(avro, list):
        branches = [b for b in avro if b != "null"]
        return _record_of(branches[0], names, namespace) if len(branches) == 1 else None
    if isinstance(avro, str):
        return _record_of(names.get(_full_name(avro, namespace)), names, namespace)
    if isinstance(avro, Mapping) and avro.get("type") in ("record", "error"):
        return avro
    return None


def _register(avro: Any, names: dict[str, Mapping[str, Any]], namespace: str | None) -> None:
    """Remember the named types a field's type defines (records, enums, fixed), for the
    references to them further on."""
    if isinstance(avro, list):
        for branch in avro:
            _register(branch, names, namespace)
    elif isinstance(avro, Mapping) and "name" in avro:
        names.setdefault(_name_of(avro, namespace), avro)


def type_label(avro: Any, namespace: str | None = None) -> str:
    """An Avro type in a word: its logical type where it has one (``uuid``,
    ``timestamp-millis``, ``decimal(9,2)``), ``array<string>``, a named type by its short name,
    a nullable type as the type itself (the facet has no nullability)."""
    if isinstance(avro, list):
        branches = [type_label(b, namespace) for b in avro if b != "null"]
        return branches[0] if len(branches) == 1 else f"union<{','.join(branches)}>"
    if isinstance(avro, str):
        return avro.rsplit(".", 1)[-1]
    if not isinstance(avro, Mapping):
        return str(avro)
    logical = avro.get("logicalType")
    if logical == "decimal":
        return f"decimal({avro.get('precision')},{avro.get('scale', 0)})"
    if isinstance(logical, str):
        return logical
    kind = avro.get("type")
    if kind == "array":
        return f"array<{type_label(avro.get('items'), namespace)}>"
    if kind == "map":
        return f"map<{type_label(avro.get('values'), namespace)}>"
    if kind in ("record", "error", "enum", "fixed"):
        return str(kind)
    return type_label(kind, namespace)
