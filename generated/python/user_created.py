# generated from schemas/user_created.avsc by codegen; do not edit
# ruff: noqa: E501
# fmt: off
"""Record classes of io.userstream.users.UserCreated, with its Avro schema."""

from __future__ import annotations

import dataclasses
import datetime
import re
import uuid
from collections.abc import Mapping
from typing import Any, Self

from contract import avro_binary as _a
from contract import rules as _r
from contract import source_values as _s
from contract import streams as _st

AVRO_SCHEMA: str = (
    '{"type":"record","name":"io.userstream.users.UserCreated","doc":"A user profile '
    'fetched from the randomuser.me API (v1.4), minus its credentials. Produced to Ka'
    'fka topic users_created, keyed by id; upserted into Cassandra.","x-cassandra":{"'
    'keyspace":"spark_streams","tables":[{"table":"created_users","partition_key":["i'
    'd"],"clustering_key":[],"default_ttl":94608000},{"table":"users_by_country","par'
    'tition_key":["location_country"],"clustering_key":[{"column":"registered_date","'
    'order":"DESC"},{"column":"id","order":"ASC"}],"columns":["id","name_first","name'
    '_last","location_city","location_state","location_country","nat","registered_dat'
    'e"],"default_ttl":94608000}]},"x-kafka":{"topic":"users_created","dlq_topic":"us'
    'ers_created.dlq"},"x-rules":[{"name":"ingested_after_registration","expr":"inges'
    'ted_at >= registered.date","message":"a user cannot be ingested before registeri'
    'ng"}],"x-source":{"url":"https://randomuser.me/api/1.4/","records":"results","er'
    'ror":"error","paging":{"size":"results","page":"page","seed":"seed","max_size":5'
    '000,"exact":true},"schedule":"*/5 * * * *","connection":"randomuser_default"},"f'
    'ields":[{"name":"id","doc":"The API\'s login.uuid: stable per user, so producing '
    'a user twice is an idempotent upsert.","type":{"type":"string","logicalType":"uu'
    'id"},"x-source":"login.uuid"},{"name":"gender","doc":"The API\'s gender, as given'
    ' (male or female in v1.4).","type":"string","x-rules":[{"name":"gender_known","e'
    'xpr":"value in [\'female\', \'male\']","message":"gender must be female or male, as '
    'randomuser v1.4 sends it"}]},{"name":"name","doc":"The user\'s name.","type":{"ty'
    'pe":"record","name":"io.userstream.users.Name","doc":"A person\'s name as the API'
    ' splits it.","fields":[{"name":"title","doc":"Title such as Mr, Ms, Mrs, Miss, M'
    'onsieur.","type":"string"},{"name":"first","doc":"Given name, Unicode in any scr'
    'ipt.","type":"string","x-pii":true,"x-rules":[{"name":"name_first_length","expr"'
    ':"size(value) >= 1 && size(value) <= 100","message":"given name must have 1 to 1'
    '00 characters"}]},{"name":"last","doc":"Family name, Unicode in any script.","ty'
    'pe":"string","x-pii":true,"x-rules":[{"name":"name_last_length","expr":"size(val'
    'ue) >= 1 && size(value) <= 100","message":"family name must have 1 to 100 charac'
    'ters"}]}]}},{"name":"location","doc":"Where the user lives.","type":{"type":"rec'
    'ord","name":"io.userstream.users.Location","doc":"A postal address with coordina'
    'tes and time zone.","fields":[{"name":"street","doc":"Street address.","type":{"'
    'type":"record","name":"io.userstream.users.Street","doc":"House number and stree'
    't name.","fields":[{"name":"number","doc":"House number (an integer in the API).'
    '","type":"int","x-pii":true,"x-rules":[{"name":"street_number_positive","expr":"'
    'value >= 1","message":"house number must be 1 or more"}]},{"name":"name","doc":"'
    'Street name.","type":"string","x-pii":true}]}},{"name":"city","doc":"City.","typ'
    'e":"string"},{"name":"state","doc":"State, province or region.","type":"string"}'
    ',{"name":"country","doc":"Country name in English.","type":"string"},{"name":"po'
    'stcode","doc":"Postal code as text: the API sends a number for some nationalitie'
    's and a string for others.","type":"string","x-pii":true,"x-rules":[{"name":"pos'
    'tcode_length","expr":"size(value) <= 16","message":"postcode must have at most 1'
    '6 characters"}],"x-source":{"path":"location.postcode","coerce":true}},{"name":"'
    'coordinates","doc":"Geographic position.","type":{"type":"record","name":"io.use'
    'rstream.users.Coordinates","doc":"Latitude and longitude in decimal degrees (str'
    'ings in the API).","fields":[{"name":"latitude","doc":"Latitude in degrees, -90 '
    'to 90.","type":"double","x-pii":true,"x-rules":[{"name":"latitude_in_range","exp'
    'r":"value >= -90.0 && value <= 90.0","message":"latitude must be within [-90, 90'
    '] degrees"}],"x-source":{"path":"location.coordinates.latitude","coerce":true}},'
    '{"name":"longitude","doc":"Longitude in degrees, -180 to 180.","type":"double","'
    'x-pii":true,"x-rules":[{"name":"longitude_in_range","expr":"value >= -180.0 && v'
    'alue <= 180.0","message":"longitude must be within [-180, 180] degrees"}],"x-sou'
    'rce":{"path":"location.coordinates.longitude","coerce":true}}]}},{"name":"timezo'
    'ne","doc":"Time zone of the address.","type":{"type":"record","name":"io.userstr'
    'eam.users.Timezone","doc":"UTC offset and a description of the zone.","fields":['
    '{"name":"offset","doc":"UTC offset as the API writes it, such as +9:30, -3:00 or'
    ' 0:00.","type":"string","x-rules":[{"name":"utc_offset_format","expr":"value.mat'
    'ches(\'^[+-]?[0-9]{1,2}:[0-9]{2}$\')","message":"UTC offset must look like +9:30, '
    '-3:00 or 0:00"}]},{"name":"description","doc":"Cities or regions in the zone.","'
    'type":"string"}]}}]}},{"name":"email","doc":"E-mail address.","type":"string","x'
    '-pii":true,"x-rules":[{"name":"email_format","expr":"value.matches(\'^[^@\\\\\\\\s]+@'
    '[^@\\\\\\\\s]+\\\\\\\\.[^@\\\\\\\\s]+$\') && size(value) <= 254","message":"e-mail must be lo'
    'cal@domain.tld, at most 254 characters"}]},{"name":"username","doc":"The API\'s l'
    'ogin.username (the only login field kept besides the uuid).","type":"string","x-'
    'pii":true,"x-rules":[{"name":"username_length","expr":"size(value) >= 1 && size('
    'value) <= 64","message":"username must have 1 to 64 characters"}],"x-source":"lo'
    'gin.username"},{"name":"dob","doc":"Date of birth.","type":{"type":"record","nam'
    'e":"io.userstream.users.DateOfBirth","doc":"A birth instant and the age it gives'
    '.","fields":[{"name":"date","doc":"Birth instant, UTC, millisecond precision.","'
    'type":{"type":"long","logicalType":"timestamp-millis"},"x-pii":true,"x-rules":[{'
    '"name":"birth_not_in_future","expr":"value <= now","message":"date of birth must'
    ' not be in the future"}]},{"name":"age","doc":"Age in years when fetched.","type'
    '":"int","x-rules":[{"name":"age_plausible","expr":"value >= 0 && value <= 150","'
    'message":"age must be within [0, 150] years"}]}]}},{"name":"registered","doc":"W'
    'hen the user registered.","type":{"type":"record","name":"io.userstream.users.Re'
    'gistration","doc":"A registration instant and the years since.","fields":[{"name'
    '":"date","doc":"Registration instant, UTC, millisecond precision.","type":{"type'
    '":"long","logicalType":"timestamp-millis"},"x-rules":[{"name":"registration_not_'
    'in_future","expr":"value <= now","message":"registration must not be in the futu'
    're"}]},{"name":"age","doc":"Years since registration when fetched.","type":"int"'
    ',"x-rules":[{"name":"registration_age_not_negative","expr":"value >= 0","message'
    '":"years since registration must not be negative"}]}]}},{"name":"phone","doc":"L'
    'andline number in the nationality\'s format.","type":"string","x-pii":true,"x-rul'
    'es":[{"name":"phone_length","expr":"size(value) >= 1 && size(value) <= 32","mess'
    'age":"phone number must have 1 to 32 characters"}]},{"name":"cell","doc":"Mobile'
    ' number in the nationality\'s format.","type":"string","x-pii":true,"x-rules":[{"'
    'name":"cell_length","expr":"size(value) >= 1 && size(value) <= 32","message":"ce'
    'll number must have 1 to 32 characters"}]},{"name":"national_id","doc":"The API\''
    's id object: a national identifier, which may be absent.","type":{"type":"record'
    '","name":"io.userstream.users.NationalId","doc":"Name of the identifier scheme a'
    'nd its value.","x-rules":[{"name":"national_id_named","expr":"name != \'\' || valu'
    'e == null","message":"a national identifier value needs the name of its scheme"}'
    '],"fields":[{"name":"name","doc":"Scheme name such as SSN or TFN; may be empty."'
    ',"type":"string"},{"name":"value","doc":"Identifier value; null when the API giv'
    'es none.","type":["null","string"],"default":null,"x-pii":true}]},"x-source":"id'
    '"},{"name":"picture","doc":"Portrait URLs.","type":{"type":"record","name":"io.u'
    'serstream.users.Picture","doc":"The same portrait at three sizes.","fields":[{"n'
    'ame":"large","doc":"URL of the large portrait.","type":"string","x-pii":true,"x-'
    'rules":[{"name":"picture_large_url","expr":"value.startsWith(\'https://\') || valu'
    'e.startsWith(\'http://\')","message":"large portrait must be an http(s) URL"}]},{"'
    'name":"medium","doc":"URL of the medium portrait.","type":"string","x-pii":true,'
    '"x-rules":[{"name":"picture_medium_url","expr":"value.startsWith(\'https://\') || '
    'value.startsWith(\'http://\')","message":"medium portrait must be an http(s) URL"}'
    ']},{"name":"thumbnail","doc":"URL of the thumbnail.","type":"string","x-pii":tru'
    'e,"x-rules":[{"name":"picture_thumbnail_url","expr":"value.startsWith(\'https://\''
    ') || value.startsWith(\'http://\')","message":"thumbnail portrait must be an http('
    's) URL"}]}]}},{"name":"nat","doc":"Nationality code, such as US or FR.","type":"'
    'string","x-rules":[{"name":"nationality_code","expr":"value.matches(\'^[A-Z]{2}$\''
    ')","message":"nationality must be two capital letters, such as US or FR"}]},{"na'
    'me":"ingested_at","doc":"When the producer built this record, UTC.","type":{"typ'
    'e":"long","logicalType":"timestamp-millis"},"x-rules":[{"name":"ingested_not_in_'
    'future","expr":"value <= now + duration(\'5m\')","message":"ingestion time must no'
    't be ahead of the clock by more than 5 minutes"}],"x-source":{"producer":"ingest'
    'ed_at"}},{"name":"source","doc":"Base URL of the API the user was fetched from ('
    'the real service or the offline source).","type":"string","x-rules":[{"name":"so'
    'urce_present","expr":"size(value) >= 1 && size(value) <= 2048","message":"source'
    ' URL must have 1 to 2048 characters"}],"x-source":{"producer":"source_url"}}]}'
)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Name:
    """A person's name as the API splits it."""

    #: Title such as Mr, Ms, Mrs, Miss, Monsieur.
    title: str
    #: Given name, Unicode in any script.
    first: str
    #: Family name, Unicode in any script.
    last: str

    def to_avro(self) -> dict[str, Any]:
        """The dict fastavro writes for this record."""
        return {
            "title": self.title,
            "first": self.first,
            "last": self.last,
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> Self:
        """Build the record from the dict fastavro reads."""
        return cls(
            title=data["title"],
            first=data["first"],
            last=data["last"],
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
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.title))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.first))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.last))) < 8192 else _a.long(n), b,
            ))
        except AttributeError as exc:  # an inlined record's place holds something else
            raise TypeError(f"not a record where one goes: a {type(exc.obj).__name__}") from exc


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Street:
    """House number and street name."""

    #: House number (an integer in the API).
    number: int
    #: Street name.
    name: str

    def to_avro(self) -> dict[str, Any]:
        """The dict fastavro writes for this record."""
        return {
            "number": self.number,
            "name": self.name,
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> Self:
        """Build the record from the dict fastavro reads."""
        return cls(
            number=data["number"],
            name=data["name"],
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
                _a.int32(self.number),
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.name))) < 8192 else _a.long(n), b,
            ))
        except AttributeError as exc:  # an inlined record's place holds something else
            raise TypeError(f"not a record where one goes: a {type(exc.obj).__name__}") from exc


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Coordinates:
    """Latitude and longitude in decimal degrees (strings in the API)."""

    #: Latitude in degrees, -90 to 90.
    latitude: float
    #: Longitude in degrees, -180 to 180.
    longitude: float

    def to_avro(self) -> dict[str, Any]:
        """The dict fastavro writes for this record."""
        return {
            "latitude": self.latitude,
            "longitude": self.longitude,
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> Self:
        """Build the record from the dict fastavro reads."""
        return cls(
            latitude=data["latitude"],
            longitude=data["longitude"],
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
                _a.float64(self.latitude),
                _a.float64(self.longitude),
            ))
        except AttributeError as exc:  # an inlined record's place holds something else
            raise TypeError(f"not a record where one goes: a {type(exc.obj).__name__}") from exc


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Timezone:
    """UTC offset and a description of the zone."""

    #: UTC offset as the API writes it, such as +9:30, -3:00 or 0:00.
    offset: str
    #: Cities or regions in the zone.
    description: str

    def to_avro(self) -> dict[str, Any]:
        """The dict fastavro writes for this record."""
        return {
            "offset": self.offset,
            "description": self.description,
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> Self:
        """Build the record from the dict fastavro reads."""
        return cls(
            offset=data["offset"],
            description=data["description"],
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
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.offset))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.description))) < 8192 else _a.long(n), b,
            ))
        except AttributeError as exc:  # an inlined record's place holds something else
            raise TypeError(f"not a record where one goes: a {type(exc.obj).__name__}") from exc


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """A postal address with coordinates and time zone."""

    #: Street address.
    street: Street
    #: City.
    city: str
    #: State, province or region.
    state: str
    #: Country name in English.
    country: str
    #: Postal code as text: the API sends a number for some nationalities and a string for
    #: others.
    postcode: str
    #: Geographic position.
    coordinates: Coordinates
    #: Time zone of the address.
    timezone: Timezone

    def to_avro(self) -> dict[str, Any]:
        """The dict fastavro writes for this record."""
        return {
            "street": self.street.to_avro(),
            "city": self.city,
            "state": self.state,
            "country": self.country,
            "postcode": self.postcode,
            "coordinates": self.coordinates.to_avro(),
            "timezone": self.timezone.to_avro(),
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> Self:
        """Build the record from the dict fastavro reads."""
        return cls(
            street=Street.from_avro(data["street"]),
            city=data["city"],
            state=data["state"],
            country=data["country"],
            postcode=data["postcode"],
            coordinates=Coordinates.from_avro(data["coordinates"]),
            timezone=Timezone.from_avro(data["timezone"]),
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
                _a.int32(self.street.number),
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.street.name))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.city))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.state))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.country))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.postcode))) < 8192 else _a.long(n), b,
                _a.float64(self.coordinates.latitude),
                _a.float64(self.coordinates.longitude),
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.timezone.offset))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.timezone.description))) < 8192 else _a.long(n), b,
            ))
        except AttributeError as exc:  # an inlined record's place holds something else
            raise TypeError(f"not a record where one goes: a {type(exc.obj).__name__}") from exc


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class DateOfBirth:
    """A birth instant and the age it gives."""

    #: Birth instant, UTC, millisecond precision.
    date: datetime.datetime
    #: Age in years when fetched.
    age: int

    def to_avro(self) -> dict[str, Any]:
        """The dict fastavro writes for this record."""
        return {
            "date": self.date,
            "age": self.age,
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> Self:
        """Build the record from the dict fastavro reads."""
        return cls(
            date=data["date"],
            age=data["age"],
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
                _a.timestamp_millis(self.date),
                _a.int32(self.age),
            ))
        except AttributeError as exc:  # an inlined record's place holds something else
            raise TypeError(f"not a record where one goes: a {type(exc.obj).__name__}") from exc


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Registration:
    """A registration instant and the years since."""

    #: Registration instant, UTC, millisecond precision.
    date: datetime.datetime
    #: Years since registration when fetched.
    age: int

    def to_avro(self) -> dict[str, Any]:
        """The dict fastavro writes for this record."""
        return {
            "date": self.date,
            "age": self.age,
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> Self:
        """Build the record from the dict fastavro reads."""
        return cls(
            date=data["date"],
            age=data["age"],
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
                _a.timestamp_millis(self.date),
                _a.int32(self.age),
            ))
        except AttributeError as exc:  # an inlined record's place holds something else
            raise TypeError(f"not a record where one goes: a {type(exc.obj).__name__}") from exc


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class NationalId:
    """Name of the identifier scheme and its value."""

    #: Scheme name such as SSN or TFN; may be empty.
    name: str
    #: Identifier value; null when the API gives none.
    value: str | None = None

    def to_avro(self) -> dict[str, Any]:
        """The dict fastavro writes for this record."""
        return {
            "name": self.name,
            "value": self.value,
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> Self:
        """Build the record from the dict fastavro reads."""
        return cls(
            name=data["name"],
            value=data["value"],
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
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.name))) < 8192 else _a.long(n), b,
                (b"\x00" if self.value is None else b"\x02" + _a.string(self.value)),
            ))
        except AttributeError as exc:  # an inlined record's place holds something else
            raise TypeError(f"not a record where one goes: a {type(exc.obj).__name__}") from exc


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Picture:
    """The same portrait at three sizes."""

    #: URL of the large portrait.
    large: str
    #: URL of the medium portrait.
    medium: str
    #: URL of the thumbnail.
    thumbnail: str

    def to_avro(self) -> dict[str, Any]:
        """The dict fastavro writes for this record."""
        return {
            "large": self.large,
            "medium": self.medium,
            "thumbnail": self.thumbnail,
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> Self:
        """Build the record from the dict fastavro reads."""
        return cls(
            large=data["large"],
            medium=data["medium"],
            thumbnail=data["thumbnail"],
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
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.large))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.medium))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.thumbnail))) < 8192 else _a.long(n), b,
            ))
        except AttributeError as exc:  # an inlined record's place holds something else
            raise TypeError(f"not a record where one goes: a {type(exc.obj).__name__}") from exc


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class UserCreated:
    """A user profile fetched from the randomuser.me API (v1.4), minus its credentials.
    Produced to Kafka topic users_created, keyed by id; upserted into Cassandra.
    """

    #: The API's login.uuid: stable per user, so producing a user twice is an idempotent
    #: upsert.
    id: uuid.UUID
    #: The API's gender, as given (male or female in v1.4).
    gender: str
    #: The user's name.
    name: Name
    #: Where the user lives.
    location: Location
    #: E-mail address.
    email: str
    #: The API's login.username (the only login field kept besides the uuid).
    username: str
    #: Date of birth.
    dob: DateOfBirth
    #: When the user registered.
    registered: Registration
    #: Landline number in the nationality's format.
    phone: str
    #: Mobile number in the nationality's format.
    cell: str
    #: The API's id object: a national identifier, which may be absent.
    national_id: NationalId
    #: Portrait URLs.
    picture: Picture
    #: Nationality code, such as US or FR.
    nat: str
    #: When the producer built this record, UTC.
    ingested_at: datetime.datetime
    #: Base URL of the API the user was fetched from (the real service or the offline source).
    source: str

    def to_avro(self) -> dict[str, Any]:
        """The dict fastavro writes for this record."""
        return {
            "id": self.id,
            "gender": self.gender,
            "name": self.name.to_avro(),
            "location": self.location.to_avro(),
            "email": self.email,
            "username": self.username,
            "dob": self.dob.to_avro(),
            "registered": self.registered.to_avro(),
            "phone": self.phone,
            "cell": self.cell,
            "national_id": self.national_id.to_avro(),
            "picture": self.picture.to_avro(),
            "nat": self.nat,
            "ingested_at": self.ingested_at,
            "source": self.source,
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> Self:
        """Build the record from the dict fastavro reads."""
        return cls(
            id=data["id"],
            gender=data["gender"],
            name=Name.from_avro(data["name"]),
            location=Location.from_avro(data["location"]),
            email=data["email"],
            username=data["username"],
            dob=DateOfBirth.from_avro(data["dob"]),
            registered=Registration.from_avro(data["registered"]),
            phone=data["phone"],
            cell=data["cell"],
            national_id=NationalId.from_avro(data["national_id"]),
            picture=Picture.from_avro(data["picture"]),
            nat=data["nat"],
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
                _a.uuid(self.id),
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.gender))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.name.title))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.name.first))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.name.last))) < 8192 else _a.long(n), b,
                _a.int32(self.location.street.number),
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.location.street.name))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.location.city))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.location.state))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.location.country))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.location.postcode))) < 8192 else _a.long(n), b,
                _a.float64(self.location.coordinates.latitude),
                _a.float64(self.location.coordinates.longitude),
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.location.timezone.offset))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.location.timezone.description))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.email))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.username))) < 8192 else _a.long(n), b,
                _a.timestamp_millis(self.dob.date),
                _a.int32(self.dob.age),
                _a.timestamp_millis(self.registered.date),
                _a.int32(self.registered.age),
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.phone))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.cell))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.national_id.name))) < 8192 else _a.long(n), b,
                (b"\x00" if self.national_id.value is None else b"\x02" + _a.string(self.national_id.value)),
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.picture.large))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.picture.medium))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.picture.thumbnail))) < 8192 else _a.long(n), b,
                _a.SIZES[n] if (n := len(b := _a.ENCODE(self.nat))) < 8192 else _a.long(n), b,
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
                self.gender,
                self.name.title,
                self.name.first,
                self.name.last,
                self.location.street.name,
                self.location.city,
                self.location.state,
                self.location.country,
                self.location.postcode,
                self.location.timezone.offset,
                self.location.timezone.description,
                self.email,
                self.username,
                self.phone,
                self.cell,
                self.national_id.name,
                self.national_id.value,
                self.picture.large,
                self.picture.medium,
                self.picture.thumbnail,
                self.nat,
                self.source,
            ))
        except Exception:  # not all texts: each rule below says which
            texts_ok = False
        try:
            if _r.is_uuid(str(self.id)) is False:
                return _VIOLATIONS[0]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:uuid", "id", exc)
        try:
            if (texts_ok or _r.utf8(self.gender)) is False:
                return _VIOLATIONS[1]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "gender", exc)
        try:
            if (self.gender in _C1) is False:
                return _VIOLATIONS[2]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("gender_known", "gender", exc)
        try:
            if (texts_ok or _r.utf8(self.name.title)) is False:
                return _VIOLATIONS[3]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "name.title", exc)
        try:
            if (texts_ok or _r.utf8(self.name.first)) is False:
                return _VIOLATIONS[4]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "name.first", exc)
        try:
            if ((len(self.name.first) >= 1) and (len(self.name.first) <= 100)) is False:
                return _VIOLATIONS[5]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("name_first_length", "name.first", exc)
        try:
            if (texts_ok or _r.utf8(self.name.last)) is False:
                return _VIOLATIONS[6]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "name.last", exc)
        try:
            if ((len(self.name.last) >= 1) and (len(self.name.last) <= 100)) is False:
                return _VIOLATIONS[7]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("name_last_length", "name.last", exc)
        try:
            if _r.fits_bits(self.location.street.number, 32) is False:
                return _VIOLATIONS[8]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:int32", "location.street.number", exc)
        try:
            if (self.location.street.number >= 1) is False:
                return _VIOLATIONS[9]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("street_number_positive", "location.street.number", exc)
        try:
            if (texts_ok or _r.utf8(self.location.street.name)) is False:
                return _VIOLATIONS[10]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "location.street.name", exc)
        try:
            if (texts_ok or _r.utf8(self.location.city)) is False:
                return _VIOLATIONS[11]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "location.city", exc)
        try:
            if (texts_ok or _r.utf8(self.location.state)) is False:
                return _VIOLATIONS[12]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "location.state", exc)
        try:
            if (texts_ok or _r.utf8(self.location.country)) is False:
                return _VIOLATIONS[13]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "location.country", exc)
        try:
            if _r.le(_r.byte_size(self.location.country), 65535) is False:
                return _VIOLATIONS[14]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:key-size", "location.country", exc)
        try:
            if (texts_ok or _r.utf8(self.location.postcode)) is False:
                return _VIOLATIONS[15]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "location.postcode", exc)
        try:
            if (len(self.location.postcode) <= 16) is False:
                return _VIOLATIONS[16]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("postcode_length", "location.postcode", exc)
        try:
            if ((self.location.coordinates.latitude >= -90.0 or self.location.coordinates.latitude != self.location.coordinates.latitude) and (self.location.coordinates.latitude <= 90.0)) is False:
                return _VIOLATIONS[17]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("latitude_in_range", "location.coordinates.latitude", exc)
        try:
            if ((self.location.coordinates.longitude >= -180.0 or self.location.coordinates.longitude != self.location.coordinates.longitude) and (self.location.coordinates.longitude <= 180.0)) is False:
                return _VIOLATIONS[18]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("longitude_in_range", "location.coordinates.longitude", exc)
        try:
            if (texts_ok or _r.utf8(self.location.timezone.offset)) is False:
                return _VIOLATIONS[19]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "location.timezone.offset", exc)
        try:
            if (_C2.search(self.location.timezone.offset) is not None) is False:
                return _VIOLATIONS[20]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("utc_offset_format", "location.timezone.offset", exc)
        try:
            if (texts_ok or _r.utf8(self.location.timezone.description)) is False:
                return _VIOLATIONS[21]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "location.timezone.description", exc)
        try:
            if (texts_ok or _r.utf8(self.email)) is False:
                return _VIOLATIONS[22]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "email", exc)
        try:
            if ((_C3.search(self.email) is not None) and (len(self.email) <= 254)) is False:
                return _VIOLATIONS[23]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("email_format", "email", exc)
        try:
            if (texts_ok or _r.utf8(self.username)) is False:
                return _VIOLATIONS[24]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "username", exc)
        try:
            if ((len(self.username) >= 1) and (len(self.username) <= 64)) is False:
                return _VIOLATIONS[25]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("username_length", "username", exc)
        try:
            if (_r.millis(self.dob.date) <= now) is False:
                return _VIOLATIONS[27]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("birth_not_in_future", "dob.date", exc)
        try:
            if _r.fits_bits(self.dob.age, 32) is False:
                return _VIOLATIONS[28]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:int32", "dob.age", exc)
        try:
            if ((self.dob.age >= 0) and (self.dob.age <= 150)) is False:
                return _VIOLATIONS[29]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("age_plausible", "dob.age", exc)
        try:
            if (_r.millis(self.registered.date) <= now) is False:
                return _VIOLATIONS[31]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("registration_not_in_future", "registered.date", exc)
        try:
            if _r.fits_bits(self.registered.age, 32) is False:
                return _VIOLATIONS[32]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:int32", "registered.age", exc)
        try:
            if (self.registered.age >= 0) is False:
                return _VIOLATIONS[33]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("registration_age_not_negative", "registered.age", exc)
        try:
            if (texts_ok or _r.utf8(self.phone)) is False:
                return _VIOLATIONS[34]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "phone", exc)
        try:
            if ((len(self.phone) >= 1) and (len(self.phone) <= 32)) is False:
                return _VIOLATIONS[35]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("phone_length", "phone", exc)
        try:
            if (texts_ok or _r.utf8(self.cell)) is False:
                return _VIOLATIONS[36]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "cell", exc)
        try:
            if ((len(self.cell) >= 1) and (len(self.cell) <= 32)) is False:
                return _VIOLATIONS[37]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("cell_length", "cell", exc)
        try:
            if (texts_ok or _r.utf8(self.national_id.name)) is False:
                return _VIOLATIONS[38]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "national_id.name", exc)
        try:
            if (texts_ok or _r.utf8(self.national_id.value)) is False:
                return _VIOLATIONS[39]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "national_id.value", exc)
        try:
            if ((self.national_id.name != '') or (self.national_id.value is None)) is False:
                return _VIOLATIONS[40]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("national_id_named", "national_id", exc)
        try:
            if (texts_ok or _r.utf8(self.picture.large)) is False:
                return _VIOLATIONS[41]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "picture.large", exc)
        try:
            if (self.picture.large.startswith('https://') or self.picture.large.startswith('http://')) is False:
                return _VIOLATIONS[42]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("picture_large_url", "picture.large", exc)
        try:
            if (texts_ok or _r.utf8(self.picture.medium)) is False:
                return _VIOLATIONS[43]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "picture.medium", exc)
        try:
            if (self.picture.medium.startswith('https://') or self.picture.medium.startswith('http://')) is False:
                return _VIOLATIONS[44]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("picture_medium_url", "picture.medium", exc)
        try:
            if (texts_ok or _r.utf8(self.picture.thumbnail)) is False:
                return _VIOLATIONS[45]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "picture.thumbnail", exc)
        try:
            if (self.picture.thumbnail.startswith('https://') or self.picture.thumbnail.startswith('http://')) is False:
                return _VIOLATIONS[46]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("picture_thumbnail_url", "picture.thumbnail", exc)
        try:
            if (texts_ok or _r.utf8(self.nat)) is False:
                return _VIOLATIONS[47]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "nat", exc)
        try:
            if (_C4.search(self.nat) is not None) is False:
                return _VIOLATIONS[48]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("nationality_code", "nat", exc)
        try:
            if _r.le3(_r.millis(self.ingested_at), _r.shift(now, _C5)) is False:
                return _VIOLATIONS[50]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("ingested_not_in_future", "ingested_at", exc)
        try:
            if (texts_ok or _r.utf8(self.source)) is False:
                return _VIOLATIONS[51]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("type:utf8", "source", exc)
        try:
            if ((len(self.source) >= 1) and (len(self.source) <= 2048)) is False:
                return _VIOLATIONS[52]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("source_present", "source", exc)
        try:
            if (_r.millis(self.ingested_at) >= _r.millis(self.registered.date)) is False:
                return _VIOLATIONS[53]
        except Exception as exc:  # a rule that cannot answer counts as broken
            return _r.evaluation_failure("ingested_after_registration", "UserCreated", exc)
        return None

    def warnings(self, now: datetime.datetime | None = None) -> tuple[_r.RuleViolation, ...]:
        """The rules in ``warn`` mode this record breaks: counted, and the record passes."""
        return _r.broken_rules(self, now or datetime.datetime.now(datetime.UTC), _WARNED)


#: Every rule of the contract, in checking order: (name, field path, message).
RULES: tuple[tuple[str, str, str], ...] = (
    ('type:uuid', 'id', "not a UUID (8-4-4-4-12 hexadecimal digits)"),
    ('type:utf8', 'gender', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('gender_known', 'gender', "gender must be female or male, as randomuser v1.4 sends it"),
    ('type:utf8', 'name.title', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:utf8', 'name.first', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('name_first_length', 'name.first', "given name must have 1 to 100 characters"),
    ('type:utf8', 'name.last', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('name_last_length', 'name.last', "family name must have 1 to 100 characters"),
    ('type:int32', 'location.street.number', "an integer that does not fit 32 bits"),
    ('street_number_positive', 'location.street.number', "house number must be 1 or more"),
    ('type:utf8', 'location.street.name', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:utf8', 'location.city', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:utf8', 'location.state', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:utf8', 'location.country', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:key-size', 'location.country', "a key column value longer than Cassandra's 65535 bytes"),
    ('type:utf8', 'location.postcode', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('postcode_length', 'location.postcode', "postcode must have at most 16 characters"),
    ('latitude_in_range', 'location.coordinates.latitude', "latitude must be within [-90, 90] degrees"),
    ('longitude_in_range', 'location.coordinates.longitude', "longitude must be within [-180, 180] degrees"),
    ('type:utf8', 'location.timezone.offset', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('utc_offset_format', 'location.timezone.offset', "UTC offset must look like +9:30, -3:00 or 0:00"),
    ('type:utf8', 'location.timezone.description', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:utf8', 'email', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('email_format', 'email', "e-mail must be local@domain.tld, at most 254 characters"),
    ('type:utf8', 'username', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('username_length', 'username', "username must have 1 to 64 characters"),
    ('type:timestamp-range', 'dob.date', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)"),
    ('birth_not_in_future', 'dob.date', "date of birth must not be in the future"),
    ('type:int32', 'dob.age', "an integer that does not fit 32 bits"),
    ('age_plausible', 'dob.age', "age must be within [0, 150] years"),
    ('type:timestamp-range', 'registered.date', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)"),
    ('registration_not_in_future', 'registered.date', "registration must not be in the future"),
    ('type:int32', 'registered.age', "an integer that does not fit 32 bits"),
    ('registration_age_not_negative', 'registered.age', "years since registration must not be negative"),
    ('type:utf8', 'phone', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('phone_length', 'phone', "phone number must have 1 to 32 characters"),
    ('type:utf8', 'cell', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('cell_length', 'cell', "cell number must have 1 to 32 characters"),
    ('type:utf8', 'national_id.name', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('type:utf8', 'national_id.value', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('national_id_named', 'national_id', "a national identifier value needs the name of its scheme"),
    ('type:utf8', 'picture.large', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('picture_large_url', 'picture.large', "large portrait must be an http(s) URL"),
    ('type:utf8', 'picture.medium', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('picture_medium_url', 'picture.medium', "medium portrait must be an http(s) URL"),
    ('type:utf8', 'picture.thumbnail', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('picture_thumbnail_url', 'picture.thumbnail', "thumbnail portrait must be an http(s) URL"),
    ('type:utf8', 'nat', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('nationality_code', 'nat', "nationality must be two capital letters, such as US or FR"),
    ('type:timestamp-range', 'ingested_at', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)"),
    ('ingested_not_in_future', 'ingested_at', "ingestion time must not be ahead of the clock by more than 5 minutes"),
    ('type:utf8', 'source', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)"),
    ('source_present', 'source', "source URL must have 1 to 2048 characters"),
    ('ingested_after_registration', 'UserCreated', "a user cannot be ingested before registering"),
)
_VIOLATIONS = tuple(_r.RuleViolation(*rule) for rule in RULES)
_C1 = frozenset({'female', 'male'})
_C2 = re.compile('\\A[+-]?[0-9]{1,2}:[0-9]{2}\\Z', re.ASCII)
_C3 = re.compile('\\A[^@\\s]+@[^@\\s]+\\.[^@\\s]+\\Z', re.ASCII)
_C4 = re.compile('\\A[A-Z]{2}\\Z', re.ASCII)
_C5 = datetime.timedelta(microseconds=300000000)
#: The written rules whose mode is not ``dlq`` (``docs/contract-rules.md``, modes).
MODES: dict[str, _r.RuleMode] = {}
#: Each rule's check, in ``RULES`` order, whatever its mode: false when a record breaks it at
#: ``now``, None when unknown; None for a rule only the job checks. ``violation()`` inlines them.
CHECKS: tuple[_r.Check | None, ...] = (
    lambda self, now, texts_ok=False: _r.is_uuid(str(self.id)),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.gender)),
    lambda self, now, texts_ok=False: (self.gender in _C1),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.name.title)),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.name.first)),
    lambda self, now, texts_ok=False: ((len(self.name.first) >= 1) and (len(self.name.first) <= 100)),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.name.last)),
    lambda self, now, texts_ok=False: ((len(self.name.last) >= 1) and (len(self.name.last) <= 100)),
    lambda self, now, texts_ok=False: _r.fits_bits(self.location.street.number, 32),
    lambda self, now, texts_ok=False: (self.location.street.number >= 1),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.location.street.name)),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.location.city)),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.location.state)),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.location.country)),
    lambda self, now, texts_ok=False: _r.le(_r.byte_size(self.location.country), 65535),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.location.postcode)),
    lambda self, now, texts_ok=False: (len(self.location.postcode) <= 16),
    lambda self, now, texts_ok=False: ((self.location.coordinates.latitude >= -90.0 or self.location.coordinates.latitude != self.location.coordinates.latitude) and (self.location.coordinates.latitude <= 90.0)),
    lambda self, now, texts_ok=False: ((self.location.coordinates.longitude >= -180.0 or self.location.coordinates.longitude != self.location.coordinates.longitude) and (self.location.coordinates.longitude <= 180.0)),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.location.timezone.offset)),
    lambda self, now, texts_ok=False: (_C2.search(self.location.timezone.offset) is not None),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.location.timezone.description)),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.email)),
    lambda self, now, texts_ok=False: ((_C3.search(self.email) is not None) and (len(self.email) <= 254)),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.username)),
    lambda self, now, texts_ok=False: ((len(self.username) >= 1) and (len(self.username) <= 64)),
    None,
    lambda self, now, texts_ok=False: (_r.millis(self.dob.date) <= now),
    lambda self, now, texts_ok=False: _r.fits_bits(self.dob.age, 32),
    lambda self, now, texts_ok=False: ((self.dob.age >= 0) and (self.dob.age <= 150)),
    None,
    lambda self, now, texts_ok=False: (_r.millis(self.registered.date) <= now),
    lambda self, now, texts_ok=False: _r.fits_bits(self.registered.age, 32),
    lambda self, now, texts_ok=False: (self.registered.age >= 0),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.phone)),
    lambda self, now, texts_ok=False: ((len(self.phone) >= 1) and (len(self.phone) <= 32)),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.cell)),
    lambda self, now, texts_ok=False: ((len(self.cell) >= 1) and (len(self.cell) <= 32)),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.national_id.name)),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.national_id.value)),
    lambda self, now, texts_ok=False: ((self.national_id.name != '') or (self.national_id.value is None)),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.picture.large)),
    lambda self, now, texts_ok=False: (self.picture.large.startswith('https://') or self.picture.large.startswith('http://')),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.picture.medium)),
    lambda self, now, texts_ok=False: (self.picture.medium.startswith('https://') or self.picture.medium.startswith('http://')),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.picture.thumbnail)),
    lambda self, now, texts_ok=False: (self.picture.thumbnail.startswith('https://') or self.picture.thumbnail.startswith('http://')),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.nat)),
    lambda self, now, texts_ok=False: (_C4.search(self.nat) is not None),
    None,
    lambda self, now, texts_ok=False: _r.le3(_r.millis(self.ingested_at), _r.shift(now, _C5)),
    lambda self, now, texts_ok=False: (texts_ok or _r.utf8(self.source)),
    lambda self, now, texts_ok=False: ((len(self.source) >= 1) and (len(self.source) <= 2048)),
    lambda self, now, texts_ok=False: (_r.millis(self.ingested_at) >= _r.millis(self.registered.date)),
)
_WARNED = tuple(
    (rule, check)
    for rule, check in zip(_VIOLATIONS, CHECKS, strict=True)
    if check is not None and MODES.get(rule.rule) == _r.RuleMode.WARN
)


#: What the contract declares besides its types: its stream, its source and the source paths
#: it reads (``contract.streams``).
DECLARED: _st.Declared = _st.Declared(
    name="user_created",
    record="io.userstream.users.UserCreated",
    stream=_st.Stream(topic="users_created", dlq_topic="users_created.dlq", key=("id",)),
    source=_st.Source(
        url="https://randomuser.me/api/1.4/",
        records=("results",),
        error="error",
        paging=_st.Paging(size="results", page="page", seed="seed", max_size=5000, exact=True),
        connection="randomuser_default",
    ),
    source_paths=(
        _st.SourcePath(path=("login", "uuid")),
        _st.SourcePath(path=("gender",)),
        _st.SourcePath(path=("name", "title")),
        _st.SourcePath(path=("name", "first"), pii=True),
        _st.SourcePath(path=("name", "last"), pii=True),
        _st.SourcePath(path=("location", "street", "number"), pii=True),
        _st.SourcePath(path=("location", "street", "name"), pii=True),
        _st.SourcePath(path=("location", "city")),
        _st.SourcePath(path=("location", "state")),
        _st.SourcePath(path=("location", "country")),
        _st.SourcePath(path=("location", "postcode"), pii=True),
        _st.SourcePath(path=("location", "coordinates", "latitude"), pii=True),
        _st.SourcePath(path=("location", "coordinates", "longitude"), pii=True),
        _st.SourcePath(path=("location", "timezone", "offset")),
        _st.SourcePath(path=("location", "timezone", "description")),
        _st.SourcePath(path=("email",), pii=True),
        _st.SourcePath(path=("login", "username"), pii=True),
        _st.SourcePath(path=("dob", "date"), pii=True),
        _st.SourcePath(path=("dob", "age")),
        _st.SourcePath(path=("registered", "date")),
        _st.SourcePath(path=("registered", "age")),
        _st.SourcePath(path=("phone",), pii=True),
        _st.SourcePath(path=("cell",), pii=True),
        _st.SourcePath(path=("id", "name")),
        _st.SourcePath(path=("id", "value"), pii=True),
        _st.SourcePath(path=("picture", "large"), pii=True),
        _st.SourcePath(path=("picture", "medium"), pii=True),
        _st.SourcePath(path=("picture", "thumbnail"), pii=True),
        _st.SourcePath(path=("nat",)),
    ),
    source_key=("login", "uuid"),
)


def from_source(item: Any, produced: _st.Produced) -> UserCreated:
    """The ``UserCreated`` of one source record, or ``_s.SourceValueError`` naming the field at fault.

    A record of the usual shape takes the straight path (plain lookups, one type check of all
    its values); anything else goes field by field, which builds the same record or says which
    field is wrong and why.
    """
    try:
        return _from_source_straight(item, produced)
    except Exception:  # any record not of the usual shape: the checked path says what is wrong
        return _from_source_checked(item, produced)


def _from_source_straight(item: Any, produced: _st.Produced) -> UserCreated:
    o0 = item['login']
    o1 = item['name']
    o2 = item['location']
    o3 = o2['street']
    o4 = o2['coordinates']
    o5 = o2['timezone']
    o6 = item['dob']
    o7 = item['registered']
    o8 = item['id']
    o9 = item['picture']
    v0 = o0['uuid']
    v1 = item['gender']
    v2 = o1['title']
    v3 = o1['first']
    v4 = o1['last']
    v5 = o3['number']
    v6 = o3['name']
    v7 = o2['city']
    v8 = o2['state']
    v9 = o2['country']
    v10 = o2['postcode']
    v11 = o4['latitude']
    v12 = o4['longitude']
    v13 = o5['offset']
    v14 = o5['description']
    v15 = item['email']
    v16 = o0['username']
    v17 = o6['date']
    v18 = o6['age']
    v19 = o7['date']
    v20 = o7['age']
    v21 = item['phone']
    v22 = item['cell']
    v23 = o8['name']
    v24 = o8.get('value')
    v25 = o9['large']
    v26 = o9['medium']
    v27 = o9['thumbnail']
    v28 = item['nat']
    if not (
        type(v0) is str
        and type(v1) is str
        and type(v2) is str
        and type(v3) is str
        and type(v4) is str
        and type(v5) is int
        and type(v6) is str
        and type(v7) is str
        and type(v8) is str
        and type(v9) is str
        and type(v10) in _s.TEXTUAL
        and type(v11) in _s.NUMERIC
        and type(v12) in _s.NUMERIC
        and type(v13) is str
        and type(v14) is str
        and type(v15) is str
        and type(v16) is str
        and type(v17) in _s.TEXTUAL
        and type(v18) is int
        and type(v19) in _s.TEXTUAL
        and type(v20) is int
        and type(v21) is str
        and type(v22) is str
        and type(v23) is str
        and (v24 is None or (type(v24) is str))
        and type(v25) is str
        and type(v26) is str
        and type(v27) is str
        and type(v28) is str
    ):
        raise _s.NotStraightError
    return UserCreated(
        id=uuid.UUID(v0),
        gender=v1,
        name=Name(
            title=v2,
            first=v3,
            last=v4,
        ),
        location=Location(
            street=Street(
                number=v5,
                name=v6,
            ),
            city=v7,
            state=v8,
            country=v9,
            postcode=(v10 if type(v10) is str else str(v10)),
            coordinates=Coordinates(
                latitude=float(v11),
                longitude=float(v12),
            ),
            timezone=Timezone(
                offset=v13,
                description=v14,
            ),
        ),
        email=v15,
        username=v16,
        dob=DateOfBirth(
            date=_s.instant_fast(v17, 1000),
            age=v18,
        ),
        registered=Registration(
            date=_s.instant_fast(v19, 1000),
            age=v20,
        ),
        phone=v21,
        cell=v22,
        national_id=NationalId(
            name=v23,
            value=(None if v24 is None else v24),
        ),
        picture=Picture(
            large=v25,
            medium=v26,
            thumbnail=v27,
        ),
        nat=v28,
        ingested_at=produced.ingested_at,
        source=produced.source_url,
    )


def _from_source_checked(item: Any, produced: _st.Produced) -> UserCreated:
    _s.record_object(item)
    return UserCreated(
        id=_s.uuid_value(_s.at(item, ('login', 'uuid'), 'login.uuid'), 'login.uuid', 'id'),
        gender=_s.string(_s.at(item, ('gender',), 'gender'), 'gender'),
        name=Name(
            title=_s.string(_s.at(item, ('name', 'title'), 'name.title'), 'name.title'),
            first=_s.string(_s.at(item, ('name', 'first'), 'name.first'), 'name.first'),
            last=_s.string(_s.at(item, ('name', 'last'), 'name.last'), 'name.last'),
        ),
        location=Location(
            street=Street(
                number=_s.integer(_s.at(item, ('location', 'street', 'number'), 'location.street.number'), 'location.street.number'),
                name=_s.string(_s.at(item, ('location', 'street', 'name'), 'location.street.name'), 'location.street.name'),
            ),
            city=_s.string(_s.at(item, ('location', 'city'), 'location.city'), 'location.city'),
            state=_s.string(_s.at(item, ('location', 'state'), 'location.state'), 'location.state'),
            country=_s.string(_s.at(item, ('location', 'country'), 'location.country'), 'location.country'),
            postcode=_s.text(_s.at(item, ('location', 'postcode'), 'location.postcode'), 'location.postcode'),
            coordinates=Coordinates(
                latitude=_s.real_or_text(_s.at(item, ('location', 'coordinates', 'latitude'), 'location.coordinates.latitude'), 'location.coordinates.latitude'),
                longitude=_s.real_or_text(_s.at(item, ('location', 'coordinates', 'longitude'), 'location.coordinates.longitude'), 'location.coordinates.longitude'),
            ),
            timezone=Timezone(
                offset=_s.string(_s.at(item, ('location', 'timezone', 'offset'), 'location.timezone.offset'), 'location.timezone.offset'),
                description=_s.string(_s.at(item, ('location', 'timezone', 'description'), 'location.timezone.description'), 'location.timezone.description'),
            ),
        ),
        email=_s.string(_s.at(item, ('email',), 'email'), 'email'),
        username=_s.string(_s.at(item, ('login', 'username'), 'login.username'), 'login.username'),
        dob=DateOfBirth(
            date=_s.instant(_s.at(item, ('dob', 'date'), 'dob.date'), 'dob.date', 1000),
            age=_s.integer(_s.at(item, ('dob', 'age'), 'dob.age'), 'dob.age'),
        ),
        registered=Registration(
            date=_s.instant(_s.at(item, ('registered', 'date'), 'registered.date'), 'registered.date', 1000),
            age=_s.integer(_s.at(item, ('registered', 'age'), 'registered.age'), 'registered.age'),
        ),
        phone=_s.string(_s.at(item, ('phone',), 'phone'), 'phone'),
        cell=_s.string(_s.at(item, ('cell',), 'cell'), 'cell'),
        national_id=NationalId(
            name=_s.string(_s.at(item, ('id', 'name'), 'id.name'), 'id.name'),
            value=_s.optional(_s.at_optional(item, ('id', 'value'), 'id.value'), 'id.value', lambda v0, p0: _s.string(v0, p0)),
        ),
        picture=Picture(
            large=_s.string(_s.at(item, ('picture', 'large'), 'picture.large'), 'picture.large'),
            medium=_s.string(_s.at(item, ('picture', 'medium'), 'picture.medium'), 'picture.medium'),
            thumbnail=_s.string(_s.at(item, ('picture', 'thumbnail'), 'picture.thumbnail'), 'picture.thumbnail'),
        ),
        nat=_s.string(_s.at(item, ('nat',), 'nat'), 'nat'),
        ingested_at=produced.ingested_at,
        source=produced.source_url,
    )
