"""The contract holds in the job against producers other than ours.

A foreign producer (confluent-kafka's plain ``AvroSerializer`` with the registered schema, no
validation) sends records that are valid Avro but break the contract, interleaved with good
ones: the good ones land, each bad one is dead-lettered with its rule and field, and the query
keeps running, also after a restart. The same broken rule gets the same name from our producer.
Rows Cassandra itself refuses (rules stripped to provoke it) are isolated and dead-lettered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from config import Settings
from contract.dlq import DlqHeader, RejectRule, Stage
from producer.publish import Origin, RecordPublisher
from spark.metrics import MetricsLog
from spark.reader import StaticReader
from spark.reader_contract import ReaderContract
from tests.fixtures.cassandra import table_rows
from tests.fixtures.dlq import dlq_entries
from tests.fixtures.kafka import consume, produce, text_headers
from tests.fixtures.polling import wait_for
from tests.fixtures.registry import produce_avro, register, serialize
from tests.fixtures.spark import StreamNames, start_job
from tests.fixtures.users import contract_record, make_users, now_ms
from tests.spark.routed import start_routed

pytestmark = [pytest.mark.stack, pytest.mark.spark]

TIMEOUT_S = 240.0
Spoil = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Spoil:
    def spoil(record: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        node = record
        for part in parents:
            node = node[part]
        node[leaf] = value

    return spoil


# Each spoiled record breaks exactly one rule; the job must name that rule and field.
SPOILS: dict[str, tuple[Spoil, str, str]] = {
    "not-a-uuid": (_set("id", "not-a-uuid"), "type:uuid", "id"),
    "uuid-newline": (
        _set("id", "0b6b2a4e-7c1f-4e6b-9f0e-2d9a8c3b1a5f\n"),
        "type:uuid",
        "id",
    ),
    "latitude": (
        _set("location.coordinates.latitude", 123.4),
        "latitude_in_range",
        "location.coordinates.latitude",
    ),
    "nan": (
        _set("location.coordinates.longitude", float("nan")),
        "longitude_in_range",
        "location.coordinates.longitude",
    ),
    "email": (_set("email", "no-at-sign"), "email_format", "email"),
    "future-birth": (
        _set("dob.date", datetime(2999, 1, 1, tzinfo=UTC)),
        "birth_not_in_future",
        "dob.date",
    ),
    "year-33658": (_set("dob.date", 10**15), "type:timestamp-range", "dob.date"),
    "gender": (_set("gender", "robot"), "gender_known", "gender"),
    # the key of users_by_country: more than Cassandra takes in a partition key
    "huge-country": (_set("location.country", "X" * 70_000), "type:key-size", "location.country"),
    "ingested-early": (
        _set("ingested_at", datetime(2000, 1, 1, tzinfo=UTC)),
        "ingested_after_registration",
        "UserCreated",
    ),
}
# Bytes spliced into name.first and name.last, each breaking type:utf8 on name.first: a malformed
# sequence, and a sequence split across the two fields (joined, the halves would be valid).
BAD_UTF8 = {
    "bad-utf8": (b"\xff\xfeQQ", b"RRRR"),
    "split-sequence": (b"QQQ\xc3", b"\xa9RRR"),
}


def _read(metrics: MetricsLog) -> int:
    return sum(b["rows_read"] for b in metrics.batches())


def _bad_utf8_frame(
    settings: Settings, topic: str, schema: str, record: dict[str, Any], first: bytes, last: bytes
) -> bytes:
    """A framed record whose name.first and name.last hold ``first`` and ``last``, 4 bytes each
    that need not be UTF-8 (no Python string can hold them, so they are spliced into the Avro
    binary, lengths unchanged)."""
    marked = {**record, "name": {**record["name"], "first": "QQQQ", "last": "RRRR"}}
    frame = serialize(settings, topic, schema, marked)
    assert frame.count(b"QQQQ") == 1 and frame.count(b"RRRR") == 1
    return frame.replace(b"QQQQ", first).replace(b"RRRR", last)


def test_foreign_records_breaking_the_contract_are_dead_lettered_and_the_query_lives(
    spark: SparkSession,
    stream_names: StreamNames,
    cassandra_session: Any,
    tmp_path: Path,
) -> None:
    own, topic = stream_names.settings, stream_names.topic
    schema = stream_names.contract.schema
    register(own, stream_names.subject, schema)
    ingested = now_ms()
    good = [contract_record(u, ingested) for u in make_users(44, seed="foreign")]
    bad: dict[bytes, tuple[str, str]] = {}
    spoiled = [contract_record(u, ingested) for u in make_users(len(SPOILS), seed="spoiled")]
    for i, (name, (spoil, rule, field)) in enumerate(SPOILS.items()):
        produce_avro(own, topic, schema, good[i * 4 : i * 4 + 4])
        record = spoiled[i]
        spoil(record)
        key = f"bad-{name}".encode()
        produce(own, topic, [(key, serialize(own, topic, schema, record))])
        bad[key] = (rule, field)
    for label, (first, last) in BAD_UTF8.items():
        record = contract_record(make_users(1, seed=label)[0], ingested)
        key = f"bad-{label}".encode()
        frame = _bad_utf8_frame(own, topic, schema, record, first, last)
        produce(own, topic, [(key, frame)])
        bad[key] = ("type:utf8", "name.first")
    produce_avro(own, topic, schema, good[len(SPOILS) * 4 :])

    query, settings = start_job(spark, stream_names, tmp_path)
    metrics = MetricsLog(settings.spark.metrics_file)
    total = len(good) + len(bad)
    try:
        wait_for(lambda: _read(metrics) >= total, TIMEOUT_S, f"the job to read {total} messages")
        assert query.isActive, query.exception()
    finally:
        query.stop()

    for table in ("created_users", "users_by_country"):
        rows = table_rows(cassandra_session, stream_names.keyspace, table)
        assert {r["id"] for r in rows} == {str(r["id"]) for r in good}, table
    dlq = dlq_entries(own, stream_names.dlq_topic, len(bad), timeout_s=60)
    seen = {m.key: (m.header(DlqHeader.RULE), m.header(DlqHeader.FIELD)) for m in dlq}
    assert seen == bad
    batches = metrics.batches()
    assert sum(b["rows_rejected"] for b in batches) == len(bad)
    assert sum(sum(b["rejected_by_rule"].values()) for b in batches) == len(bad)

    # restarted from its checkpoint, the query goes on: one more good record lands
    more = [contract_record(u, ingested) for u in make_users(1, seed="after-restart")]
    produce_avro(own, topic, schema, more)
    query, _ = start_job(spark, stream_names, tmp_path)
    try:
        wait_for(lambda: _read(metrics) >= total + 1, TIMEOUT_S, "the restarted query to read")
        assert query.isActive, query.exception()
    finally:
        query.stop()
    assert (
        len(table_rows(cassandra_session, stream_names.keyspace, "created_users")) == len(good) + 1
    )


def test_the_same_rule_has_the_same_name_at_both_ends(
    spark: SparkSession,
    stream_names: StreamNames,
    tmp_path: Path,
) -> None:
    """Latitude 123.4: our producer rejects the API user, the job rejects the foreign record;
    both DLQ entries (one DLQ per contract, both stages) name the same rule and field."""
    own, topic = stream_names.settings, stream_names.topic
    schema = stream_names.contract.schema
    register(own, stream_names.subject, schema)
    user = make_users(1, seed="both-ends")[0]
    user["location"]["coordinates"]["latitude"] = "123.4"
    publisher = RecordPublisher(own, stream_names.contract)
    publisher.publish([user], Origin("offline://tests", "both-ends", 1))
    assert publisher.flush().rejected == 1
    (producer_entry,) = dlq_entries(own, stream_names.dlq_topic, 1, timeout_s=60)

    record = contract_record(make_users(1, seed="both-ends-foreign")[0], now_ms())
    record["location"]["coordinates"]["latitude"] = 123.4
    produce_avro(own, topic, schema, [record])
    query, settings = start_job(spark, stream_names, tmp_path)
    try:
        wait_for(lambda: _read(MetricsLog(settings.spark.metrics_file)) >= 1, TIMEOUT_S, "the job")
    finally:
        query.stop()
    entries = consume(own, stream_names.dlq_topic, 2, timeout_s=60)
    assert len(entries) == 2
    by_stage = {m.header(DlqHeader.STAGE): text_headers(m) for m in entries}
    assert set(by_stage) == {Stage.PRODUCER, Stage.JOB}
    assert producer_entry.header(DlqHeader.STAGE) == Stage.PRODUCER
    names = (DlqHeader.RULE, DlqHeader.FIELD, DlqHeader.ERROR)
    producer_headers, job_headers = by_stage[Stage.PRODUCER], by_stage[Stage.JOB]
    assert [producer_headers[n] for n in names] == [job_headers[n] for n in names]
    assert producer_headers[DlqHeader.RULE] == "latitude_in_range"


def test_rows_cassandra_refuses_are_isolated_and_dead_lettered(
    spark: SparkSession,
    stream_names: StreamNames,
    cassandra_session: Any,
    tmp_path: Path,
) -> None:
    """With the rules stripped, a non-UUID id reaches the write and is refused there; the
    failing write is split until that row is alone, the others are written (to both tables)."""
    contract = dataclasses.replace(ReaderContract.generated(stream_names.contract), rules=())
    own, topic = stream_names.settings, stream_names.topic
    register(own, stream_names.subject, contract.reader_schema)
    ingested = now_ms()
    good = [contract_record(u, ingested) for u in make_users(30, seed="sink")]
    refused = contract_record(make_users(1, seed="sink-bad")[0], ingested)
    refused["id"] = "not-a-uuid"
    produce_avro(own, topic, contract.reader_schema, good[:15])
    produce(own, topic, [(b"refused", serialize(own, topic, contract.reader_schema, refused))])
    produce_avro(own, topic, contract.reader_schema, good[15:])

    settings = stream_names.for_job(tmp_path)
    query = start_routed(spark, settings, topic, stream_names.dlq_topic, [StaticReader(contract)])
    metrics = MetricsLog(settings.spark.metrics_file)
    try:
        wait_for(lambda: _read(metrics) >= 31, TIMEOUT_S, "the job to read 31 messages")
        assert query.isActive, query.exception()
    finally:
        query.stop()
    for table in ("created_users", "users_by_country"):
        rows = table_rows(cassandra_session, stream_names.keyspace, table)
        assert {r["id"] for r in rows} == {str(r["id"]) for r in good}, table
    (entry,) = consume(own, stream_names.dlq_topic, 1, timeout_s=60, settle_s=1.0)
    headers = text_headers(entry)
    assert entry.key == b"refused"
    assert headers[DlqHeader.RULE] == RejectRule.SINK_REJECTED
    assert "not-a-uuid" in headers["error"] or "UUID" in headers["error"], headers["error"]
    batches = metrics.batches()
    assert sum(b["rejected_by_rule"].get(RejectRule.SINK_REJECTED, 0) for b in batches) == 1
    assert sum(b["rows_written"] for b in batches) == len(good)
    assert {
        table: sum(b["rows_by_table"].get(table, 0) for b in batches)
        for table in ("created_users", "users_by_country")
    } == {"created_users": len(good), "users_by_country": len(good)}
