# generated from schemas/point.avsc by codegen; do not edit
# fmt: off
"""Record classes of io.userstream.test.Point, with its Avro schema."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any, Self

from contract import avro_binary as _a
from contract import rules as _r
from contract import streams as _st

AVRO_SCHEMA: str = (
    '{"type":"record","name":"io.userstream.test.Point","doc":"A position, defined in'
    ' its own file and used by kitchen_sink.avsc.","fields":[{"name":"lat","doc":"Lat'
    'itude.","type":"double"},{"name":"lon","doc":"Longitude.","type":"double"}]}'
)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Point:
    """A position, defined in its own file and used by kitchen_sink.avsc."""

    #: Latitude.
    lat: float
    #: Longitude.
    lon: float

    def to_avro(self) -> dict[str, Any]:
        """The dict fastavro writes for this record."""
        return {
            "lat": self.lat,
            "lon": self.lon,
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> Self:
        """Build the record from the dict fastavro reads."""
        return cls(
            lat=data["lat"],
            lon=data["lon"],
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
                _a.float64(self.lat),
                _a.float64(self.lon),
            ))
        except AttributeError as exc:  # an inlined record's place holds something else
            raise TypeError(f"not a record where one goes: a {type(exc.obj).__name__}") from exc

    def violation(self, now: datetime.datetime | None = None) -> _r.RuleViolation | None:
        """The first rule in ``dlq`` mode this record breaks (in ``RULES`` order), or None.

        ``now`` is the instant that rules about the present compare with (default: the clock).
        """
        now = now or datetime.datetime.now(datetime.UTC)

        return None

    def warnings(self, now: datetime.datetime | None = None) -> tuple[_r.RuleViolation, ...]:
        """The rules in ``warn`` mode this record breaks: counted, and the record passes."""
        return _r.broken_rules(self, now or datetime.datetime.now(datetime.UTC), _WARNED)


#: Every rule of the contract, in checking order: (name, field path, message).
RULES: tuple[tuple[str, str, str], ...] = (
)
_VIOLATIONS = tuple(_r.RuleViolation(*rule) for rule in RULES)
#: The written rules whose mode is not ``dlq`` (``docs/contract-rules.md``, modes).
MODES: dict[str, _r.RuleMode] = {}
#: Each rule's check, in ``RULES`` order, whatever its mode: false when a record breaks it at
#: ``now``, None when unknown; None for a rule only the job checks. ``violation()`` inlines them.
CHECKS: tuple[_r.Check | None, ...] = (
)
_WARNED = tuple(
    (rule, check)
    for rule, check in zip(_VIOLATIONS, CHECKS, strict=True)
    if check is not None and MODES.get(rule.rule) == _r.RuleMode.WARN
)


#: What the contract declares besides its types: its stream, its source and the source paths
#: it reads (``contract.streams``).
DECLARED: _st.Declared = _st.Declared(
    name="point",
    record="io.userstream.test.Point",
    stream=_st.Stream(topic="point", dlq_topic="point.dlq"),
)
