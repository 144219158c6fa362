"""Helpers of the generated ``avro_binary()`` methods (imported as ``_a``): Avro binary encoding.

Each helper returns exactly the bytes fastavro's ``schemaless_writer`` (1.13) writes for the
value, or raises. It accepts only values that fastavro both writes and validates, since fastavro
validates a value before writing it in a union branch, including every field of a record there:
so a record's bytes do not depend on where the record sits. That makes the helpers stricter than
fastavro's writer outside unions, where it also takes (and converts) a bool or a float for an
``int``, an int beyond 32 bits for an ``int``, any truthy value for a ``boolean``, a string for a
``double``, ``uuid`` or timestamp, a tuple for an array: here these raise ``TypeError``,
``ValueError`` or ``OverflowError``, as do the values fastavro refuses. Two decimals fastavro
writes wrongly on a ``fixed`` (a negative zero, a value wider than the fixed) raise too.

Longs are zigzag varints; strings and bytes a length then the bytes; floats and doubles
little-endian IEEE 754; arrays and maps one block (count, items, 0) or a single 0 when empty.
"""

from __future__ import annotations

import io
import json
import math
import numbers
import struct
import time
from collections.abc import Callable, ItemsView, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar
from uuid import UUID

T = TypeVar("T")

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLI, _MICRO = timedelta(milliseconds=1), timedelta(microseconds=1)
_DAYS_SHIFT = date(1970, 1, 1).toordinal()


def _varint(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


#: The varint of each unsigned value below 2**14 (one or two bytes), by that value.
_VARINT = [_varint(n) for n in range(1 << 14)]
#: The two bytes of 14 low bits followed by more (both bytes with their continuation bit).
_HEAD = [bytes((n & 0x7F | 0x80, n >> 7 | 0x80)) for n in range(1 << 14)]
#: The length prefix of a string or bytes of 0..8191 bytes, by its length: ``SIZES[len(data)]``.
SIZES = _VARINT[::2]
#: The encoding of a string, with ``SIZES``: ``str.encode`` refuses anything not a str.
ENCODE = str.encode
_DOUBLE = struct.Struct("<d").pack
_FLOAT = struct.Struct("<f").pack
_UUID_SIZE = SIZES[36]


def long(value: int) -> bytes:
    """The zigzag varint of an int already known to fit 64 bits (the tables hold 14 bits each,
    so a timestamp in milliseconds takes three lookups)."""
    n = value << 1 if value >= 0 else (-value << 1) - 1
    if n < 1 << 14:
        return _VARINT[n]
    if n < 1 << 28:
        return _HEAD[n & 0x3FFF] + _VARINT[n >> 14]
    if n < 1 << 42:
        return _HEAD[n & 0x3FFF] + _HEAD[n >> 14 & 0x3FFF] + _VARINT[n >> 28]
    return _varint(n)


def size(n: int) -> bytes:
    """The length prefix of ``n`` bytes."""
    return SIZES[n] if n < 8192 else long(n)


def _integer(value: object, low: int, high: int) -> bytes:
    if type(value) is int:
        number = value
    elif isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"an integer is required, not {type(value).__name__}")
    else:
        number = int(value)
    if not low <= number <= high:
        raise OverflowError(f"integer {number} out of range [{low}, {high}]")
    return long(number)


def int32(value: int) -> bytes:
    """An Avro ``int``: an integer (not a bool) of 32 bits."""
    if type(value) is int and INT_MIN <= value <= INT_MAX:
        return long(value)
    return _integer(value, INT_MIN, INT_MAX)


def int64(value: int) -> bytes:
    """An Avro ``long``: an integer (not a bool) of 64 bits."""
    if type(value) is int and LONG_MIN <= value <= LONG_MAX:
        return long(value)
    return _integer(value, LONG_MIN, LONG_MAX)


def _real(value: object) -> float:
    """A real number (not a bool) as a double; an int beyond a double raises OverflowError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"a real number is required, not {type(value).__name__}")
    return float(value)


def float64(value: float) -> bytes:
    """An Avro ``double`` of a real number (not a bool)."""
    return _DOUBLE(value if type(value) is float else _real(value))


def float32(value: float) -> bytes:
    """An Avro ``float``: rounded to the nearest float32, infinite beyond its range (as C does)."""
    number = value if type(value) is float else _real(value)
    try:
        return _FLOAT(number)
    except OverflowError:  # finite but beyond float32: C's conversion gives an infinity
        return _FLOAT(math.copysign(math.inf, number))


def boolean(value: bool) -> bytes:
    """An Avro ``boolean``: a bool only."""
    if value is True:
        return b"\x01"
    if value is False:
        return b"\x00"
    raise TypeError(f"a bool is required, not {type(value).__name__}")


def null(value: None) -> bytes:
    """An Avro ``null``: nothing, for None only."""
    if value is not None:
        raise TypeError(f"None is required, not {type(value).__name__}")
    return b""


def string(value: str) -> bytes:
    """An Avro ``string``: UTF-8 (a lone surrogate raises), after its length."""
    data = ENCODE(value)
    n = len(data)
    return (SIZES[n] if n < 8192 else long(n)) + data


def _bytes(value: object) -> bytes:
    if type(value) is bytes:
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    raise TypeError(f"bytes are required, not {type(value).__name__}")


def binary(value: bytes) -> bytes:
    """An Avro ``bytes``: bytes or a bytearray, after its length."""
    data = _bytes(value)
    return size(len(data)) + data


def fixed(value: bytes, width: int) -> bytes:
    """An Avro ``fixed`` (and ``duration``): exactly ``width`` bytes."""
    data = _bytes(value)
    if len(data) != width:
        raise ValueError(f"data of length {len(data)} does not match the fixed size {width}")
    return data


def uuid(value: UUID) -> bytes:
    """A ``uuid``: its 36-character text (lowercase hex, dashed 8-4-4-4-12)."""
    if type(value) is UUID:  # as str(value), faster
        text = value.int.to_bytes(16).hex().encode()
        return _UUID_SIZE + b"-".join((text[:8], text[8:12], text[12:16], text[16:20], text[20:]))
    if not isinstance(value, UUID):
        raise TypeError(f"a UUID is required, not {type(value).__name__}")
    return string(str(value))


def _datetime(value: object) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"a datetime is required, not {type(value).__name__}")
    return value


def _mktime(value: datetime) -> int:
    """Seconds since the epoch of a naive datetime taken as local time, as fastavro computes
    them (the C library's ``mktime``: the machine's time zone, DST guessed)."""
    return int(time.mktime(value.timetuple()))


# Timestamps (years 1 to 9999) and dates fit 64 bits: their helpers call ``long`` directly.


def timestamp_millis(value: datetime) -> bytes:
    """A ``timestamp-millis``: an aware datetime as milliseconds since the epoch (floored);
    a naive one is local time, as fastavro takes it."""
    if type(value) is not datetime:
        _datetime(value)
    if value.tzinfo is None:
        return long(_mktime(value) * 1000 + value.microsecond // 1000)
    delta = value - _EPOCH
    return long((delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000)


def timestamp_micros(value: datetime) -> bytes:
    """A ``timestamp-micros``: as ``timestamp_millis``, in microseconds."""
    if type(value) is not datetime:
        _datetime(value)
    if value.tzinfo is None:
        return long(_mktime(value) * 1_000_000 + value.microsecond)
    return long((value - _EPOCH) // _MICRO)


def local_timestamp_millis(value: datetime) -> bytes:
    """A ``local-timestamp-millis``: the wall time (any time zone dropped) since 1970-01-01."""
    return long((_datetime(value).replace(tzinfo=UTC) - _EPOCH) // _MILLI)


def local_timestamp_micros(value: datetime) -> bytes:
    """A ``local-timestamp-micros``: as ``local_timestamp_millis``, in microseconds."""
    return long((_datetime(value).replace(tzinfo=UTC) - _EPOCH) // _MICRO)


def date_days(value: date) -> bytes:
    """A ``date``: days since 1970-01-01 (of a datetime, its date)."""
    if not isinstance(value, date):
        raise TypeError(f"a date is required, not {type(value).__name__}")
    return long(value.toordinal() - _DAYS_SHIFT)


def _time(value: object) -> time_of_day:
    if not isinstance(value, time_of_day):
        raise TypeError(f"a time is required, not {type(value).__name__}")
    return value


def time_millis(value: time_of_day) -> bytes:
    """A ``time-millis``: milliseconds since midnight (floored; any time zone ignored)."""
    t = _time(value)
    return long(((t.hour * 60 + t.minute) * 60 + t.second) * 1000 + t.microsecond // 1000)


def time_micros(value: time_of_day) -> bytes:
    """A ``time-micros``: microseconds since midnight (any time zone ignored)."""
    t = _time(value)
    return long(((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond)


def _unscaled(value: object, precision: int) -> tuple[int, int, int]:
    """(sign, digits as an int, exponent) of a finite Decimal of at most ``precision`` digits."""
    if not isinstance(value, Decimal):
        raise TypeError(f"a Decimal is required, not {type(value).__name__}")
    sign, digits, exponent = value.as_tuple()
    if len(digits) > precision:
        raise ValueError("The decimal precision is bigger than allowed by schema")
    if not isinstance(exponent, int):  # NaN or an infinity
        raise TypeError(f"a finite Decimal is required, not {value}")
    return sign, int("".join(map(str, digits))), exponent


def decimal_bytes(value: Decimal, precision: int, scale: int) -> bytes:
    """A ``decimal`` on bytes: the unscaled value, two's complement big-endian, in as many bytes
    as fastavro uses (one more than the magnitude needs, so -128 takes two)."""
    sign, unscaled, exponent = _unscaled(value, precision)
    if exponent + scale < 0:
        raise ValueError("Scale provided in schema does not match the decimal")
    unscaled *= int(10 ** (exponent + scale))  # exponent + scale >= 0
    width = (unscaled.bit_length() + 8) // 8
    data = (-unscaled if sign else unscaled).to_bytes(width, "big", signed=True)
    return size(width) + data


def decimal_fixed(value: Decimal, width: int, precision: int, scale: int) -> bytes:
    """A ``decimal`` on a fixed: the unscaled value, two's complement big-endian, sign-extended
    to ``width`` bytes.

    Refused where fastavro writes a wrong value: a negative zero (it writes -2 units) and a
    negative value too wide for the fixed (it writes the low bytes).
    """
    sign, unscaled, exponent = _unscaled(value, precision)
    if -exponent > scale:
        raise ValueError("Scale provided in schema does not match the decimal")
    unscaled *= int(10 ** (exponent + scale))  # exponent + scale >= 0
    if unscaled.bit_length() + 1 > 8 * width:
        raise ValueError(f"decimal {value} does not fit in {width} bytes")
    if sign and not unscaled:
        raise ValueError("a negative zero decimal (fastavro would write -2 units)")
    return (-unscaled if sign else unscaled).to_bytes(width, "big", signed=True)


def decimal(value: Decimal, precision: int, scale: int, width: int | None) -> bytes:
    """A ``decimal`` on bytes (``width`` None) or on a fixed of ``width`` bytes."""
    if width is None:
        return decimal_bytes(value, precision, scale)
    return decimal_fixed(value, width, precision, scale)


def symbol(table: dict[Any, bytes], value: object) -> bytes:
    """An enum symbol's encoding from its class's ``table``; a value of another type (a string,
    another enum's member) raises ``TypeError``."""
    try:
        return table[value]
    except (KeyError, TypeError):
        raise TypeError(f"not a symbol of the enum: {type(value).__name__}") from None


def record(value: object, cls: type[Any]) -> bytes:
    """A nested record's encoding; a value that is not a ``cls`` raises ``TypeError``."""
    if not isinstance(value, cls):
        raise TypeError(f"expected a {cls.__name__}, got {type(value).__name__}")
    encoded: bytes = value.avro_binary()
    return encoded


def items(value: list[T]) -> list[T]:
    """The items of an array: a list only (fastavro takes a tuple as a union's (name, value))."""
    if not isinstance(value, list):
        raise TypeError(f"a list is required, not {type(value).__name__}")
    return value


def entries(value: dict[str, T]) -> ItemsView[str, T]:
    """The entries of a map: a dict only (its keys are checked as strings when encoded)."""
    if not isinstance(value, dict):
        raise TypeError(f"a dict is required, not {type(value).__name__}")
    return value.items()


def block(parts: Sequence[bytes]) -> bytes:
    """An array or map of encoded items (key and value together for a map): one block."""
    if not parts:
        return b"\x00"
    return long(len(parts)) + b"".join(parts) + b"\x00"


# -- unions of several primitive branches: the branch fastavro chooses --------------------------

_VALID: dict[str, Callable[[Any], bool]] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "bytes": lambda v: isinstance(v, bytes | bytearray),
    "int": lambda v: _integral(v) and INT_MIN <= v <= INT_MAX,
    "long": lambda v: _integral(v) and LONG_MIN <= v <= LONG_MAX,
    "float": lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool),
    "double": lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool),
}
_ENCODERS: dict[str, Callable[[Any], bytes]] = {
    "null": null,
    "boolean": boolean,
    "string": string,
    "bytes": binary,
    "int": int32,
    "long": int64,
    "float": float32,
    "double": float64,
}


def _integral(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def union(value: object, branches: tuple[str, ...]) -> bytes:
    """A union of primitive branches: the first branch the value validates against, except that
    a later ``double`` wins over a ``float`` (fastavro's rule); then the value in that branch."""
    if isinstance(value, tuple):
        raise TypeError("a tuple in a union (fastavro's (name, value) notation) is not supported")
    chosen = -1
    for index, kind in enumerate(branches):
        if chosen >= 0:  # a float matched: only a later double is better
            if kind == "double":
                chosen = index
                break
            continue
        if _VALID[kind](value):
            chosen = index
            if kind != "float":
                break
    if chosen < 0:
        raise ValueError(f"{type(value).__name__} value matches no branch of {list(branches)}")
    return long(chosen) + _ENCODERS[branches[chosen]](value)


# -- the fallback: fastavro itself ---------------------------------------------------------------


@cache
def _parsed(schema: str) -> Any:
    import fastavro  # only records that fall back need it

    return fastavro.parse_schema(json.loads(schema))


def fastavro_binary(schema: str, datum: dict[str, Any]) -> bytes:
    """``datum`` written by fastavro with ``schema`` (a record's self-contained JSON text), after
    fastavro's validation, so that the record is refused wherever a union would refuse it."""
    import fastavro
    from fastavro.validation import validate

    parsed = _parsed(schema)
    validate(datum, parsed, raise_errors=True)
    out = io.BytesIO()
    fastavro.schemaless_writer(out, parsed, datum)
    return out.getvalue()
