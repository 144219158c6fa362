"""API user (randomuser JSON) to the generated ``UserCreated`` record, with validation.

Normalization (what "equal to the source" means after this step):
- ``id`` is ``login.uuid``; ``username`` is ``login.username``; every other login field
  (password, salt, md5, sha1, sha256) is dropped.
- ``location.postcode`` becomes text (``2826`` -> ``"2826"``).
- coordinates become floats (their ranges are contract rules, checked by ``violation()``).
- ``dob.date`` / ``registered.date`` become tz-aware UTC datetimes (millisecond precision).
- the API's ``id`` object becomes ``national_id`` (``value`` may be ``None``).
- ``ingested_at`` and ``source`` are added by the producer.

A user of the wrong shape raises ``RecordInvalidError`` naming the API field path and the
reason (never the value: it may be personal data). Value checks (ranges, formats, dates in the
future, text that is not UTF-8, integers that do not fit) are the contract's rules, generated
into ``UserCreated.violation()`` and checked by the publisher, the same rules the job checks.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from contract.pii import mask
from generated.python.user_created import (
    Coordinates,
    DateOfBirth,
    Location,
    Name,
    NationalId,
    Picture,
    Registration,
    Street,
    Timezone,
    UserCreated,
)
from producer.errors import RecordInvalidError
from producer.json_scan import OversizedNumber, UnparsedUser

CREDENTIAL_FIELDS = ("password", "salt", "md5", "sha1", "sha256")
CONTRACT_TO_API = {
    "id": "login.uuid",
    "username": "login.username",
    "national_id.name": "id.name",
    "national_id.value": "id.value",
}
"""Contract field paths that the API spells differently (every other path is the same)."""


Obj = dict[str, Any]


def _value(parent: Obj, key: str, path: str) -> Any:
    try:
        value = parent[key]
    except KeyError:
        raise RecordInvalidError(path, "missing") from None
    if isinstance(value, OversizedNumber):
        raise RecordInvalidError(path, f"a number of {value.digits} digits")
    return value


def _obj(parent: Obj, key: str, path: str) -> Obj:
    value = _value(parent, key, path)
    if not isinstance(value, dict):
        raise RecordInvalidError(path, f"expected an object, got {type(value).__name__}")
    return value


def _str(parent: Obj, key: str, path: str) -> str:
    value = _value(parent, key, path)
    if not isinstance(value, str):
        raise RecordInvalidError(path, f"expected a string, got {type(value).__name__}")
    return value


def _optional_str(parent: Obj, key: str, path: str) -> str | None:
    value = _value(parent, key, path)
    if value is not None and not isinstance(value, str):
        raise RecordInvalidError(path, f"expected a string or null, got {type(value).__name__}")
    return value


def _int(parent: Obj, key: str, path: str) -> int:
    value = _value(parent, key, path)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordInvalidError(path, f"expected an integer, got {type(value).__name__}")
    return value


def _postcode(parent: Obj, key: str, path: str) -> str:
    value = _value(parent, key, path)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RecordInvalidError(path, f"expected a string or integer, got {type(value).__name__}")
    return str(value)


def _degrees(parent: Obj, key: str, path: str) -> float:
    value = _value(parent, key, path)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RecordInvalidError(path, f"expected a decimal number, got {type(value).__name__}")
    try:
        return float(value)
    except (ValueError, OverflowError):
        raise RecordInvalidError(path, "not a decimal number") from None


def _timestamp(parent: Obj, key: str, path: str) -> datetime:
    value = _str(parent, key, path)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise RecordInvalidError(path, "not an ISO-8601 timestamp") from None
    if moment.tzinfo is None:
        raise RecordInvalidError(path, "timestamp without a time zone")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise RecordInvalidError(path, "a timestamp outside years 1 to 9999") from None


def _uuid(parent: Obj, key: str, path: str) -> uuid.UUID:
    value = _str(parent, key, path)
    try:
        return uuid.UUID(value)
    except ValueError:
        # the contract's implied rule, by the name the job gives it
        raise RecordInvalidError(
            "id", "not a UUID (8-4-4-4-12 hexadecimal digits)", rule="type:uuid"
        ) from None


def build_user(user: Any, *, source: str, ingested_at: datetime) -> UserCreated:
    """The ``UserCreated`` of one API user, or ``RecordInvalidError`` naming the field.

    A user of the expected shape takes the straight path (plain lookups, one type check of all
    its texts); anything unexpected there goes through the checked path, field by field, which
    either builds the record too or says which field is wrong and why.
    """
    try:
        return _build_straight(user, source, ingested_at)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError, _NotStraightError):
        return _build_checked(user, source, ingested_at)


class _NotStraightError(Exception):
    """Internal: the user is not of the usual shape; the checked path will say how."""


def _texts(*values: Any) -> bool:
    return all(type(v) is str for v in values)


def _moment(text: Any) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise _NotStraightError
    return moment.astimezone(UTC)


def _build_straight(user: Any, source: str, ingested_at: datetime) -> UserCreated:
    """The usual case, fast; raises (anything) when the user is not of the usual shape."""
    name, location, login = user["name"], user["location"], user["login"]
    street, coordinates, timezone = (
        location["street"],
        location["coordinates"],
        location["timezone"],
    )
    dob, registered, national_id, picture = (
        user["dob"],
        user["registered"],
        user["id"],
        user["picture"],
    )
    postcode, latitude, longitude = (
        location["postcode"],
        coordinates["latitude"],
        coordinates["longitude"],
    )
    numbers = (street["number"], dob["age"], registered["age"])
    texts = (
        user["gender"], name["title"], name["first"], name["last"], street["name"],
        location["city"], location["state"], location["country"], timezone["offset"],
        timezone["description"], user["email"], login["username"], login["uuid"], user["phone"],
        user["cell"], national_id["name"], picture["large"], picture["medium"],
        picture["thumbnail"], user["nat"], dob["date"], registered["date"],
    )  # fmt: skip
    value = national_id["value"]
    if not (
        _texts(*texts)
        and all(type(n) is int for n in numbers)
        and (value is None or type(value) is str)
        and type(postcode) in (str, int)
        and type(latitude) in (str, int, float)
        and type(longitude) in (str, int, float)
    ):
        raise _NotStraightError
    return UserCreated(
        id=uuid.UUID(login["uuid"]),
        gender=user["gender"],
        name=Name(title=name["title"], first=name["first"], last=name["last"]),
        location=Location(
            street=Street(number=street["number"], name=street["name"]),
            city=location["city"],
            state=location["state"],
            country=location["country"],
            postcode=str(postcode),
            coordinates=Coordinates(latitude=float(latitude), longitude=float(longitude)),
            timezone=Timezone(offset=timezone["offset"], description=timezone["description"]),
        ),
        email=user["email"],
        username=login["username"],
        dob=DateOfBirth(date=_moment(dob["date"]), age=dob["age"]),
        registered=Registration(date=_moment(registered["date"]), age=registered["age"]),
        phone=user["phone"],
        cell=user["cell"],
        national_id=NationalId(name=national_id["name"], value=value),
        picture=Picture(
            large=picture["large"], medium=picture["medium"], thumbnail=picture["thumbnail"]
        ),
        nat=user["nat"],
        ingested_at=ingested_at,
        source=source,
    )


def _build_checked(user: Any, source: str, ingested_at: datetime) -> UserCreated:
    """Field by field, each helper given the full dotted path for its error."""
    if not isinstance(user, dict):
        raise RecordInvalidError("<user>", f"expected an object, got {type(user).__name__}")
    name = _obj(user, "name", "name")
    location = _obj(user, "location", "location")
    street = _obj(location, "street", "location.street")
    coordinates = _obj(location, "coordinates", "location.coordinates")
    timezone = _obj(location, "timezone", "location.timezone")
    login = _obj(user, "login", "login")
    dob = _obj(user, "dob", "dob")
    registered = _obj(user, "registered", "registered")
    national_id = _obj(user, "id", "id")
    picture = _obj(user, "picture", "picture")
    return UserCreated(
        id=_uuid(login, "uuid", "login.uuid"),
        gender=_str(user, "gender", "gender"),
        name=Name(
            title=_str(name, "title", "name.title"),
            first=_str(name, "first", "name.first"),
            last=_str(name, "last", "name.last"),
        ),
        location=Location(
            street=Street(
                number=_int(street, "number", "location.street.number"),
                name=_str(street, "name", "location.street.name"),
            ),
            city=_str(location, "city", "location.city"),
            state=_str(location, "state", "location.state"),
            country=_str(location, "country", "location.country"),
            postcode=_postcode(location, "postcode", "location.postcode"),
            coordinates=Coordinates(
                latitude=_degrees(coordinates, "latitude", "location.coordinates.latitude"),
                longitude=_degrees(coordinates, "longitude", "location.coordinates.longitude"),
            ),
            timezone=Timezone(
                offset=_str(timezone, "offset", "location.timezone.offset"),
                description=_str(timezone, "description", "location.timezone.description"),
            ),
        ),
        email=_str(user, "email", "email"),
        username=_str(login, "username", "login.username"),
        dob=DateOfBirth(date=_timestamp(dob, "date", "dob.date"), age=_int(dob, "age", "dob.age")),
        registered=Registration(
            date=_timestamp(registered, "date", "registered.date"),
            age=_int(registered, "age", "registered.age"),
        ),
        phone=_str(user, "phone", "phone"),
        cell=_str(user, "cell", "cell"),
        national_id=NationalId(
            name=_str(national_id, "name", "id.name"),
            value=_optional_str(national_id, "value", "id.value"),
        ),
        picture=Picture(
            large=_str(picture, "large", "picture.large"),
            medium=_str(picture, "medium", "picture.medium"),
            thumbnail=_str(picture, "thumbnail", "picture.thumbnail"),
        ),
        nat=_str(user, "nat", "nat"),
        ingested_at=ingested_at,
        source=source,
    )


def without_credentials(user: Any) -> Any:
    """A copy of an API user minus its credentials (what may go to the DLQ or logs)."""
    if not isinstance(user, dict) or not isinstance(user.get("login"), dict):
        return user
    login = {k: v for k, v in user["login"].items() if k not in CREDENTIAL_FIELDS}
    return {**user, "login": login}


def api_paths(contract_paths: Iterable[str]) -> frozenset[str]:
    """Where the API's JSON holds the given contract fields."""
    return frozenset(CONTRACT_TO_API.get(path, path) for path in contract_paths)


def dlq_body(user: Any, contract_pii: Iterable[str]) -> bytes:
    """What the DLQ keeps of a rejected API user: its JSON minus credentials, with the fields
    the contract tags as personal data masked. Never raises: text that is not UTF-8 (a lone
    surrogate) is kept as its JSON escape, and values JSON cannot hold are shown as text."""
    if isinstance(user, UnparsedUser):
        kept: Any = {"unparsed": {"reason": user.reason, "size": user.size}}
    else:
        kept = without_credentials(user)
        if isinstance(kept, dict):
            kept = mask(kept, api_paths(contract_pii))
    try:
        text = json.dumps(kept, ensure_ascii=False, default=str)
    except (ValueError, RecursionError) as exc:
        text = json.dumps({"unprintable": type(exc).__name__})
    return text.encode("utf-8", "backslashreplace")
