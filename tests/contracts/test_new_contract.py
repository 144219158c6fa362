"""Acceptance test of the feature "a new contract is a new stream, without Python".

In a copy of the repository (its tracked files, with the project's virtual environment), a
contract written only for this test is added to ``schemas/``: nested records, a uuid key read
from a source path, a timestamp-millis parsed from an ISO string, an optional field and a rule.
Its source is a small HTTP server of this test on loopback: one JSON page of 8 good records
and 2 bad ones (one breaking the rule, one with a key that is no UUID). The streaming job of
every contract (``python -m spark``) already runs in the copy, on a deployment of its own
(``PIPELINE_KAFKA__TOPIC_PREFIX``, ``PIPELINE_CASSANDRA__KEYSPACE``), when the contract is
added; then the user's commands run there: ``make codegen``, ``make register``, ``make
migrate``, ``make produce CONTRACT=... SOURCE_URL=...``. The running job discovers the new
contract and streams it without a restart; every good record becomes a row of the new table,
each bad one is in the contract's DLQ with a reason naming its field, and no Python file of the
copy was written by hand: only ``generated/`` changed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from clients.registry import Registry
from config import Settings
from tests.fixtures.kafka import consume, text_headers
from tests.fixtures.local_stack import unique_name
from tests.fixtures.repo_copy import (
    Source,
    deployment_env,
    make,
    python_files,
    serving,
    streaming_job,
    tail,
    wait_for_figures,
    wait_for_rows,
    wait_until_running,
)
from tests.fixtures.spark import isolated

pytestmark = [pytest.mark.stack, pytest.mark.spark]

NAME = "parcel_scanned"
TOPIC = "parcels_scanned"
TABLE = "parcel_scans"

CONTRACT: dict[str, Any] = {
    "type": "record",
    "name": "ParcelScanned",
    "namespace": "io.userstream.tests.parcels",
    "doc": "A parcel scanned at a depot (written for the new-contract acceptance test only).",
    "x-kafka": {"topic": TOPIC},
    "x-source": {"records": "data.scans", "error": "error", "batch_size": 10},
    "x-cassandra": {
        "keyspace": "parcels",
        "tables": [{"table": TABLE, "partition_key": ["id"], "default_ttl": 86400}],
    },
    "fields": [
        {
            "name": "id",
            "doc": "The scan's id.",
            "type": {"type": "string", "logicalType": "uuid"},
            "x-source": "scan.uuid",
        },
        {
            "name": "scanned_at",
            "doc": "When the parcel was scanned, UTC.",
            "type": {"type": "long", "logicalType": "timestamp-millis"},
            "x-source": "scan.at",
        },
        {
            "name": "parcel",
            "doc": "What was scanned.",
            "type": {
                "type": "record",
                "name": "Parcel",
                "doc": "A parcel and where it goes.",
                "fields": [
                    {
                        "name": "weight_kg",
                        "doc": "Its weight.",
                        "type": "double",
                        "x-rules": [
                            {
                                "name": "weight_positive",
                                "expr": "value > 0.0",
                                "message": "a parcel weighs more than nothing",
                            }
                        ],
                    },
                    {
                        "name": "destination",
                        "doc": "Where it goes.",
                        "type": {
                            "type": "record",
                            "name": "Destination",
                            "doc": "A city in a country.",
                            "fields": [
                                {"name": "city", "doc": "City.", "type": "string"},
                                {
                                    "name": "country",
                                    "doc": "Country code.",
                                    "type": "string",
                                    # being rolled out: counted at both ends, nothing rejected
                                    "x-rules": [
                                        {
                                            "name": "ships_within_france",
                                            "expr": "value == 'FR'",
                                            "message": "parcels are to ship within France",
                                            "mode": "warn",
                                        }
                                    ],
                                },
                            ],
                        },
                    },
                ],
            },
        },
        {
            "name": "note",
            "doc": "What the courier wrote, if anything.",
            "type": ["null", "string"],
            "default": None,
        },
        {
            "name": "ingested_at",
            "doc": "When the producer built the record.",
            "type": {"type": "long", "logicalType": "timestamp-millis"},
            "x-source": {"producer": "ingested_at"},
        },
    ],
}


def _scan(index: int, **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "scan": {
            "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"parcel/{index}")),
            "at": f"2026-03-0{1 + index % 9}T10:{index:02d}:30.125Z",
        },
        "parcel": {
            "weight_kg": 0.5 + index,
            "destination": {"city": f"City {index}", "country": "FR" if index % 2 else "DE"},
        },
        "courier": {"name": "Secret Courier", "badge": "never read"},  # the contract reads none
    }
    if index % 3 == 0:
        record["note"] = f"left at door {index}"
    elif index % 3 == 1:
        record["note"] = None  # and index % 3 == 2 has no note at all
    record.update(changes)
    return record


GOOD = [_scan(i) for i in range(8)]
OUTSIDE_FRANCE = sum(1 for r in GOOD if r["parcel"]["destination"]["country"] != "FR")
BREAKS_THE_RULE = _scan(8, parcel={"weight_kg": -1.0, "destination": {"city": "X", "country": "X"}})
NOT_A_UUID = _scan(9, scan={"uuid": "not-a-uuid", "at": "2026-03-01T10:00:00.000Z"})
PAGE = {"data": {"scans": [*GOOD[:4], BREAKS_THE_RULE, *GOOD[4:], NOT_A_UUID]}}


@pytest.fixture
def source() -> Iterator[Source]:
    """The new contract's source: one fixed JSON page, on loopback."""
    with serving({"/scans": PAGE}) as server:
        yield server


def _millis(iso: str) -> int:
    return int(datetime.fromisoformat(iso).astimezone(UTC).timestamp() * 1000)


def _add_the_contract(
    copy: Path, env: dict[str, str], topic: str, source: Source, deployment: Settings, name: str
) -> None:
    """The user's commands once the ``.avsc`` is written: codegen, register, migrate, produce;
    the producer's counts, and each bad record in the DLQ with its reason."""
    dlq = f"{topic}.dlq"
    url = source.url("/scans")
    generated = make(copy, env, "codegen")
    for produced in (f"python/{NAME}.py", f"spark/{NAME}.py", f"cql/{NAME}.cql"):
        assert (copy / "generated" / produced).is_file(), generated.stdout
    registered = make(copy, env, "register")
    assert f"{topic}-value: registered version 1" in registered.stdout
    assert f"topic {topic}: created" in registered.stdout
    assert f"topic {dlq}: created" in registered.stdout
    migrated = make(copy, env, "migrate")
    assert f"keyspace {name}: applied" in migrated.stdout and f"{NAME}.cql" in migrated.stdout
    producer = make(copy, env, "produce", f"CONTRACT={NAME}", "COUNT=10", f"SOURCE_URL={url}")
    counts = json.loads(producer.stdout.strip().splitlines()[-1])
    warned = {"ships_within_france": OUTSIDE_FRANCE}  # a rule in warn mode passes its records
    assert counts == {
        "contract": NAME,
        "fetched": 10,
        "produced": 8,
        "rejected": 2,
        "failed": 0,
        "warned_by_rule": warned,
    }
    assert source.requests_served == 1

    with Registry(deployment.registry) as registry:
        assert registry.versions(f"{topic}-value") == [1]

    # each bad record is in the contract's DLQ, keyed by its source key, saying which field
    rejected = consume(deployment, dlq, 2, settle_s=1.0)
    assert len(rejected) == 2
    reasons = {
        message.key: (headers["error.rule"], headers["error.field"], headers["error.stage"])
        for message in rejected
        if (headers := text_headers(message))
    }
    assert reasons == {
        BREAKS_THE_RULE["scan"]["uuid"].encode(): (
            "weight_positive",
            "parcel.weight_kg",
            "producer",
        ),
        b"not-a-uuid": ("type:uuid", "id", "producer"),
    }
    for message in rejected:
        assert text_headers(message)["error"], "the reason, in words"
        assert b"Secret Courier" not in (message.value or b""), "only what the contract reads"


def test_a_new_contract_streams_from_its_source_to_its_table_without_python(
    request: pytest.FixtureRequest,
    local_stack: Settings,
    cassandra_session: Any,
    source: Source,
    copy: Path,
    tmp_path: Path,
) -> None:
    hand_written = python_files(copy)  # the repository's own, as copied
    name = unique_name(request, "new")
    deployment = isolated(local_stack, name)
    topic = f"{name}.{TOPIC}"
    work = tmp_path / "job"
    env = deployment_env(deployment, name, work)
    log = tmp_path / "spark-job.log"
    with streaming_job(copy, env, log) as job:
        wait_until_running(work / "state.json", job, log)
        (copy / "schemas" / f"{NAME}.avsc").write_text(json.dumps(CONTRACT, indent=2))
        _add_the_contract(copy, env, topic, source, deployment, name)
        rows = wait_for_rows(cassandra_session, name, TABLE, len(GOOD), job, log)
        metrics = wait_for_figures(work / "batches.jsonl", topic, len(GOOD), job, log)
        assert job.poll() is None, "the job streamed the new contract without a restart"
    discovered = f"new contract(s) {(NAME,)} on {topic}: starting its query"
    assert discovered in log.read_text(errors="replace"), tail(log)

    by_id = {row["id"]: row for row in rows}
    assert sorted(by_id) == sorted(r["scan"]["uuid"] for r in GOOD)
    for record in GOOD:
        row = by_id[record["scan"]["uuid"]]
        assert row["scanned_at"] == _millis(record["scan"]["at"])
        assert row["parcel_weight_kg"] == record["parcel"]["weight_kg"]
        assert row["parcel_destination_city"] == record["parcel"]["destination"]["city"]
        assert row["parcel_destination_country"] == record["parcel"]["destination"]["country"]
        assert row["note"] == record.get("note")
        assert row["ingested_at"] is not None
    assert sum(b["rows_written"] for b in metrics) == len(GOOD)
    assert sum(b["rows_rejected"] for b in metrics) == 0  # the producer kept the bad ones out
    assert sum(b["warned_by_rule"].get("ships_within_france", 0) for b in metrics) == OUTSIDE_FRANCE
    inspected = make(copy, env, "inspect", f"CONTRACT={NAME}")
    assert (
        f"rules in warn mode, rows that broke them (written): ships_within_france {OUTSIDE_FRANCE}"
        in inspected.stdout
    ), inspected.stdout

    # nothing but generated/ changed: the contract needed no hand-written Python
    assert python_files(copy) == hand_written
