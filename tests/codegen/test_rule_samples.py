"""The sample format of ``python -m codegen check-rules``: JSON values converted to the Avro
values of the contract's types, and a clear refusal naming the field otherwise."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import pytest

from codegen.parse import parse_document
from codegen.rule_samples import SampleError, record_values

SCHEMA: dict[str, Any] = {
    "type": "record",
    "name": "Sample",
    "namespace": "io.example.samples",
    "fields": [
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "clock", "type": {"type": "int", "logicalType": "time-millis"}},
        {"name": "ratio", "type": "double"},
        {
            "name": "price",
            "type": {"type": "bytes", "logicalType": "decimal", "precision": 6, "scale": 2},
        },
        {"name": "note", "type": ["null", "string"], "default": None},
    ],
}
RECORD = parse_document(SCHEMA, "sample.avsc")
GOOD = {
    "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "at": "2026-12-06T10:00:00.123456789+01:00",
    "day": "2000-02-29",
    "clock": "23:59:59.999",
    "ratio": "-Infinity",
    "price": "12.5",
}


def test_json_values_become_the_types_values() -> None:
    values = record_values(RECORD, GOOD)
    assert values == {
        "id": uuid.UUID(GOOD["id"]),
        "at": datetime(2026, 12, 6, 9, 0, 0, 123456, tzinfo=UTC),  # floored to the microsecond
        "day": date(2000, 2, 29),
        "clock": time(23, 59, 59, 999000),
        "ratio": -math.inf,
        "price": Decimal("12.5"),
        "note": None,  # absent optional
    }
    assert math.isnan(record_values(RECORD, {**GOOD, "ratio": "NaN"})["ratio"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "not-a-uuid"}, "id: breaks type:uuid"),
        ({"at": "2026-12-06T10:00:00"}, "at: not a timestamp-millis: an instant needs a time zone"),
        ({"at": 1}, "at: expected a timestamp-millis as a string"),
        ({"ratio": "fast"}, 'ratio: expected a number (or "NaN"'),
        ({"price": 12.5}, "price: expected a decimal as its text"),
        ({"extra": 1}, "Sample has no field 'extra'"),
        ({"day": "2001-02-29"}, "day: not a date"),
    ],
)
def test_a_value_that_does_not_convert_names_its_field(
    change: dict[str, Any], message: str
) -> None:
    with pytest.raises(SampleError, match=message.replace("(", r"\(")):
        record_values(RECORD, {**GOOD, **change})


def test_a_required_field_left_out_is_named() -> None:
    with pytest.raises(SampleError, match="ratio: missing"):
        record_values(RECORD, {k: v for k, v in GOOD.items() if k != "ratio"})
