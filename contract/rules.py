"""Helpers of the generated Python rule checks (imported as ``_r``), and ``RuleViolation``.

Each helper gives what the job's Spark SQL gives for the same values (see
``codegen/rule_compile.py``): null in, null out; Kleene logic; null-safe equality; doubles
ordered as Spark orders them (NaN equals NaN and is above every number). The generated code calls
a helper only where a plain Python operator would differ.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_FLOAT32_MAX = 3.4028234663852886e38
_FLOAT32 = struct.Struct("<f")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_SUB_MILLIS = tuple(timedelta(microseconds=n) for n in range(1000))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class RuleMode(StrEnum):
    """What breaking a written rule does, at both ends (``"mode"`` in the rule's object)."""

    DLQ = "dlq"
    """The record goes to the DLQ with the rule's name (the default)."""
    WARN = "warn"
    """The record passes; each end counts it under the rule's name (a rule being rolled out)."""
    OFF = "off"
    """The rule is not checked."""


Check = Callable[..., "bool | None"]
"""A generated rule check: ``check(record, now)`` is false when the record breaks the rule,
None when unknown (``CHECKS`` of a generated module)."""


@dataclass(frozen=True, slots=True)
class RuleViolation:
    """The first rule a record breaks: its name, the field path, and the rule's message."""

    rule: str
    field: str
    message: str


def evaluation_failure(rule: str, field: str, exc: Exception) -> RuleViolation:
    """A rule that raised instead of answering counts as broken, with the reason."""
    return RuleViolation(rule, field, f"could not be evaluated: {type(exc).__name__}: {exc}")


def broken(record: Any, now: datetime, check: Check) -> bool:
    """Whether ``record`` breaks the rule of ``check``: false breaks it, and so does a check
    that raises (as in ``violation()``); None (unknown) does not."""
    try:
        return check(record, now) is False
    except Exception:  # a rule that cannot answer counts as broken
        return True


def broken_rules(
    record: Any, now: datetime, checks: Iterable[tuple[RuleViolation, Check]]
) -> tuple[RuleViolation, ...]:
    """Every rule of ``checks`` that ``record`` breaks, in order."""
    return tuple(rule for rule, check in checks if broken(record, now, check))


# -- null propagation and Kleene logic ----------------------------------------------------------


def member(target: Any, name: str) -> Any:
    """``target.name``, or None when ``target`` is None (a field of an optional record)."""
    return None if target is None else getattr(target, name)


def enum_value(value: Any) -> str | None:
    return None if value is None else str(value.value)


def text(value: Any) -> str | None:
    return None if value is None else str(value)


def not3(value: bool | None) -> bool | None:
    return None if value is None else not value


def and3(left: bool | None, right: bool | None) -> bool | None:
    if left is False or right is False:
        return False
    return None if left is None or right is None else True


def or3(left: bool | None, right: bool | None) -> bool | None:
    if left is True or right is True:
        return True
    return None if left is None or right is None else False


# -- comparison, with Spark's ordering of NaN ---------------------------------------------------


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def eq(left: Any, right: Any) -> bool:
    """Null-safe equality (Spark's ``<=>``): null equals null; NaN equals NaN."""
    if left is None or right is None:
        return left is None and right is None
    if _is_nan(left) or _is_nan(right):
        return _is_nan(left) and _is_nan(right)
    return bool(left == right)


def lt(left: Any, right: Any) -> bool | None:
    if left is None or right is None:
        return None
    if _is_nan(left):
        return False
    if _is_nan(right):
        return True
    return bool(left < right)


def le(left: Any, right: Any) -> bool | None:
    if left is None or right is None:
        return None
    return eq(left, right) or bool(lt(left, right))


def gt(left: Any, right: Any) -> bool | None:
    return lt(right, left)


def ge(left: Any, right: Any) -> bool | None:
    return le(right, left)


# the same for values that cannot be NaN (integers, decimals, text, instants): only null differs


def lt3(left: Any, right: Any) -> bool | None:
    return None if left is None or right is None else bool(left < right)


def le3(left: Any, right: Any) -> bool | None:
    return None if left is None or right is None else bool(left <= right)


def gt3(left: Any, right: Any) -> bool | None:
    return None if left is None or right is None else bool(left > right)


def ge3(left: Any, right: Any) -> bool | None:
    return None if left is None or right is None else bool(left >= right)


# -- arithmetic and functions -------------------------------------------------------------------


def neg(value: Any) -> Any:
    return None if value is None else -value


def add(left: Any, right: Any) -> Any:
    return None if left is None or right is None else left + right


def sub(left: Any, right: Any) -> Any:
    return None if left is None or right is None else left - right


def mul(left: Any, right: Any) -> Any:
    return None if left is None or right is None else left * right


def int64(value: int | None) -> int | None:
    """An integer result, or None (unknown) when it does not fit 64 bits, as the job's
    ``try_add``/``try_subtract``/``try_multiply`` give null on overflow."""
    return value if value is None or _INT64_MIN <= value <= _INT64_MAX else None


def mod(left: int | None, right: int | None) -> int | None:
    """The remainder of integers with the dividend's sign (Java's, C's and CEL's ``%``, not
    Python's); None when either is None or the divisor is 0, as Spark's ``%`` gives null."""
    if left is None or right is None or right == 0:
        return None
    remainder = abs(left) % abs(right)
    return -remainder if left < 0 else remainder


def shift(moment: datetime | None, delta: timedelta) -> datetime | None:
    """``moment`` moved by ``delta``; None (unknown) for None and for an instant outside years
    1 to 9999, where Python's ``datetime`` ends and the job's rule gives null."""
    if moment is None:
        return None
    try:
        return moment + delta
    except OverflowError:
        return None


# -- what the bytes carry: the values a rule sees are those the job decodes ---------------------


def as_double(value: float | int | Decimal | None) -> float | None:
    """An int or a decimal compared with a double, as a double (Spark casts it so)."""
    return None if value is None else float(value)


def float32(value: float | None) -> float | None:
    """A ``float`` field as its bytes carry it: rounded to the nearest float32, infinite
    beyond its range (``contract.avro_binary.float32``)."""
    if value is None:
        return None
    try:
        return _FLOAT32.unpack(_FLOAT32.pack(value))[0]  # type: ignore[no-any-return]
    except OverflowError:
        return math.copysign(math.inf, value)


def millis(value: Any) -> Any:
    """A ``*-millis`` instant or time of day as its bytes carry it: floored to the millisecond.
    (A subtraction of a prepared ``timedelta``: ``replace()`` cost a microsecond a call, a
    tenth of all of a user record's rules.)"""
    if value is None:
        return None
    extra = value.microsecond % 1000
    if not extra:
        return value
    if isinstance(value, time):
        return value.replace(microsecond=value.microsecond - extra)
    return value - _SUB_MILLIS[extra]


def timestamp(micros: int) -> datetime:
    """The UTC instant ``micros`` microseconds after the epoch (a ``timestamp('...')`` literal)."""
    return _EPOCH + timedelta(microseconds=micros)


def size(value: Any) -> int | None:
    return None if value is None else len(value)


def search(pattern: re.Pattern[str], value: str | None) -> bool | None:
    return None if value is None else pattern.search(value) is not None


def startswith(value: str | None, prefix: str | None) -> bool | None:
    return None if value is None or prefix is None else value.startswith(prefix)


def endswith(value: str | None, suffix: str | None) -> bool | None:
    return None if value is None or suffix is None else value.endswith(suffix)


def contains(value: str | None, part: str | None) -> bool | None:
    return None if value is None or part is None else part in value


def isin(value: Any, items: frozenset[Any]) -> bool | None:
    return None if value is None else value in items


# -- type-implied checks ------------------------------------------------------------------------


def _valid_text(value: str) -> bool:
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def texts_valid(values: tuple[str | None, ...]) -> bool:
    """Whether every text encodes as UTF-8 (one check for a record's texts; when it fails,
    each text is checked alone to name the field)."""
    joined = "".join(v for v in values if v is not None)
    return _valid_text(joined)


def utf8(value: Any) -> bool | None:
    """Whether every string in ``value`` (a string, a list of them, a map's keys and string
    values) encodes as UTF-8: a lone surrogate does not."""
    if value is None:
        return None
    if isinstance(value, str):
        return _valid_text(value)
    if isinstance(value, Mapping):
        strings: Iterable[Any] = [*value.keys(), *value.values()]
    else:
        strings = value
    return all(_valid_text(s) for s in strings if isinstance(s, str))


def is_uuid(value: str | None) -> bool | None:
    return None if value is None else _UUID.fullmatch(value) is not None


def byte_size(value: str | bytes | None) -> int | None:
    if value is None:
        return None
    return len(value.encode("utf-8", "surrogatepass")) if isinstance(value, str) else len(value)


def fits_bits(value: int | None, bits: int) -> bool | None:
    if value is None:
        return None
    limit = 1 << (bits - 1)
    return -limit <= value < limit


def fits_float32(value: float | None) -> bool | None:
    if value is None:
        return None
    return math.isnan(value) or math.isinf(value) or abs(value) <= _FLOAT32_MAX


def decimal_fits(value: Decimal | None, precision: int, scale: int) -> bool | None:
    """Whether ``value`` has at most ``scale`` fraction digits and ``precision`` digits in all."""
    if value is None:
        return None
    if not value.is_finite():
        return False
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if -exponent > scale:
        return False
    integer_digits = len(digits) + exponent
    return integer_digits <= precision - scale or not any(digits)


# -- conditionals, all() and exists(), ages -----------------------------------------------------


def choose(condition: bool | None, then: Callable[[], Any], otherwise: Callable[[], Any]) -> Any:
    """``condition ? then : otherwise`` for a nullable condition: null when it is null (as the
    job's ``CASE c WHEN TRUE ... WHEN FALSE ... END``); only the branch taken is evaluated."""
    if condition is None:
        return None
    return then() if condition else otherwise()


def every(items: Iterable[Any] | None, predicate: Callable[[Any], bool | None]) -> bool | None:
    """``items.all(x, p)`` as Spark's ``forall``: false at the first false, else null if some
    item gave null; null for null ``items`` (a map's keys when ``items`` is a map)."""
    return _quantified(items, predicate, decisive=False)


def some(items: Iterable[Any] | None, predicate: Callable[[Any], bool | None]) -> bool | None:
    """``items.exists(x, p)`` as Spark's ``exists``: true at the first true, else null if some
    item gave null; null for null ``items``."""
    return _quantified(items, predicate, decisive=True)


def _quantified(
    items: Iterable[Any] | None, predicate: Callable[[Any], bool | None], decisive: bool
) -> bool | None:
    """The first ``decisive`` verdict of ``predicate`` over ``items``; else null if some item
    gave null, else the other verdict."""
    if items is None:
        return None
    unknown = False
    for item in items:
        verdict = predicate(item)
        if verdict is decisive:
            return decisive
        unknown = unknown or verdict is None
    return None if unknown else not decisive


def utc_date(moment: date | None) -> date | None:
    """A date as it is, an instant as its UTC date (``today`` is ``utc_date(now)``)."""
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).date()
    return moment


def age(born: date | None, on: date | None) -> int | None:
    """Whole years from ``born`` to ``on`` (dates, or instants taken as their UTC dates): the
    job's formula, so a 29 February birthday comes on 1 March in other years."""
    born, on = utc_date(born), utc_date(on)
    if born is None or on is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
