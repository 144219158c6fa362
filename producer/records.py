"""API user (randomuser JSON) to the generated ``UserCreated`` record, with validation.

Normalization (what "equal to the source" means after this step):
- ``id`` is ``login.uuid``; ``username`` is ``login.username``; every other login field
  (password, salt, md5, sha1, sha256) is dropped.
- ``location.postcode`` becomes text (``2826`` -> ``"2826"``).
- coordinates become floats, checked to be within [-90, 90] and [-180, 180].
- ``dob.date`` / ``registered.date`` become tz-aware UTC datetimes (millisecond precision).
- the API's ``id`` object becomes ``national_id`` (``value`` may be ``None``).
- ``ingested_at`` and ``source`` are added by the producer.

Any violation raises ``RecordInvalidError`` naming the API field path and the reason.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from typing import Any

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

CREDENTIAL_FIELDS = ("password", "salt", "md5", "sha1", "sha256")
INT32_MAX = 2**31 - 1


def _get(user: dict[str, Any], path: str) -> Any:
    node: Any = user
    for part in path.split("."):
        if not isinstance(node, dict):
            raise RecordInvalidError(path, f"expected an object at {part!r}")
        if part not in node:
            raise RecordInvalidError(path, "missing")
        node = node[part]
    return node


def _str(user: dict[str, Any], path: str) -> str:
    value = _get(user, path)
    if not isinstance(value, str):
        raise RecordInvalidError(path, f"expected a string, got {type(value).__name__}")
    return value


def _optional_str(user: dict[str, Any], path: str) -> str | None:
    value = _get(user, path)
    if value is not None and not isinstance(value, str):
        raise RecordInvalidError(path, f"expected a string or null, got {type(value).__name__}")
    return value


def _int(user: dict[str, Any], path: str) -> int:
    value = _get(user, path)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordInvalidError(path, f"expected an integer, got {type(value).__name__}")
    if not -INT32_MAX - 1 <= value <= INT32_MAX:
        raise RecordInvalidError(path, f"{value} does not fit a 32-bit int")
    return value


def _postcode(user: dict[str, Any], path: str) -> str:
    value = _get(user, path)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RecordInvalidError(path, f"expected a string or integer, got {type(value).__name__}")
    return str(value)


def _degrees(user: dict[str, Any], path: str, limit: float) -> float:
    value = _get(user, path)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RecordInvalidError(path, f"expected a decimal number, got {type(value).__name__}")
    try:
        degrees = float(value)
    except ValueError:
        raise RecordInvalidError(path, f"not a decimal number: {value!r}") from None
    if not math.isfinite(degrees) or not -limit <= degrees <= limit:
        raise RecordInvalidError(path, f"{value!r} is outside [-{limit:g}, {limit:g}]")
    return degrees


def _timestamp(user: dict[str, Any], path: str) -> datetime:
    value = _str(user, path)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise RecordInvalidError(path, f"not an ISO-8601 timestamp: {value!r}") from None
    if moment.tzinfo is None:
        raise RecordInvalidError(path, f"timestamp without a time zone: {value!r}")
    return moment.astimezone(UTC)


def _uuid(user: dict[str, Any], path: str) -> uuid.UUID:
    value = _str(user, path)
    try:
        return uuid.UUID(value)
    except ValueError:
        raise RecordInvalidError(path, f"not a UUID: {value!r}") from None


def build_user(user: dict[str, Any], *, source: str, ingested_at: datetime) -> UserCreated:
    """The ``UserCreated`` of one API user, or ``RecordInvalidError``."""
    if not isinstance(user, dict):
        raise RecordInvalidError("<user>", f"expected an object, got {type(user).__name__}")
    return UserCreated(
        id=_uuid(user, "login.uuid"),
        gender=_str(user, "gender"),
        name=Name(
            title=_str(user, "name.title"),
            first=_str(user, "name.first"),
            last=_str(user, "name.last"),
        ),
        location=Location(
            street=Street(
                number=_int(user, "location.street.number"),
                name=_str(user, "location.street.name"),
            ),
            city=_str(user, "location.city"),
            state=_str(user, "location.state"),
            country=_str(user, "location.country"),
            postcode=_postcode(user, "location.postcode"),
            coordinates=Coordinates(
                latitude=_degrees(user, "location.coordinates.latitude", 90.0),
                longitude=_degrees(user, "location.coordinates.longitude", 180.0),
            ),
            timezone=Timezone(
                offset=_str(user, "location.timezone.offset"),
                description=_str(user, "location.timezone.description"),
            ),
        ),
        email=_str(user, "email"),
        username=_str(user, "login.username"),
        dob=DateOfBirth(date=_timestamp(user, "dob.date"), age=_int(user, "dob.age")),
        registered=Registration(
            date=_timestamp(user, "registered.date"), age=_int(user, "registered.age")
        ),
        phone=_str(user, "phone"),
        cell=_str(user, "cell"),
        national_id=NationalId(name=_str(user, "id.name"), value=_optional_str(user, "id.value")),
        picture=Picture(
            large=_str(user, "picture.large"),
            medium=_str(user, "picture.medium"),
            thumbnail=_str(user, "picture.thumbnail"),
        ),
        nat=_str(user, "nat"),
        ingested_at=ingested_at,
        source=source,
    )


def without_credentials(user: Any) -> Any:
    """A copy of an API user minus its credentials (what may go to the DLQ or logs)."""
    if not isinstance(user, dict) or not isinstance(user.get("login"), dict):
        return user
    login = {k: v for k, v in user["login"].items() if k not in CREDENTIAL_FIELDS}
    return {**user, "login": login}
