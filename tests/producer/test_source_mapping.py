"""API user -> UserCreated by the contract's generated mapping (``from_source``): the API's
awkward shapes normalized, typed errors that name the source path, and what a DLQ entry keeps
of a rejected user."""

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

from contract.catalog import contract
from contract.source_values import SourceValueError, kept_for_dlq
from contract.streams import Produced
from generated.python.user_created import AVRO_SCHEMA, UserCreated

REPO_SAMPLES = Path(__file__).parent / "samples.json"
INGESTED = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
SOURCE = "http://127.0.0.1:1/api/1.4/"
PRODUCED = Produced(INGESTED, SOURCE)
CREDENTIAL_FIELDS = ("password", "salt", "md5", "sha1", "sha256")
"""The login members of a randomuser record that the contract never reads."""
USER = contract("user_created")


def samples() -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = json.loads(REPO_SAMPLES.read_text(encoding="utf-8"))["results"]
    return users


def build(user: Any) -> UserCreated:
    record: UserCreated = USER.from_source(user, PRODUCED)
    return record


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
    assert (record.ingested_at, record.source) == (INGESTED, SOURCE)
    parsed = fastavro.parse_schema(json.loads(AVRO_SCHEMA))
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, parsed, record.to_avro())
    buffer.seek(0)
    decoded = fastavro.schemaless_reader(buffer, parsed, parsed)
    assert isinstance(decoded, dict)
    assert UserCreated.from_avro(decoded) == record


class _Text(str):
    """Text that is not exactly a ``str``: the straight path's type checks fail on it."""


def _unusual(value: Any) -> Any:
    """``value`` with every string a ``_Text``: a record not of the usual shape."""
    if isinstance(value, dict):
        return {key: _unusual(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unusual(item) for item in value]
    return _Text(value) if isinstance(value, str) else value


@pytest.mark.parametrize("user", samples(), ids=lambda u: str(u["nat"]))
def test_the_straight_and_the_checked_path_build_the_same_user(user: dict[str, Any]) -> None:
    """A user of the usual shape takes the straight path; the same user of an unusual shape
    goes field by field, and must come out the same."""
    checked = build(_unusual(user))
    assert type(checked.gender) is _Text, "the checked path built it"
    assert checked == build(user)


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


def _changed(path: str, value: Any) -> dict[str, Any]:
    """The first sample user with ``path`` set to ``value`` (or removed, for ``...``)."""
    user = copy.deepcopy(samples()[0])
    *parents, leaf = path.split(".")
    node = user
    for part in parents:
        node = node[part]
    if value is ...:
        del node[leaf]
    else:
        node[leaf] = value
    return user


@pytest.mark.parametrize(
    ("path", "value", "where", "field", "rule", "reason"),
    [
        ("email", ..., "email", "email", "source:shape", "missing"),
        ("dob.date", "31/02/1990", "dob.date", "dob.date", "source:shape", "not an ISO-8601"),
        (
            "dob.date",
            "1990-02-01T00:00:00",
            "dob.date",
            "dob.date",
            "source:shape",
            "without a time zone",
        ),
        (
            "location.coordinates.longitude",
            "east",
            "location.coordinates.longitude",
            "location.coordinates.longitude",
            "source:shape",
            "decimal",
        ),
        (
            "location.street.number",
            "12",
            "location.street.number",
            "location.street.number",
            "source:shape",
            "integer",
        ),
        (
            "location.postcode",
            None,
            "location.postcode",
            "location.postcode",
            "source:shape",
            "a string or an integer",
        ),
        # a check the job makes too: its field is the contract's, its path the source's
        ("login.uuid", "not-a-uuid", "login.uuid", "id", "type:uuid", "not a UUID"),
        ("id.value", 42, "id.value", "id.value", "source:shape", "expected a string, got int"),
        ("name", "Bob", "name", "name", "source:shape", "expected an object"),
    ],
)
def test_users_of_the_wrong_shape_name_the_path_and_reason(
    path: str, value: Any, where: str, field: str, rule: str, reason: str
) -> None:
    with pytest.raises(SourceValueError) as err:
        build(_changed(path, value))
    assert (err.value.path, err.value.field, err.value.rule) == (where, field, rule)
    assert reason in err.value.reason
    if isinstance(value, str):
        assert value not in str(err.value), "values may be personal data: never in the error"


def test_a_record_that_is_no_object_is_refused_whole() -> None:
    with pytest.raises(SourceValueError) as err:
        build(["not", "an", "object"])
    assert (err.value.path, err.value.rule) == ("<record>", "source:shape")
    assert "expected an object, got list" in err.value.reason


@pytest.mark.parametrize(
    ("path", "value", "rule", "field"),
    [
        (
            "location.coordinates.latitude",
            "123.4567",
            "latitude_in_range",
            "location.coordinates.latitude",
        ),
        (
            "location.coordinates.latitude",
            "NaN",
            "latitude_in_range",
            "location.coordinates.latitude",
        ),
        (
            "location.coordinates.longitude",
            "-181",
            "longitude_in_range",
            "location.coordinates.longitude",
        ),
        ("location.street.number", 2**40, "type:int32", "location.street.number"),
        ("location.city", "Lon\ud800don", "type:utf8", "location.city"),
        ("dob.date", "2999-01-01T00:00:00.000Z", "birth_not_in_future", "dob.date"),
        ("email", "no-at-sign", "email_format", "email"),
        ("gender", "robot", "gender_known", "gender"),
        ("nat", "usa", "nationality_code", "nat"),
        ("location.timezone.offset", "+9:3", "utc_offset_format", "location.timezone.offset"),
    ],
)
def test_users_breaking_a_contract_rule_are_told_which(
    path: str, value: Any, rule: str, field: str
) -> None:
    violation = build(_changed(path, value)).violation()
    assert violation is not None
    assert (violation.rule, violation.field) == (rule, field)


def test_the_id_rule_holds_at_its_place_in_the_order() -> None:
    """A record with two broken rules reports the first in the contract's order."""
    user = _changed("location.coordinates.latitude", "99")
    user["nat"] = "usa"
    violation = build(user).violation()
    assert violation is not None and violation.rule == "latitude_in_range"


def test_sample_users_break_no_rule() -> None:
    assert [build(u).violation() for u in samples()] == [None] * len(samples())


def test_a_dlq_entry_keeps_of_login_only_uuid_and_username() -> None:
    """What a DLQ keeps of a rejected user: the source paths the contract reads, so never a
    credential (the producer masks the personal data among them afterwards)."""
    user = samples()[0]
    paths = [p.path for p in USER.declared.source_paths]
    cleaned = kept_for_dlq(user, paths)
    assert set(cleaned["login"]) == {"uuid", "username"}
    assert user["login"]["password"], "the original is not modified"
    for field in CREDENTIAL_FIELDS:
        assert user["login"][field] not in json.dumps(cleaned)
    assert kept_for_dlq("not a user", paths) == "not a user"
    assert USER.declared.source_key == ("login", "uuid")
