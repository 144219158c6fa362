"""Acceptance test of "two record types on one topic (TopicRecordNameStrategy): each lands in its
own table", through the user's commands and the real job.

In a copy of the repository (``tests.fixtures.repo_copy``), two contracts written only for this
test, ``parcel_picked`` and ``parcel_dropped`` (different fields, each its own table and its
own source), share one topic and its DLQ under ``TopicRecordNameStrategy``; their record names
are in a namespace holding the test's scratch name, so their subjects are swept with the
session's names. Their sources are pages of a small HTTP server of this test on loopback. The
user's commands run in the copy on a deployment of its own (``PIPELINE_KAFKA__TOPIC_PREFIX``,
``PIPELINE_CASSANDRA__KEYSPACE``): ``make codegen``, ``make register`` (one subject per record
type, ``<topic>-<namespace>.<Record>``), ``make migrate``, ``make produce`` of each contract.
Then the streaming job of every contract runs there (``python -m spark``): its planning groups
both contracts into the topic's one query (``spark.streams.plan``), with a live reader per
record subject, and routes each record by the record type its writer schema writes. Every
record becomes a row of its own contract's table, nothing is dead-lettered, and the job's batch
figures count the rows of each table.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from clients.kafka import end_offsets
from clients.registry import Registry
from config import Settings
from tests.fixtures.local_stack import unique_name
from tests.fixtures.repo_copy import (
    Source,
    deployment_env,
    make,
    serving,
    streaming_job,
    tail,
    wait_for_figures,
    wait_for_rows,
    wait_until_running,
)
from tests.fixtures.spark import isolated

pytestmark = [pytest.mark.stack, pytest.mark.spark]

TOPIC = "parcel_events"
DLQ = "parcel_events.dlq"
KAFKA = {"topic": TOPIC, "dlq_topic": DLQ, "subject_name_strategy": "TopicRecordNameStrategy"}
UUID = {"type": "string", "logicalType": "uuid"}
MILLIS = {"type": "long", "logicalType": "timestamp-millis"}
PICKED, DROPPED = "parcel_picked", "parcel_dropped"
RECORDS = {PICKED: "ParcelPicked", DROPPED: "ParcelDropped"}
TABLES = {PICKED: "parcel_picks", DROPPED: "parcel_drops"}
PATHS = {PICKED: "/picks", DROPPED: "/drops"}


def _contracts(namespace: str) -> dict[str, dict[str, Any]]:
    """The two contracts on the shared topic, their record names in ``namespace``."""

    def contract(stem: str, doc: str, source: dict[str, Any], fields: list[Any]) -> dict[str, Any]:
        return {
            "type": "record",
            "name": RECORDS[stem],
            "namespace": namespace,
            "doc": f"{doc} (written for the record-types acceptance test only).",
            "x-kafka": KAFKA,
            "x-source": source,
            "x-cassandra": {
                "keyspace": "parcels",
                "tables": [{"table": TABLES[stem], "partition_key": ["id"], "default_ttl": 86400}],
            },
            "fields": fields,
        }

    return {
        PICKED: contract(
            PICKED,
            "A parcel picked from a shelf",
            {"records": "data.picks", "error": "error", "batch_size": 10},
            [
                {"name": "id", "doc": "The pick's id.", "type": UUID, "x-source": "pick.uuid"},
                {"name": "picked_at", "doc": "When, UTC.", "type": MILLIS, "x-source": "pick.at"},
                {
                    "name": "shelf",
                    "doc": "Where from.",
                    "type": "string",
                    "x-source": "where.shelf",
                },
                {"name": "items", "doc": "How many items.", "type": "int"},
            ],
        ),
        DROPPED: contract(
            DROPPED,
            "A parcel dropped at a depot",
            {"records": "drops", "batch_size": 10},
            [
                {"name": "id", "doc": "The drop's id.", "type": UUID, "x-source": "drop_id"},
                {"name": "depot", "doc": "Which depot.", "type": "string"},
                {"name": "weight_kg", "doc": "Its weight.", "type": "double"},
                {
                    "name": "signed_by",
                    "doc": "Who signed, if anyone.",
                    "type": ["null", "string"],
                    "default": None,
                },
            ],
        ),
    }


def _pick(index: int) -> dict[str, Any]:
    return {
        "pick": {
            "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"picked/{index}")),
            "at": f"2026-03-0{1 + index}T08:{index:02d}:15.250Z",
        },
        "where": {"shelf": f"A-{index}", "aisle": "never read"},
        "items": index + 1,
    }


def _drop(index: int) -> dict[str, Any]:
    record: dict[str, Any] = {
        "drop_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"dropped/{index}")),
        "depot": f"Depot {index}",
        "weight_kg": 1.25 * (index + 1),
    }
    if index % 2:
        record["signed_by"] = f"Clerk {index}"
    return record


PICKS = [_pick(i) for i in range(6)]
DROPS = [_drop(i) for i in range(4)]
PAGES = {PATHS[PICKED]: {"data": {"picks": PICKS}}, PATHS[DROPPED]: {"drops": DROPS}}


@pytest.fixture
def source() -> Iterator[Source]:
    """Both contracts' sources: one fixed JSON page each, on loopback."""
    with serving(PAGES) as server:
        yield server


def _millis(iso: str) -> int:
    return int(datetime.fromisoformat(iso).astimezone(UTC).timestamp() * 1000)


def _add_the_contracts(
    copy: Path,
    env: dict[str, str],
    deployment: Settings,
    name: str,
    subjects: dict[str, str],
    source: Source,
) -> None:
    """The user's commands once both ``.avsc`` are written: codegen, register (a subject per
    record type), migrate, produce each contract from its source."""
    topic, dlq = f"{name}.{TOPIC}", f"{name}.{DLQ}"
    generated = make(copy, env, "codegen")
    for stem in RECORDS:
        for produced in (f"python/{stem}.py", f"spark/{stem}.py", f"cql/{stem}.cql"):
            assert (copy / "generated" / produced).is_file(), generated.stdout
    registered = make(copy, env, "register")
    for subject in subjects.values():
        assert f"{subject}: registered version 1" in registered.stdout, registered.stdout
    assert f"{topic}-value" not in registered.stdout, "no subject of the topic alone"
    assert f"topic {topic}: created" in registered.stdout, registered.stdout
    assert f"topic {dlq}: created" in registered.stdout, registered.stdout
    migrated = make(copy, env, "migrate")
    assert f"keyspace {name}: applied" in migrated.stdout, migrated.stdout
    for stem in RECORDS:
        assert f"{stem}.cql" in migrated.stdout, migrated.stdout
    for stem, count in ((PICKED, len(PICKS)), (DROPPED, len(DROPS))):
        url = source.url(PATHS[stem])
        producer = make(copy, env, "produce", f"CONTRACT={stem}", "COUNT=10", f"SOURCE_URL={url}")
        counts = json.loads(producer.stdout.strip().splitlines()[-1])
        assert counts == {
            "contract": stem,
            "fetched": count,
            "produced": count,
            "rejected": 0,
            "failed": 0,
        }
    assert source.served == Counter({PATHS[PICKED]: 1, PATHS[DROPPED]: 1})

    with Registry(deployment.registry) as registry:
        assert registry.subjects(topic) == sorted(subjects.values()), "one per record type"
        for subject in subjects.values():
            assert registry.versions(subject) == [1]


def test_two_record_types_on_one_topic_each_land_in_their_own_table_through_the_job(
    request: pytest.FixtureRequest,
    local_stack: Settings,
    cassandra_session: Any,
    source: Source,
    copy: Path,
    tmp_path: Path,
) -> None:
    name = unique_name(request, "types")
    namespace = f"tests.{name}"  # each subject holds the scratch name: swept with the session
    deployment = isolated(local_stack, name)
    topic, dlq = f"{name}.{TOPIC}", f"{name}.{DLQ}"
    subjects = {stem: f"{topic}-{namespace}.{record}" for stem, record in RECORDS.items()}
    work = tmp_path / "job"
    env = deployment_env(deployment, name, work)
    for stem, document in _contracts(namespace).items():
        (copy / "schemas" / f"{stem}.avsc").write_text(json.dumps(document, indent=2))
    _add_the_contracts(copy, env, deployment, name, subjects, source)

    log = tmp_path / "spark-job.log"
    total = len(PICKS) + len(DROPS)
    with streaming_job(copy, env, log) as job:
        wait_until_running(work / "state.json", job, log)
        picks = wait_for_rows(cassandra_session, name, TABLES[PICKED], len(PICKS), job, log)
        drops = wait_for_rows(cassandra_session, name, TABLES[DROPPED], len(DROPS), job, log)
        figures = wait_for_figures(work / "batches.jsonl", topic, total, job, log)
        assert job.poll() is None, f"the job runs on:\n{tail(log)}"
    # the job's own planning: one query for the topic, routing to both contracts' tables
    planned = (
        f"streaming {topic} ({DROPPED}, {PICKED}) -> "
        f"{name}.{TABLES[DROPPED]}, {name}.{TABLES[PICKED]} (DLQ {dlq})"
    )
    assert planned in log.read_text(errors="replace"), tail(log)

    assert sorted(row["id"] for row in picks) == sorted(r["pick"]["uuid"] for r in PICKS)
    by_id = {row["id"]: row for row in picks}
    for record in PICKS:
        row = by_id[record["pick"]["uuid"]]
        assert row["picked_at"] == _millis(record["pick"]["at"])
        assert (row["shelf"], row["items"]) == (record["where"]["shelf"], record["items"])
        assert set(row) == {"id", "picked_at", "shelf", "items"}, "a pick's columns only"
    assert sorted(row["id"] for row in drops) == sorted(r["drop_id"] for r in DROPS)
    dropped = {row["id"]: row for row in drops}
    for record in DROPS:
        row = dropped[record["drop_id"]]
        assert (row["depot"], row["weight_kg"]) == (record["depot"], record["weight_kg"])
        assert row["signed_by"] == record.get("signed_by")
        assert set(row) == {"id", "depot", "weight_kg", "signed_by"}, "a drop's columns only"

    # nothing dead-lettered: each record type found its contract
    dlq_ends = end_offsets(deployment, dlq)
    assert dlq_ends and sum(dlq_ends.values()) == 0, f"{dlq}: {dlq_ends}"
    by_table = {
        table: sum(b["rows_by_table"].get(table, 0) for b in figures) for table in TABLES.values()
    }
    assert by_table == {TABLES[PICKED]: len(PICKS), TABLES[DROPPED]: len(DROPS)}
    assert sum(b["rows_written"] for b in figures) == total
    assert sum(b["rows_rejected"] for b in figures) == 0
    assert sum(b["rows_read"] for b in figures) == total

    with Registry(deployment.registry) as registry:
        assert registry.subjects(topic) == sorted(subjects.values()), "one per record type"
