"""Records to the Confluent wire format: magic byte 0, the 4-byte schema id, the Avro body.

confluent-kafka's ``AvroSerializer`` looks up subject strategies, latest versions and data
contract rules on every call; this producer knows its schema id once at start (looked up, never
registered) and its rules are generated code, so the serializer is configured once and each call
is fastavro's compiled writer plus five header bytes.
"""

from __future__ import annotations

import io
import json
import struct
from typing import Any

import fastavro

MAGIC = b"\x00"


class FramedAvroSerializer:
    """Writes records of one schema, framed with its registered id."""

    def __init__(self, schema: str, schema_id: int) -> None:
        self.schema_id = schema_id
        self._parsed = fastavro.parse_schema(json.loads(schema))
        self._header = MAGIC + struct.pack(">I", schema_id)

    def __call__(self, record: dict[str, Any]) -> bytes:
        """The framed value of ``record`` (a dict fastavro writes); fastavro's errors pass on."""
        out = io.BytesIO()
        out.write(self._header)
        fastavro.schemaless_writer(out, self._parsed, record)
        return out.getvalue()
