"""The contract the job decodes into and writes from: reader schema, projection, table, rules.

Two ways to get one, through the same codegen functions: ``current()`` reads what ``make
codegen`` generated from ``schemas/``; ``from_schema()`` derives it from a schema text (a
version registered in the registry) with codegen's library, which is what the live reader does
when a new version appears. For the same schema both give the same projection and rules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from codegen.errors import SchemaError
from codegen.parse import parse_document
from codegen.render_spark import projection, spark_rules
from codegen.rules import spark_texts_check
from codegen.table import table_for

Rule = tuple[str, str, str, str]
"""(rule name, field path, message, Spark SQL over the struct column ``value``)."""


@dataclass(frozen=True)
class ReaderContract:
    """Reader schema, projection, target table and rules of one Avro record type.

    ``projection`` pairs each Cassandra column with a Spark SQL expression over the decoded
    struct column ``value``; ``rules`` are checked in order, the first broken one is the
    reason a row goes to the DLQ. ``version`` is the registry version it was derived from,
    when it came from the registry.
    """

    reader_schema: str
    projection: tuple[tuple[str, str], ...]
    keyspace: str
    table: str
    primary_key: tuple[str, ...]
    rules: tuple[Rule, ...] = ()
    texts_ok: str | None = None
    """Spark SQL checking every single text at once (``codegen.rules.spark_texts_check``): the
    column ``_texts_ok`` the ``type:utf8`` rules read."""
    source: str = field(default="schemas", compare=False)
    """The contract's file in the repository (``schemas/<stem>.avsc``): names it in messages."""
    version: int | None = field(default=None, compare=False)

    @classmethod
    def current(cls) -> ReaderContract:
        """The contract of ``schemas/user_created.avsc`` as ``make codegen`` generated it."""
        from generated.python import user_created as py_gen
        from generated.spark import user_created as spark_gen

        return cls(
            reader_schema=py_gen.AVRO_SCHEMA,
            projection=tuple(spark_gen.PROJECTION),
            keyspace=spark_gen.KEYSPACE,
            table=spark_gen.TABLE,
            primary_key=tuple(spark_gen.PRIMARY_KEY),
            rules=tuple(spark_gen.RULES),
            texts_ok=spark_gen.TEXTS_OK,
            source=spark_gen.SOURCE,
        )

    @classmethod
    def from_schema(cls, schema: str, source: str, version: int | None = None) -> ReaderContract:
        """The contract of a schema text, derived with codegen; ``SchemaError`` names ``source``."""
        record = parse_document(json.loads(schema), source)
        table = table_for(record)
        if table is None:
            raise SchemaError(source, record.fullname, "has no x-cassandra table: nothing to write")
        rules = spark_rules(record, table)
        return cls(
            reader_schema=schema,
            projection=tuple(projection(table)),
            keyspace=table.keyspace,
            table=table.name,
            primary_key=table.primary_key,
            rules=tuple((r.name, r.field, r.message, r.spark or "") for r in rules),
            texts_ok=spark_texts_check(rules),
            source=source,
            version=version,
        )

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(column for column, _ in self.projection)

    def required_fields(self) -> tuple[str, ...]:
        """Top-level reader fields that cannot be null in a successfully decoded record.

        ``from_avro`` in PERMISSIVE mode turns an undecodable payload into a struct whose fields
        are all null, so a null in one of these fields is how a decoding failure shows.
        If every field is nullable, all of them together are the signal.
        """
        fields: list[dict[str, Any]] = json.loads(self.reader_schema)["fields"]
        required = tuple(f["name"] for f in fields if not _nullable(f["type"]))
        return required or tuple(f["name"] for f in fields)


def _nullable(avro_type: Any) -> bool:
    return avro_type == "null" or (isinstance(avro_type, list) and "null" in avro_type)
