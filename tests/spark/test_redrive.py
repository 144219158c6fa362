"""DLQ re-drive: records dead-lettered because their schema was registered late reach Cassandra
once it is, exactly once, with ``make redrive`` (``ops.redrive``)."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fastavro
import pytest
from pyspark.sql import SparkSession

from clients.registry import value_subject
from config import Settings
from ops.redrive import redrive
from producer.avro import wire_header
from spark.contract import ReaderContract
from spark.job import start_query
from spark.metrics import MetricsLog
from tests.fixtures.cassandra import table_rows
from tests.fixtures.kafka import consume, produce
from tests.fixtures.polling import wait_for
from tests.fixtures.registry import produce_avro, register
from tests.fixtures.spark import StreamNames, job_options_for
from tests.fixtures.users import contract_record, make_users

pytestmark = [pytest.mark.stack, pytest.mark.spark]

TIMEOUT_S = 240.0


def _variant(contract: ReaderContract) -> str:
    """The contract with a new doc: new content in the registry, so the next schema id."""
    schema = json.loads(contract.reader_schema)
    schema["doc"] = f"re-drive variant {uuid.uuid4()}"
    return json.dumps(schema)


def _frame(schema_id: int, schema: str, record: dict[str, Any]) -> bytes:
    body = io.BytesIO()
    fastavro.schemaless_writer(body, fastavro.parse_schema(json.loads(schema)), record)
    return wire_header(schema_id) + body.getvalue()


def test_records_with_a_late_registered_schema_are_redriven_once(
    spark: SparkSession,
    settings: Settings,
    stream_names: StreamNames,
    cassandra_session: Any,
    tmp_path: Path,
) -> None:
    contract = ReaderContract.current()
    topic = stream_names.topic
    register(settings, value_subject(topic), contract.reader_schema)
    newest = register(settings, value_subject(f"{topic}-scratch"), _variant(contract))
    future_id = newest + 1  # the id the registry gives the next new schema
    ingested = datetime.now(UTC).replace(microsecond=0)
    good = [contract_record(u, ingested) for u in make_users(5, seed="redrive-good")]
    late = [contract_record(u, ingested) for u in make_users(5, seed="redrive-late")]
    produce_avro(settings, topic, contract.reader_schema, good)
    produce(
        settings,
        topic,
        [(str(r["id"]).encode(), _frame(future_id, contract.reader_schema, r)) for r in late],
    )
    options = job_options_for(settings, contract, stream_names, tmp_path)
    metrics = MetricsLog(options.metrics_file)

    def read() -> int:
        return sum(b["rows_read"] for b in metrics.batches())

    names = settings.model_copy(
        update={
            "kafka": settings.kafka.model_copy(
                update={"topic": topic, "dlq_topic": stream_names.dlq_topic}
            )
        }
    )
    query = start_query(spark, settings, contract, options)
    try:
        wait_for(lambda: read() >= 10, TIMEOUT_S, "the job to read 10 records")
        dlq = consume(settings, stream_names.dlq_topic, 5, timeout_s=60)
        assert {m.header("error.rule") for m in dlq} == {"wire:unknown-schema"}
        assert redrive(names, rules=["wire:unknown-schema"]).still_failing == {
            f"wire:unknown-schema (id {future_id})": 5
        }

        assert register(settings, value_subject(f"{topic}-late"), _variant(contract)) == future_id
        report = redrive(names, rules=["wire:unknown-schema"])
        assert (report.redriven, report.already_redriven) == (5, 0), report.lines()
        wait_for(
            lambda: len(table_rows(cassandra_session, stream_names.keyspace, contract.table)) == 10,
            TIMEOUT_S,
            "the re-driven records in Cassandra",
        )
        again = redrive(names, rules=["wire:unknown-schema"])
        assert (again.redriven, again.already_redriven) == (0, 5), again.lines()
        assert query.isActive, query.exception()
    finally:
        query.stop()
    rows = table_rows(cassandra_session, stream_names.keyspace, contract.table)
    assert {r["id"] for r in rows} == {str(r["id"]) for r in good + late}
