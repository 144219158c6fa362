# generated from schemas/kitchen_sink.avsc by codegen; do not edit
# ruff: noqa: E501
# fmt: off
"""Record classes of io.userstream.test.KitchenSink, with its Avro schema."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import uuid
from collections.abc import Mapping
from typing import Any, Self

from contract import avro_binary as _a
from contract import rules as _r
from contract import streams as _st

from .point import Point

AVRO_SCHEMA: str = (
    '{"type":"record","name":"io.userstream.test.KitchenSink","doc":"Every Avro type '
    'and logical type the generator maps to Python, CQL and Spark.","x-cassandra":{"k'
    'eyspace":"codegen_test","table":"kitchen_sink","partition_key":["id"],"clusterin'
    'g_key":[{"column":"seq","order":"DESC"}]},"fields":[{"name":"id","doc":"uuid log'
    'ical type.","type":{"type":"string","logicalType":"uuid"}},{"name":"seq","doc":"'
    'long, a clustering column.","type":"long"},{"name":"flag","doc":"boolean.","type'
    '":"boolean"},{"name":"small","doc":"int.","type":"int"},{"name":"ratio","doc":"f'
    'loat.","type":"float"},{"name":"precise","doc":"double.","type":"double"},{"name'
    '":"raw","doc":"bytes.","type":"bytes"},{"name":"label","doc":"string.","type":"s'
    'tring"},{"name":"suit","doc":"enum.","type":{"type":"enum","name":"io.userstream'
    '.test.Suit","doc":"A card suit.","symbols":["SPADES","HEARTS","DIAMONDS","CLUBS"'
    ']}},{"name":"digest","doc":"fixed.","type":{"type":"fixed","name":"io.userstream'
    '.test.Md5","size":16}},{"name":"tags","doc":"array of strings.","type":{"type":"'
    'array","items":"string"}},{"name":"scores","doc":"map of ints.","type":{"type":"'
    'map","values":"int"}},{"name":"matrix","doc":"array of arrays: a frozen inner li'
    'st in CQL.","type":{"type":"array","items":{"type":"array","items":"int"}}},{"na'
    'me":"address","doc":"nested record, flattened into columns.","type":{"type":"rec'
    'ord","name":"io.userstream.test.Address","doc":"A postal address.","fields":[{"n'
    'ame":"street","doc":"Street line.","type":"string"},{"name":"zip","doc":"Optiona'
    'l postal code.","type":["null","string"],"default":null}]}},{"name":"second_addr'
    'ess","doc":"nullable record, flattened into nullable columns.","type":["null","i'
    'o.userstream.test.Address"],"default":null},{"name":"contacts","doc":"array of r'
    'ecords: a list of a frozen UDT in CQL.","type":{"type":"array","items":{"type":"'
    'record","name":"io.userstream.test.Contact","doc":"A way to reach someone.","fie'
    'lds":[{"name":"kind","doc":"Enum inside a UDT.","type":"io.userstream.test.Suit"'
    '},{"name":"handle","doc":"Nullable field inside a UDT.","type":["null","string"]'
    ',"default":null},{"name":"place","doc":"Record inside a UDT.","type":"io.userstr'
    'eam.test.Address"}]}}},{"name":"contact_by_name","doc":"map of records.","type":'
    '{"type":"map","values":"io.userstream.test.Contact"}},{"name":"location","doc":"'
    'record defined in another schema file (point.avsc).","type":{"type":"record","na'
    'me":"io.userstream.test.Point","doc":"A position, defined in its own file and us'
    'ed by kitchen_sink.avsc.","fields":[{"name":"lat","doc":"Latitude.","type":"doub'
    'le"},{"name":"lon","doc":"Longitude.","type":"double"}]}},{"name":"opt_int","doc'
    '":"nullable int with a default.","type":["null","int"],"default":null},{"name":"'
    'count_default","doc":"int with a default.","type":"int","default":7},{"name":"am'
    'ount","doc":"decimal on bytes.","type":{"type":"bytes","logicalType":"decimal","'
    'precision":10,"scale":2}},{"name":"amount_fixed","doc":"decimal on fixed.","type'
    '":{"type":"fixed","name":"io.userstream.test.Money","size":8,"logicalType":"deci'
    'mal","precision":12,"scale":3}},{"name":"day","doc":"date.","type":{"type":"int"'
    ',"logicalType":"date"}},{"name":"time_ms","doc":"time-millis.","type":{"type":"i'
    'nt","logicalType":"time-millis"}},{"name":"time_us","doc":"time-micros.","type":'
    '{"type":"long","logicalType":"time-micros"}},{"name":"ts_ms","doc":"timestamp-mi'
    'llis.","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"ts_us",'
    '"doc":"timestamp-micros (microseconds truncated in CQL).","type":{"type":"long",'
    '"logicalType":"timestamp-micros"}},{"name":"local_ms","doc":"local-timestamp-mil'
    'lis.","type":{"type":"long","logicalType":"local-timestamp-millis"}},{"name":"lo'
    'cal_us","doc":"local-timestamp-micros.","type":{"type":"long","logicalType":"loc'
    'al-timestamp-micros"}},{"name":"period","doc":"duration.","type":{"type":"fixed"'
    ',"name":"io.userstream.test.Period","size":12,"logicalType":"duration"}}]}'
)


class Suit(enum.Enum):
    """A card suit."""

    SPADES = "SPADES"
    HEARTS = "HEARTS"
    DIAMONDS = "DIAMONDS"
    CLUBS = "CLUBS"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Address:
    """A postal address."""

    #: Street line.
    street: str
    #: Optional postal code.
    zip: str | None = None

    def to_avro(self) -> dict[str, Any]:
        """The dict fastavro writes for this record."""
        return {
            "street": self.street,
            "zip": self.zip,
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> Self:
        """Build the record from the dict fastavro reads."""
        return cls(
            street=data["street"],
            zip=data["zip"],
        )

    def avro_binary(self) -> bytes:
        """This record in Avro's binary encoding (the body of a Confluent-framed message).

        Exactly what fastavro's ``schemaless_writer`` writes for ``to_avro()``, or an exception
        where fastavro would refuse a value (and for the few values it writes that
        ``contract/avro_binary.py`` refuses). Fields of nested records are inlined; a string is
        its length (from a table), then its UTF-8 (``str.encode`` refuses anything else).
        """
        try:
            return b"".join((
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.street))) < 8192 else _a.long(n), b,
                (b"\x00" if self.zip is None else b"\x02" + _a.string(self.zip)),
            ))
        except AttributeError as exc:  # an inlined record's place holds something else
            raise TypeError(f"not a record where one goes: a {type(exc.obj).__name__}") from exc


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Contact:
    """A way to reach someone."""

    #: Enum inside a UDT.
    kind: Suit
    #: Nullable field inside a UDT.
    handle: str | None = None
    #: Record inside a UDT.
    place: Address

    def to_avro(self) -> dict[str, Any]:
        """The dict fastavro writes for this record."""
        return {
            "kind": self.kind.value,
            "handle": self.handle,
            "place": self.place.to_avro(),
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> Self:
        """Build the record from the dict fastavro reads."""
        return cls(
            kind=Suit(data["kind"]),
            handle=data["handle"],
            place=Address.from_avro(data["place"]),
        )

    def avro_binary(self) -> bytes:
        """This record in Avro's binary encoding (the body of a Confluent-framed message).

        Exactly what fastavro's ``schemaless_writer`` writes for ``to_avro()``, or an exception
        where fastavro would refuse a value (and for the few values it writes that
        ``contract/avro_binary.py`` refuses). Fields of nested records are inlined; a string is
        its length (from a table), then its UTF-8 (``str.encode`` refuses anything else).
        """
        try:
            return b"".join((
                _a.symbol(_AVRO_Suit, self.kind),
                (b"\x00" if self.handle is None else b"\x02" + _a.string(self.handle)),
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.place.street))) < 8192 else _a.long(n), b,
                (b"\x00" if self.place.zip is None else b"\x02" + _a.string(self.place.zip)),
            ))
        except AttributeError as exc:  # an inlined record's place holds something else
            raise TypeError(f"not a record where one goes: a {type(exc.obj).__name__}") from exc


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class KitchenSink:
    """Every Avro type and logical type the generator maps to Python, CQL and Spark."""

    #: uuid logical type.
    id: uuid.UUID
    #: long, a clustering column.
    seq: int
    #: boolean.
    flag: bool
    #: int.
    small: int
    #: float.
    ratio: float
    #: double.
    precise: float
    #: bytes.
    raw: bytes
    #: string.
    label: str
    #: enum.
    suit: Suit
    #: fixed.
    digest: bytes
    #: array of strings.
    tags: list[str]
    #: map of ints.
    scores: dict[str, int]
    #: array of arrays: a frozen inner list in CQL.
    matrix: list[list[int]]
    #: nested record, flattened into columns.
    address: Address
    #: nullable record, flattened into nullable columns.
    second_address: Address | None = None
    #: array of records: a list of a frozen UDT in CQL.
    contacts: list[Contact]
    #: map of records.
    contact_by_name: dict[str, Contact]
    #: record defined in another schema file (point.avsc).
    location: Point
    #: nullable int with a default.
    opt_int: int | None = None
    #: int with a default.
    count_default: int = 7
    #: decimal on bytes.
    amount: decimal.Decimal
    #: decimal on fixed.
    amount_fixed: decimal.Decimal
    #: date.
    day: datetime.date
    #: time-millis.
    time_ms: datetime.time
    #: time-micros.
    time_us: datetime.time
    #: timestamp-millis.
    ts_ms: datetime.datetime
    #: timestamp-micros (microseconds truncated in CQL).
    ts_us: datetime.datetime
    #: local-timestamp-millis.
    local_ms: datetime.datetime
    #: local-timestamp-micros.
    local_us: datetime.datetime
    #: duration.
    period: bytes

    def to_avro(self) -> dict[str, Any]:
        """The dict fastavro writes for this record."""
        return {
            "id": self.id,
            "seq": self.seq,
            "flag": self.flag,
            "small": self.small,
            "ratio": self.ratio,
            "precise": self.precise,
            "raw": self.raw,
            "label": self.label,
            "suit": self.suit.value,
            "digest": self.digest,
            "tags": self.tags,
            "scores": self.scores,
            "matrix": self.matrix,
            "address": self.address.to_avro(),
            "second_address": (None if self.second_address is None else self.second_address.to_avro()),
            "contacts": [v0.to_avro() for v0 in self.contacts],
            "contact_by_name": {k0: v0.to_avro() for k0, v0 in self.contact_by_name.items()},
            "location": self.location.to_avro(),
            "opt_int": self.opt_int,
            "count_default": self.count_default,
            "amount": self.amount,
            "amount_fixed": self.amount_fixed,
            "day": self.day,
            "time_ms": self.time_ms,
            "time_us": self.time_us,
            "ts_ms": self.ts_ms,
            "ts_us": self.ts_us,
            "local_ms": self.local_ms,
            "local_us": self.local_us,
            "period": self.period,
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> Self:
        """Build the record from the dict fastavro reads."""
        return cls(
            id=data["id"],
            seq=data["seq"],
            flag=data["flag"],
            small=data["small"],
            ratio=data["ratio"],
            precise=data["precise"],
            raw=data["raw"],
            label=data["label"],
            suit=Suit(data["suit"]),
            digest=data["digest"],
            tags=data["tags"],
            scores=data["scores"],
            matrix=data["matrix"],
            address=Address.from_avro(data["address"]),
            second_address=(None if data["second_address"] is None else Address.from_avro(data["second_address"])),
            contacts=[Contact.from_avro(v0) for v0 in data["contacts"]],
            contact_by_name={k0: Contact.from_avro(v0) for k0, v0 in data["contact_by_name"].items()},
            location=Point.from_avro(data["location"]),
            opt_int=data["opt_int"],
            count_default=data["count_default"],
            amount=data["amount"],
            amount_fixed=data["amount_fixed"],
            day=data["day"],
            time_ms=data["time_ms"],
            time_us=data["time_us"],
            ts_ms=data["ts_ms"],
            ts_us=data["ts_us"],
            local_ms=data["local_ms"],
            local_us=data["local_us"],
            period=data["period"],
        )

    def avro_binary(self) -> bytes:
        """This record in Avro's binary encoding (the body of a Confluent-framed message).

        Exactly what fastavro's ``schemaless_writer`` writes for ``to_avro()``, or an exception
        where fastavro would refuse a value (and for the few values it writes that
        ``contract/avro_binary.py`` refuses). Fields of nested records are inlined; a string is
        its length (from a table), then its UTF-8 (``str.encode`` refuses anything else).
        """
        try:
            return b"".join((
                _a.uuid(self.id),
                _a.int64(self.seq),
                _a.boolean(self.flag),
                _a.int32(self.small),
                _a.float32(self.ratio),
                _a.float64(self.precise),
                _a.binary(self.raw),
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.label))) < 8192 else _a.long(n), b,
                _a.symbol(_AVRO_Suit, self.suit),
                _a.fixed(self.digest, 16),
                _a.block([_a.string(v0) for v0 in _a.items(self.tags)]),
                _a.block([_a.string(k0) + _a.int32(v0) for k0, v0 in _a.entries(self.scores)]),
                _a.block([_a.block([_a.int32(v1) for v1 in _a.items(v0)]) for v0 in _a.items(self.matrix)]),
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.address.street))) < 8192 else _a.long(n), b,
                (b"\x00" if self.address.zip is None else b"\x02" + _a.string(self.address.zip)),
                (b"\x00" if self.second_address is None else b"\x02" + _a.record(self.second_address, Address)),
                _a.block([_a.record(v0, Contact) for v0 in _a.items(self.contacts)]),
                _a.block([_a.string(k0) + _a.record(v0, Contact) for k0, v0 in _a.entries(self.contact_by_name)]),
                _a.float64(self.location.lat),
                _a.float64(self.location.lon),
                (b"\x00" if self.opt_int is None else b"\x02" + _a.int32(self.opt_int)),
                _a.int32(self.count_default),
                _a.decimal(self.amount, 10, 2, None),
                _a.decimal(self.amount_fixed, 12, 3, 8),
                _a.date_days(self.day),
                _a.time_millis(self.time_ms),
                _a.time_micros(self.time_us),
                _a.timestamp_millis(self.ts_ms),
                _a.timestamp_micros(self.ts_us),
                _a.local_timestamp_millis(self.local_ms),
                _a.local_timestamp_micros(self.local_us),
                _a.fixed(self.period, 12),
            ))
        except AttributeError as exc:  # an inlined record's place holds something else
            raise TypeError(f"not a record where one goes: a {type(exc.obj).__name__}") from exc

    def violation(self, now: datetime.datetime | None = None) -> _r.RuleViolation | None:
        """The first rule in ``dlq`` mode this record breaks (in ``RULES`` order), or None.

        ``now`` is the instant that rules about the present compare with (default: the clock).
        """
        now = now or datetime.datetime.now(datetime.UTC)
        try:  # every text at once; each one alone below only when this fails
            texts_ok = _r.texts_valid((
                self.label,
                self.address.street,
                self.address.zip,
                _r.member(self.second_address, 'street'),
                _r.member(self.second_address, 'zip'),
            ))
        except Exception:  # not all texts: each rule below says which
            texts_ok = False
        try:
            if _r.is_uuid(str(self.id)) is False:
                return _VIOLATIONS[0]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:uuid", "id", exc)
        try:
            if _r.fits_bits(self.seq, 64) is False:
                return _VIOLATIONS[1]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:int64", "seq", exc)
        try:
            if _r.fits_bits(self.small, 32) is False:
                return _VIOLATIONS[2]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:int32", "small", exc)
        try:
            if _r.fits_float32(self.ratio) is False:
                return _VIOLATIONS[3]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:float32", "ratio", exc)
        try:
            if (texts_ok or _r.utf8(self.label)) is False:
                return _VIOLATIONS[4]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "label", exc)
        try:
            if _r.utf8(self.tags) is False:
                return _VIOLATIONS[5]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "tags", exc)
        try:
            if _r.utf8(self.scores) is False:
                return _VIOLATIONS[6]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "scores", exc)
        try:
            if (texts_ok or _r.utf8(self.address.street)) is False:
                return _VIOLATIONS[7]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "address.street", exc)
        try:
            if (texts_ok or _r.utf8(self.address.zip)) is False:
                return _VIOLATIONS[8]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "address.zip", exc)
        try:
            if (texts_ok or _r.utf8(_r.member(self.second_address, 'street'))) is False:
                return _VIOLATIONS[9]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "second_address.street", exc)
        try:
            if (texts_ok or _r.utf8(_r.member(self.second_address, 'zip'))) is False:
                return _VIOLATIONS[10]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "second_address.zip", exc)
        try:
            if _r.utf8(self.contact_by_name) is False:
                return _VIOLATIONS[11]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "contact_by_name", exc)
        try:
            if _r.fits_bits(self.opt_int, 32) is False:
                return _VIOLATIONS[12]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:int32", "opt_int", exc)
        try:
            if _r.fits_bits(self.count_default, 32) is False:
                return _VIOLATIONS[13]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:int32", "count_default", exc)
        try:
            if _r.decimal_fits(self.amount, 10, 2) is False:
                return _VIOLATIONS[14]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:decimal", "amount", exc)
        try:
            if _r.decimal_fits(self.amount_fixed, 12, 3) is False:
                return _VIOLATIONS[15]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:decimal", "amount_fixed", exc)
        return None

    def warnings(self, now: datetime.datetime | None = None) -> tuple[_r.RuleViolation, ...]:
        """The rules in ``warn`` mode this record breaks: counted, and the record passes."""
        return _r.broken_rules(self, now or datetime.datetime.now(datetime.UTC), _WARNED)


#: The Avro binary of each symbol of Suit (its index), for ``avro_binary()``.
_AVRO_Suit: dict[Suit, bytes] = {
    Suit.SPADES: b"\x00",
    Suit.HEARTS: b"\x02",
    Suit.DIAMONDS: b"\x04",
    Suit.CLUBS: b"\x06",
}


#: Every rule of the contract, in checking order: (name, field path, message).
RULES: tuple[tuple[str, str, str], ...] = (
    ('type:uuid', 'id', "not a UUID (8-4-4-4-12 hexadecimal digits)"),
    ('type:int64', 'seq', "an integer that does not fit 64 bits"),
    ('type:int32', 'small', "an integer that does not fit 32 bits"),
    ('type:float32', 'ratio', "a number too large for a 32-bit float"),
    ('type:utf8', 'label', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:utf8', 'tags', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:utf8', 'scores', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:utf8', 'address.street', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:utf8', 'address.zip', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:utf8', 'second_address.street', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:utf8', 'second_address.zip', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:utf8', 'contact_by_name', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:int32', 'opt_int', "an integer that does not fit 32 bits"),
    ('type:int32', 'count_default', "an integer that does not fit 32 bits"),
    ('type:decimal', 'amount', "a decimal that does not fit precision 10, scale 2"),
    ('type:decimal', 'amount_fixed', "a decimal that does not fit precision 12, scale 3"),
    ('type:timestamp-range', 'ts_ms', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)"),
    ('type:timestamp-range', 'ts_us', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)"),
    ('type:timestamp-range', 'local_ms', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)"),
    ('type:timestamp-range', 'local_us', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)"),
)
_VIOLATIONS = tuple(_r.RuleViolation(*rule) for rule in RULES)
#: The written rules whose mode is not ``dlq`` (``docs/contract-rules.md``, modes).
MODES: dict[str, _r.RuleMode] = {}
#: Each rule's check, in ``RULES`` order, whatever its mode: false when a record breaks it at
#: ``now``, None when unknown; None for a rule only the job checks. ``violation()`` inlines them.
CHECKS: tuple[_r.Check | None, ...] = (
    lambda self, now, texts_ok=False: _r.is_uuid(str(self.id)),
    lambda self, now, texts_ok=False: _r.fits_bits(self.seq, 64),
    lambda self, now, texts_ok=False: _r.fits_bits(self.small, 32),
    lambda self, now, texts_ok=False: _r.fits_float32(self.ratio),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.label)),
    lambda self, now, texts_ok=False: _r.utf8(self.tags),
    lambda self, now, texts_ok=False: _r.utf8(self.scores),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.address.street)),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.address.zip)),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(_r.member(self.second_address, 'street'))),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(_r.member(self.second_address, 'zip'))),
    lambda self, now, texts_ok=False: _r.utf8(self.contact_by_name),
    lambda self, now, texts_ok=False: _r.fits_bits(self.opt_int, 32),
    lambda self, now, texts_ok=False: _r.fits_bits(self.count_default, 32),
    lambda self, now, texts_ok=False: _r.decimal_fits(self.amount, 10, 2),
    lambda self, now, texts_ok=False: _r.decimal_fits(self.amount_fixed, 12, 3),
    None,
    None,
    None,
    None,
)
_WARNED = tuple(
    (rule, check)
    for rule, check in zip(_VIOLATIONS, CHECKS, strict=True)
    if check is not None and MODES.get(rule.rule) == _r.RuleMode.WARN
)


#: What the contract declares besides its types: its stream, its source and the source paths
#: it reads (``contract.streams``).
DECLARED: _st.Declared = _st.Declared(
    name="kitchen_sink",
    record="io.userstream.test.KitchenSink",
    stream=_st.Stream(topic="kitchen_sink", dlq_topic="kitchen_sink.dlq", key=("id",)),
)
