"""Evolving while streaming: a new contract version goes live in the running job (its tables
migrated or created on the way), also before any record of it arrives; a version the check
refuses does not; and upserts keep the newest version of each user whatever order the writes
arrive in."""

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

from clients.registry import Registry
from codegen.generate import render_all, write
from config import Settings
from config.settings import REPO_ROOT
from contract.dlq import DlqHeader, RejectRule
from spark.live_reader import ReaderPoller
from spark.metrics import MetricsLog
from spark.reader_contract import ReaderContract
from spark.state import JobState, JobStateFile
from spark.streams import TopicStreams, plan
from tests.fixtures.cassandra import table_rows
from tests.fixtures.dlq import dlq_entries
from tests.fixtures.kafka import Outgoing, produce
from tests.fixtures.polling import wait_for
from tests.fixtures.registry import produce_avro, serialize
from tests.fixtures.spark import StreamNames, start_job
from tests.fixtures.users import contract_record, make_users, now_ms

pytestmark = [pytest.mark.stack, pytest.mark.spark]

TIMEOUT_S = 240.0
POLL_S = 1.0
HEAD = REPO_ROOT / "schemas" / "user_created.avsc"
PREFERRED_LANGUAGE = {
    "name": "preferred_language",
    "doc": "ISO 639-1 code of the user's language.",
    "type": ["null", "string"],
    "default": None,
}
USERS_BY_NAT = {
    "table": "users_by_nat",
    "partition_key": ["nat"],
    "clustering_key": [{"column": "id", "order": "ASC"}],
    "columns": ["id", "nat", "name_first", "name_last"],
}


def _v2_adding(field: dict[str, Any] | None = None, table: dict[str, Any] | None = None) -> str:
    """The registered contract (``schemas/user_created.avsc``) with one more field or table."""
    schema = json.loads(HEAD.read_text(encoding="utf-8"))
    if field is not None:
        schema["fields"].append(field)
    if table is not None:
        schema["x-cassandra"]["tables"].append(table)
    return json.dumps(schema)


def _load(path: Path) -> ModuleType:
    """A generated module from a file (outside the repository's ``generated`` package)."""
    spec = importlib.util.spec_from_file_location(f"released_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _columns(session: Any, keyspace: str, table: str) -> set[str]:
    rows = session.execute(
        "SELECT column_name FROM system_schema.columns WHERE keyspace_name = %s "
        "AND table_name = %s",
        (keyspace, table),
    )
    return {r.column_name for r in rows}


class Streaming:
    """A started query on the test's names, with its settings, metrics and state."""

    def __init__(self, query: StreamingQuery, settings: Settings, names: StreamNames) -> None:
        self.query = query
        self.settings = settings
        self.names = names
        self.metrics = MetricsLog(settings.spark.metrics_file)

    def read(self) -> int:
        return sum(b["rows_read"] for b in self.metrics.batches())

    def wait_read(self, count: int) -> None:
        wait_for(lambda: self.read() >= count, TIMEOUT_S, f"the job to read {count} records")
        assert self.query.isActive, self.query.exception()

    def state(self) -> JobState:
        return JobStateFile(self.settings.spark.status_file).read()

    def reader_version(self) -> int | None:
        reader = self.state().readers.get(self.names.subject)
        return reader.version if reader else None


def _register(names: StreamNames, schema: str) -> int:
    """Register ``schema`` under the names' subject; returns its version."""
    with Registry(names.settings.registry) as registry:
        return registry.register(names.subject, schema).version


@pytest.fixture
def streaming(
    spark: SparkSession, stream_names: StreamNames, tmp_path: Path
) -> Iterator[Streaming]:
    """The job's query with the generated contract registered as version 1, polling for new
    versions every second (at the batches)."""
    assert _register(stream_names, stream_names.contract.schema) == 1
    query, settings = start_job(spark, stream_names, tmp_path, reader_poll_interval_s=POLL_S)
    try:
        yield Streaming(query, settings, stream_names)
    finally:
        query.stop()


def test_a_new_optional_field_goes_live_without_a_restart(
    streaming: Streaming, stream_names: StreamNames, cassandra_session: Any, tmp_path: Path
) -> None:
    own, topic, keyspace = stream_names.settings, stream_names.topic, stream_names.keyspace
    v1 = stream_names.contract.schema
    v2 = _v2_adding(PREFERRED_LANGUAGE)
    ingested = now_ms()
    old = [contract_record(u, ingested) for u in make_users(20, seed="live-v1")]
    produce_avro(own, topic, v1, old[:10])
    streaming.wait_read(10)
    assert _register(stream_names, v2) == 2
    new = [contract_record(u, ingested) for u in make_users(20, seed="live-v2")]
    for record in new:
        record["preferred_language"] = "fa" if record["nat"] == "IR" else "en"
    for i in range(0, 10, 5):  # interleaved: old producers keep writing v1
        produce_avro(own, topic, v2, new[i * 2 : i * 2 + 10])
        produce_avro(own, topic, v1, old[10 + i : 15 + i])
    streaming.wait_read(40)

    rows = table_rows(cassandra_session, keyspace, "created_users")
    assert {r["id"]: r["preferred_language"] for r in rows} == {
        **{str(r["id"]): None for r in old},
        **{str(r["id"]): r["preferred_language"] for r in new},
    }
    batches = streaming.metrics.batches()
    assert sum(b["rows_rejected"] for b in batches) == 0
    assert batches[-1]["reader_versions"] == {"user_created": 2}
    reader = streaming.state().readers[stream_names.subject]
    assert reader.version == 2 and reader.switched_at and not reader.refused
    applied = cassandra_session.execute(f"SELECT name FROM {keyspace}.schema_migrations")
    assert {r.name for r in applied} == {"created_users/0002_add_preferred_language.cql"}
    # users_by_country keeps its own columns: the field is not among them
    assert "preferred_language" not in _columns(cassandra_session, keyspace, "users_by_country")

    # The repository stays the source of truth: codegen on the released v2 gives the same
    # tables and rules as the job derived live.
    schemas = tmp_path / "released" / "schemas"
    (schemas / "history" / "user_created").mkdir(parents=True)
    (schemas / "history" / "user_created" / "v1.avsc").write_text(HEAD.read_text())
    (schemas / "user_created.avsc").write_text(v2)
    write(tmp_path / "released" / "generated", render_all(schemas))
    generated = _load(tmp_path / "released" / "generated" / "spark" / "user_created.py")
    derived = ReaderContract.from_schema(v2, "schemas/user_created.avsc", "user_created", 2)
    assert tuple(generated.TABLES) == derived.tables
    assert tuple(generated.RULES) == derived.rules
    migration = tmp_path / "released" / "generated" / "cql" / "migrations" / "created_users"
    assert sorted(p.name for p in migration.iterdir()) == ["0002_add_preferred_language.cql"]


def test_a_new_version_with_a_new_table_goes_live_and_fills_it(
    streaming: Streaming, stream_names: StreamNames, cassandra_session: Any
) -> None:
    """v2 declares a third table (nothing else changes): the live reader creates it and the
    records read from then on are written to it too."""
    own, topic, keyspace = stream_names.settings, stream_names.topic, stream_names.keyspace
    v1 = stream_names.contract.schema
    v2 = _v2_adding(table=USERS_BY_NAT)
    ingested = now_ms()
    before = [contract_record(u, ingested) for u in make_users(5, seed="table-before")]
    produce_avro(own, topic, v1, before)
    streaming.wait_read(5)
    assert not _columns(cassandra_session, keyspace, "users_by_nat")
    assert _register(stream_names, v2) == 2
    after = [contract_record(u, ingested) for u in make_users(10, seed="table-after")]
    produce_avro(own, topic, v2, after[:5])
    produce_avro(own, topic, v1, after[5:])  # v1 writers too: the reader writes every table
    streaming.wait_read(15)

    assert _columns(cassandra_session, keyspace, "users_by_nat") == set(USERS_BY_NAT["columns"])
    rows = table_rows(cassandra_session, keyspace, "users_by_nat")
    assert {r["id"]: (r["nat"], r["name_first"]) for r in rows} == {
        str(r["id"]): (r["nat"], r["name"]["first"]) for r in after
    }
    for table in ("created_users", "users_by_country"):
        assert len(table_rows(cassandra_session, keyspace, table)) == 15, table
    batches = streaming.metrics.batches()
    assert sum(b["rows_by_table"].get("users_by_nat", 0) for b in batches) == len(after)
    assert sum(b["rows_rejected"] for b in batches) == 0
    assert streaming.reader_version() == 2


def test_a_new_version_goes_live_before_any_record_of_it_arrives(
    spark: SparkSession, stream_names: StreamNames, cassandra_session: Any, tmp_path: Path
) -> None:
    """With the job's reader poller, a registered version is taken between batches: the
    column is there before the first v2 record is produced."""
    own, topic, keyspace = stream_names.settings, stream_names.topic, stream_names.keyspace
    assert _register(stream_names, stream_names.contract.schema) == 1
    settings = stream_names.for_job(tmp_path, reader_poll_interval_s=POLL_S)
    poller = ReaderPoller(POLL_S)
    streams = TopicStreams(spark, settings, JobStateFile(settings.spark.status_file), poller)
    query = streams.start(plan(settings, [stream_names.contract.name])[topic])
    running = Streaming(query, settings, stream_names)
    try:
        ingested = now_ms()
        old = [contract_record(u, ingested) for u in make_users(5, seed="poll-v1")]
        produce_avro(own, topic, stream_names.contract.schema, old)
        running.wait_read(5)
        assert running.reader_version() == 1
        assert "preferred_language" not in _columns(cassandra_session, keyspace, "created_users")

        assert _register(stream_names, _v2_adding(PREFERRED_LANGUAGE)) == 2
        wait_for(lambda: running.reader_version() == 2, 5 * POLL_S, "the reader to take v2")
        assert "preferred_language" in _columns(cassandra_session, keyspace, "created_users")
        assert running.read() == 5, "no record arrived in between"

        v2 = _v2_adding(PREFERRED_LANGUAGE)
        new = [contract_record(u, ingested) for u in make_users(5, seed="poll-v2")]
        for record in new:
            record["preferred_language"] = "de"
        produce_avro(own, topic, v2, new)
        running.wait_read(10)
    finally:
        poller.stop()
        query.stop()
    rows = table_rows(cassandra_session, keyspace, "created_users")
    assert {r["id"]: r["preferred_language"] for r in rows} == {
        **{str(r["id"]): None for r in old},
        **{str(r["id"]): "de" for r in new},
    }


def test_a_version_the_check_refuses_does_not_go_live(
    streaming: Streaming, stream_names: StreamNames
) -> None:
    own, topic = stream_names.settings, stream_names.topic
    schema = json.loads(HEAD.read_text(encoding="utf-8"))
    street = schema["fields"][3]["type"]["fields"][0]["type"]["fields"][0]
    assert street["name"] == "number"
    street["type"] = "long"  # Avro promotes int to long; Cassandra cannot alter the column
    v2 = json.dumps(schema)
    with Registry(own.registry) as registry:
        registry.set_compatibility_level(stream_names.subject, "NONE")
        assert registry.register(stream_names.subject, v2).version == 2
    ingested = now_ms()
    good = [contract_record(u, ingested) for u in make_users(5, seed="refused-v1")]
    refused = [contract_record(u, ingested) for u in make_users(5, seed="refused-v2")]
    produce_avro(own, topic, stream_names.contract.schema, good)
    produce_avro(own, topic, v2, refused)
    streaming.wait_read(10)

    dlq = dlq_entries(own, stream_names.dlq_topic, 5, timeout_s=60)
    reasons = {m.header(DlqHeader.RULE) for m in dlq}
    assert reasons == {RejectRule.REFUSED_VERSION}
    assert "cassandra:type-not-alterable" in dlq[0].header(DlqHeader.ERROR)
    assert {m.key for m in dlq} == {str(r["id"]).encode() for r in refused}
    reader = streaming.state().readers[stream_names.subject]
    assert reader.version == 1
    assert "cassandra:type-not-alterable" in reader.refused["2"]


def _produce_at(settings: Settings, topic: str, frames: list[tuple[bytes, bytes, int]]) -> None:
    """Produce (key, value, Kafka timestamp ms) in order, one partition per key."""
    produce(settings, topic, [Outgoing(key, value, timestamp_ms=ts) for key, value, ts in frames])


def test_upserts_keep_the_newest_version_whatever_the_write_order(
    streaming: Streaming, stream_names: StreamNames, cassandra_session: Any
) -> None:
    own, topic, keyspace = stream_names.settings, stream_names.topic, stream_names.keyspace
    schema = stream_names.contract.schema
    user = contract_record(make_users(1, seed="versions")[0], now_ms())
    versions = []
    for n in (1, 2, 3):
        record = {**user, "name": {**user["name"], "first": f"Version{n}"}}
        versions.append(serialize(own, topic, schema, record))
    key = str(user["id"]).encode()
    base = int(time.time() * 1000)
    # versions 1, 2, 3 in order, then version 1 again with its original time (a replay or a
    # re-drive of an old record): both tables must keep version 3
    _produce_at(own, topic, [(key, versions[0], base), (key, versions[1], base + 10)])
    _produce_at(own, topic, [(key, versions[2], base + 20)])
    streaming.wait_read(3)
    _produce_at(own, topic, [(key, versions[0], base)])
    streaming.wait_read(4)
    (row,) = table_rows(cassandra_session, keyspace, "created_users")
    assert row["name_first"] == "Version3"
    (by_country,) = table_rows(cassandra_session, keyspace, "users_by_country")
    assert by_country["name_first"] == "Version3"

    # two versions of another key in one millisecond: the later offset wins
    other = contract_record(make_users(1, seed="same-ms")[0], now_ms())
    first = serialize(own, topic, schema, {**other, "name": {**other["name"], "first": "A"}})
    later = serialize(own, topic, schema, {**other, "name": {**other["name"], "first": "B"}})
    other_key, same_ms = str(other["id"]).encode(), int(time.time() * 1000)
    _produce_at(own, topic, [(other_key, first, same_ms), (other_key, later, same_ms)])
    streaming.wait_read(6)
    rows = {
        r["id"]: r["name_first"] for r in table_rows(cassandra_session, keyspace, "created_users")
    }
    assert rows[str(other["id"])] == "B"
