"""The streaming query in-process on real Kafka, registry and Cassandra.

One query reads producer-made users with poison messages interleaved (three tests share its
run: Spark on two cores is slow); another reads two compatible schema versions side by side.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession
from pyspark.sql.streaming.query import StreamingQuery

from config import Settings
from contract.dlq import DlqHeader
from contract.wire import frame, header, unframe
from spark.metrics import MetricsLog
from spark.reader_contract import ReaderContract
from tests.fixtures.cassandra import expected_row, table_rows
from tests.fixtures.dlq import dlq_entries
from tests.fixtures.kafka import produce, text_headers
from tests.fixtures.polling import wait_for
from tests.fixtures.registry import produce_avro, register, serialize
from tests.fixtures.spark import StreamNames, start_job
from tests.fixtures.users import contract_record, make_users, now_ms, publish

pytestmark = [pytest.mark.stack, pytest.mark.spark]

UNKNOWN_ID = 2_000_000_000
GOOD_USERS = 120
TIMEOUT_S = 240.0
PREFERRED_LANGUAGE = {
    "name": "preferred_language",
    "doc": "ISO 639-1 code of the user's language.",
    "type": ["null", "string"],
    "default": None,
}


@dataclass
class StreamRun:
    """One started query and what was produced into its topic."""

    query: StreamingQuery
    names: StreamNames
    settings: Settings
    """The job's settings (its metrics and state files)."""
    contract: ReaderContract
    records: list[dict[str, Any]]
    """What the producer made of the users it was given."""
    poison: dict[bytes, tuple[bytes | None, str, str]]
    """Poison key -> (value, the DLQ rule and the start of the message expected for it)."""

    @property
    def batches(self) -> list[dict[str, Any]]:
        return MetricsLog(self.settings.spark.metrics_file).batches()


def _poison(good_frame: bytes) -> dict[bytes, tuple[bytes | None, str, str]]:
    schema_id, body = unframe(good_frame)
    wrong_magic = bytearray(good_frame)
    wrong_magic[0] = 0x01  # the same frame but for its magic byte
    undecodable = f"does not decode with writer schema id {schema_id}"
    return {
        b"poison-json": (b'{"id": "not avro"}', "wire:framing", "wrong magic byte 0x7B"),
        b"poison-magic": (bytes(wrong_magic), "wire:framing", "wrong magic byte 0x01"),
        b"poison-unknown-id": (
            frame(UNKNOWN_ID, body),
            "wire:unknown-schema",
            f"unknown schema id {UNKNOWN_ID}",
        ),
        b"poison-truncated": (good_frame[: len(good_frame) // 2], "wire:undecodable", undecodable),
        b"poison-header-only": (header(schema_id), "wire:undecodable", undecodable),
        b"poison-short": (b"\x00\x00", "wire:framing", "value of 2 bytes is shorter"),
        b"poison-null": (None, "wire:framing", "null value"),
        # a string claiming 1 GiB: bounded by the decoder's limits, not an allocation
        b"poison-huge-length": (
            frame(schema_id, b"\x80\x80\x80\x80\x08"),
            "wire:undecodable",
            undecodable,
        ),
    }


@pytest.fixture(scope="module")
def poisoned_run(
    spark: SparkSession,
    module_stream_names: StreamNames,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[StreamRun]:
    """Good users with every kind of poison interleaved, streamed until all are accounted for."""
    names = module_stream_names
    own, topic = names.settings, names.topic
    contract = ReaderContract.generated(names.contract)
    register(own, names.subject, contract.reader_schema)
    users = make_users(GOOD_USERS, seed="poison")
    ingested_at = now_ms()
    records = [contract_record(u, ingested_at) for u in users]
    poison = _poison(serialize(own, topic, contract.reader_schema, records[0]))
    chunk = GOOD_USERS // len(poison)
    for i, (key, (value, _, _)) in enumerate(poison.items()):
        publish(own, users[i * chunk : (i + 1) * chunk], ingested_at)
        produce(own, topic, [(key, value)])
    publish(own, users[len(poison) * chunk :], ingested_at)

    query, settings = start_job(spark, names, tmp_path_factory.mktemp("poison"))
    run = StreamRun(query, names, settings, contract, records, poison)
    try:
        total = GOOD_USERS + len(poison)
        wait_for(
            lambda: sum(b["rows_read"] for b in run.batches) >= total,
            TIMEOUT_S,
            f"the job to read {total} messages of {topic}",
        )
        yield run
    finally:
        query.stop()


def test_every_produced_user_lands_equal_field_by_field(
    poisoned_run: StreamRun, cassandra_session: Any
) -> None:
    run = poisoned_run
    table = run.contract.tables[0]
    assert table.name == "created_users"
    rows = table_rows(cassandra_session, run.names.keyspace, table.name)
    assert len(rows) == len(run.records)
    assert {r["id"]: {c: r[c] for c in table.columns} for r in rows} == {
        str(r["id"]): expected_row(r, table.columns) for r in run.records
    }


def _primary_key(session: Any, keyspace: str, table: str) -> list[tuple[str, str, str]]:
    """(column, kind, clustering order) of the table's key columns, in key order."""
    rows = session.execute(
        "SELECT column_name, kind, position, clustering_order FROM system_schema.columns "
        "WHERE keyspace_name = %s AND table_name = %s",
        (keyspace, table),
    )
    key = [r for r in rows if r.kind in ("partition_key", "clustering")]
    key.sort(key=lambda r: (r.kind != "partition_key", r.position))
    return [(r.column_name, r.kind, r.clustering_order) for r in key]


def test_every_good_record_lands_in_both_tables_each_with_its_own_key(
    poisoned_run: StreamRun, cassandra_session: Any
) -> None:
    """The user contract writes two tables: ``created_users`` by id, ``users_by_country`` by
    country, newest registration first; the batch figures count the rows of each."""
    run = poisoned_run
    keyspace = run.names.keyspace
    assert [t.name for t in run.contract.tables] == ["created_users", "users_by_country"]
    by_country = run.contract.tables[1]
    assert by_country.primary_key == ("location_country", "registered_date", "id")
    assert _primary_key(cassandra_session, keyspace, "created_users") == [
        ("id", "partition_key", "none")
    ]
    assert _primary_key(cassandra_session, keyspace, "users_by_country") == [
        ("location_country", "partition_key", "none"),
        ("registered_date", "clustering", "desc"),
        ("id", "clustering", "asc"),
    ]

    rows = table_rows(cassandra_session, keyspace, by_country.name)
    assert set(rows[0]) == set(by_country.columns), "a subset of the record's columns"
    assert len(rows) == len(run.records)
    assert {r["id"]: r for r in rows} == {
        str(r["id"]): expected_row(r, by_country.columns) for r in run.records
    }
    country = run.records[0]["location"]["country"]
    in_country = cassandra_session.execute(
        f"SELECT registered_date FROM {keyspace}.{by_country.name} WHERE location_country = %s",
        (country,),
    )
    dates = [r.registered_date for r in in_country]
    expected = sum(1 for r in run.records if r["location"]["country"] == country)
    assert len(dates) == expected and dates == sorted(dates, reverse=True)

    batches = run.batches
    written = {
        table: sum(b["rows_by_table"].get(table, 0) for b in batches)
        for table in ("created_users", "users_by_country")
    }
    assert written == {"created_users": GOOD_USERS, "users_by_country": GOOD_USERS}
    assert sum(b["rows_written"] for b in batches) == GOOD_USERS, "a record counts once"
    assert {b["topic"] for b in batches} == {run.names.topic}


def test_poison_goes_to_the_dlq_with_its_reason_and_the_query_keeps_running(
    poisoned_run: StreamRun,
) -> None:
    run = poisoned_run
    dlq = dlq_entries(run.settings, run.names.dlq_topic, len(run.poison), timeout_s=60)
    assert len(dlq) == len(run.poison)
    for message in dlq:
        key = message.key
        assert isinstance(key, bytes)
        value, rule, reason = run.poison[key]
        headers = text_headers(message)
        assert message.value == value, key
        assert headers[DlqHeader.RULE] == rule, (key, headers)
        assert headers[DlqHeader.ERROR].startswith(reason), (key, headers[DlqHeader.ERROR])
        assert headers[DlqHeader.STAGE] == "job"
        assert headers[DlqHeader.SOURCE_TOPIC] == run.names.topic
        assert int(headers[DlqHeader.SOURCE_PARTITION]) >= 0
        assert int(headers[DlqHeader.SOURCE_OFFSET]) >= 0
    batches = run.batches
    assert sum(b["rows_rejected"] for b in batches) == len(run.poison)
    assert sum(b["rows_written"] for b in batches) == len(run.records)
    assert run.query.isActive, run.query.exception()


def test_two_compatible_schema_versions_land_side_by_side(
    spark: SparkSession,
    stream_names: StreamNames,
    cassandra_session: Any,
    tmp_path: Path,
) -> None:
    """v1 and v2 (one more optional field) writers interleaved: the job reads both with the
    newest reader (its live reader takes v2 and adds the column), v1 rows with a null."""
    own, topic, keyspace = stream_names.settings, stream_names.topic, stream_names.keyspace
    v1 = stream_names.contract.schema
    document = json.loads(v1)
    document["fields"].append(PREFERRED_LANGUAGE)
    v2 = json.dumps(document)
    v1_id = register(own, stream_names.subject, v1)
    v2_id = register(own, stream_names.subject, v2)
    assert v1_id != v2_id
    ingested_at = now_ms()
    old = [contract_record(u, ingested_at) for u in make_users(20, seed="evolve-v1")]
    new = [contract_record(u, ingested_at) for u in make_users(20, seed="evolve-v2")]
    for record in new:
        record["preferred_language"] = "fa" if record["nat"] == "IR" else "en"
    for i in range(0, 20, 5):
        produce_avro(own, topic, v1, old[i : i + 5])
        produce_avro(own, topic, v2, new[i : i + 5])

    query, settings = start_job(spark, stream_names, tmp_path)
    metrics = MetricsLog(settings.spark.metrics_file)
    try:
        wait_for(
            lambda: sum(b["rows_read"] for b in metrics.batches()) >= len(old) + len(new),
            TIMEOUT_S,
            f"the job to read {len(old) + len(new)} messages of {topic}",
        )
        assert query.isActive, query.exception()
    finally:
        query.stop()
    rows = table_rows(cassandra_session, keyspace, "created_users")
    assert {r["id"]: r["preferred_language"] for r in rows} == {
        **{str(r["id"]): None for r in old},
        **{str(r["id"]): r["preferred_language"] for r in new},
    }
    batches = metrics.batches()
    assert any({v1_id, v2_id} <= set(b["writer_schema_ids"]) for b in batches), batches
    assert all(b["reader_versions"] == {"user_created": 2} for b in batches if b["rows_read"])
    assert sum(b["rows_rejected"] for b in batches) == 0
