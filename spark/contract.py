"""The contract the job decodes into and writes from, taken from the generated code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ReaderContract:
    """Reader schema, projection and target table of one Avro record type.

    ``projection`` pairs each Cassandra column with a Spark SQL expression over the decoded
    struct column ``value``; it is generated from the schema, never written by hand.
    """

    reader_schema: str
    projection: tuple[tuple[str, str], ...]
    keyspace: str
    table: str
    primary_key: tuple[str, ...]

    @classmethod
    def current(cls) -> ReaderContract:
        """The contract of ``schemas/user_created.avsc`` as ``make codegen`` generated it."""
        from generated.python import user_created as py_gen
        from generated.spark import user_created as spark_gen

        schema = py_gen.AVRO_SCHEMA
        return cls(
            reader_schema=schema if isinstance(schema, str) else json.dumps(schema),
            projection=tuple(spark_gen.PROJECTION),
            keyspace=spark_gen.KEYSPACE,
            table=spark_gen.TABLE,
            primary_key=tuple(spark_gen.PRIMARY_KEY),
        )

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
