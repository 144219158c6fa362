"""The streaming query in-process on real Kafka, registry and Cassandra.

One query reads producer-made users with poison messages interleaved (two tests share its run:
Spark on two cores is slow); another reads two compatible schema versions side by side.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession
from pyspark.sql.streaming.query import StreamingQuery

from clients.registry import value_subject
from config import Settings
from spark.contract import ReaderContract
from spark.job import JobOptions
from spark.metrics import MetricsLog
from tests.fixtures.cassandra import expected_row, table_rows
from tests.fixtures.kafka import consume, produce, text_headers
from tests.fixtures.polling import wait_for
from tests.fixtures.registry import produce_avro, register, serialize
from tests.fixtures.spark import StreamNames, start_job
from tests.fixtures.users import contract_record, make_users, now_ms, publish

pytestmark = [pytest.mark.stack, pytest.mark.spark]

V2_SCHEMA = Path(__file__).parent / "schemas" / "user_created_v2.avsc"
UNKNOWN_ID = 2_000_000_000
GOOD_USERS = 120
TIMEOUT_S = 240.0


@dataclass
class StreamRun:
    """One started query and what was produced into its topic."""

    query: StreamingQuery
    options: JobOptions
    contract: ReaderContract
    records: list[dict[str, Any]]
    """What the producer made of the users it was given."""
    poison: dict[bytes, tuple[bytes | None, str, str]]
    """Poison key -> (value, the DLQ rule and the start of the message expected for it)."""


def _poison(good_frame: bytes) -> dict[bytes, tuple[bytes | None, str, str]]:
    body = good_frame[5:]
    schema_id = struct.unpack(">I", good_frame[1:5])[0]
    undecodable = f"does not decode with writer schema id {schema_id}"
    return {
        b"poison-json": (b'{"id": "not avro"}', "wire:framing", "wrong magic byte 0x7B"),
        b"poison-magic": (b"\x01" + good_frame[1:], "wire:framing", "wrong magic byte 0x01"),
        b"poison-unknown-id": (
            b"\x00" + struct.pack(">I", UNKNOWN_ID) + body,
            "wire:unknown-schema",
            f"unknown schema id {UNKNOWN_ID}",
        ),
        b"poison-truncated": (good_frame[: len(good_frame) // 2], "wire:undecodable", undecodable),
        b"poison-header-only": (good_frame[:5], "wire:undecodable", undecodable),
        b"poison-short": (b"\x00\x00", "wire:framing", "value of 2 bytes is shorter"),
        b"poison-null": (None, "wire:framing", "null value"),
        # a string claiming 1 GiB: bounded by the decoder's limits, not an allocation
        b"poison-huge-length": (
            good_frame[:5] + b"\x80\x80\x80\x80\x08",
            "wire:undecodable",
            undecodable,
        ),
    }


@pytest.fixture(scope="module")
def poisoned_run(
    spark: SparkSession,
    settings: Settings,
    module_stream_names: StreamNames,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[StreamRun]:
    """Good users with every kind of poison interleaved, streamed until all are accounted for."""
    contract = ReaderContract.current()
    names = module_stream_names
    name = names.topic
    register(settings, value_subject(name), contract.reader_schema)
    users = make_users(GOOD_USERS, seed="poison")
    ingested_at = now_ms()
    records = [contract_record(u, ingested_at) for u in users]
    poison = _poison(serialize(settings, name, contract.reader_schema, records[0]))
    chunk = GOOD_USERS // len(poison)
    for i, (key, (value, _, _)) in enumerate(poison.items()):
        publish(settings, name, users[i * chunk : (i + 1) * chunk], ingested_at)
        produce(settings, name, [(key, value)])
    publish(settings, name, users[len(poison) * chunk :], ingested_at)

    query, options = start_job(spark, settings, contract, names, tmp_path_factory.mktemp("poison"))
    try:
        metrics = MetricsLog(options.metrics_file)
        total = GOOD_USERS + len(poison)
        wait_for(
            lambda: sum(b["rows_read"] for b in metrics.batches()) >= total,
            TIMEOUT_S,
            f"the job to read {total} messages of {name}",
        )
        yield StreamRun(query, options, contract, records, poison)
    finally:
        query.stop()


def test_every_produced_user_lands_equal_field_by_field(
    poisoned_run: StreamRun, cassandra_session: Any
) -> None:
    run = poisoned_run
    rows = table_rows(cassandra_session, run.options.keyspace, run.contract.table)
    columns = [column for column, _ in run.contract.projection]
    assert len(rows) == len(run.records)
    assert {r["id"]: {c: r[c] for c in columns} for r in rows} == {
        str(r["id"]): expected_row(r, columns) for r in run.records
    }


def test_poison_goes_to_the_dlq_with_its_reason_and_the_query_keeps_running(
    poisoned_run: StreamRun, settings: Settings
) -> None:
    run = poisoned_run
    dlq = consume(settings, run.options.dlq_topic, len(run.poison), timeout_s=60)
    assert len(dlq) == len(run.poison)
    for message in dlq:
        key = message.key
        assert isinstance(key, bytes)
        value, rule, reason = run.poison[key]
        headers = text_headers(message)
        assert message.value == value, key
        assert headers["error.rule"] == rule, (key, headers)
        assert headers["error"].startswith(reason), (key, headers["error"])
        assert headers["error.stage"] == "job"
        assert headers["source.topic"] == run.options.topic
        assert int(headers["source.partition"]) >= 0
        assert int(headers["source.offset"]) >= 0
    batches = MetricsLog(run.options.metrics_file).batches()
    assert sum(b["rows_rejected"] for b in batches) == len(run.poison)
    assert sum(b["rows_written"] for b in batches) == len(run.records)
    assert run.query.isActive, run.query.exception()


def test_two_compatible_schema_versions_land_side_by_side(
    spark: SparkSession,
    settings: Settings,
    stream_names: StreamNames,
    cassandra_session: Any,
    tmp_path: Path,
) -> None:
    current = ReaderContract.current()
    v2_schema = V2_SCHEMA.read_text(encoding="utf-8")
    v2 = replace(
        current,
        reader_schema=v2_schema,
        projection=(*current.projection, ("preferred_language", "value.preferred_language")),
    )
    name, keyspace = stream_names.topic, stream_names.keyspace
    cassandra_session.execute(f"ALTER TABLE {keyspace}.{current.table} ADD preferred_language text")
    v1_id = register(settings, value_subject(name), current.reader_schema)
    v2_id = register(settings, value_subject(name), v2_schema)
    assert v1_id != v2_id
    ingested_at = now_ms()
    old = [contract_record(u, ingested_at) for u in make_users(20, seed="evolve-v1")]
    new = [contract_record(u, ingested_at) for u in make_users(20, seed="evolve-v2")]
    for record in new:
        record["preferred_language"] = "fa" if record["nat"] == "IR" else "en"
    for i in range(0, 20, 5):
        produce_avro(settings, name, current.reader_schema, old[i : i + 5])
        produce_avro(settings, name, v2_schema, new[i : i + 5])

    query, options = start_job(spark, settings, v2, stream_names, tmp_path)
    metrics = MetricsLog(options.metrics_file)
    try:
        wait_for(
            lambda: sum(b["rows_read"] for b in metrics.batches()) >= len(old) + len(new),
            TIMEOUT_S,
            f"the job to read {len(old) + len(new)} messages of {name}",
        )
        assert query.isActive, query.exception()
    finally:
        query.stop()
    rows = table_rows(cassandra_session, keyspace, current.table)
    assert {r["id"]: r["preferred_language"] for r in rows} == {
        **{str(r["id"]): None for r in old},
        **{str(r["id"]): r["preferred_language"] for r in new},
    }
    batches = metrics.batches()
    assert any({v1_id, v2_id} <= set(b["writer_schema_ids"]) for b in batches), batches
    assert sum(b["rows_rejected"] for b in batches) == 0
