# generated from schemas/quake_reported.avsc by codegen; do not edit
# ruff: noqa: E501
# fmt: off
"""Record classes of io.userstream.quakes.QuakeReported, with its Avro schema."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import re
from collections.abc import Mapping
from typing import Any, Self

from contract import avro_binary as _a
from contract import rules as _r
from contract import source_values as _s
from contract import streams as _st

AVRO_SCHEMA: str = (
    '{"type":"record","name":"io.userstream.quakes.QuakeReported","doc":"An earthquak'
    'e as the USGS event web service reports it (FDSN event API, GeoJSON): a second c'
    'ontract, to show that any JSON source becomes a stream without Python. Produced '
    'to Kafka topic quakes_reported, keyed by id; upserted into Cassandra.","x-cassan'
    'dra":{"keyspace":"spark_streams","tables":[{"table":"quakes","partition_key":["i'
    'd"],"default_ttl":94608000},{"table":"quakes_by_network","partition_key":["netwo'
    'rk"],"clustering_key":[{"column":"occurred_at","order":"DESC"},{"column":"id","o'
    'rder":"ASC"}],"columns":["id","network","occurred_at","magnitude","place","statu'
    's"],"default_ttl":94608000}]},"x-kafka":{"topic":"quakes_reported"},"x-source":{'
    '"url":"https://earthquake.usgs.gov/fdsnws/event/1/query","params":{"format":"geo'
    'json","orderby":"time"},"records":"features","paging":{"size":"limit","offset":"'
    'offset","first":1,"max_size":20000},"schedule":"*/10 * * * *","connection":"usgs'
    '_default","batch_size":500},"fields":[{"name":"id","doc":"The event id: its netw'
    'ork\'s code and the network\'s event code (nc75012345).","type":"string","x-rules"'
    ':[{"name":"quake_id_format","expr":"value.matches(\'^[a-z0-9]{2,8}[A-Za-z0-9_-]{1'
    ',40}$\')","message":"event id must be a network code and an event code"}]},{"name'
    '":"network","doc":"The seismic network that reported it, such as nc, us, ak.","t'
    'ype":"string","x-rules":[{"name":"network_code","expr":"value.matches(\'^[a-z0-9]'
    '{2,8}$\')","message":"network must be 2 to 8 lower-case letters or digits"}],"x-s'
    'ource":"properties.net"},{"name":"magnitude","doc":"The magnitude, when the even'
    't has one.","type":["null","double"],"default":null,"x-rules":[{"name":"magnitud'
    'e_plausible","expr":"value == null || (value >= -2.0 && value <= 10.0)","message'
    '":"magnitude must be within [-2, 10]"}],"x-source":"properties.mag"},{"name":"ma'
    'gnitude_type","doc":"How the magnitude was computed (ml, md, mb, mww ...).","typ'
    'e":["null","string"],"default":null,"x-source":"properties.magType"},{"name":"pl'
    'ace","doc":"Where, in words (10 km NE of Town, Region).","type":["null","string"'
    '],"default":null,"x-source":"properties.place"},{"name":"occurred_at","doc":"Whe'
    'n the event happened, UTC, millisecond precision.","type":{"type":"long","logica'
    'lType":"timestamp-millis"},"x-rules":[{"name":"occurred_not_in_future","expr":"v'
    'alue <= now + duration(\'5m\')","message":"an event cannot have happened in the fu'
    'ture"}],"x-source":"properties.time"},{"name":"updated_at","doc":"When the event'
    ' was last updated, UTC.","type":{"type":"long","logicalType":"timestamp-millis"}'
    ',"x-source":"properties.updated"},{"name":"status","doc":"Whether a seismologist'
    ' reviewed the event.","type":{"type":"enum","name":"io.userstream.quakes.ReviewS'
    'tatus","doc":"The review status of an event.","symbols":["automatic","reviewed",'
    '"deleted"]},"x-source":"properties.status"},{"name":"significance","doc":"The US'
    'GS significance score (0 to about 1000).","type":"int","x-rules":[{"name":"signi'
    'ficance_not_negative","expr":"value >= 0","message":"significance must not be ne'
    'gative"}],"x-source":"properties.sig"},{"name":"tsunami","doc":"1 when the event'
    ' is in an oceanic region with a tsunami warning, else 0.","type":"int","x-rules"'
    ':[{"name":"tsunami_flag","expr":"value in [0, 1]","message":"tsunami flag must b'
    'e 0 or 1"}],"x-source":"properties.tsunami"},{"name":"epicenter","doc":"Where th'
    'e rupture started.","type":{"type":"record","name":"io.userstream.quakes.Epicent'
    'er","doc":"Longitude, latitude and depth, as GeoJSON orders them.","fields":[{"n'
    'ame":"longitude","doc":"Degrees east, -180 to 180.","type":"double","x-rules":[{'
    '"name":"epicenter_longitude","expr":"value >= -180.0 && value <= 180.0","message'
    '":"longitude must be within [-180, 180]"}],"x-source":"geometry.coordinates.0"},'
    '{"name":"latitude","doc":"Degrees north, -90 to 90.","type":"double","x-rules":['
    '{"name":"epicenter_latitude","expr":"value >= -90.0 && value <= 90.0","message":'
    '"latitude must be within [-90, 90]"}],"x-source":"geometry.coordinates.1"},{"nam'
    'e":"depth_km","doc":"Kilometres below the surface (negative above sea level).","'
    'type":"double","x-rules":[{"name":"depth_plausible","expr":"value >= -10.0 && va'
    'lue <= 800.0","message":"depth must be within [-10, 800] km"}],"x-source":"geome'
    'try.coordinates.2"}]},"x-source":"geometry.coordinates"},{"name":"url","doc":"Th'
    'e event\'s page at the USGS.","type":"string","x-rules":[{"name":"event_url","exp'
    'r":"value.startsWith(\'https://\')","message":"event page must be an https URL"}],'
    '"x-source":"properties.url"},{"name":"ingested_at","doc":"When the producer buil'
    't this record, UTC.","type":{"type":"long","logicalType":"timestamp-millis"},"x-'
    'source":{"producer":"ingested_at"}},{"name":"source","doc":"The endpoint the eve'
    'nt was fetched from (the USGS or the offline source).","type":"string","x-source'
    '":{"producer":"source_url"}}]}'
)


class ReviewStatus(enum.Enum):
    """The review status of an event."""

    automatic = "automatic"
    reviewed = "reviewed"
    deleted = "deleted"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Epicenter:
    """Longitude, latitude and depth, as GeoJSON orders them."""

    #: Degrees east, -180 to 180.
    longitude: float
    #: Degrees north, -90 to 90.
    latitude: float
    #: Kilometres below the surface (negative above sea level).
    depth_km: float

    def to_avro(self) -> dict[str, Any]:
        """The dict fastavro writes for this record."""
        return {
            "longitude": self.longitude,
            "latitude": self.latitude,
            "depth_km": self.depth_km,
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> Self:
        """Build the record from the dict fastavro reads."""
        return cls(
            longitude=data["longitude"],
            latitude=data["latitude"],
            depth_km=data["depth_km"],
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
                _a.float64(self.longitude),
                _a.float64(self.latitude),
                _a.float64(self.depth_km),
            ))
        except AttributeError as exc:  # an inlined record's place holds something else
            raise TypeError(f"not a record where one goes: a {type(exc.obj).__name__}") from exc


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class QuakeReported:
    """An earthquake as the USGS event web service reports it (FDSN event API, GeoJSON): a
    second contract, to show that any JSON source becomes a stream without Python.
    Produced to Kafka topic quakes_reported, keyed by id; upserted into Cassandra.
    """

    #: The event id: its network's code and the network's event code (nc75012345).
    id: str
    #: The seismic network that reported it, such as nc, us, ak.
    network: str
    #: The magnitude, when the event has one.
    magnitude: float | None = None
    #: How the magnitude was computed (ml, md, mb, mww ...).
    magnitude_type: str | None = None
    #: Where, in words (10 km NE of Town, Region).
    place: str | None = None
    #: When the event happened, UTC, millisecond precision.
    occurred_at: datetime.datetime
    #: When the event was last updated, UTC.
    updated_at: datetime.datetime
    #: Whether a seismologist reviewed the event.
    status: ReviewStatus
    #: The USGS significance score (0 to about 1000).
    significance: int
    #: 1 when the event is in an oceanic region with a tsunami warning, else 0.
    tsunami: int
    #: Where the rupture started.
    epicenter: Epicenter
    #: The event's page at the USGS.
    url: str
    #: When the producer built this record, UTC.
    ingested_at: datetime.datetime
    #: The endpoint the event was fetched from (the USGS or the offline source).
    source: str

    def to_avro(self) -> dict[str, Any]:
        """The dict fastavro writes for this record."""
        return {
            "id": self.id,
            "network": self.network,
            "magnitude": self.magnitude,
            "magnitude_type": self.magnitude_type,
            "place": self.place,
            "occurred_at": self.occurred_at,
            "updated_at": self.updated_at,
            "status": self.status.value,
            "significance": self.significance,
            "tsunami": self.tsunami,
            "epicenter": self.epicenter.to_avro(),
            "url": self.url,
            "ingested_at": self.ingested_at,
            "source": self.source,
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> Self:
        """Build the record from the dict fastavro reads."""
        return cls(
            id=data["id"],
            network=data["network"],
            magnitude=data["magnitude"],
            magnitude_type=data["magnitude_type"],
            place=data["place"],
            occurred_at=data["occurred_at"],
            updated_at=data["updated_at"],
            status=ReviewStatus(data["status"]),
            significance=data["significance"],
            tsunami=data["tsunami"],
            epicenter=Epicenter.from_avro(data["epicenter"]),
            url=data["url"],
            ingested_at=data["ingested_at"],
            source=data["source"],
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
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.id))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.network))) < 8192 else _a.long(n), b,
                (b"\x00" if self.magnitude is None else b"\x02" + _a.float64(self.magnitude)),
                (b"\x00" if self.magnitude_type is None else b"\x02" + _a.string(self.magnitude_type)),
                (b"\x00" if self.place is None else b"\x02" + _a.string(self.place)),
                _a.timestamp_millis(self.occurred_at),
                _a.timestamp_millis(self.updated_at),
                _a.symbol(_AVRO_ReviewStatus, self.status),
                _a.int32(self.significance),
                _a.int32(self.tsunami),
                _a.float64(self.epicenter.longitude),
                _a.float64(self.epicenter.latitude),
                _a.float64(self.epicenter.depth_km),
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.url))) < 8192 else _a.long(n), b,
                _a.timestamp_millis(self.ingested_at),
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.source))) < 8192 else _a.long(n), b,
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
                self.id,
                self.network,
                self.magnitude_type,
                self.place,
                self.url,
                self.source,
            ))
        except Exception:  # not all texts: each rule below says which
            texts_ok = False
        try:
            if (texts_ok or _r.utf8(self.id)) is False:
                return _VIOLATIONS[0]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "id", exc)
        try:
            if _r.le(_r.byte_size(self.id), 65535) is False:
                return _VIOLATIONS[1]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:key-size", "id", exc)
        try:
            if (_C1.search(self.id) is not None) is False:
                return _VIOLATIONS[2]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("quake_id_format", "id", exc)
        try:
            if (texts_ok or _r.utf8(self.network)) is False:
                return _VIOLATIONS[3]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "network", exc)
        try:
            if _r.le(_r.byte_size(self.network), 65535) is False:
                return _VIOLATIONS[4]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:key-size", "network", exc)
        try:
            if (_C2.search(self.network) is not None) is False:
                return _VIOLATIONS[5]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("network_code", "network", exc)
        try:
            if _r.or3((self.magnitude is None), _r.and3(_r.ge(self.magnitude, -2.0), _r.le(self.magnitude, 10.0))) is False:
                return _VIOLATIONS[6]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("magnitude_plausible", "magnitude", exc)
        try:
            if (texts_ok or _r.utf8(self.magnitude_type)) is False:
                return _VIOLATIONS[7]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "magnitude_type", exc)
        try:
            if (texts_ok or _r.utf8(self.place)) is False:
                return _VIOLATIONS[8]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "place", exc)
        try:
            if _r.le3(_r.millis(self.occurred_at), _r.shift(now, _C3)) is False:
                return _VIOLATIONS[10]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("occurred_not_in_future", "occurred_at", exc)
        try:
            if _r.fits_bits(self.significance, 32) is False:
                return _VIOLATIONS[12]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:int32", "significance", exc)
        try:
            if (self.significance >= 0) is False:
                return _VIOLATIONS[13]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("significance_not_negative", "significance", exc)
        try:
            if _r.fits_bits(self.tsunami, 32) is False:
                return _VIOLATIONS[14]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:int32", "tsunami", exc)
        try:
            if (self.tsunami in _C4) is False:
                return _VIOLATIONS[15]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("tsunami_flag", "tsunami", exc)
        try:
            if ((self.epicenter.longitude >= -180.0 or self.epicenter.longitude != self.epicenter.longitude) and (self.epicenter.longitude <= 180.0)) is False:
                return _VIOLATIONS[16]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("epicenter_longitude", "epicenter.longitude", exc)
        try:
            if ((self.epicenter.latitude >= -90.0 or self.epicenter.latitude != self.epicenter.latitude) and (self.epicenter.latitude <= 90.0)) is False:
                return _VIOLATIONS[17]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("epicenter_latitude", "epicenter.latitude", exc)
        try:
            if ((self.epicenter.depth_km >= -10.0 or self.epicenter.depth_km != self.epicenter.depth_km) and (self.epicenter.depth_km <= 800.0)) is False:
                return _VIOLATIONS[18]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("depth_plausible", "epicenter.depth_km", exc)
        try:
            if (texts_ok or _r.utf8(self.url)) is False:
                return _VIOLATIONS[19]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "url", exc)
        try:
            if self.url.startswith('https://') is False:
                return _VIOLATIONS[20]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("event_url", "url", exc)
        try:
            if (texts_ok or _r.utf8(self.source)) is False:
                return _VIOLATIONS[22]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "source", exc)
        return None

    def warnings(self, now: datetime.datetime | None = None) -> tuple[_r.RuleViolation, ...]:
        """The rules in ``warn`` mode this record breaks: counted, and the record passes."""
        return _r.broken_rules(self, now or datetime.datetime.now(datetime.UTC), _WARNED)


#: The Avro binary of each symbol of ReviewStatus (its index), for ``avro_binary()``.
_AVRO_ReviewStatus: dict[ReviewStatus, bytes] = {
    ReviewStatus.automatic: b"\x00",
    ReviewStatus.reviewed: b"\x02",
    ReviewStatus.deleted: b"\x04",
}


#: Every rule of the contract, in checking order: (name, field path, message).
RULES: tuple[tuple[str, str, str], ...] = (
    ('type:utf8', 'id', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:key-size', 'id', "a key column value longer than Cassandra's 65535 bytes"),
    ('quake_id_format', 'id', "event id must be a network code and an event code"),
    ('type:utf8', 'network', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:key-size', 'network', "a key column value longer than Cassandra's 65535 bytes"),
    ('network_code', 'network', "network must be 2 to 8 lower-case letters or digits"),
    ('magnitude_plausible', 'magnitude', "magnitude must be within [-2, 10]"),
    ('type:utf8', 'magnitude_type', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:utf8', 'place', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:timestamp-range', 'occurred_at', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)"),
    ('occurred_not_in_future', 'occurred_at', "an event cannot have happened in the future"),
    ('type:timestamp-range', 'updated_at', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)"),
    ('type:int32', 'significance', "an integer that does not fit 32 bits"),
    ('significance_not_negative', 'significance', "significance must not be negative"),
    ('type:int32', 'tsunami', "an integer that does not fit 32 bits"),
    ('tsunami_flag', 'tsunami', "tsunami flag must be 0 or 1"),
    ('epicenter_longitude', 'epicenter.longitude', "longitude must be within [-180, 180]"),
    ('epicenter_latitude', 'epicenter.latitude', "latitude must be within [-90, 90]"),
    ('depth_plausible', 'epicenter.depth_km', "depth must be within [-10, 800] km"),
    ('type:utf8', 'url', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('event_url', 'url', "event page must be an https URL"),
    ('type:timestamp-range', 'ingested_at', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)"),
    ('type:utf8', 'source', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
)
_VIOLATIONS = tuple(_r.RuleViolation(*rule) for rule in RULES)
_C1 = re.compile('\\A[a-z0-9]{2,8}[A-Za-z0-9_-]{1,40}\\Z', re.ASCII)
_C2 = re.compile('\\A[a-z0-9]{2,8}\\Z', re.ASCII)
_C3 = datetime.timedelta(microseconds=300000000)
_C4 = frozenset({0, 1})
#: The written rules whose mode is not ``dlq`` (``docs/contract-rules.md``, modes).
MODES: dict[str, _r.RuleMode] = {}
#: Each rule's check, in ``RULES`` order, whatever its mode: false when a record breaks it at
#: ``now``, None when unknown; None for a rule only the job checks. ``violation()`` inlines them.
CHECKS: tuple[_r.Check | None, ...] = (
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.id)),
    lambda self, now, texts_ok=False: _r.le(_r.byte_size(self.id), 65535),
    lambda self, now, texts_ok=False: (_C1.search(self.id) is not None),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.network)),
    lambda self, now, texts_ok=False: _r.le(_r.byte_size(self.network), 65535),
    lambda self, now, texts_ok=False: (_C2.search(self.network) is not None),
    lambda self, now, texts_ok=False: _r.or3((self.magnitude is None), _r.and3(_r.ge(self.magnitude, -2.0), _r.le(self.magnitude, 10.0))),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.magnitude_type)),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.place)),
    None,
    lambda self, now, texts_ok=False: _r.le3(_r.millis(self.occurred_at), _r.shift(now, _C3)),
    None,
    lambda self, now, texts_ok=False: _r.fits_bits(self.significance, 32),
    lambda self, now, texts_ok=False: (self.significance >= 0),
    lambda self, now, texts_ok=False: _r.fits_bits(self.tsunami, 32),
    lambda self, now, texts_ok=False: (self.tsunami in _C4),
    lambda self, now, texts_ok=False: ((self.epicenter.longitude >= -180.0 or self.epicenter.longitude != self.epicenter.longitude) and (self.epicenter.longitude <= 180.0)),
    lambda self, now, texts_ok=False: ((self.epicenter.latitude >= -90.0 or self.epicenter.latitude != self.epicenter.latitude) and (self.epicenter.latitude <= 90.0)),
    lambda self, now, texts_ok=False: ((self.epicenter.depth_km >= -10.0 or self.epicenter.depth_km != self.epicenter.depth_km) and (self.epicenter.depth_km <= 800.0)),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.url)),
    lambda self, now, texts_ok=False: self.url.startswith('https://'),
    None,
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.source)),
)
_WARNED = tuple(
    (rule, check)
    for rule, check in zip(_VIOLATIONS, CHECKS, strict=True)
    if check is not None and MODES.get(rule.rule) == _r.RuleMode.WARN
)


#: What the contract declares besides its types: its stream, its source and the source paths
#: it reads (``contract.streams``).
DECLARED: _st.Declared = _st.Declared(
    name="quake_reported",
    record="io.userstream.quakes.QuakeReported",
    stream=_st.Stream(topic="quakes_reported", dlq_topic="quakes_reported.dlq", key=("id",)),
    source=_st.Source(
        url="https://earthquake.usgs.gov/fdsnws/event/1/query",
        records=("features",),
        paging=_st.Paging(size="limit", offset="offset", max_size=20000),
        params=(("format", "geojson"), ("orderby", "time")),
        schedule="*/10 * * * *",
        connection="usgs_default",
        batch_size=500,
    ),
    source_paths=(
        _st.SourcePath(path=("id",)),
        _st.SourcePath(path=("properties", "net")),
        _st.SourcePath(path=("properties", "mag")),
        _st.SourcePath(path=("properties", "magType")),
        _st.SourcePath(path=("properties", "place")),
        _st.SourcePath(path=("properties", "time")),
        _st.SourcePath(path=("properties", "updated")),
        _st.SourcePath(path=("properties", "status")),
        _st.SourcePath(path=("properties", "sig")),
        _st.SourcePath(path=("properties", "tsunami")),
        _st.SourcePath(path=("geometry", "coordinates", "0")),
        _st.SourcePath(path=("geometry", "coordinates", "1")),
        _st.SourcePath(path=("geometry", "coordinates", "2")),
        _st.SourcePath(path=("properties", "url")),
    ),
    source_key=("id",),
)


def from_source(item: Any, produced: _st.Produced) -> QuakeReported:
    """The ``QuakeReported`` of one source record, or ``_s.SourceValueError`` naming the field at fault.

    A record of the usual shape takes the straight path (plain lookups, one type check of all
    its values); anything else goes field by field, which builds the same record or says which
    field is wrong and why.
    """
    try:
        return _from_source_straight(item, produced)
    except Exception:  # any record not of the usual shape: the checked path says what is wrong
        return _from_source_checked(item, produced)


def _from_source_straight(item: Any, produced: _st.Produced) -> QuakeReported:
    o0 = item['properties']
    o1 = item['geometry']
    o2 = o1['coordinates']
    v0 = item['id']
    v1 = o0['net']
    v2 = o0.get('mag')
    v3 = o0.get('magType')
    v4 = o0.get('place')
    v5 = o0['time']
    v6 = o0['updated']
    v7 = o0['sig']
    v8 = o0['tsunami']
    v9 = o2[0]
    v10 = o2[1]
    v11 = o2[2]
    v12 = o0['url']
    if not (
        type(v0) is str
        and type(v1) is str
        and (v2 is None or (type(v2) in _s.NUMBERS))
        and (v3 is None or (type(v3) is str))
        and (v4 is None or (type(v4) is str))
        and type(v5) in _s.TEXTUAL
        and type(v6) in _s.TEXTUAL
        and type(v7) is int
        and type(v8) is int
        and type(o2) is list
        and type(v9) in _s.NUMBERS
        and type(v10) in _s.NUMBERS
        and type(v11) in _s.NUMBERS
        and type(v12) is str
    ):
        raise _s.NotStraightError
    return QuakeReported(
        id=v0,
        network=v1,
        magnitude=(None if v2 is None else float(v2)),
        magnitude_type=(None if v3 is None else v3),
        place=(None if v4 is None else v4),
        occurred_at=_s.instant_fast(v5, 1000),
        updated_at=_s.instant_fast(v6, 1000),
        status=_s.symbol(_s.at(item, ('properties', 'status'), 'properties.status'), 'properties.status', ReviewStatus),
        significance=v7,
        tsunami=v8,
        epicenter=Epicenter(
            longitude=float(v9),
            latitude=float(v10),
            depth_km=float(v11),
        ),
        url=v12,
        ingested_at=produced.ingested_at,
        source=produced.source_url,
    )


def _from_source_checked(item: Any, produced: _st.Produced) -> QuakeReported:
    _s.record_object(item)
    return QuakeReported(
        id=_s.string(_s.at(item, ('id',), 'id'), 'id'),
        network=_s.string(_s.at(item, ('properties', 'net'), 'properties.net'), 'properties.net'),
        magnitude=_s.optional(_s.at_optional(item, ('properties', 'mag'), 'properties.mag'), 'properties.mag', lambda v0, p0: _s.real(v0, p0)),
        magnitude_type=_s.optional(_s.at_optional(item, ('properties', 'magType'), 'properties.magType'), 'properties.magType', lambda v0, p0: _s.string(v0, p0)),
        place=_s.optional(_s.at_optional(item, ('properties', 'place'), 'properties.place'), 'properties.place', lambda v0, p0: _s.string(v0, p0)),
        occurred_at=_s.instant(_s.at(item, ('properties', 'time'), 'properties.time'), 'properties.time', 1000),
        updated_at=_s.instant(_s.at(item, ('properties', 'updated'), 'properties.updated'), 'properties.updated', 1000),
        status=_s.symbol(_s.at(item, ('properties', 'status'), 'properties.status'), 'properties.status', ReviewStatus),
        significance=_s.integer(_s.at(item, ('properties', 'sig'), 'properties.sig'), 'properties.sig'),
        tsunami=_s.integer(_s.at(item, ('properties', 'tsunami'), 'properties.tsunami'), 'properties.tsunami'),
        epicenter=Epicenter(
            longitude=_s.real(_s.at(item, ('geometry', 'coordinates', '0'), 'geometry.coordinates.0'), 'geometry.coordinates.0'),
            latitude=_s.real(_s.at(item, ('geometry', 'coordinates', '1'), 'geometry.coordinates.1'), 'geometry.coordinates.1'),
            depth_km=_s.real(_s.at(item, ('geometry', 'coordinates', '2'), 'geometry.coordinates.2'), 'geometry.coordinates.2'),
        ),
        url=_s.string(_s.at(item, ('properties', 'url'), 'properties.url'), 'properties.url'),
        ingested_at=produced.ingested_at,
        source=produced.source_url,
    )
