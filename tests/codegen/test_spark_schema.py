"""The generated StructType is exactly what Spark's ``from_avro`` yields; the projection works."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import fastavro
import pytest
from pyspark.sql import SparkSession
from pyspark.sql.avro.functions import from_avro
from pyspark.sql.functions import col

from generated.python import user_created as uc_python
from generated.spark import user_created as uc_spark
from stack.offline_source import NATIONALITIES, make_page
from tests.fixtures import codegen as codegen_samples
from tests.fixtures.users import build_user

pytestmark = pytest.mark.spark


def _from_avro_type(spark: SparkSession, schema: str) -> Any:
    frame = spark.createDataFrame([(b"",)], "payload binary")
    return frame.select(from_avro(col("payload"), schema).alias("value")).schema["value"].dataType


@pytest.mark.parametrize("stem", ["kitchen_sink", "point", "unions"])
def test_kitchen_sink_struct_equals_from_avro(
    spark: SparkSession,
    stem: str,
    ks_python: dict[str, ModuleType],
    ks_spark: dict[str, ModuleType],
) -> None:
    expected = _from_avro_type(spark, ks_python[stem].AVRO_SCHEMA)
    assert ks_spark[stem].SCHEMA.jsonValue() == expected.jsonValue()
    assert expected == ks_spark[stem].SCHEMA


def test_user_contract_struct_equals_from_avro(spark: SparkSession) -> None:
    assert _from_avro_type(spark, uc_python.AVRO_SCHEMA) == uc_spark.SCHEMA


@pytest.fixture
def utc_session(spark: SparkSession) -> Iterator[SparkSession]:
    """The session with the UTC time zone the streaming job uses (local timestamps cast in it)."""
    before = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    yield spark
    spark.conf.set("spark.sql.session.timeZone", str(before))


def test_projection_turns_a_decoded_record_into_table_columns(
    utc_session: SparkSession, ks_python: dict[str, ModuleType], ks_spark: dict[str, ModuleType]
) -> None:
    ks = ks_python["kitchen_sink"]
    record = codegen_samples.kitchen_sink(ks, ks_python["point"])
    buffer = io.BytesIO()
    fastavro.schemaless_writer(
        buffer, fastavro.parse_schema(json.loads(ks.AVRO_SCHEMA)), record.to_avro()
    )
    frame = utc_session.createDataFrame([(buffer.getvalue(),)], "payload binary")
    decoded = frame.select(from_avro(col("payload"), ks.AVRO_SCHEMA).alias("value"))
    (table,) = ks_spark["kitchen_sink"].TABLES
    assert (table.keyspace, table.name, table.primary_key) == (
        "codegen_test",
        "kitchen_sink",
        ("id", "seq"),
    )
    row = decoded.selectExpr(*(f"{expr} AS {name}" for name, expr in table.projection)).first()
    assert row is not None
    got = row.asDict(recursive=True)
    assert list(got) == list(table.columns)

    def local(value: dt.datetime) -> dt.datetime:  # pyspark returns naive local-time datetimes
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone().replace(tzinfo=None)

    assert got["id"] == str(record.id)
    assert got["suit"] == "CLUBS"
    assert got["address_street"] == record.address.street
    assert got["second_address_zip"] is None
    assert got["location_lat"] == record.location.lat
    assert got["contacts"][0] == {
        "kind": "HEARTS",
        "handle": "@ana",
        "place": {"street": "1 Rue de la Paix", "zip": "75002"},
    }
    assert got["contact_by_name"]["ana"]["kind"] == "HEARTS"
    assert got["matrix"] == [[1, 2], [3]]
    assert got["amount"] == record.amount and got["amount_fixed"] == record.amount_fixed
    assert got["day"] == record.day
    # time columns become nanoseconds since midnight, what the Cassandra connector writes to `time`
    assert got["time_ms"] == ((15 * 60 + 13) * 60 + 16) * 10**9 + 688 * 10**6
    assert got["time_us"] == ((15 * 60 + 13) * 60 + 16) * 10**9 + 688123 * 10**3
    assert got["ts_ms"] == local(record.ts_ms)
    assert got["ts_us"] == local(record.ts_us)
    assert got["local_ms"] == local(record.local_ms)  # wall time stored as that UTC instant
    assert got["local_us"] == local(record.local_us)
    assert got["period"] == record.period and got["digest"] == record.digest


def test_each_table_of_the_user_contract_projects_its_own_columns(
    utc_session: SparkSession,
) -> None:
    user = make_page("projection", 1, 1, tuple(NATIONALITIES))["results"][0]
    record = build_user(user, ingested_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    frame = utc_session.createDataFrame([(record.avro_binary(),)], "payload binary")
    decoded = frame.select(from_avro(col("payload"), uc_python.AVRO_SCHEMA).alias("value"))
    by_id, by_country = uc_spark.TABLES
    assert (by_id.name, by_country.name) == ("created_users", "users_by_country")
    rows = {}
    for table in uc_spark.TABLES:
        row = decoded.selectExpr(*(f"{e} AS {c}" for c, e in table.projection)).first()
        assert row is not None
        rows[table.name] = row.asDict(recursive=True)
        assert list(rows[table.name]) == list(table.columns)
    assert rows["users_by_country"] == {
        column: rows["created_users"][column] for column in by_country.columns
    }
    country = rows["users_by_country"]
    assert (country["id"], country["location_country"]) == (
        str(record.id),
        user["location"]["country"],
    )
    registered = record.registered.date.astimezone().replace(tzinfo=None)  # naive local time
    assert country["registered_date"] == registered
