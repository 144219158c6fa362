"""The Confluent wire format, defined once: magic byte 0, a 4-byte big-endian schema id, then the
Avro binary body.

Every framing and unframing in the project goes through here: the producer's serializer, the
re-drive and ``make inspect`` in Python, and the streaming job, whose Spark SQL expressions
(``spark.framing``) are built from the constants and reasons below, so both ends give a
malformed value the same reason.
"""

from __future__ import annotations

MAGIC = 0
"""The first byte of a framed value (Confluent's format 0)."""
SCHEMA_ID_BYTES = 4
HEADER_BYTES = 1 + SCHEMA_ID_BYTES
"""Magic byte plus schema id: where the Avro body starts."""
_MAX_SCHEMA_ID = 2 ** (8 * SCHEMA_ID_BYTES) - 1

NULL_VALUE = "null value: not Confluent-framed Avro"
SHORT_VALUE = ("value of ", f" bytes is shorter than the {HEADER_BYTES}-byte Confluent header")
"""The reason for a value shorter than the header: its length goes between the two parts."""
WRONG_MAGIC = ("wrong magic byte 0x", f", want 0x{MAGIC:02X}")
"""The reason for a value with another first byte: its hex goes between the two parts."""


class FramingError(ValueError):
    """A value that is not Confluent-framed; the message is the reason both ends give."""


def header(schema_id: int) -> bytes:
    """The bytes before the Avro body of a value written with ``schema_id``."""
    if not 0 <= schema_id <= _MAX_SCHEMA_ID:
        raise ValueError(f"schema id {schema_id} does not fit {SCHEMA_ID_BYTES} bytes")
    return bytes((MAGIC,)) + schema_id.to_bytes(SCHEMA_ID_BYTES, "big")


def frame(schema_id: int, body: bytes) -> bytes:
    """A framed value: the header of ``schema_id``, then ``body``."""
    return header(schema_id) + body


def framing_problem(value: bytes | None) -> str | None:
    """Why ``value`` is not framed, or None when its header is well formed."""
    if value is None:
        return NULL_VALUE
    if len(value) < HEADER_BYTES:
        return f"{SHORT_VALUE[0]}{len(value)}{SHORT_VALUE[1]}"
    if value[0] != MAGIC:
        return f"{WRONG_MAGIC[0]}{value[0]:02X}{WRONG_MAGIC[1]}"
    return None


def unframe(value: bytes | None) -> tuple[int, bytes]:
    """``(schema id, Avro body)`` of a framed value; ``FramingError`` says why it is not one."""
    problem = framing_problem(value)
    if problem is not None:
        raise FramingError(problem)
    assert value is not None
    return int.from_bytes(value[1:HEADER_BYTES], "big"), value[HEADER_BYTES:]
