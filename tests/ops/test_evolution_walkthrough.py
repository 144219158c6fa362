"""The evolution walk-through of ``docs/evolution.md``, run for real.

v1 is the repository's user contract; v2 adds an optional ``nickname``. Codegen, the offline
check, ``ops.register`` and ``ops.migrate`` take the contract from v1 to v2; then one Spark job,
started with the v2 reader, decodes messages of v1 and v2 producers interleaved, and every
row lands with the right values (``nickname`` null for v1 writers).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import time
import uuid
from datetime import UTC
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pyspark.sql import SparkSession
from pyspark.sql.streaming.query import StreamingQuery

from clients.registry import Registry
from codegen.compat import check_repo
from codegen.generate import render_all
from config import Settings
from contract.catalog import Contract, contract
from ops.contract_files import ContractFile, discover_contracts
from ops.migrate import apply_generated
from ops.register import Outcome, register_all
from spark.metrics import MetricsLog
from spark.microbatch import Route
from spark.reader import StaticReader
from spark.reader_contract import ReaderContract
from spark.state import JobStateFile
from spark.streams import TopicStreams, plan
from stack.offline_source import NATIONALITIES, make_page
from tests.fixtures.registry import produce_avro
from tests.fixtures.spark import StreamNames
from tests.fixtures.users import build_user, now_ms

pytestmark = [pytest.mark.stack, pytest.mark.spark]

REPO_SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
STEM = "user_created"
NICKNAME = {
    "name": "nickname",
    "doc": "What the user likes to be called; v2 on.",
    "type": ["null", "string"],
    "default": None,
}
CHUNK = 15
TIMEOUT_S = 300.0


def _write_generated(schemas: Path, out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    for relative, text in render_all(schemas).files.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"walkthrough_{uuid.uuid4().hex}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def _job_contract(generated: Path) -> ReaderContract:
    """What ``ReaderContract.generated`` reads, from this test's generated code."""
    python = _module(generated / "python" / f"{STEM}.py")
    spark = _module(generated / "spark" / f"{STEM}.py")
    return ReaderContract(
        name=python.DECLARED.name,
        record_name=python.DECLARED.record,
        reader_schema=python.AVRO_SCHEMA,
        tables=tuple(spark.TABLES),
        rules=tuple(spark.RULES),
        texts_ok=spark.TEXTS_OK,
        source=spark.SOURCE,
    )


class _PinnedStreams(TopicStreams):
    """The job's streams, reading with one given reader contract (the job restarted on code
    generated elsewhere than the repository's ``generated/``)."""

    def __init__(self, spark: SparkSession, settings: Settings, reader: ReaderContract) -> None:
        super().__init__(spark, settings, JobStateFile(settings.spark.status_file), None)
        self.reader = reader

    def _route(self, contract: Contract) -> Route:
        assert contract.name == self.reader.name
        return StaticReader(self.reader)


def _start_job(
    spark: SparkSession, names: StreamNames, workdir: Path, reader: ReaderContract
) -> tuple[StreamingQuery, Settings]:
    """The query of the names' topic, started as the job starts it, reading with ``reader``."""
    settings = names.for_job(workdir)
    streams = _PinnedStreams(spark, settings, reader)
    return streams.start(plan(settings, [reader.name])[names.topic]), settings


def _register(registry: Registry, settings: Settings, schemas: Path) -> tuple[ContractFile, Any]:
    contracts = discover_contracts(settings, schemas)
    (result,) = register_all(registry, contracts, "BACKWARD")
    assert result.outcome is Outcome.REGISTERED, result.lines()
    return contracts[0], result


def _records(seed: str, nickname: bool) -> list[dict[str, Any]]:
    ingested_at = now_ms()
    users = make_page(seed, 1, CHUNK, tuple(NATIONALITIES))["results"]
    records = [
        build_user(u, source="offline://ops-walkthrough", ingested_at=ingested_at).to_avro()
        for u in users
    ]
    if nickname:
        for record in records:
            record["nickname"] = f"nick-{str(record['id'])[:8]}"
    return records


def _wait_until_read(metrics: MetricsLog, count: int) -> list[dict[str, Any]]:
    """The job's batch figures once it has read (decoded and written) ``count`` messages."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        batches = metrics.batches()
        if sum(b["rows_read"] for b in batches) >= count:
            return batches
        time.sleep(2)
    raise AssertionError(
        f"{metrics.path}: the job read fewer than {count} messages in {TIMEOUT_S}s"
    )


def test_v1_and_v2_producers_side_by_side_after_an_evolution(
    spark: SparkSession, deployment: Settings, cassandra_session: Any, tmp_path: Path
) -> None:
    settings = deployment
    names = StreamNames(settings, contract(STEM))
    topic, keyspace = names.topic, names.keyspace
    schemas, generated = tmp_path / "schemas", tmp_path / "generated"
    schemas.mkdir()
    shutil.copy(REPO_SCHEMAS / f"{STEM}.avsc", schemas / f"{STEM}.avsc")
    replication = settings.cassandra.replication

    # v1: generate, create the tables, register, and produce a first batch.
    _write_generated(schemas, generated)
    assert (
        apply_generated(cassandra_session, keyspace, replication, generated / "cql").applied == []
    )
    with Registry(settings.registry) as registry:
        v1, registered_v1 = _register(registry, settings, schemas)
        assert (registered_v1.contract.subject, registered_v1.version) == (f"{topic}-value", 1)
        assert v1.schema == contract(STEM).schema
        early_v1 = _records("walk-v1-early", nickname=False)
        produce_avro(settings, topic, v1.schema, early_v1)

        # v2: release v1, add the optional field; check, generate, register, migrate (twice).
        (schemas / "history" / STEM).mkdir(parents=True)
        shutil.copy(schemas / f"{STEM}.avsc", schemas / "history" / STEM / "v1.avsc")
        document = json.loads((schemas / f"{STEM}.avsc").read_text())
        document["fields"].append(NICKNAME)
        (schemas / f"{STEM}.avsc").write_text(json.dumps(document, indent=2))
        assert check_repo(schemas) == 0
        _write_generated(schemas, generated)
        v2, registered_v2 = _register(registry, settings, schemas)
        assert registered_v2.version == 2
        assert [str(c) for c in registered_v2.diff] == ["+ nickname: string | null"]

    (migration,) = (generated / "cql" / "migrations").glob("*/*.cql")
    name = f"{migration.parent.name}/{migration.name}"
    first = apply_generated(cassandra_session, keyspace, replication, generated / "cql")
    second = apply_generated(cassandra_session, keyspace, replication, generated / "cql")
    assert (first.applied, second.applied, second.already_applied) == ([name], [], [name])

    # One job, restarted on v2; old and new producers interleave around its start.
    reader = _job_contract(generated)
    assert reader == ReaderContract.from_schema(v2.schema, "schemas", STEM)
    assert "nickname" in dict(reader.projection)
    early_v2 = _records("walk-v2-early", nickname=True)
    produce_avro(settings, topic, v2.schema, early_v2)
    query, options = _start_job(spark, names, tmp_path, reader)
    try:
        late_v1 = _records("walk-v1-late", nickname=False)
        late_v2 = _records("walk-v2-late", nickname=True)
        produce_avro(settings, topic, v1.schema, late_v1)
        produce_avro(settings, topic, v2.schema, late_v2)
        produced = early_v1 + early_v2 + late_v1 + late_v2
        batches = _wait_until_read(MetricsLog(options.spark.metrics_file), len(produced))
    finally:
        query.stop()

    assert sum(b["rows_rejected"] for b in batches) == 0, batches
    assert {registered_v1.schema_id, registered_v2.schema_id} <= {
        i for b in batches for i in b["writer_schema_ids"]
    }
    rows = cassandra_session.execute(f"SELECT * FROM {keyspace}.created_users")
    by_id = {str(row.id): row for row in rows}
    assert len(by_id) == len(produced)
    for record in produced:
        row = by_id[str(record["id"])]
        assert row.nickname == record.get("nickname"), record["id"]
        assert (row.email, row.name_first, row.location_city, row.national_id_value) == (
            record["email"],
            record["name"]["first"],
            record["location"]["city"],
            record["national_id"]["value"],
        )
        assert row.registered_date.replace(tzinfo=UTC) == record["registered"]["date"]
    # the contract's second table (a subset of the columns, without nickname) has them all too
    by_country = cassandra_session.execute(
        f"SELECT id, location_country FROM {keyspace}.users_by_country"
    )
    assert {str(r.id): r.location_country for r in by_country} == {
        str(r["id"]): r["location"]["country"] for r in produced
    }
