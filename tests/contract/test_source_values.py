"""The converters the generated ``from_source`` calls: each takes what its docstring says and
refuses the rest with ``SourceValueError`` naming the path (never the value); what a DLQ keeps of
a rejected source record."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from contract import source_values as sv
from contract.source_values import OversizedNumber, SourceValueError, kept_for_dlq


class Suit(enum.Enum):
    HEARTS = "HEARTS"
    SPADES = "SPADES"


UUID_TEXT = "3f1c2a9e-7b44-4d0e-9a51-0c6f2b8e1d77"
MILLIS = 1_700_000_000_123
AT_MILLIS = datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)


def _millis(value: Any, path: str) -> datetime:
    return sv.instant(value, path, 1000)


def _micros(value: Any, path: str) -> datetime:
    return sv.instant(value, path, 1_000_000)


def _uuid(value: Any, path: str) -> uuid.UUID:
    return sv.uuid_value(value, path, "id")


def _money(value: Any, path: str) -> Decimal:
    return sv.decimal_value(value, path, 6, 2)


def _fixed4(value: Any, path: str) -> bytes:
    return sv.binary(value, path, 4)


def _suit(value: Any, path: str) -> Suit:
    return sv.symbol(value, path, Suit)


def _ints(value: Any, path: str) -> list[int]:
    return sv.array(value, path, sv.integer)


def _int_map(value: Any, path: str) -> dict[str, int]:
    return sv.mapping(value, path, sv.integer)


def _maybe_int(value: Any, path: str) -> int | None:
    return sv.optional(value, path, sv.integer)


Converter = Callable[[Any, str], Any]


def _id(value: Any) -> str:
    """A test id: a converter by its name, a value by its (short) repr."""
    return value.__name__.lstrip("_") if callable(value) else repr(value)[:30]


ACCEPTED: list[tuple[Converter, Any, Any]] = [
    (sv.string, "é東京", "é東京"),
    (sv.string, "", ""),
    (sv.text, "71823", "71823"),
    (sv.text, 71823, "71823"),
    (sv.text, -5, "-5"),
    (sv.integer, 42, 42),
    (sv.integer, -(2**70), -(2**70)),  # the range is a rule (type:int32/64), not a shape
    (sv.integer_or_text, 12, 12),
    (sv.integer_or_text, " 12 ", 12),
    (sv.integer_or_text, "-7", -7),
    (sv.real, 1.5, 1.5),
    (sv.real, 3, 3.0),
    (sv.real_or_text, "46.7867", 46.7867),
    (sv.real_or_text, "-92", -92.0),
    (sv.real_or_text, 7, 7.0),
    (sv.boolean, True, True),
    (sv.boolean, False, False),
    (_uuid, UUID_TEXT, uuid.UUID(UUID_TEXT)),
    (_uuid, UUID_TEXT.upper(), uuid.UUID(UUID_TEXT)),
    (_millis, "2023-11-14T22:13:20.123Z", AT_MILLIS),
    (_millis, "2023-11-15T00:13:20.123+02:00", AT_MILLIS),
    (_millis, MILLIS, AT_MILLIS),
    (_millis, -1, datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)),
    (_micros, 1_700_000_000_123_456, AT_MILLIS + timedelta(microseconds=456)),
    (sv.day, "1992-03-08", date(1992, 3, 8)),
    (sv.time_of_day, "15:13", time(15, 13)),
    (sv.time_of_day, "15:13:16.688123", time(15, 13, 16, 688123)),
    (_money, "1234.5", Decimal("1234.50")),
    (_money, "-0.01", Decimal("-0.01")),
    (_money, 12, Decimal("12.00")),
    (_money, 0.1, Decimal("0.10")),  # the float's shortest text, not its binary expansion
    (_money, "9999.99", Decimal("9999.99")),
    (sv.binary, "AAH+/w==", b"\x00\x01\xfe\xff"),
    (sv.binary, "", b""),
    (_fixed4, "AAH+/w==", b"\x00\x01\xfe\xff"),
    (_suit, "HEARTS", Suit.HEARTS),
    (_ints, [1, 2], [1, 2]),
    (_ints, [], []),
    (_int_map, {"a": 1}, {"a": 1}),
    (_maybe_int, None, None),
    (_maybe_int, 3, 3),
]


@pytest.mark.parametrize(("convert", "value", "expected"), ACCEPTED, ids=_id)
def test_each_converter_takes_its_documented_values(
    convert: Converter, value: Any, expected: Any
) -> None:
    got = convert(value, "a.b")
    assert got == expected
    assert type(got) is type(expected)


REFUSED: list[tuple[Converter, Any, str]] = [
    (sv.string, 5, "expected a string, got int"),
    (sv.string, None, "expected a string, got null"),
    (sv.string, b"x", "expected a string, got bytes"),
    (sv.text, 1.5, "expected a string or an integer, got float"),
    (sv.text, True, "expected a string or an integer, got bool"),
    (sv.integer, True, "expected an integer, got bool"),
    (sv.integer, 1.0, "expected an integer, got float"),
    (sv.integer, "12", "expected an integer, got str"),
    (sv.integer_or_text, "twelve", "not an integer"),
    (sv.integer_or_text, "1.5", "not an integer"),
    (sv.integer_or_text, False, "expected an integer, got bool"),
    (sv.real, "1.5", "expected a number, got str"),
    (sv.real, True, "expected a number, got bool"),
    (sv.real, 10**400, "a number too large for a double"),
    (sv.real_or_text, "east", "not a decimal number"),
    (sv.real_or_text, None, "expected a decimal number, got null"),
    (sv.real_or_text, True, "expected a decimal number, got bool"),
    (sv.boolean, 1, "expected true or false, got int"),
    (sv.boolean, "yes", "expected true or false, got str"),
    (_uuid, 5, "expected a string, got int"),
    (_millis, "31/02/1990", "not an ISO-8601 timestamp"),
    (_millis, "1990-02-01T00:00:00", "timestamp without a time zone"),
    (_millis, 1.5, "expected an ISO-8601 timestamp, got float"),
    (_millis, True, "expected an ISO-8601 timestamp, got bool"),
    (_millis, 10**20, "a timestamp outside years 1 to 9999"),
    (_millis, "0001-01-01T00:00:00+01:00", "a timestamp outside years 1 to 9999"),
    (sv.day, "08/03/1992", "not a YYYY-MM-DD date"),
    (sv.day, 19920308, "expected a YYYY-MM-DD date, got int"),
    (sv.time_of_day, "25:00", "not a time of day"),
    (sv.time_of_day, 3600, "expected a time of day, got int"),
    (_money, "1.234", "more than 2 decimal place(s)"),
    (_money, "10000.00", "more than 6 digit(s)"),
    (_money, "NaN", "not a finite decimal number"),
    (_money, "Infinity", "not a finite decimal number"),
    (_money, "a lot", "not a decimal number"),
    (_money, True, "expected a decimal number, got bool"),
    (_money, [1], "expected a decimal number, got list"),
    (sv.binary, "not base64!", "not base64 text"),
    (sv.binary, b"AAH+/w==", "expected base64 text, got bytes"),
    (_fixed4, "AAH+", "3 bytes, not 4"),
    (_suit, "CLUBS", "not one of HEARTS, SPADES"),
    (_suit, 1, "not one of HEARTS, SPADES"),
    (_ints, (1, 2), "expected an array, got tuple"),
    (_ints, {"0": 1}, "expected an array, got dict"),
    (_int_map, [1], "expected an object, got list"),
]


@pytest.mark.parametrize(("convert", "value", "reason"), REFUSED, ids=_id)
def test_each_converter_refuses_the_rest_naming_the_path(
    convert: Converter, value: Any, reason: str
) -> None:
    with pytest.raises(SourceValueError) as err:
        convert(value, "a.b")
    assert (err.value.path, err.value.field, err.value.rule) == ("a.b", "a.b", "source:shape")
    assert reason in err.value.reason
    assert str(err.value) == f"a.b: {err.value.reason}"
    if isinstance(value, str) and len(value) > 3:
        assert value not in str(err.value), "values may be personal data: never in the error"


def test_a_string_that_is_no_uuid_breaks_the_uuid_type_rule_of_the_contract_field() -> None:
    with pytest.raises(SourceValueError) as err:
        sv.uuid_value("not-a-uuid", "login.uuid", "id")
    assert (err.value.path, err.value.field, err.value.rule) == ("login.uuid", "id", "type:uuid")
    assert "not a UUID" in err.value.reason and "not-a-uuid" not in str(err.value)


def test_elements_are_named_by_their_index_or_key() -> None:
    with pytest.raises(SourceValueError) as err:
        _ints([1, "2"], "scores")
    assert err.value.path == "scores[1]"
    with pytest.raises(SourceValueError) as err:
        _int_map({"a": 1, "b": None}, "counts")
    assert err.value.path == "counts.b"


def test_the_fast_instant_matches_the_checked_one_and_raises_on_anything_else() -> None:
    for value in ("2023-11-14T22:13:20.123Z", "2023-11-15T00:13:20.123+02:00", MILLIS):
        assert sv.instant_fast(value, 1000) == _millis(value, "t") == AT_MILLIS
    aware = sv.instant_fast("2023-11-14T23:13:20+01:00", 1000)
    assert aware.tzinfo == UTC
    with pytest.raises(ValueError, match="no time zone"):
        sv.instant_fast("2023-11-14T22:13:20", 1000)
    with pytest.raises(ValueError, match="Invalid isoformat"):
        sv.instant_fast("yesterday", 1000)


def test_instants_come_out_in_utc() -> None:
    moment = _millis("2023-11-14T23:13:20.123+01:00", "t")
    assert moment.tzinfo == UTC
    assert moment == datetime(2023, 11, 14, 23, 13, 20, 123000, tzinfo=timezone(timedelta(hours=1)))


def test_joined_texts_and_a_non_text_among_them() -> None:
    assert sv.joined(("Ana", "Larsen"), ("name.first", "name.last"), " ") == "Ana Larsen"
    with pytest.raises(SourceValueError) as err:
        sv.joined(("Ana", None), ("name.first", "name.last"), " ")
    assert err.value.path == "name.last"
    with pytest.raises(ValueError, match="zip"):  # a generated call always pairs them
        sv.joined(("Ana",), ("name.first", "name.last"), " ")


ITEM = {
    "login": {"uuid": UUID_TEXT, "password": "hunter2"},
    "geometry": {"coordinates": [10.5, 59.9, 3.0]},
    "name": "Bob",
    "nothing": None,
    "big": OversizedNumber(5000),
}


def test_at_follows_members_and_array_indexes() -> None:
    assert sv.at(ITEM, ("login", "uuid"), "login.uuid") == UUID_TEXT
    assert sv.at(ITEM, ("geometry", "coordinates", "1"), "geometry.coordinates.1") == 59.9
    assert sv.at(ITEM, ("nothing",), "nothing") is None
    assert sv.record_object(ITEM) is ITEM


@pytest.mark.parametrize(
    ("path", "where", "reason"),
    [
        (("login", "username"), "login.username", "missing"),
        (("geometry", "coordinates", "3"), "geometry.coordinates.3", "missing"),
        (("name", "first"), "name", "expected an object, got str"),
        (("nothing", "deeper", "still"), "nothing", "expected an object, got null"),
        (("geometry", "coordinates", "x"), "geometry.coordinates", "expected an object, got list"),
        (("big",), "big", "a number of 5000 digits"),
    ],
)
def test_at_names_where_a_path_breaks(path: tuple[str, ...], where: str, reason: str) -> None:
    with pytest.raises(SourceValueError) as err:
        sv.at(ITEM, path, ".".join(path))
    assert (err.value.path, err.value.reason) == (where, reason)


def test_at_optional_gives_none_where_a_value_or_an_object_above_it_is_absent() -> None:
    assert sv.at_optional(ITEM, ("login", "username"), "login.username") is None
    assert sv.at_optional(ITEM, ("nothing", "deeper"), "nothing.deeper") is None
    assert sv.at_optional(ITEM, ("absent", "deeper"), "absent.deeper") is None
    assert sv.at_optional(ITEM, ("geometry", "coordinates", "7"), "geometry.coordinates.7") is None
    assert sv.at_optional(ITEM, ("login", "uuid"), "login.uuid") == UUID_TEXT
    with pytest.raises(SourceValueError, match="name: expected an object, got str"):
        sv.at_optional(ITEM, ("name", "first"), "name.first")
    with pytest.raises(SourceValueError, match="a number of 5000 digits"):
        sv.at_optional(ITEM, ("big",), "big")


@pytest.mark.parametrize("item", [[1, 2], "text", None, 42])
def test_a_record_that_is_no_object_is_refused_whole(item: Any) -> None:
    with pytest.raises(SourceValueError) as err:
        sv.record_object(item)
    assert err.value.path == "<record>" and "expected an object" in err.value.reason


def test_kept_for_dlq_keeps_only_the_given_paths() -> None:
    user = {
        "login": {"uuid": UUID_TEXT, "username": "ana", "password": "hunter2", "sha1": "ab"},
        "name": {"first": "Ana", "last": "L"},
        "email": "ana@example.org",
        "geometry": {"coordinates": [1.0, 2.0]},
        "extra": {"token": "secret"},
    }
    paths = [
        ("login", "uuid"),
        ("login", "username"),
        ("name", "first"),
        ("geometry", "coordinates", "0"),
        ("missing", "member"),
        ("email", "local"),
    ]
    kept = kept_for_dlq(user, paths)
    assert kept == {
        "login": {"uuid": UUID_TEXT, "username": "ana"},
        "name": {"first": "Ana"},
        # a path into an array keeps the array whole; where an object is expected and
        # something else is found, that value is kept as it is
        "geometry": {"coordinates": [1.0, 2.0]},
        "email": "ana@example.org",
    }
    assert "password" in user["login"], "the record itself is not changed"
    assert kept_for_dlq(user, []) == {}


@pytest.mark.parametrize("item", [[{"a": 1}], "text", None, 7])
def test_kept_for_dlq_keeps_a_record_that_is_no_object_as_it_is(item: Any) -> None:
    assert kept_for_dlq(item, [("a",)]) == item
