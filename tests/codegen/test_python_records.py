"""The generated record classes: fastavro round trips, and mypy --strict on the generated code."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import fastavro
import pytest

from generated.python import user_created
from tests.fixtures import codegen as codegen_samples
from tests.fixtures.codegen import REPO_ROOT


def _round_trip(schema_text: str, record: Any) -> Any:
    """Write ``record.to_avro()`` with fastavro, read it back, rebuild the record."""
    schema = fastavro.parse_schema(json.loads(schema_text))
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, record.to_avro())
    buffer.seek(0)
    return type(record).from_avro(fastavro.schemaless_reader(buffer, schema, schema))


def test_kitchen_sink_round_trips_through_fastavro(ks_python: dict[str, ModuleType]) -> None:
    ks, point = ks_python["kitchen_sink"], ks_python["point"]
    record = codegen_samples.kitchen_sink(ks, point)
    back = _round_trip(ks.AVRO_SCHEMA, record)
    assert back == record
    for f in dataclasses.fields(record):  # equal values of the same Python types
        assert type(getattr(back, f.name)) is type(getattr(record, f.name)), f.name
    assert back.ts_ms.tzinfo is not None and back.local_ms.tzinfo is None


def test_unions_round_trip_through_fastavro(ks_python: dict[str, ModuleType]) -> None:
    u, ks, point = ks_python["unions"], ks_python["kitchen_sink"], ks_python["point"]
    record = codegen_samples.unions(u, ks, point)
    assert _round_trip(u.AVRO_SCHEMA, record) == record
    other = dataclasses.replace(record, string_or_int="seven", null_string_or_long=None)
    assert _round_trip(u.AVRO_SCHEMA, other) == other


def test_defaults_of_the_schema_become_python_defaults(ks_python: dict[str, ModuleType]) -> None:
    u = ks_python["unions"]
    fields = {f.name: f for f in dataclasses.fields(u.Unions)}
    assert fields["null_string_or_long"].default is None
    assert fields["string_or_null"].default == "x"
    assert fields["single"].default is dataclasses.MISSING
    assert dataclasses.fields(u.Unions)[0].kw_only


def test_user_created_round_trips_and_is_frozen() -> None:
    uc = user_created
    user = uc.UserCreated(
        id=uuid.uuid4(),
        gender="female",
        name=uc.Name(title="Ms", first="Ана", last="Ларсен"),
        location=uc.Location(
            street=uc.Street(number=42, name="Main"),
            city="Oslo",
            state="Oslo",
            country="Norway",
            postcode="0150",
            coordinates=uc.Coordinates(latitude=59.91, longitude=10.75),
            timezone=uc.Timezone(offset="+1:00", description="Oslo"),
        ),
        email="ana@example.org",
        username="ana42",
        dob=uc.DateOfBirth(date=dt.datetime(1992, 3, 8, 15, 13, 16, 688000, dt.UTC), age=33),
        registered=uc.Registration(date=dt.datetime(2010, 1, 1, tzinfo=dt.UTC), age=15),
        phone="22 33 44 55",
        cell="99 88 77 66",
        national_id=uc.NationalId(name="FN", value=None),
        picture=uc.Picture(large="l", medium="m", thumbnail="t"),
        nat="NO",
        ingested_at=dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC),
        source="https://randomuser.me/api/1.4/",
    )
    assert _round_trip(uc.AVRO_SCHEMA, user) == user
    with pytest.raises(dataclasses.FrozenInstanceError):
        user.email = "other@example.org"  # type: ignore[misc]


@pytest.mark.parametrize("target", ["generated", "kitchen_sink"])
def test_mypy_strict_passes_on_generated_python(target: str, kitchen_sink_dir: Path) -> None:
    folder = REPO_ROOT / "generated" if target == "generated" else kitchen_sink_dir
    cache = REPO_ROOT / ".mypy_cache"  # shared with `make lint`: pyspark is checked once
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), folder.name],
        cwd=folder.parent,
        env={**os.environ, "MYPYPATH": str(REPO_ROOT)},  # the runtime package ``contract``
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
