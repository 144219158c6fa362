# generated from schemas/point.avsc by codegen; do not edit
# fmt: off
"""Record classes of io.userstream.test.Point, with its Avro schema."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Self

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
