"""DLQ re-drive: records dead-lettered because their schema was registered late reach Cassandra
once it is, exactly once, with ``make redrive`` (``ops.redrive``)."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import fastavro
import pytest
from pyspark.sql import SparkSession

from contract import wire
from contract.dlq import DlqHeader, RejectRule
from ops.redrive import redrive
from spark.metrics import MetricsLog
from tests.fixtures.cassandra import table_rows
from tests.fixtures.dlq import dlq_entries
from tests.fixtures.kafka import produce
from tests.fixtures.polling import wait_for
from tests.fixtures.registry import produce_avro, register, value_subject
from tests.fixtures.spark import StreamNames, start_job
from tests.fixtures.users import contract_record, make_users

pytestmark = [pytest.mark.stack, pytest.mark.spark]

TIMEOUT_S = 240.0
UNKNOWN = RejectRule.UNKNOWN_SCHEMA.value


def _variant(schema: str) -> str:
    """The contract with a new doc: new content in the registry, so the next schema id."""
    document = json.loads(schema)
    document["doc"] = f"re-drive variant {uuid.uuid4()}"
    return json.dumps(document)


def _frame(schema_id: int, schema: str, record: dict[str, Any]) -> bytes:
    body = io.BytesIO()
    fastavro.schemaless_writer(body, fastavro.parse_schema(json.loads(schema)), record)
    return wire.header(schema_id) + body.getvalue()


def _has_rows(session: Any, keyspace: str, table: str, count: int) -> bool:
    return len(table_rows(session, keyspace, table)) == count


def test_records_with_a_late_registered_schema_are_redriven_once(
    spark: SparkSession,
    stream_names: StreamNames,
    cassandra_session: Any,
    tmp_path: Path,
) -> None:
    own, topic, keyspace = stream_names.settings, stream_names.topic, stream_names.keyspace
    users = stream_names.contract
    schema = users.schema
    register(own, stream_names.subject, schema)
    # subjects named after the topic: swept with it at the end of the session
    newest = register(own, value_subject(f"{topic}-scratch"), _variant(schema))
    future_id = newest + 1  # the id the registry gives the next new schema
    ingested = datetime.now(UTC).replace(microsecond=0)
    good = [contract_record(u, ingested) for u in make_users(5, seed="redrive-good")]
    late = [contract_record(u, ingested) for u in make_users(5, seed="redrive-late")]
    produce_avro(own, topic, schema, good)
    produce(own, topic, [(str(r["id"]).encode(), _frame(future_id, schema, r)) for r in late])
    query, settings = start_job(spark, stream_names, tmp_path)
    metrics = MetricsLog(settings.spark.metrics_file)

    def read() -> int:
        return sum(b["rows_read"] for b in metrics.batches())

    try:
        wait_for(lambda: read() >= 10, TIMEOUT_S, "the job to read 10 records")
        dlq = dlq_entries(own, stream_names.dlq_topic, 5, timeout_s=60)
        assert {m.header(DlqHeader.RULE) for m in dlq} == {UNKNOWN}
        assert redrive(own, [users], rules=[UNKNOWN]).still_failing == {
            f"{UNKNOWN} (id {future_id})": 5
        }

        assert register(own, value_subject(f"{topic}-late"), _variant(schema)) == future_id
        report = redrive(own, [users], rules=[UNKNOWN])
        assert (report.redriven, report.already_redriven) == (5, 0), report.lines()
        for table in ("created_users", "users_by_country"):
            wait_for(
                partial(_has_rows, cassandra_session, keyspace, table, 10),
                TIMEOUT_S,
                f"the re-driven records in {table}",
            )
        again = redrive(own, [users], rules=[UNKNOWN])
        assert (again.redriven, again.already_redriven) == (0, 5), again.lines()
        assert query.isActive, query.exception()
    finally:
        query.stop()
    rows = table_rows(cassandra_session, keyspace, "created_users")
    assert {r["id"] for r in rows} == {str(r["id"]) for r in good + late}
