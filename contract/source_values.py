"""Source JSON to contract values: the conversions the generated ``from_source`` functions call.

Each converter takes a value decoded from the source's JSON and the dotted path it was found
at, and returns the Python value of the field's Avro type, or raises ``SourceValueError``
naming the path and why (never the value: it may be personal data). Types convert by the
field's Avro type and logical type (``docs/contract.md``, "Where fields come from"):

- ``string``: a string; ``int``/``long``: an integer (not a boolean); ``float``/``double``: a
  number; ``boolean``: ``true``/``false``. A field that declares ``"coerce": true`` also takes
  the other common spelling: an integer for a string (its decimal text), a string holding a
  number for a number;
- ``uuid``: a UUID string; ``timestamp-*``: an ISO-8601 string with a zone, or an integer in
  the logical type's own unit since the epoch; ``date``: ``YYYY-MM-DD``; ``time-*``:
  ``HH:MM[:SS[.ffffff]]``; ``decimal``: a decimal string or a number, at most ``scale``
  decimal places and ``precision`` digits;
- ``bytes``/``fixed``: base64 text; an enum: one of its symbols; arrays, maps and records:
  arrays, objects and objects, converted element by element.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar

from contract.dlq import RejectRule

NUMBERS = (int, float)
"""The JSON types of a float or double field (``type(v) in NUMBERS``: no bool)."""
TEXTUAL = (str, int)
"""The JSON types of a coerced string field."""
NUMERIC = (str, int, float)
"""The JSON types of a coerced float or double field."""
T = TypeVar("T")
E = TypeVar("E", bound=Enum)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class OversizedNumber:
    """An integer literal too long to be a value of any contract (kept as its digit count)."""

    digits: int


class SourceValueError(ValueError):
    """A source record that cannot become the contract's record.

    ``path`` is where in the source record (dotted), ``reason`` why. ``rule`` is what it breaks:
    ``source:shape`` for a value of the wrong shape, or a check both ends make, such as
    ``type:uuid``, whose ``field`` is then the contract's field path.
    """

    def __init__(
        self,
        path: str,
        reason: str,
        rule: str = RejectRule.SOURCE_SHAPE,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.reason = reason
        self.rule = rule
        self.field = field or path
        super().__init__(f"{path}: {reason}")


class NotStraightError(Exception):
    """Internal to generated code: a record not of the usual shape; the checked path says how."""


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _step(value: Any, key: str, path: tuple[str, ...], depth: int, dotted: str) -> Any:
    """One step down a path: a member of an object, or an element of an array (a number)."""
    if isinstance(value, list) and key.isdigit():
        if int(key) >= len(value):
            raise SourceValueError(dotted, "missing")
        return value[int(key)]
    if not isinstance(value, dict):
        where = _prefix(dotted, len(path) - depth)
        raise SourceValueError(where, f"expected an object, got {_type_name(value)}")
    if key not in value:
        raise SourceValueError(dotted, "missing")
    return value[key]


def _prefix(dotted: str, drop: int) -> str:
    """``dotted`` without its last ``drop`` parts (``<record>`` when nothing is left)."""
    parts = dotted.rsplit(".", drop)
    return parts[0] if len(parts) > drop else "<record>"


def at(item: Any, path: tuple[str, ...], dotted: str) -> Any:
    """The value at ``path`` of a source record; ``SourceValueError`` when it is not there.
    A part made of digits picks an element of an array (``geometry.coordinates.0``)."""
    value = item
    for depth, key in enumerate(path):
        value = _step(value, key, path, depth, dotted)
    if isinstance(value, OversizedNumber):
        raise SourceValueError(dotted, f"a number of {value.digits} digits")
    return value


def at_optional(item: Any, path: tuple[str, ...], dotted: str) -> Any:
    """The value at ``path``, or None when it (or an object above it) is absent or null."""
    value = item
    for depth, key in enumerate(path):
        if value is None:
            return None
        if isinstance(value, dict) and key not in value:
            return None
        if isinstance(value, list) and key.isdigit() and int(key) >= len(value):
            return None
        value = _step(value, key, path, depth, dotted)
    if isinstance(value, OversizedNumber):
        raise SourceValueError(dotted, f"a number of {value.digits} digits")
    return value


def record_object(item: Any) -> dict[str, Any]:
    """The source record itself, which must be an object."""
    if not isinstance(item, dict):
        raise SourceValueError("<record>", f"expected an object, got {_type_name(item)}")
    return item


def string(value: Any, path: str) -> str:
    if isinstance(value, str):
        return value
    raise SourceValueError(path, f"expected a string, got {_type_name(value)}")


def text(value: Any, path: str) -> str:
    """A string, or an integer as its decimal text (a coerced string field)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value
    raise SourceValueError(path, f"expected a string or an integer, got {_type_name(value)}")


def integer(value: Any, path: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise SourceValueError(path, f"expected an integer, got {_type_name(value)}")


def integer_or_text(value: Any, path: str) -> int:
    """An integer, or a string holding one (a coerced integer field)."""
    if isinstance(value, str):
        try:
            return int(value.strip(), 10)
        except ValueError:
            raise SourceValueError(path, "not an integer") from None
    return integer(value, path)


def real(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SourceValueError(path, f"expected a number, got {_type_name(value)}")
    try:
        return float(value)
    except OverflowError:
        raise SourceValueError(path, "a number too large for a double") from None


def real_or_text(value: Any, path: str) -> float:
    """A number, or a string holding one (a coerced float or double field)."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise SourceValueError(path, "not a decimal number") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SourceValueError(path, f"expected a decimal number, got {_type_name(value)}")
    return real(value, path)


def boolean(value: Any, path: str) -> bool:
    if isinstance(value, bool):
        return value
    raise SourceValueError(path, f"expected true or false, got {_type_name(value)}")


def uuid_value(value: Any, path: str, field: str) -> uuid.UUID:
    """A UUID; a string that is not one breaks ``type:uuid``, the check the job makes too."""
    if not isinstance(value, str):
        raise SourceValueError(path, f"expected a string, got {_type_name(value)}")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise SourceValueError(
            path, "not a UUID (8-4-4-4-12 hexadecimal digits)", "type:uuid", field
        ) from None


def instant_fast(value: str | int, per_second: int) -> datetime:
    """An ISO-8601 instant with a zone, or an integer count of ``1/per_second`` seconds since
    the epoch, in UTC (the fast path: any failure raises)."""
    if type(value) is int:
        return _EPOCH + timedelta(microseconds=value * (1_000_000 // per_second))
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment.astimezone(UTC)


def instant(value: Any, path: str, per_second: int) -> datetime:
    """An ISO-8601 instant with a zone, or an integer count of ``1/per_second`` seconds since
    the epoch (the logical type's unit: 1000 for timestamp-millis)."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return _EPOCH + timedelta(microseconds=value * (1_000_000 // per_second))
        except OverflowError:
            raise SourceValueError(path, "a timestamp outside years 1 to 9999") from None
    if not isinstance(value, str):
        raise SourceValueError(path, f"expected an ISO-8601 timestamp, got {_type_name(value)}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise SourceValueError(path, "not an ISO-8601 timestamp") from None
    if moment.tzinfo is None:
        raise SourceValueError(path, "timestamp without a time zone")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise SourceValueError(path, "a timestamp outside years 1 to 9999") from None


def day(value: Any, path: str) -> date:
    if not isinstance(value, str):
        raise SourceValueError(path, f"expected a YYYY-MM-DD date, got {_type_name(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SourceValueError(path, "not a YYYY-MM-DD date") from None


def time_of_day(value: Any, path: str) -> time:
    if not isinstance(value, str):
        raise SourceValueError(path, f"expected a time of day, got {_type_name(value)}")
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise SourceValueError(path, "not a time of day (HH:MM[:SS[.ffffff]])") from None


def decimal_value(value: Any, path: str, precision: int, scale: int) -> Decimal:
    """A decimal of at most ``scale`` decimal places and ``precision`` digits (never rounded)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SourceValueError(path, f"expected a decimal number, got {_type_name(value)}")
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        raise SourceValueError(path, "not a decimal number") from None
    if not number.is_finite():
        raise SourceValueError(path, "not a finite decimal number")
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > scale:
        raise SourceValueError(path, f"more than {scale} decimal place(s)")
    scaled = number.quantize(Decimal(1).scaleb(-scale))
    if len(scaled.as_tuple().digits) > precision:
        raise SourceValueError(path, f"more than {precision} digit(s)")
    return scaled


def binary(value: Any, path: str, size: int | None = None) -> bytes:
    """Base64 text (standard alphabet) as bytes; ``size`` for a fixed."""
    if not isinstance(value, str):
        raise SourceValueError(path, f"expected base64 text, got {_type_name(value)}")
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SourceValueError(path, "not base64 text") from None
    if size is not None and len(decoded) != size:
        raise SourceValueError(path, f"{len(decoded)} bytes, not {size}")
    return decoded


def symbol(value: Any, path: str, enum: type[E]) -> E:
    if isinstance(value, str):
        try:
            return enum(value)
        except ValueError:
            pass
    symbols = ", ".join(member.value for member in enum)
    raise SourceValueError(path, f"not one of {symbols}")


def array(value: Any, path: str, convert: Callable[[Any, str], T]) -> list[T]:
    if not isinstance(value, list):
        raise SourceValueError(path, f"expected an array, got {_type_name(value)}")
    return [convert(item, f"{path}[{i}]") for i, item in enumerate(value)]


def mapping(value: Any, path: str, convert: Callable[[Any, str], T]) -> dict[str, T]:
    if not isinstance(value, dict):
        raise SourceValueError(path, f"expected an object, got {_type_name(value)}")
    return {key: convert(item, f"{path}.{key}") for key, item in value.items()}


def optional(value: Any, path: str, convert: Callable[[Any, str], T]) -> T | None:
    return None if value is None else convert(value, path)


def joined(values: Iterable[Any], paths: Iterable[str], separator: str) -> str:
    """Several source values joined into one string, each a string."""
    return separator.join(string(v, p) for v, p in zip(values, paths, strict=True))


def kept_for_dlq(item: Any, paths: Iterable[tuple[str, ...]]) -> Any:
    """What a DLQ may keep of a rejected source record: the values at ``paths`` (those the
    contract reads), nothing else (credentials and other fields never leave the producer).
    Where an object is expected and something else is found, that value is kept as it is."""
    if not isinstance(item, dict):
        return item
    kept: dict[str, Any] = {}
    for path in paths:
        _copy_path(item, kept, path)
    return kept


def _copy_path(source: Mapping[str, Any], target: dict[str, Any], path: tuple[str, ...]) -> None:
    head, rest = path[0], path[1:]
    if head not in source:
        return
    value = source[head]
    if not rest or not isinstance(value, dict):
        target[head] = value
        return
    child = target.setdefault(head, {})
    if isinstance(child, dict):
        _copy_path(value, child, rest)
