"""Sample records for ``python -m codegen check-rules``: one JSON object a line, converted to the
Python values of the contract's Avro types (what its generated ``from_avro`` takes).

JSON has no type for several Avro values, so they are written as strings: an instant as
ISO-8601 with a zone and any number of fraction digits (floored to the microsecond, the finest
a Python ``datetime`` holds; the encoder then floors a ``*-millis`` one to the millisecond), a
``date`` as ``YYYY-MM-DD``, a ``time-*`` as ``HH:MM:SS[.ffffff]``, a ``decimal`` as its decimal
text, a ``uuid`` as its text, ``bytes`` and ``fixed`` as base64, and the doubles JSON cannot
write as ``"NaN"``, ``"Infinity"`` and ``"-Infinity"``. An absent optional field is null.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from codegen.model import Array, AvroType, Enum, Fixed, Map, Primitive, Record, Union

_SPECIAL_DOUBLES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_INSTANT = re.compile(r"(?P<head>[^.]*?)(?:\.(?P<fraction>[0-9]+))?(?P<zone>Z|[+-]\d\d:?\d\d)")
_RANGES = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


class SampleError(ValueError):
    """A sample that cannot become a record: names its file, line and field."""


@dataclass(frozen=True)
class Sample:
    """One sample: its 1-based line number in its file and its JSON object."""

    line: int
    data: dict[str, Any]


def read_samples(path: Path) -> list[Sample]:
    """Every sample of a JSON-lines file (blank lines skipped); ``SampleError`` names the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SampleError(f"{path}: cannot read the samples: {exc}") from None
    samples = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise SampleError(f"{path}:{number}: not a JSON object: {exc}") from None
        if not isinstance(data, dict):
            raise SampleError(f"{path}:{number}: a sample is a JSON object, one a line")
        samples.append(Sample(number, data))
    if not samples:
        raise SampleError(f"{path}: no samples (one JSON object a line)")
    return samples


def record_values(record: Record, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (one sample) as the Avro values of ``record``; ``SampleError`` names the field."""
    return _record(record, data, "")


def _record(record: Record, data: Any, at: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise SampleError(f"{at or record.name}: expected an object, got {_kind(data)}")
    names = {f.name for f in record.fields}
    unknown = sorted(set(data) - names)
    if unknown:
        raise SampleError(f"{at or record.name}: {record.name} has no field {unknown[0]!r}")
    values = {}
    for f in record.fields:
        path = f"{at}.{f.name}" if at else f.name
        if f.name in data:
            values[f.name] = _value(f.type, data[f.name], path)
        elif _nullable(f.type):
            values[f.name] = None
        elif f.has_default:
            values[f.name] = _value(f.type, f.default, path)
        else:
            raise SampleError(f"{path}: missing (only optional fields may be left out)")
    return values


def _nullable(t: AvroType) -> bool:
    return (isinstance(t, Union) and t.has_null) or (isinstance(t, Primitive) and t.type == "null")


def _value(t: AvroType, value: Any, path: str) -> Any:
    if isinstance(t, Union):
        if value is None and t.has_null:
            return None
        if len(t.non_null) != 1:
            raise SampleError(f"{path}: a union of several types cannot be written as a sample")
        return _value(t.non_null[0], value, path)
    if isinstance(t, Record):
        return _record(t, value, path)
    if isinstance(t, Enum):
        if value not in t.symbols:
            raise SampleError(f"{path}: not one of {', '.join(t.symbols)}")
        return value
    if isinstance(t, Array):
        if not isinstance(value, list):
            raise SampleError(f"{path}: expected an array, got {_kind(value)}")
        return [_value(t.items, v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(t, Map):
        if not isinstance(value, dict):
            raise SampleError(f"{path}: expected an object, got {_kind(value)}")
        return {k: _value(t.values, v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(t, Fixed):
        if t.logical == "decimal":
            return _decimal(value, path)
        raw = _base64(value, path)
        if len(raw) != t.size:
            raise SampleError(f"{path}: {len(raw)} bytes, not the {t.size} of {t.fullname}")
        return raw
    return _primitive(t, value, path)


def _primitive(t: Primitive, value: Any, path: str) -> Any:
    if t.logical is not None:
        return _logical(t.logical, value, path)
    if t.type == "null":
        if value is not None:
            raise SampleError(f"{path}: expected null, got {_kind(value)}")
        return None
    if t.type == "boolean":
        if not isinstance(value, bool):
            raise SampleError(f"{path}: expected true or false, got {_kind(value)}")
        return value
    if t.type in _RANGES:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SampleError(f"{path}: expected an integer, got {_kind(value)}")
        return value  # a value beyond the type is the producer's type:int* rule to refuse
    if t.type in ("float", "double"):
        return _real(value, path)
    if t.type == "string":
        if not isinstance(value, str):
            raise SampleError(f"{path}: expected a string, got {_kind(value)}")
        return value
    return _base64(value, path)


def _real(value: Any, path: str) -> float:
    if isinstance(value, str) and value in _SPECIAL_DOUBLES:
        return _SPECIAL_DOUBLES[value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SampleError(
            f'{path}: expected a number (or "NaN", "Infinity", "-Infinity"), got {_kind(value)}'
        )
    try:
        return float(value)
    except OverflowError:
        raise SampleError(f"{path}: a number beyond a double") from None


def _logical(logical: str, value: Any, path: str) -> Any:
    if logical == "decimal":
        return _decimal(value, path)
    if not isinstance(value, str):
        raise SampleError(f"{path}: expected a {logical} as a string, got {_kind(value)}")
    if logical == "uuid":  # what the producer's type:uuid check refuses, named as it names it
        try:
            return uuid.UUID(value)
        except ValueError:
            raise SampleError(
                f"{path}: breaks type:uuid: not a UUID (8-4-4-4-12 hex digits)"
            ) from None
    try:
        if logical == "date":
            return date.fromisoformat(value)
        if logical.startswith("time-"):
            return time.fromisoformat(value)
        return _instant(value, local=logical.startswith("local"))
    except ValueError as exc:
        raise SampleError(f"{path}: not a {logical}: {exc}") from None


def _instant(text: str, local: bool) -> datetime:
    """An ISO-8601 instant of any precision, floored to the microsecond; a ``local-*`` one
    takes no zone."""
    head, fraction, zone = text, "", ""
    match = _INSTANT.fullmatch(text)
    if match:
        head, fraction, zone = match["head"], match["fraction"] or "", match["zone"]
    elif "." in text:
        head, fraction = text.split(".", 1)
        if not fraction.isdigit():
            raise ValueError("the fraction of a second must be digits")
    micros = f".{fraction[:6].ljust(6, '0')}" if fraction else ""
    moment = datetime.fromisoformat(f"{head}{micros}{zone}")
    if local:
        if moment.tzinfo is not None:
            raise ValueError("a local timestamp has no time zone")
        return moment
    if moment.tzinfo is None:
        raise ValueError("an instant needs a time zone, such as Z or +02:00")
    return moment.astimezone(UTC)


def _decimal(value: Any, path: str) -> Decimal:
    if not isinstance(value, str):
        raise SampleError(f"{path}: expected a decimal as its text, got {_kind(value)}")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise SampleError(f"{path}: not a decimal number") from None
    if not number.is_finite():
        raise SampleError(f"{path}: not a finite decimal number")
    return number  # more digits than the type holds is the producer's type:decimal to refuse


def _base64(value: Any, path: str) -> bytes:
    if not isinstance(value, str):
        raise SampleError(f"{path}: expected base64 text, got {_kind(value)}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SampleError(f"{path}: not base64 text") from None


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )
