"""API user -> UserCreated: the API's awkward shapes normalized, typed validation errors."""

from __future__ import annotations

import copy
import io
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fastavro
import pytest

from generated.python.user_created import AVRO_SCHEMA, UserCreated
from producer.errors import RecordInvalidError
from producer.records import CREDENTIAL_FIELDS, build_user, without_credentials

REPO_SAMPLES = Path(__file__).parent / "samples.json"
INGESTED = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
SOURCE = "http://127.0.0.1:1/api/1.4/"


def samples() -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = json.loads(REPO_SAMPLES.read_text(encoding="utf-8"))["results"]
    return users


def build(user: dict[str, Any]) -> UserCreated:
    return build_user(user, source=SOURCE, ingested_at=INGESTED)


@pytest.mark.parametrize("user", samples(), ids=lambda u: str(u["nat"]))
def test_sample_users_normalize_and_round_trip_through_avro(user: dict[str, Any]) -> None:
    record = build(user)
    assert record.id == uuid.UUID(user["login"]["uuid"])
    assert record.username == user["login"]["username"]
    assert record.location.postcode == str(user["location"]["postcode"])
    assert record.location.coordinates.latitude == float(
        user["location"]["coordinates"]["latitude"]
    )
    assert record.dob.date == datetime.fromisoformat(user["dob"]["date"])
    assert record.dob.date.tzinfo is not None
    assert record.national_id.value == user["id"]["value"]
    assert record.name.first == user["name"]["first"]
    parsed = fastavro.parse_schema(json.loads(AVRO_SCHEMA))
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, parsed, record.to_avro())
    buffer.seek(0)
    decoded = fastavro.schemaless_reader(buffer, parsed, parsed)
    assert isinstance(decoded, dict)
    assert UserCreated.from_avro(decoded) == record


def test_no_credential_survives_into_the_record() -> None:
    for user in samples():
        encoded = json.dumps(build(user).to_avro(), default=str)
        for field in CREDENTIAL_FIELDS:
            assert user["login"][field] not in encoded


def test_null_national_id_and_numeric_postcode() -> None:
    iranian = next(u for u in samples() if u["nat"] == "IR")
    record = build(iranian)
    assert record.national_id.value is None
    assert record.national_id.name == ""
    assert record.location.postcode == "71823"


@pytest.mark.parametrize(
    ("path", "value", "field", "reason"),
    [
        ("email", None, "email", "missing"),
        ("dob.date", "31/02/1990", "dob.date", "not an ISO-8601"),
        ("dob.date", "1990-02-01T00:00:00", "dob.date", "without a time zone"),
        ("location.coordinates.latitude", "123.4567", "location.coordinates.latitude", "outside"),
        ("location.coordinates.longitude", "-181", "location.coordinates.longitude", "outside"),
        ("location.coordinates.longitude", "east", "location.coordinates.longitude", "decimal"),
        ("location.street.number", "12", "location.street.number", "integer"),
        ("location.street.number", 2**40, "location.street.number", "32-bit"),
        ("location.postcode", None, "location.postcode", "string or integer"),
        ("login.uuid", "not-a-uuid", "login.uuid", "not a UUID"),
        ("id.value", 42, "id.value", "string or null"),
        ("name", "Bob", "name", "expected an object"),
    ],
)
def test_invalid_users_name_the_field_and_reason(
    path: str, value: Any, field: str, reason: str
) -> None:
    user = copy.deepcopy(samples()[0])
    *parents, leaf = path.split(".")
    node = user
    for part in parents:
        node = node[part]
    if value is None and reason == "missing":
        del node[leaf]
    else:
        node[leaf] = value
    with pytest.raises(RecordInvalidError) as err:
        build(user)
    assert err.value.field == field
    assert reason in err.value.reason


def test_without_credentials_keeps_uuid_and_username_only() -> None:
    user = samples()[0]
    cleaned = without_credentials(user)
    assert set(cleaned["login"]) == {"uuid", "username"}
    assert user["login"]["password"], "the original is not modified"
    assert without_credentials("not a user") == "not a user"
