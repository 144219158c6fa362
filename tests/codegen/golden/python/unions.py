# generated from schemas/unions.avsc by codegen; do not edit
# ruff: noqa: E501
# fmt: off
"""Record classes of io.userstream.test.Unions, with its Avro schema."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any, Self

from contract import avro_binary as _a
from contract import rules as _r
from contract import streams as _st

from .kitchen_sink import Suit
from .point import Point

AVRO_SCHEMA: str = (
    '{"type":"record","name":"io.userstream.test.Unions","doc":"Unions and nullable c'
    'ollection items: forms Python and Spark have but CQL lacks.","fields":[{"name":"'
    'int_or_long","doc":"Spark widens to long.","type":["int","long"]},{"name":"float'
    '_or_double","doc":"Spark widens to double.","type":["float","double"]},{"name":"'
    'string_or_int","doc":"Spark makes a struct of member0, member1.","type":["string'
    '","int"]},{"name":"null_string_or_long","doc":"Nullable struct of members.","typ'
    'e":["null","string","long"],"default":null},{"name":"single","doc":"A one-branch'
    ' union.","type":["string"]},{"name":"string_or_null","doc":"null second.","type"'
    ':["string","null"],"default":"x"},{"name":"maybe_items","doc":"Array of nullable'
    ' items.","type":{"type":"array","items":["null","int"]}},{"name":"maybe_values",'
    '"doc":"Map of nullable values.","type":{"type":"map","values":["null","double"]}'
    '},{"name":"maybe_suits","doc":"Nullable array of enums.","type":["null",{"type":'
    '"array","items":{"type":"enum","name":"io.userstream.test.Suit","doc":"A card su'
    'it.","symbols":["SPADES","HEARTS","DIAMONDS","CLUBS"]}}],"default":null},{"name"'
    ':"points","doc":"Map of arrays of records.","type":{"type":"map","values":{"type'
    '":"array","items":{"type":"record","name":"io.userstream.test.Point","doc":"A po'
    'sition, defined in its own file and used by kitchen_sink.avsc.","fields":[{"name'
    '":"lat","doc":"Latitude.","type":"double"},{"name":"lon","doc":"Longitude.","typ'
    'e":"double"}]}}}}]}'
)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Unions:
    """Unions and nullable collection items: forms Python and Spark have but CQL lacks."""

    #: Spark widens to long.
    int_or_long: int
    #: Spark widens to double.
    float_or_double: float
    #: Spark makes a struct of member0, member1.
    string_or_int: str | int
    #: Nullable struct of members.
    null_string_or_long: str | int | None = None
    #: A one-branch union.
    single: str
    #: null second.
    string_or_null: str | None = "x"
    #: Array of nullable items.
    maybe_items: list[int | None]
    #: Map of nullable values.
    maybe_values: dict[str, float | None]
    #: Nullable array of enums.
    maybe_suits: list[Suit] | None = None
    #: Map of arrays of records.
    points: dict[str, list[Point]]

    def to_avro(self) -> dict[str, Any]:
        """The dict fastavro writes for this record."""
        return {
            "int_or_long": self.int_or_long,
            "float_or_double": self.float_or_double,
            "string_or_int": self.string_or_int,
            "null_string_or_long": self.null_string_or_long,
            "single": self.single,
            "string_or_null": self.string_or_null,
            "maybe_items": self.maybe_items,
            "maybe_values": self.maybe_values,
            "maybe_suits": (None if self.maybe_suits is None else [v0.value for v0 in self.maybe_suits]),
            "points": {k0: [v1.to_avro() for v1 in v0] for k0, v0 in self.points.items()},
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> Self:
        """Build the record from the dict fastavro reads."""
        return cls(
            int_or_long=data["int_or_long"],
            float_or_double=data["float_or_double"],
            string_or_int=data["string_or_int"],
            null_string_or_long=data["null_string_or_long"],
            single=data["single"],
            string_or_null=data["string_or_null"],
            maybe_items=data["maybe_items"],
            maybe_values=data["maybe_values"],
            maybe_suits=(None if data["maybe_suits"] is None else [Suit(v0) for v0 in data["maybe_suits"]]),
            points={k0: [Point.from_avro(v1) for v1 in v0] for k0, v0 in data["points"].items()},
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
                _a.union(self.int_or_long, ("int", "long")),
                _a.union(self.float_or_double, ("float", "double")),
                _a.union(self.string_or_int, ("string", "int")),
                _a.union(self.null_string_or_long, ("null", "string", "long")),
                b"\x00" + _a.string(self.single),
                (b"\x02" if self.string_or_null is None else b"\x00" + _a.string(self.string_or_null)),
                _a.block([(b"\x00" if v0 is None else b"\x02" + _a.int32(v0)) for v0 in _a.items(self.maybe_items)]),
                _a.block([_a.string(k0) + (b"\x00" if v0 is None else b"\x02" + _a.float64(v0)) for k0, v0 in _a.entries(self.maybe_values)]),
                (b"\x00" if self.maybe_suits is None else b"\x02" + _a.block([_a.symbol(_AVRO_Suit, v0) for v0 in _a.items(self.maybe_suits)])),
                _a.block([_a.string(k0) + _a.block([_a.record(v1, Point) for v1 in _a.items(v0)]) for k0, v0 in _a.entries(self.points)]),
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
                self.string_or_null,
            ))
        except Exception:  # not all texts: each rule below says which
            texts_ok = False
        try:
            if (texts_ok or _r.utf8(self.string_or_null)) is False:
                return _VIOLATIONS[0]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "string_or_null", exc)
        try:
            if _r.utf8(self.maybe_values) is False:
                return _VIOLATIONS[1]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "maybe_values", exc)
        try:
            if _r.utf8(self.points) is False:
                return _VIOLATIONS[2]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "points", exc)
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
    ('type:utf8', 'string_or_null', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:utf8', 'maybe_values', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:utf8', 'points', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
)
_VIOLATIONS = tuple(_r.RuleViolation(*rule) for rule in RULES)
#: The written rules whose mode is not ``dlq`` (``docs/contract-rules.md``, modes).
MODES: dict[str, _r.RuleMode] = {}
#: Each rule's check, in ``RULES`` order, whatever its mode: false when a record breaks it at
#: ``now``, None when unknown; None for a rule only the job checks. ``violation()`` inlines them.
CHECKS: tuple[_r.Check | None, ...] = (
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.string_or_null)),
    lambda self, now, texts_ok=False: _r.utf8(self.maybe_values),
    lambda self, now, texts_ok=False: _r.utf8(self.points),
)
_WARNED = tuple(
    (rule, check)
    for rule, check in zip(_VIOLATIONS, CHECKS, strict=True)
    if check is not None and MODES.get(rule.rule) == _r.RuleMode.WARN
)


#: What the contract declares besides its types: its stream, its source and the source paths
#: it reads (``contract.streams``).
DECLARED: _st.Declared = _st.Declared(
    name="unions",
    record="io.userstream.test.Unions",
    stream=_st.Stream(topic="unions", dlq_topic="unions.dlq"),
)
