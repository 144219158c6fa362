"""The generated ``avro_binary()``: byte for byte what fastavro writes, or the exception its
helpers (``contract/avro_binary.py``) raise where fastavro refuses; the few values fastavro
writes that ``avro_binary()`` refuses; fastavro itself for a union only it can resolve.

Every refusal names the exception it expects: a crash (an ``AttributeError`` from a bug in the
generated code, say) is not a refusal."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import inspect
import io
import json
import math
import os
import struct
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import fastavro
import pytest
from fastavro.validation import ValidationError

from codegen.generate import render_all, write
from contract import avro_binary as _a
from contract.source_values import SourceValueError
from contract.wire import frame, unframe
from generated.python import user_created
from producer.avro import FramedAvroSerializer
from stack.offline_source import NATIONALITIES, make_page
from tests.fixtures import codegen as codegen_samples
from tests.fixtures.users import build_user

UTC = dt.UTC
PARIS = "CET-1CEST,M3.5.0,M10.5.0/3"  # a POSIX TZ with DST, no time zone database needed


def fastavro_bytes(module: ModuleType, datum: dict[str, Any]) -> bytes:
    """What the producer used to send: ``schemaless_writer`` with the module's schema."""
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(json.loads(module.AVRO_SCHEMA)), datum)
    return out.getvalue()


def assert_same(module: ModuleType, record: Any) -> bytes:
    """fastavro writes the record, and ``avro_binary()`` equals its bytes of ``to_avro()``."""
    expected = fastavro_bytes(module, record.to_avro())
    assert record.avro_binary() == expected
    return expected


FASTAVRO_REFUSES = (TypeError, ValueError, OverflowError, AttributeError)
"""What fastavro's writer (or ``to_avro()`` of a record holding a None where a record goes)
raises on a value it refuses."""


def assert_refused(module: ModuleType, record: Any, raised: type[Exception]) -> None:
    """fastavro refuses the record, and ``avro_binary()`` raises ``raised``."""
    with pytest.raises(FASTAVRO_REFUSES):
        fastavro_bytes(module, record.to_avro())
    with pytest.raises(raised):
        record.avro_binary()


def case_id(value: Any) -> str:
    """A parameter's part of a test id: an exception type by its name, a value by its repr."""
    return value.__name__ if isinstance(value, type) else repr(value)[:40]


@pytest.fixture
def ks(ks_python: dict[str, ModuleType]) -> Any:
    return codegen_samples.kitchen_sink(ks_python["kitchen_sink"], ks_python["point"])


@pytest.fixture
def unions(ks_python: dict[str, ModuleType]) -> Any:
    u = ks_python
    return codegen_samples.unions(u["unions"], u["kitchen_sink"], u["point"])


@pytest.fixture
def local_time_zone() -> Iterator[None]:
    """The process in a time zone with DST (naive timestamps are local time), then back."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = PARIS
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


# -- whole records ------------------------------------------------------------------------------


def test_kitchen_sink_equals_fastavro(ks_python: dict[str, ModuleType], ks: Any) -> None:
    module = ks_python["kitchen_sink"]
    assert assert_same(module, ks)
    for contact in ks.contacts:
        assert contact.avro_binary() == fastavro_bytes_of(module, "Contact", contact.to_avro())
    empty = dataclasses.replace(
        ks, tags=[], scores={}, matrix=[], contacts=[], contact_by_name={}, raw=b"", label=""
    )
    assert assert_same(module, empty)
    many = dataclasses.replace(
        ks,
        tags=[str(i) * i for i in range(200)],
        scores={f"k{i}": i - 100 for i in range(100)},
        matrix=[[], [1], list(range(-70, 70))],
        contacts=ks.contacts * 40,
        opt_int=-(2**31),
        second_address=None,
    )
    assert assert_same(module, many)


def fastavro_bytes_of(module: ModuleType, name: str, datum: dict[str, Any]) -> bytes:
    """fastavro's bytes of a nested record, with that record's schema."""
    named: dict[str, Any] = {}
    fastavro.parse_schema(json.loads(module.AVRO_SCHEMA), named)
    schema = next(s for full, s in named.items() if full.endswith(f".{name}"))
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(schema, named), datum)
    return out.getvalue()


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"string_or_int": "seven", "null_string_or_long": None},
        {"int_or_long": 5, "null_string_or_long": 2**62, "string_or_null": "s"},
        {"int_or_long": -(2**31) - 1, "float_or_double": 5, "string_or_int": -(2**31)},
        {"float_or_double": math.nan, "null_string_or_long": "", "maybe_suits": None},
        {"float_or_double": 1e300, "maybe_items": [], "maybe_values": {}, "points": {}},
        {"float_or_double": -0.0, "maybe_items": [None] * 70, "maybe_suits": []},
    ],
)
def test_unions_equal_fastavro(
    ks_python: dict[str, ModuleType], unions: Any, changes: dict[str, Any]
) -> None:
    assert assert_same(ks_python["unions"], dataclasses.replace(unions, **changes))


def offline_users(ingested_at: dt.datetime | None = None) -> Iterator[Any]:
    """UserCreated records of the offline source, spoiled ones included when they build;
    ``ingested_at`` by default now, with its microseconds (truncated to milliseconds)."""
    ingested_at = ingested_at or dt.datetime.now(UTC)
    for seed, bad_rate in (("avro-binary", 0.0), ("avro-binary-bad", 0.3)):
        for page in (1, 2):
            for user in make_page(seed, page, 500, tuple(NATIONALITIES), bad_rate)["results"]:
                try:
                    yield build_user(user, source="offline://avro-binary", ingested_at=ingested_at)
                except SourceValueError:
                    continue


def test_user_created_from_the_offline_source_equals_fastavro() -> None:
    records = list(offline_users())
    assert len(records) > 1500
    texts = set()
    for record in records:
        assert assert_same(user_created, record)
        texts.add(record.name.first)
    assert any(not t.isascii() for t in texts)  # names in other scripts were encoded too


def test_the_producer_frames_avro_binary_with_the_schema_id() -> None:
    record = next(offline_users(dt.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)))
    value = FramedAvroSerializer(260)(record)
    assert value == frame(260, fastavro_bytes(user_created, record.to_avro()))
    schema_id, body = unframe(value)
    assert schema_id == 260
    schema = fastavro.parse_schema(json.loads(user_created.AVRO_SCHEMA))
    back: Any = fastavro.schemaless_reader(io.BytesIO(body), schema, schema)
    assert user_created.UserCreated.from_avro(back) == record


def test_user_contract_takes_the_fast_path() -> None:
    methods = [
        getattr(c, "avro_binary")  # noqa: B009 - the dataclass type does not declare it
        for c in vars(user_created).values()
        if isinstance(c, type) and dataclasses.is_dataclass(c)
    ]
    assert len(methods) == 10
    for method in methods:
        assert "fastavro" not in inspect.getsource(method).split('"""')[2], method


# -- one field at a time: edge values ------------------------------------------------------------

_LONGS = [0, 1, -1, 63, 64, -64, -65, 8191, 8192, -8193, 2**31 - 1, -(2**31), 2**31, 2**63 - 1]
_LONGS += [s * (2**k + d) for k in (13, 14, 20, 27, 28, 34, 41, 42, 48, 55, 56, 62) for d in (-1, 0)
           for s in (1, -1)] + [-(2**63)]  # fmt: skip
_INTS = [v for v in _LONGS if -(2**31) <= v < 2**31]
_FLOATS = [0.0, -0.0, 1.5, 0.1, -2.5e-45, 1e-46, 16777217.0, 3.4028234663852886e38]
_FLOATS += [3.4028235677973366e38, 1e39, -1e39, 2**200, -(2**200), 7, math.inf, -math.inf]
_FLOATS += [math.nan, -math.nan, struct.unpack("<d", b"\x01\x00\x00\x00\x00\x00\xf8\x7f")[0]]
_DOUBLES = [0.0, -0.0, 0.1, 5e-324, 1.7976931348623157e308, -1.7976931348623157e308, 3]
_DOUBLES += [2**1000, math.inf, -math.inf, math.nan, -math.nan]
_TEXTS = ["", "é", "東京", "😀", "\x00", "a" * 63, "a" * 64, "é" * 40, "x" * 8191, "x" * 8192]
_TEXTS += ["x" * 100_000, "Zoë\u200d👩‍👩‍👧"]
_AMOUNTS = ["0", "-0", "0.01", "-0.01", "-1.28", "1.27", "1.28", "-1.29", "99999999.99"]
_AMOUNTS += ["-99999999.99", "1E+2", "-1E+2", "-5", "12.3", "-0.00", "327.68", "-327.68"]
_FIXED_AMOUNTS = ["0", "1", "-1", "0.001", "-0.001", "999999999.999", "-999999999.999", "-128"]
_FIXED_AMOUNTS += ["127.5", "-0.128", "1E+3", "-1E+3", "0.000", "-32.768", "32.767"]
_PARIS = dt.timezone(dt.timedelta(hours=5, minutes=30))
_INSTANTS = [
    dt.datetime(1970, 1, 1, tzinfo=UTC),
    dt.datetime(1969, 12, 31, 23, 59, 59, 999500, tzinfo=UTC),
    dt.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    dt.datetime(1, 1, 1, tzinfo=UTC),
    dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    dt.datetime(2021, 5, 4, 3, 2, 1, 123999, tzinfo=_PARIS),
    dt.datetime(1900, 3, 1, 0, 0, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=-11))),
]
_WALL_TIMES = [
    dt.datetime(1970, 1, 1),
    dt.datetime(1969, 12, 31, 23, 59, 59, 999500),
    dt.datetime(1, 1, 1),
    dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
    dt.datetime(2021, 3, 28, 2, 30),  # a wall time that does not exist in Paris
    dt.datetime(2021, 10, 31, 2, 30, 0, 999),  # one that exists twice there
    dt.datetime(1950, 7, 1, 12, 0, 0, 1),
]

EDGES: list[tuple[str, Any]] = [
    *(("seq", v) for v in _LONGS),
    *(("small", v) for v in _INTS),
    *(("opt_int", v) for v in [None, *_INTS]),
    *(("count_default", v) for v in (0, 2**31 - 1)),
    *(("ratio", v) for v in _FLOATS),
    *(("precise", v) for v in _DOUBLES),
    *(("flag", v) for v in (True, False)),
    *(("label", v) for v in _TEXTS),
    *(("tags", [v]) for v in _TEXTS),
    *(("raw", v) for v in (b"", bytes(range(256)), b"\xff" * 8192, bytearray(b"\x00\x01"))),
    *(("digest", v) for v in (b"\x00" * 16, bytearray(range(16)))),
    *(("suit", s) for s in ("SPADES", "HEARTS", "DIAMONDS", "CLUBS")),
    *(("amount", Decimal(v)) for v in _AMOUNTS),
    *(("amount_fixed", Decimal(v)) for v in _FIXED_AMOUNTS),
    *(("day", v) for v in (dt.date(1970, 1, 1), dt.date(1969, 12, 31), dt.date(1, 1, 1))),
    *(("day", v) for v in (dt.date(9999, 12, 31), dt.datetime(2000, 2, 29, 23, 59))),
    *(("time_ms", v) for v in (dt.time(0), dt.time(23, 59, 59, 999999), dt.time(1, 2, 3, 999))),
    *(("time_us", v) for v in (dt.time(0), dt.time(23, 59, 59, 999999), dt.time(1, 2, 3, 4))),
    ("time_ms", dt.time(12, 0, 0, 500, tzinfo=_PARIS)),
    *(("ts_ms", v) for v in _INSTANTS),
    *(("ts_us", v) for v in _INSTANTS),
    *(("local_ms", v) for v in _INSTANTS + _WALL_TIMES),
    *(("local_us", v) for v in _INSTANTS + _WALL_TIMES),
    *(("ts_ms", v) for v in _WALL_TIMES),
    *(("ts_us", v) for v in _WALL_TIMES),
    ("period", b"\xff" * 12),
    ("scores", {"": -(2**31), "é": 2**31 - 1, "x" * 70: 0}),
    ("second_address", None),
]


@pytest.mark.parametrize(("name", "value"), EDGES, ids=lambda v: repr(v)[:40])
def test_edge_values_equal_fastavro(
    ks_python: dict[str, ModuleType], ks: Any, name: str, value: Any
) -> None:
    module = ks_python["kitchen_sink"]
    if name == "suit":
        value = module.Suit[value]
    if name == "ratio" and isinstance(value, float) and math.isnan(value):
        assert _a.float32(value) == struct.pack("<f", value)  # the NaN's sign and payload too
    assert assert_same(module, dataclasses.replace(ks, **{name: value}))


@pytest.mark.parametrize("name", ["ts_ms", "ts_us"])
def test_naive_timestamps_are_local_time_as_in_fastavro(
    ks_python: dict[str, ModuleType], ks: Any, name: str, local_time_zone: None
) -> None:
    module = ks_python["kitchen_sink"]
    for value in _WALL_TIMES:
        assert assert_same(module, dataclasses.replace(ks, **{name: value}))
        aware = dataclasses.replace(ks, **{name: value.replace(tzinfo=UTC)}).avro_binary()
        if value.year > 1900:  # local time differs from UTC in Paris
            assert dataclasses.replace(ks, **{name: value}).avro_binary() != aware


_BRANCHES = [
    ("int", "long"),
    ("long", "int"),
    ("float", "double"),
    ("double", "float"),
    ("float", "int"),
    ("int", "float"),
    ("float", "string", "double"),
    ("null", "boolean", "int"),
    ("bytes", "string", "null"),
    ("string", "bytes", "long", "float"),
]
_UNION_VALUES: list[object] = [None, True, False, 0, -1, 2**31, -(2**31) - 1, 2**63, 1.5]
_UNION_VALUES += [
    math.nan,
    1e300,
    10**400,
    "s",
    "\ud800",
    b"b",
    bytearray(b"x"),
    Decimal(1),
    Fraction(1, 3),
]


@pytest.mark.parametrize("branches", _BRANCHES, ids=",".join)
def test_a_union_of_primitives_takes_the_branch_fastavro_takes(branches: tuple[str, ...]) -> None:
    schema = fastavro.parse_schema({"type": "record", "name": "U", "fields": [
        {"name": "v", "type": list(branches)}]})  # fmt: skip
    for value in _UNION_VALUES:
        out = io.BytesIO()
        try:
            fastavro.schemaless_writer(out, schema, {"v": value})
        except (ValueError, OverflowError) as refused:
            # no branch: ValueError; a branch the value cannot be written in: the encoder's
            # OverflowError (an int beyond a double) or UnicodeEncodeError (a lone surrogate)
            with pytest.raises(type(refused)) as ours:
                _a.union(value, branches)
            assert type(ours.value) is type(refused), value
            continue
        assert _a.union(value, branches) == out.getvalue(), value
    with pytest.raises(TypeError):  # fastavro's (name, value) notation
        _a.union((branches[0], None), branches)


def test_longs_are_zigzag_varints_as_fastavro_writes_them() -> None:
    schema = fastavro.parse_schema({"type": "record", "name": "L", "fields": [
        {"name": "v", "type": "long"}]})  # fmt: skip
    for k in range(64):
        for value in (2**k - 1, 2**k, 2**k + 1, -(2**k), -(2**k) - 1):
            if not -(2**63) <= value < 2**63:
                continue
            out = io.BytesIO()
            fastavro.schemaless_writer(out, schema, {"v": value})
            assert _a.int64(value) == _a.long(value) == out.getvalue(), value


# -- refusals -----------------------------------------------------------------------------------

REFUSED: list[Any] = [
    ("seq", 2**63, OverflowError),
    ("seq", -(2**63) - 1, OverflowError),
    ("seq", "5", TypeError),
    ("label", "a\ud800b", UnicodeEncodeError),
    ("label", b"bytes", TypeError),
    ("label", 5, TypeError),
    ("tags", ["ok", "\udfff"], UnicodeEncodeError),
    ("tags", ["ok", None], TypeError),
    ("scores", {5: 1}, TypeError),
    ("scores", {"a": "1"}, TypeError),
    ("ratio", 10**400, OverflowError),
    ("ratio", "x", TypeError),
    ("precise", 10**400, OverflowError),
    ("raw", "text", TypeError),
    ("raw", 5, TypeError),
    ("digest", b"\x00" * 15, ValueError),
    ("digest", "0123456789abcdef", TypeError),
    ("period", b"\x00" * 13, ValueError),
    ("amount", Decimal("1.234"), ValueError),
    ("amount", Decimal("123456789.12"), ValueError),
    ("amount", Decimal("NaN"), TypeError),
    ("amount", Decimal("-Infinity"), TypeError),
    ("amount", 12.5, TypeError),
    ("amount_fixed", Decimal("1234567890.123"), ValueError),
    ("amount_fixed", Decimal("1E+20"), ValueError),
    ("amount_fixed", Decimal("0.0001"), ValueError),
    ("amount_fixed", Decimal("sNaN"), TypeError),
    ("opt_int", 2**31, OverflowError),
    ("opt_int", True, TypeError),
    ("opt_int", 1.0, TypeError),
    ("ts_ms", "2021-01-01T00:00:00Z", TypeError),
    ("ts_ms", dt.date(2021, 1, 1), TypeError),
    ("day", "not a date", TypeError),
    ("suit", "HEARTS", TypeError),
    ("address", None, TypeError),
    ("location", None, TypeError),
    ("matrix", [[1], None], TypeError),
    ("contacts", [None], TypeError),
]


@pytest.mark.parametrize(("name", "value", "raised"), REFUSED, ids=case_id)
def test_values_fastavro_refuses_raise(
    ks_python: dict[str, ModuleType], ks: Any, name: str, value: Any, raised: type[Exception]
) -> None:
    assert_refused(ks_python["kitchen_sink"], dataclasses.replace(ks, **{name: value}), raised)


@pytest.mark.parametrize(
    ("changes", "raised"),
    [
        ({"int_or_long": 2**63}, ValueError),
        ({"int_or_long": True}, ValueError),
        ({"float_or_double": "1.5"}, ValueError),
        ({"string_or_int": True}, ValueError),
        ({"string_or_int": 2**31}, ValueError),
        ({"null_string_or_long": 1.5}, ValueError),
        ({"single": None}, TypeError),
        ({"maybe_items": [2**31]}, OverflowError),
        ({"maybe_values": {"a": "1.5"}}, TypeError),
        ({"points": {"p": [None]}}, TypeError),
    ],
    ids=case_id,
)
def test_union_values_fastavro_refuses_raise(
    ks_python: dict[str, ModuleType],
    unions: Any,
    changes: dict[str, Any],
    raised: type[Exception],
) -> None:
    assert_refused(ks_python["unions"], dataclasses.replace(unions, **changes), raised)


def test_a_record_in_a_union_is_refused_where_fastavro_refuses_it(
    ks_python: dict[str, ModuleType], ks: Any
) -> None:
    module = ks_python["kitchen_sink"]
    bad = module.Address(street=b"not text", zip=None)
    assert_refused(module, dataclasses.replace(ks, second_address=bad), TypeError)


def test_another_record_in_a_union_is_refused_where_fastavro_refuses_it(
    ks_python: dict[str, ModuleType], ks: Any
) -> None:
    module = ks_python["kitchen_sink"]
    other = module.Contact(kind=module.Suit.SPADES, handle=None, place=ks.address)
    assert_refused(module, dataclasses.replace(ks, second_address=other), TypeError)


# Outside a union, fastavro's writer takes (and converts) these; inside one it refuses them, as
# avro_binary() does everywhere. The last two are decimals fastavro writes wrongly.
STRICTER: list[tuple[str, Any, type[Exception]]] = [
    ("small", True, TypeError),
    ("small", 2**40, OverflowError),
    ("small", 1.9, TypeError),
    ("seq", Decimal(5), TypeError),
    ("flag", 1, TypeError),
    ("flag", "no", TypeError),
    ("precise", "1.5", TypeError),
    ("ratio", Decimal("1.5"), TypeError),
    ("precise", True, TypeError),
    ("id", "6f1c1d6e-2f67-4a8e-9b4c-0c7f1a2b3c4d", TypeError),
    ("ts_ms", 1_600_000_000_000, TypeError),
    ("time_ms", 5.5, TypeError),
    ("day", "2021-01-01", TypeError),
    ("tags", ("a", "b"), TypeError),
    ("raw", memoryview(b"ab"), TypeError),
    ("amount_fixed", Decimal("-0"), ValueError),
    ("amount_fixed", Decimal("-1E+20"), ValueError),
]


@pytest.mark.parametrize(("name", "value", "raised"), STRICTER, ids=case_id)
def test_values_only_fastavro_writes_raise(
    ks_python: dict[str, ModuleType], ks: Any, name: str, value: Any, raised: type[Exception]
) -> None:
    module = ks_python["kitchen_sink"]
    record = dataclasses.replace(ks, **{name: value})
    fastavro_bytes(module, record.to_avro())  # fastavro writes something
    with pytest.raises(raised):
        record.avro_binary()


def test_a_negative_zero_fixed_decimal_is_written_wrongly_by_fastavro(
    ks_python: dict[str, ModuleType], ks: Any
) -> None:
    module = ks_python["kitchen_sink"]
    datum = dataclasses.replace(ks, amount_fixed=Decimal("-0")).to_avro()
    schema = fastavro.parse_schema(json.loads(module.AVRO_SCHEMA))
    written = io.BytesIO(fastavro_bytes(module, datum))
    back: Any = fastavro.schemaless_reader(written, schema, schema)
    assert back["amount_fixed"] == Decimal("-0.002")


# -- the fallback: fastavro for a union only it resolves ----------------------------------------

_FALLBACK_SCHEMA = {
    "type": "record",
    "name": "Outer",
    "namespace": "t.fallback",
    "doc": "A record with a union fastavro resolves, and one nested in a nullable union.",
    "fields": [
        {"name": "id", "type": "string"},
        {"name": "either", "type": ["null", "string", {"type": "array", "items": "int"}]},
        {"name": "inner", "type": ["null", {
            "type": "record", "name": "Inner", "doc": "Falls back too.", "fields": [
                {"name": "n", "type": "int"},
                {"name": "when", "type": [{"type": "long", "logicalType": "timestamp-millis"},
                                          "string"]},
            ]}], "default": None},
        {"name": "plain", "type": {"type": "record", "name": "Plain", "doc": "Fast path.",
                                   "fields": [{"name": "inners", "type": {"type": "array",
                                                                          "items": "Inner"}}]}},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def fallback(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    schemas, out = tmp_path_factory.mktemp("schemas"), tmp_path_factory.mktemp("out")
    (schemas / "outer.avsc").write_text(json.dumps(_FALLBACK_SCHEMA))
    write(out / "fallback_pkg", render_all(schemas))
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("fallback_pkg.python.outer")
    finally:
        sys.path.remove(str(out))


def test_a_union_only_fastavro_resolves_is_written_by_fastavro(fallback: ModuleType) -> None:
    source = Path(fallback.__file__ or "").read_text()
    assert source.count("_a.fastavro_binary(") == 2  # Outer and Inner; Plain is straight
    moment = dt.datetime(2021, 1, 1, tzinfo=UTC)
    inner = fallback.Inner(n=1, when=moment)
    for either in (None, "text", [1, -(2**31)], []):
        for nested in (None, inner, fallback.Inner(n=-5, when="soon")):
            record = fallback.Outer(
                id="x", either=either, inner=nested, plain=fallback.Plain(inners=[inner] * 3)
            )
            assert assert_same(fallback, record)
    plain = fallback.Plain(inners=[inner, fallback.Inner(n=True, when=moment)])
    with pytest.raises(ValidationError):  # fastavro's validation: a bool is no int
        plain.avro_binary()
    with pytest.raises(ValidationError):
        fallback.Outer(id="x", either=2.5, inner=None, plain=plain).avro_binary()
