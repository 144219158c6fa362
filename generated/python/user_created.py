# generated from schemas/user_created.avsc by codegen; do not edit
# fmt: off
"""Record classes of io.userstream.users.UserCreated, with its Avro schema."""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Mapping
from typing import Any, Self

AVRO_SCHEMA: str = (
    '{"type":"record","name":"io.userstream.users.UserCreated","doc":"A user profile '
    'fetched from the randomuser.me API (v1.4), minus its credentials. Produced to Ka'
    'fka topic users_created, keyed by id; upserted into Cassandra.","x-cassandra":{"'
    'keyspace":"spark_streams","table":"created_users","partition_key":["id"],"cluste'
    'ring_key":[]},"fields":[{"name":"id","doc":"The API\'s login.uuid: stable per use'
    'r, so producing a user twice is an idempotent upsert.","type":{"type":"string","'
    'logicalType":"uuid"}},{"name":"gender","doc":"The API\'s gender, as given (male o'
    'r female in v1.4).","type":"string"},{"name":"name","doc":"The user\'s name.","ty'
    'pe":{"type":"record","name":"io.userstream.users.Name","doc":"A person\'s name as'
    ' the API splits it.","fields":[{"name":"title","doc":"Title such as Mr, Ms, Mrs,'
    ' Miss, Monsieur.","type":"string"},{"name":"first","doc":"Given name, Unicode in'
    ' any script.","type":"string"},{"name":"last","doc":"Family name, Unicode in any'
    ' script.","type":"string"}]}},{"name":"location","doc":"Where the user lives.","'
    'type":{"type":"record","name":"io.userstream.users.Location","doc":"A postal add'
    'ress with coordinates and time zone.","fields":[{"name":"street","doc":"Street a'
    'ddress.","type":{"type":"record","name":"io.userstream.users.Street","doc":"Hous'
    'e number and street name.","fields":[{"name":"number","doc":"House number (an in'
    'teger in the API).","type":"int"},{"name":"name","doc":"Street name.","type":"st'
    'ring"}]}},{"name":"city","doc":"City.","type":"string"},{"name":"state","doc":"S'
    'tate, province or region.","type":"string"},{"name":"country","doc":"Country nam'
    'e in English.","type":"string"},{"name":"postcode","doc":"Postal code as text: t'
    'he API sends a number for some nationalities and a string for others.","type":"s'
    'tring"},{"name":"coordinates","doc":"Geographic position.","type":{"type":"recor'
    'd","name":"io.userstream.users.Coordinates","doc":"Latitude and longitude in dec'
    'imal degrees (strings in the API).","fields":[{"name":"latitude","doc":"Latitude'
    ' in degrees, -90 to 90.","type":"double"},{"name":"longitude","doc":"Longitude i'
    'n degrees, -180 to 180.","type":"double"}]}},{"name":"timezone","doc":"Time zone'
    ' of the address.","type":{"type":"record","name":"io.userstream.users.Timezone",'
    '"doc":"UTC offset and a description of the zone.","fields":[{"name":"offset","do'
    'c":"UTC offset as the API writes it, such as +9:30, -3:00 or 0:00.","type":"stri'
    'ng"},{"name":"description","doc":"Cities or regions in the zone.","type":"string'
    '"}]}}]}},{"name":"email","doc":"E-mail address.","type":"string"},{"name":"usern'
    'ame","doc":"The API\'s login.username (the only login field kept besides the uuid'
    ').","type":"string"},{"name":"dob","doc":"Date of birth.","type":{"type":"record'
    '","name":"io.userstream.users.DateOfBirth","doc":"A birth instant and the age it'
    ' gives.","fields":[{"name":"date","doc":"Birth instant, UTC, millisecond precisi'
    'on.","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"age","doc'
    '":"Age in years when fetched.","type":"int"}]}},{"name":"registered","doc":"When'
    ' the user registered.","type":{"type":"record","name":"io.userstream.users.Regis'
    'tration","doc":"A registration instant and the years since.","fields":[{"name":"'
    'date","doc":"Registration instant, UTC, millisecond precision.","type":{"type":"'
    'long","logicalType":"timestamp-millis"}},{"name":"age","doc":"Years since regist'
    'ration when fetched.","type":"int"}]}},{"name":"phone","doc":"Landline number in'
    ' the nationality\'s format.","type":"string"},{"name":"cell","doc":"Mobile number'
    ' in the nationality\'s format.","type":"string"},{"name":"national_id","doc":"The'
    ' API\'s id object: a national identifier, which may be absent.","type":{"type":"r'
    'ecord","name":"io.userstream.users.NationalId","doc":"Name of the identifier sch'
    'eme and its value.","fields":[{"name":"name","doc":"Scheme name such as SSN or T'
    'FN; may be empty.","type":"string"},{"name":"value","doc":"Identifier value; nul'
    'l when the API gives none.","type":["null","string"],"default":null}]}},{"name":'
    '"picture","doc":"Portrait URLs.","type":{"type":"record","name":"io.userstream.u'
    'sers.Picture","doc":"The same portrait at three sizes.","fields":[{"name":"large'
    '","doc":"URL of the large portrait.","type":"string"},{"name":"medium","doc":"UR'
    'L of the medium portrait.","type":"string"},{"name":"thumbnail","doc":"URL of th'
    'e thumbnail.","type":"string"}]}},{"name":"nat","doc":"Nationality code, such as'
    ' US or FR.","type":"string"},{"name":"ingested_at","doc":"When the producer buil'
    't this record, UTC.","type":{"type":"long","logicalType":"timestamp-millis"}},{"'
    'name":"source","doc":"Base URL of the API the user was fetched from (the real se'
    'rvice or the offline source).","type":"string"}]}'
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
