"""The contract the job decodes into and writes from: reader schema, tables, rules.

Two ways to get one, through the same codegen functions: ``generated()`` reads what ``make
codegen`` generated from ``schemas/``; ``from_schema()`` derives it from a schema text (a
version registered in the registry) with codegen's library, which is what the live reader does
when a new version appears. For the same schema both give the same tables and rules.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from codegen.declarations import stream_of
from codegen.errors import SchemaError
from codegen.parse import parse_document
from codegen.render_spark import projection, spark_rules
from codegen.rule_set import spark_texts_check
from codegen.table import tables_for
from contract.catalog import Contract
from contract.rules import RuleMode
from contract.streams import TableTarget

GENERATED_SPARK = "generated.spark"
Rule = tuple[str, str, str, str]
"""(rule name, field path, message, Spark SQL over the struct column ``value``)."""


@dataclass(frozen=True)
class ReaderContract:
    """Reader schema, tables and rules of one contract's record type.

    Each table pairs its Cassandra columns with Spark SQL expressions over the decoded struct
    column ``value``; ``rules`` are checked in order, the first broken one is the reason a row
    goes to the DLQ. ``version`` is the registry version it was derived from, when it came
    from the registry.
    """

    name: str
    """The contract's name (its file stem)."""
    record_name: str
    """The full name of the record type: a writer schema of this name is this contract's."""
    reader_schema: str
    tables: tuple[TableTarget, ...]
    rules: tuple[Rule, ...] = ()
    warn_rules: tuple[Rule, ...] = ()
    """Rules in ``warn`` mode: a row that breaks one is counted under its name, and written."""
    texts_ok: str | None = None
    """Spark SQL checking every single text at once (``codegen.rule_set.spark_texts_check``): the
    column ``_texts_ok`` the ``type:utf8`` rules read."""
    source: str = field(default="schemas", compare=False)
    """The contract's file in the repository (``schemas/<stem>.avsc``): names it in messages."""
    version: int | None = field(default=None, compare=False)

    @classmethod
    def generated(cls, contract: Contract) -> ReaderContract:
        """The contract as ``make codegen`` generated it."""
        spark_gen = spark_module(contract)
        if not getattr(spark_gen, "TABLES", ()):
            raise SchemaError(contract.name, contract.record_name, "has no x-cassandra table")
        return cls(
            name=contract.name,
            record_name=contract.record_name,
            reader_schema=contract.schema,
            tables=tuple(spark_gen.TABLES),
            rules=tuple(spark_gen.RULES),
            warn_rules=tuple(getattr(spark_gen, "WARN_RULES", ())),
            texts_ok=spark_gen.TEXTS_OK,
            source=spark_gen.SOURCE,
        )

    @classmethod
    def from_schema(
        cls, schema: str, source: str, name: str, version: int | None = None
    ) -> ReaderContract:
        """The contract of a schema text, derived with codegen; ``SchemaError`` names ``source``."""
        record = parse_document(json.loads(schema), source)
        tables = tables_for(record)
        if not tables:
            raise SchemaError(source, record.fullname, "has no x-cassandra table: nothing to write")
        stream_of(record)  # its stream declaration must be valid too
        rules = spark_rules(record, tables)
        warned = spark_rules(record, tables, RuleMode.WARN)
        return cls(
            name=name,
            record_name=record.fullname,
            reader_schema=schema,
            tables=tuple(
                TableTarget(t.keyspace, t.name, tuple(projection(t)), t.primary_key) for t in tables
            ),
            rules=tuple((r.name, r.field, r.message, r.spark or "") for r in rules),
            warn_rules=tuple((r.name, r.field, r.message, r.spark or "") for r in warned),
            texts_ok=spark_texts_check(rules),
            source=source,
            version=version,
        )

    @property
    def projection(self) -> tuple[tuple[str, str], ...]:
        """Every column of any of its tables, once, with its expression."""
        return tuple(dict(pair for table in self.tables for pair in table.projection).items())

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


def spark_module(contract: Contract) -> ModuleType:
    """The generated Spark module of ``contract``."""
    return importlib.import_module(f"{GENERATED_SPARK}.{contract.name}")


def writes_tables(contract: Contract) -> bool:
    """Whether the job writes ``contract`` anywhere (it declares ``x-cassandra`` tables)."""
    return bool(getattr(spark_module(contract), "TABLES", ()))


def _nullable(avro_type: Any) -> bool:
    return avro_type == "null" or (isinstance(avro_type, list) and "null" in avro_type)
