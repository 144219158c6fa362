"""Several record types on one topic (``TopicRecordNameStrategy``): the job routes each record
by the record type its writer schema writes, each type to its own table; a record of a type no
contract on the topic reads is dead-lettered as ``wire:unknown-record``.

The two contracts are a test's own: written into a temporary ``schemas`` folder (their record
names in a scratch namespace, so their registry subjects are swept at the end of the session),
checked and rendered by codegen, their tables created from the generated CQL.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastavro
import pytest
from pyspark.sql import SparkSession

from codegen.generate import render_all, write
from config import Settings
from config.settings import updated
from contract import wire
from contract.dlq import DlqHeader, RejectRule
from contract.streams import Stream, SubjectStrategy, subject_name
from ops.topics import ensure_contract_topics
from spark.metrics import MetricsLog
from spark.reader import StaticReader
from spark.reader_contract import ReaderContract
from tests.fixtures.cassandra import create_table, table_rows
from tests.fixtures.dlq import dlq_entries
from tests.fixtures.kafka import produce, text_headers
from tests.fixtures.names import scratch_name
from tests.fixtures.polling import wait_for
from tests.fixtures.registry import register
from tests.fixtures.spark import isolated
from tests.spark.routed import start_routed

pytestmark = [pytest.mark.stack, pytest.mark.spark]

TIMEOUT_S = 240.0
TOPIC = "mixed"
DLQ = "mixed.dlq"
KAFKA = {"topic": TOPIC, "dlq_topic": DLQ, "subject_name_strategy": "TopicRecordNameStrategy"}
UUID = {"type": "string", "logicalType": "uuid"}


def _contract(namespace: str, name: str, table: str, field: dict[str, Any]) -> dict[str, Any]:
    """A small contract on the shared topic, written to ``table`` (keyed by id)."""
    return {
        "type": "record",
        "name": name,
        "namespace": namespace,
        "doc": f"A {name} of the record-types test.",
        "x-kafka": KAFKA,
        "x-cassandra": {
            "keyspace": "spark_streams",
            "table": table,
            "partition_key": ["id"],
            "clustering_key": [],
        },
        "fields": [{"name": "id", "doc": "Key.", "type": UUID}, field],
    }


@dataclass(frozen=True)
class RecordType:
    """One record type of the test: its contract, schema id and records produced."""

    contract: ReaderContract
    schema_id: int
    records: list[dict[str, Any]]

    def frames(self) -> list[tuple[bytes, bytes]]:
        parsed = fastavro.parse_schema(json.loads(self.contract.reader_schema))
        out = []
        for record in self.records:
            body = io.BytesIO()
            fastavro.schemaless_writer(body, parsed, record)
            out.append((str(record["id"]).encode(), wire.frame(self.schema_id, body.getvalue())))
        return out


@pytest.fixture
def mixed(settings: Settings, cassandra_session: Any) -> Iterator[tuple[Settings, str]]:
    """A deployment of its own (scratch prefix and keyspace) and its scratch namespace."""
    name = scratch_name("spark", "record_types")
    try:
        yield isolated(settings, name), f"tests.{name}"
    finally:
        cassandra_session.execute(f"DROP KEYSPACE IF EXISTS {name}")


def test_each_record_type_lands_in_its_own_table_and_a_foreign_one_in_the_dlq(
    spark: SparkSession, mixed: tuple[Settings, str], cassandra_session: Any, tmp_path: Path
) -> None:
    own, namespace = mixed
    keyspace = own.cassandra.keyspace
    assert keyspace is not None
    documents = {
        "ping": _contract(namespace, "Ping", "pings", {"name": "note", "type": "string"}),
        "pong": _contract(namespace, "Pong", "pongs", {"name": "score", "type": "int"}),
    }
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    for stem, document in documents.items():
        (schemas / f"{stem}.avsc").write_text(json.dumps(document), encoding="utf-8")
    generated = tmp_path / "generated"
    write(generated, render_all(schemas))  # codegen accepts two contracts on one topic
    for stem in documents:
        create_table(cassandra_session, keyspace, generated / "cql" / f"{stem}.cql")
    ensure_contract_topics(own, [Stream(TOPIC, DLQ, SubjectStrategy.TOPIC_RECORD)])
    topic, dlq = own.kafka.topic_prefix + TOPIC, own.kafka.topic_prefix + DLQ

    def record_type(stem: str, schema: str, records: list[dict[str, Any]]) -> RecordType:
        contract = ReaderContract.from_schema(schema, f"schemas/{stem}.avsc", stem)
        subject = subject_name(SubjectStrategy.TOPIC_RECORD, topic, contract.record_name)
        assert namespace in subject, "a scratch subject, swept at the end of the session"
        return RecordType(contract, register(own, subject, schema), records)

    def ids(n: int) -> list[str]:
        return [str(uuid.uuid4()) for _ in range(n)]

    ping = record_type(
        "ping", json.dumps(documents["ping"]), [{"id": i, "note": f"n{i[:4]}"} for i in ids(6)]
    )
    pong = record_type(
        "pong", json.dumps(documents["pong"]), [{"id": i, "score": n} for n, i in enumerate(ids(4))]
    )
    stranger_schema = json.dumps(
        _contract(namespace, "Stranger", "strangers", {"name": "x", "type": "long"})
    )
    stranger = record_type("stranger", stranger_schema, [{"id": ids(1)[0], "x": 7}])
    assert len({ping.schema_id, pong.schema_id, stranger.schema_id}) == 3
    ping_frames, pong_frames = ping.frames(), pong.frames()
    produce(own, topic, [*ping_frames[:3], *pong_frames[:2], *stranger.frames()])
    produce(own, topic, [*pong_frames[2:], *ping_frames[3:]])

    settings = updated(
        own,
        spark={
            "checkpoint_dir": str(tmp_path / "checkpoints"),
            "metrics_file": tmp_path / "batches.jsonl",
            "status_file": tmp_path / "state.json",
            "trigger_interval": "1 second",
        },
    )
    routes = [StaticReader(ping.contract), StaticReader(pong.contract)]
    query = start_routed(spark, settings, topic, dlq, routes)
    metrics = MetricsLog(settings.spark.metrics_file)
    total = len(ping.records) + len(pong.records) + 1
    try:
        wait_for(
            lambda: sum(b["rows_read"] for b in metrics.batches()) >= total,
            TIMEOUT_S,
            f"the job to read {total} records of {topic}",
        )
        assert query.isActive, query.exception()
    finally:
        query.stop()

    pings = {r["id"]: r["note"] for r in table_rows(cassandra_session, keyspace, "pings")}
    assert pings == {r["id"]: r["note"] for r in ping.records}
    pongs = {r["id"]: r["score"] for r in table_rows(cassandra_session, keyspace, "pongs")}
    assert pongs == {r["id"]: r["score"] for r in pong.records}
    (entry,) = dlq_entries(own, dlq, 1, timeout_s=60)
    headers = text_headers(entry)
    assert entry.key == str(stranger.records[0]["id"]).encode()
    assert headers[DlqHeader.RULE] == RejectRule.UNKNOWN_RECORD
    assert f"{namespace}.Stranger" in headers[DlqHeader.ERROR], headers[DlqHeader.ERROR]
    assert headers[DlqHeader.SOURCE_TOPIC] == topic
    batches = metrics.batches()
    assert {
        table: sum(b["rows_by_table"].get(table, 0) for b in batches)
        for table in ("pings", "pongs")
    } == {"pings": len(ping.records), "pongs": len(pong.records)}
    assert sum(b["rows_written"] for b in batches) == len(ping.records) + len(pong.records)
    assert sum(b["rejected_by_rule"].get(RejectRule.UNKNOWN_RECORD, 0) for b in batches) == 1
