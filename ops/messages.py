"""The latest messages of a topic, decoded through the Schema Registry, personal data masked.

A value in the Confluent wire format (``contract.wire``) is decoded with its writer schema,
fetched by id, and the fields that schema tags ``"x-pii": true`` are masked (``contract.pii``).
Anything else is shown safely: a JSON object by its field names only (the producer's DLQ holds
the rejected source record as JSON, minimized and masked), other bytes as a short escaped
preview. Headers are shown as text (the DLQ's ``error``, ``error.rule``, ``error.field``,
``source.*``).
"""

from __future__ import annotations

import base64
import io
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import fastavro

from clients.kafka import RangeMessage, latest_messages
from clients.registry import Registry, SchemaCache
from config import Settings
from contract import wire
from contract.pii import mask, pii_paths

PREVIEW_BYTES = 48
PREVIEW_FIELDS = 20
HEADER_TEXT_LIMIT = 300


@dataclass(frozen=True)
class DecodingSchema:
    """A registered writer schema: parsed for decoding, its tagged paths and where it is."""

    schema_id: int
    parsed: Any
    pii: frozenset[str]
    versions: list[tuple[str, int]]


@dataclass(frozen=True)
class Payload:
    """A message value: decoded with personal data masked, or described when it cannot be."""

    schema_id: int | None = None
    versions: list[tuple[str, int]] = field(default_factory=list)
    """Subjects and versions registered with ``schema_id``."""
    value: dict[str, Any] | None = None
    preview: str | None = None
    """A JSON object's field names, or escaped bytes, when ``value`` is None."""


@dataclass(frozen=True)
class ShownMessage:
    """One message as ``make inspect MESSAGES=N`` shows it."""

    topic: str
    partition: int
    offset: int
    timestamp: str
    key: str | None
    headers: dict[str, str]
    payload: Payload


class DecodingSchemas:
    """Writer schemas by id, fetched through the registry's schema cache, parsed once."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._schemas = SchemaCache(registry)
        self._parsed: dict[int, DecodingSchema | None] = {}

    def get(self, schema_id: int) -> DecodingSchema | None:
        """The Avro writer schema of ``schema_id``; None when unknown or not usable Avro."""
        if schema_id not in self._parsed:
            found = self._schemas.get(schema_id)
            self._parsed[schema_id] = None
            if found is not None and found.schema_type == "AVRO":
                try:
                    document = json.loads(found.text)
                    parsed = fastavro.parse_schema(document)
                except Exception:  # a schema fastavro cannot use is shown as unusable
                    return None
                self._parsed[schema_id] = DecodingSchema(
                    schema_id, parsed, pii_paths(document), self.registry.versions_of_id(schema_id)
                )
        return self._parsed[schema_id]


def escaped(raw: bytes, limit: int = PREVIEW_BYTES) -> str:
    """Printable ASCII as is, every other byte as ``\\xNN``; at most ``limit`` bytes shown."""
    text = "".join(chr(b) if 0x20 <= b < 0x7F and b != 0x5C else f"\\x{b:02x}" for b in raw[:limit])
    return text + (" ..." if len(raw) > limit else "")


def preview(value: bytes | None) -> str:
    """A safe description of a value that is not decoded (no personal data values)."""
    if value is None:
        return "null (no value)"
    try:
        document = json.loads(value)
    except ValueError:
        document = None
    if isinstance(document, dict):
        names = ", ".join(list(document)[:PREVIEW_FIELDS])
        more = (
            f" and {len(document) - PREVIEW_FIELDS} more" if len(document) > PREVIEW_FIELDS else ""
        )
        return f"JSON object of {len(value)} bytes (values withheld), fields: {names}{more}"
    return f"{len(value)} bytes: {escaped(value)}"


def plain(value: Any) -> Any:
    """A decoded Avro value as plain JSON-ready data (uuid, timestamps, bytes as text)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def decode(value: bytes | None, schemas: DecodingSchemas) -> Payload:
    """The value decoded and masked when it is framed Avro of a known schema, else described."""
    try:
        schema_id, body = wire.unframe(value)
    except wire.FramingError:
        return Payload(preview=preview(value))
    writer = schemas.get(schema_id)
    if writer is None:
        why = f"schema id {schema_id} is not a registered, usable Avro schema"
        return Payload(schema_id, preview=f"{why}; {preview(value)}")
    try:
        record = fastavro.schemaless_reader(io.BytesIO(body), writer.parsed, None)
    except Exception as exc:  # any failure to decode a foreign body is shown, not raised
        why = f"not decodable with schema id {schema_id} ({type(exc).__name__})"
        return Payload(schema_id, writer.versions, preview=f"{why}; {preview(value)}")
    if not isinstance(record, dict):
        return Payload(
            schema_id, writer.versions, preview=f"a {type(record).__name__}, not a record"
        )
    return Payload(schema_id, writer.versions, value=mask(plain(record), writer.pii))


def show(message: RangeMessage, topic: str, schemas: DecodingSchemas) -> ShownMessage:
    """One message with its position, time, key, headers and payload."""
    return ShownMessage(
        topic=topic,
        partition=message.partition,
        offset=message.offset,
        timestamp=datetime.fromtimestamp(message.timestamp_ms / 1000, UTC).isoformat(
            timespec="milliseconds"
        ),
        key=None if message.key is None else escaped(message.key, limit=200),
        headers={
            name: message.header(name)[:HEADER_TEXT_LIMIT] for name in sorted(message.headers)
        },
        payload=decode(message.value, schemas),
    )


def latest_shown(settings: Settings, topic: str, count: int) -> list[ShownMessage]:
    """The ``count`` newest messages of ``topic``, oldest first, decoded and masked."""
    with Registry(settings.registry) as registry:
        schemas = DecodingSchemas(registry)
        return [show(m, topic, schemas) for m in latest_messages(settings, topic, count)]


def flattened(value: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Dotted field path -> value as JSON text, for one line per field."""
    lines: dict[str, str] = {}
    for name, item in value.items():
        if isinstance(item, dict) and item:
            lines.update(flattened(item, f"{prefix}{name}."))
        else:
            lines[f"{prefix}{name}"] = json.dumps(item, ensure_ascii=False)
    return lines


def render(messages: list[ShownMessage]) -> list[str]:
    """Text lines for a terminal, one block per message."""
    lines: list[str] = []
    for m in messages:
        lines.append(f"  {m.topic} partition {m.partition} offset {m.offset}  {m.timestamp}")
        lines.append(f"    key      {m.key}")
        payload = m.payload
        if payload.schema_id is not None:
            where = ", ".join(f"{s} v{v}" for s, v in payload.versions) or "no subject"
            lines.append(f"    schema   id {payload.schema_id} ({where})")
        for name, text in m.headers.items():
            lines.append(f"    header   {name}: {text}")
        if payload.value is not None:
            fields = flattened(payload.value)
            width = max(map(len, fields), default=0)
            lines.extend(
                f"    {'value' if i == 0 else '':<9}{path:<{width}}  {text}"
                for i, (path, text) in enumerate(fields.items())
            )
        else:
            lines.append(f"    value    {payload.preview}")
        lines.append("")
    return lines
