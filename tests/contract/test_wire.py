"""The Confluent wire format (``contract.wire``): framing round trips, and each framing
problem's reason (the one both the Python tools and the streaming job give)."""

from __future__ import annotations

import pytest

from contract import wire
from contract.wire import FramingError, frame, framing_problem, header, unframe

# -- framing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("schema_id", [0, 1, 260, 2**24 + 5, 2**32 - 1])
@pytest.mark.parametrize("body", [b"", b"\x00", b"\x02\x06abc" * 100])
def test_frame_and_unframe_round_trip(schema_id: int, body: bytes) -> None:
    value = frame(schema_id, body)
    assert value[:1] == bytes([wire.MAGIC])
    assert len(value) == wire.HEADER_BYTES + len(body)
    assert framing_problem(value) is None
    assert unframe(value) == (schema_id, body)


def test_the_header_is_magic_then_a_big_endian_schema_id() -> None:
    assert header(260) == b"\x00\x00\x00\x01\x04"
    assert header(0) == b"\x00" * 5
    assert wire.HEADER_BYTES == 5 and wire.MAGIC == 0


@pytest.mark.parametrize("schema_id", [-1, 2**32])
def test_a_schema_id_that_does_not_fit_four_bytes_is_refused(schema_id: int) -> None:
    with pytest.raises(ValueError, match=f"schema id {schema_id} does not fit 4 bytes"):
        header(schema_id)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "null value: not Confluent-framed Avro"),
        (b"", "value of 0 bytes is shorter than the 5-byte Confluent header"),
        (b"\x00\x00\x00\x01", "value of 4 bytes is shorter than the 5-byte Confluent header"),
        (b"\x01\x00\x00\x00\x01abc", "wrong magic byte 0x01, want 0x00"),
        (b'{"id": 1}', "wrong magic byte 0x7B, want 0x00"),
        (b"\xff\xff\xff\xff\xff", "wrong magic byte 0xFF, want 0x00"),
    ],
)
def test_each_framing_problem_has_its_reason(value: bytes | None, reason: str) -> None:
    assert framing_problem(value) == reason
    with pytest.raises(FramingError) as err:
        unframe(value)
    assert str(err.value) == reason


def test_the_reasons_are_built_from_the_parts_spark_uses() -> None:
    """``spark.framing`` builds the same reasons in SQL from these parts: they must add up."""
    assert framing_problem(b"ab") == f"{wire.SHORT_VALUE[0]}2{wire.SHORT_VALUE[1]}"
    assert framing_problem(b"\x10" * 6) == f"{wire.WRONG_MAGIC[0]}10{wire.WRONG_MAGIC[1]}"
    assert framing_problem(None) == wire.NULL_VALUE
    assert issubclass(FramingError, ValueError)


def test_a_value_with_only_the_header_has_an_empty_body() -> None:
    assert unframe(b"\x00\x00\x00\x00\x07") == (7, b"")
