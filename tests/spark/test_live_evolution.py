"""Evolving while streaming: a new contract version goes live in the running job (its table
migrated on the way), a version the check refuses does not, and upserts keep the newest version
of each user whatever order the writes arrive in."""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pyspark.sql import SparkSession
from pyspark.sql.streaming.query import StreamingQuery

from clients.registry import Registry, value_subject
from codegen.generate import render_all, write
from config import Settings
from spark.contract import ReaderContract
from spark.job import start_query
from spark.metrics import MetricsLog
from spark.status import read_status
from tests.fixtures.cassandra import table_rows
from tests.fixtures.kafka import Outgoing, consume, produce
from tests.fixtures.polling import wait_for
from tests.fixtures.registry import produce_avro, serialize
from tests.fixtures.spark import StreamNames, job_options_for
from tests.fixtures.users import contract_record, make_users, now_ms

pytestmark = [pytest.mark.stack, pytest.mark.spark]

TIMEOUT_S = 240.0
HEAD = Path(__file__).resolve().parents[2] / "schemas" / "user_created.avsc"


def _v2_adding(field: dict[str, Any]) -> str:
    schema = json.loads(HEAD.read_text(encoding="utf-8"))
    schema["fields"].append(field)
    return json.dumps(schema)


def _load(path: Path) -> ModuleType:
    """A generated module from a file (outside the repository's ``generated`` package)."""
    spec = importlib.util.spec_from_file_location(f"released_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Streaming:
    """A started query on the test's names, with its options, metrics and status."""

    def __init__(
        self, spark: SparkSession, settings: Settings, names: StreamNames, workdir: Path
    ) -> None:
        self.settings = settings.model_copy(
            update={
                "spark": settings.spark.model_copy(
                    update={"status_file": workdir / "status.json", "reader_poll_interval_s": 1.0}
                )
            }
        )
        contract = ReaderContract.current()
        self.options = job_options_for(self.settings, contract, names, workdir)
        self.query: StreamingQuery = start_query(spark, self.settings, contract, self.options)
        self.metrics = MetricsLog(self.options.metrics_file)

    def read(self) -> int:
        return sum(b["rows_read"] for b in self.metrics.batches())

    def wait_read(self, count: int) -> None:
        wait_for(lambda: self.read() >= count, TIMEOUT_S, f"the job to read {count} records")
        assert self.query.isActive, self.query.exception()

    def status(self) -> dict[str, Any]:
        return read_status(self.settings.spark.status_file)


@pytest.fixture
def streaming(
    spark: SparkSession, settings: Settings, stream_names: StreamNames, tmp_path: Path
) -> Iterator[Streaming]:
    with Registry(settings.registry) as registry:
        registry.register(value_subject(stream_names.topic), ReaderContract.current().reader_schema)
    run = Streaming(spark, settings, stream_names, tmp_path)
    try:
        yield run
    finally:
        run.query.stop()


def test_a_new_optional_field_goes_live_without_a_restart(
    streaming: Streaming,
    settings: Settings,
    stream_names: StreamNames,
    cassandra_session: Any,
    tmp_path: Path,
) -> None:
    topic, keyspace = stream_names.topic, stream_names.keyspace
    v1 = ReaderContract.current().reader_schema
    v2 = _v2_adding(
        {
            "name": "preferred_language",
            "doc": "ISO 639-1 code of the user's language.",
            "type": ["null", "string"],
            "default": None,
        }
    )
    ingested = now_ms()
    old = [contract_record(u, ingested) for u in make_users(20, seed="live-v1")]
    produce_avro(settings, topic, v1, old[:10])
    streaming.wait_read(10)
    with Registry(settings.registry) as registry:
        assert registry.register(value_subject(topic), v2).version == 2
    new = [contract_record(u, ingested) for u in make_users(20, seed="live-v2")]
    for record in new:
        record["preferred_language"] = "fa" if record["nat"] == "IR" else "en"
    for i in range(0, 10, 5):  # interleaved: old producers keep writing v1
        produce_avro(settings, topic, v2, new[i * 2 : i * 2 + 10])
        produce_avro(settings, topic, v1, old[10 + i : 15 + i])
    streaming.wait_read(40)

    rows = table_rows(cassandra_session, keyspace, "created_users")
    assert {r["id"]: r["preferred_language"] for r in rows} == {
        **{str(r["id"]): None for r in old},
        **{str(r["id"]): r["preferred_language"] for r in new},
    }
    assert sum(b["rows_rejected"] for b in streaming.metrics.batches()) == 0
    status = streaming.status()
    assert status["reader_version"] == 2 and status["reader_switched_at"]
    applied = cassandra_session.execute(f"SELECT name FROM {keyspace}.schema_migrations")
    assert {r.name for r in applied} == {"created_users/0002_add_preferred_language.cql"}

    # The repository stays the source of truth: codegen on the released v2 gives the same
    # projection and rules as the job derived live.
    schemas = tmp_path / "released" / "schemas"
    (schemas / "history" / "user_created").mkdir(parents=True)
    (schemas / "history" / "user_created" / "v1.avsc").write_text(HEAD.read_text())
    (schemas / "user_created.avsc").write_text(v2)
    write(tmp_path / "released" / "generated", render_all(schemas))
    generated = _load(tmp_path / "released" / "generated" / "spark" / "user_created.py")
    derived = ReaderContract.from_schema(v2, "schemas/user_created.avsc", 2)  # the live path
    assert tuple(generated.PROJECTION) == derived.projection
    assert tuple(generated.RULES) == derived.rules
    migration = tmp_path / "released" / "generated" / "cql" / "migrations" / "created_users"
    assert sorted(p.name for p in migration.iterdir()) == ["0002_add_preferred_language.cql"]


def test_a_version_the_check_refuses_does_not_go_live(
    streaming: Streaming, settings: Settings, stream_names: StreamNames
) -> None:
    topic = stream_names.topic
    schema = json.loads(HEAD.read_text(encoding="utf-8"))
    street = schema["fields"][3]["type"]["fields"][0]["type"]["fields"][0]
    assert street["name"] == "number"
    street["type"] = "long"  # Avro promotes int to long; Cassandra cannot alter the column
    v2 = json.dumps(schema)
    with Registry(settings.registry) as registry:
        registry.set_compatibility_level(value_subject(topic), "NONE")
        assert registry.register(value_subject(topic), v2).version == 2
    ingested = now_ms()
    good = [contract_record(u, ingested) for u in make_users(5, seed="refused-v1")]
    refused = [contract_record(u, ingested) for u in make_users(5, seed="refused-v2")]
    produce_avro(settings, topic, ReaderContract.current().reader_schema, good)
    produce_avro(settings, topic, v2, refused)
    streaming.wait_read(10)

    dlq = consume(settings, stream_names.dlq_topic, 5, timeout_s=60)
    reasons = {m.header("error.rule") for m in dlq}
    assert reasons == {"contract:refused-version"}
    assert "cassandra:type-not-alterable" in dlq[0].header("error")
    assert {m.key for m in dlq} == {str(r["id"]).encode() for r in refused}
    status = streaming.status()
    assert status["reader_version"] == 1
    assert "cassandra:type-not-alterable" in status["refused_versions"]["2"]


def _produce_at(settings: Settings, topic: str, frames: list[tuple[bytes, bytes, int]]) -> None:
    """Produce (key, value, Kafka timestamp ms) in order, one partition per key."""
    produce(settings, topic, [Outgoing(key, value, timestamp_ms=ts) for key, value, ts in frames])


def test_upserts_keep_the_newest_version_whatever_the_write_order(
    streaming: Streaming, settings: Settings, stream_names: StreamNames, cassandra_session: Any
) -> None:
    topic, keyspace = stream_names.topic, stream_names.keyspace
    schema = ReaderContract.current().reader_schema
    user = contract_record(make_users(1, seed="versions")[0], now_ms())
    versions = []
    for n in (1, 2, 3):
        record = {**user, "name": {**user["name"], "first": f"Version{n}"}}
        versions.append(serialize(settings, topic, schema, record))
    key = str(user["id"]).encode()
    base = int(time.time() * 1000)
    # versions 1, 2, 3 in order, then version 1 again with its original time (a replay or a
    # re-drive of an old record): the table must keep version 3
    _produce_at(settings, topic, [(key, versions[0], base), (key, versions[1], base + 10)])
    _produce_at(settings, topic, [(key, versions[2], base + 20)])
    streaming.wait_read(3)
    _produce_at(settings, topic, [(key, versions[0], base)])
    streaming.wait_read(4)
    (row,) = table_rows(cassandra_session, keyspace, "created_users")
    assert row["name_first"] == "Version3"

    # two versions of another key in one millisecond: the later offset wins
    other = contract_record(make_users(1, seed="same-ms")[0], now_ms())
    first = serialize(settings, topic, schema, {**other, "name": {**other["name"], "first": "A"}})
    later = serialize(settings, topic, schema, {**other, "name": {**other["name"], "first": "B"}})
    other_key, same_ms = str(other["id"]).encode(), int(time.time() * 1000)
    _produce_at(settings, topic, [(other_key, first, same_ms), (other_key, later, same_ms)])
    streaming.wait_read(6)
    rows = {
        r["id"]: r["name_first"] for r in table_rows(cassandra_session, keyspace, "created_users")
    }
    assert rows[str(other["id"])] == "B"
