"""Records to the Confluent wire format (``contract.wire``), with the registered schema id.

confluent-kafka's ``AvroSerializer`` looks up subject strategies, latest versions and data
contract rules on every call; this producer knows its schema id once at start (looked up, never
registered), its rules are generated code, and so is its encoder: each call is the record's
generated ``avro_binary()`` (the bytes fastavro would write) after the wire header.
"""

from __future__ import annotations

from typing import Protocol

from contract import wire


class AvroRecord(Protocol):
    """A generated record class: it encodes itself."""

    def avro_binary(self) -> bytes: ...


class FramedAvroSerializer:
    """Writes records of one schema, framed with its registered id."""

    def __init__(self, schema_id: int) -> None:
        self.schema_id = schema_id
        self._header = wire.header(schema_id)

    def __call__(self, record: AvroRecord) -> bytes:
        """The framed value of ``record``; a value it cannot encode raises (any type)."""
        return self._header + record.avro_binary()
