"""``make inspect`` on the real broker and registry: its report (``collect``), ``MESSAGES=N`` and
``WATCH=1``.

Each test is a deployment of its own (a scratch ``kafka.topic_prefix``) whose user contract has
single-partition topics (so "the latest N" is exact), and whose value subject holds the user
contract with personal-data tags added by the test, as any producer's schema might carry them:
the tags are read from the writer schema, not from ``schemas/``.
"""

from __future__ import annotations

import gc
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from clients.kafka import TopicSpec, ensure_topics
from clients.registry import Registry
from config import Settings
from config.settings import REPO_ROOT, updated
from contract.catalog import StreamNames, all_contracts, contract
from contract.pii import pii_paths
from ops.inspection import collect, collect_messages, main, render_messages, render_text
from ops.messages import latest_shown, render
from ops.migrate import apply_generated
from ops.topics import ensure_contract_topics
from ops.watch import rates, take_sample, watch
from spark.checkpoint import checkpoint_location
from spark.metrics import BatchMetrics, MetricsLog
from spark.state import JobPhase, JobStateFile
from tests.fixtures.kafka import Outgoing, produce
from tests.fixtures.local_stack import unique_name
from tests.fixtures.pii import tagged
from tests.fixtures.registry import produce_avro, serialize
from tests.fixtures.spark import USER_CONTRACT, isolated
from tests.fixtures.users import contract_record, make_users

pytestmark = pytest.mark.stack

USERS = contract(USER_CONTRACT)
AVRO_SCHEMA = USERS.schema
TAGGED = ("gender", "location.city", "registered.date")
"""Tagged by the test's writer schema only: masking follows the schema a message was written
with, on top of what the contract itself tags."""
MASKED = pii_paths(json.loads(AVRO_SCHEMA)) | set(TAGGED)
MASK = "***"
WRITER = json.dumps(tagged(AVRO_SCHEMA, *TAGGED))


@pytest.fixture
def flow(
    request: pytest.FixtureRequest, local_stack: Settings, tmp_path: Path
) -> Iterator[Settings]:
    """Settings of a deployment of its own (topic prefix, one partition per topic) with the
    user contract's topics created and its tagged schema registered, and the job's files
    (checkpoints, metrics, state) in ``tmp_path``."""
    own = isolated(local_stack, unique_name(request, "insp"))
    settings = updated(
        own,
        kafka={"partitions": 1},
        spark={
            "checkpoint_dir": str(tmp_path / "checkpoints"),
            "metrics_file": tmp_path / "batches.jsonl",
            "status_file": tmp_path / "state.json",
        },
    )
    ensure_contract_topics(settings, [USERS.stream])
    with Registry(settings.registry) as registry:
        registry.register(USERS.names(settings).subject, WRITER)
    yield settings
    gc.collect()  # a producer left in a reference cycle would recreate deleted topics


def _names(settings: Settings) -> StreamNames:
    return USERS.names(settings)


def _records(n: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC).replace(microsecond=0)  # timestamp-millis keeps milliseconds
    return [contract_record(u, now) for u in make_users(n, uuid.uuid4().hex)]


def _plain(value: Any) -> Any:
    """What a decoded field looks like as JSON: uuids as text, instants in ISO 8601."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value) if isinstance(value, uuid.UUID) else value


def _expected(record: dict[str, Any]) -> dict[str, Any]:
    """The record as shown: plain JSON values, each non-null value at a ``MASKED`` path hidden."""
    expected: dict[str, Any] = _plain(record)
    for path in MASKED:
        *parents, leaf = path.split(".")
        node = expected
        for name in parents:
            node = node[name] if isinstance(node.get(name), dict) else {}
        if node.get(leaf) is not None:
            node[leaf] = MASK
    return expected


def _produce(settings: Settings, topic: str, messages: list[tuple[bytes, dict[str, str]]]) -> None:
    produce(settings, topic, [Outgoing(b"k", value, headers) for value, headers in messages])


def test_latest_messages_are_decoded_with_their_writer_schema_and_personal_data_masked(
    flow: Settings,
) -> None:
    names = _names(flow)
    records = _records(5)
    produce_avro(flow, names.topic, WRITER, records)
    with Registry(flow.registry) as registry:
        registered = registry.latest(names.subject)
    assert registered is not None

    shown = latest_shown(flow, names.topic, 3)

    assert [m.key for m in shown] == [str(r["id"]) for r in records[2:]]
    assert [m.offset for m in shown] == [2, 3, 4]
    for message, record in zip(shown, records[2:], strict=True):
        assert message.payload.schema_id == registered.schema_id
        assert message.payload.versions == [(names.subject, 1)]
        assert message.payload.value == _expected(record)
        assert datetime.fromisoformat(message.timestamp) <= datetime.now(UTC)
    text = "\n".join(render(shown))
    for record in records[2:]:
        shown_plainly = (record["location"]["state"], record["location"]["country"])
        for secret in (record["email"], record["phone"], record["location"]["city"]):
            if secret not in shown_plainly:  # a city may share its state's name (Tehran)
                assert json.dumps(secret, ensure_ascii=False) not in text
        assert record["location"]["country"] in text and record["location"]["state"] in text
    for field in ("email", "phone", "location.city"):
        masked = re.findall(rf"^\s*{re.escape(field)}\s+\"\*\*\*\"$", text, re.MULTILINE)
        assert len(masked) == 3, f"{field} is not masked in every message shown"
    assert text.count(f"{names.topic} partition 0 offset") == 3


def test_dlq_messages_show_their_headers_and_only_safe_previews(flow: Settings) -> None:
    names = _names(flow)
    [record] = _records(1)
    framed = serialize(flow, names.topic, WRITER, record)
    job_reject = {
        "error": "key column null",
        "error.rule": "not_null",
        "error.field": "id",
        "source.topic": names.topic,
        "source.partition": "0",
        "source.offset": "7",
    }
    api_user = {"email": "secret.person@example.com", "name": {"first": "Secret"}}
    _produce(
        flow,
        names.dlq_topic,
        [
            (framed, job_reject),
            (json.dumps(api_user).encode(), {"error": "missing field", "error.field": "dob"}),
            (b"\x00\x7f\xff\xff\xf0garbage", {"error": "unknown schema id"}),
            (framed[:12], {"error": "undecodable payload"}),
            (b"\xffnot avro\n", {"error": "wrong magic byte"}),
        ],
    )

    avro, as_json, unknown_id, truncated, raw = latest_shown(flow, names.dlq_topic, 5)

    assert avro.headers == job_reject
    assert avro.payload.value == _expected(record)
    assert as_json.headers == {"error": "missing field", "error.field": "dob"}
    assert as_json.payload.value is None
    assert as_json.payload.preview == (
        f"JSON object of {len(json.dumps(api_user))} bytes (values withheld), fields: email, name"
    )
    assert unknown_id.payload.schema_id == 0x7FFFFFF0
    assert "not a registered, usable Avro schema" in str(unknown_id.payload.preview)
    assert truncated.payload.value is None
    assert "not decodable with schema id" in str(truncated.payload.preview)
    assert raw.payload.preview == "10 bytes: \\xffnot avro\\x0a"
    assert "secret.person" not in "\n".join(render([avro, as_json, unknown_id, truncated, raw]))


def _env(settings: Settings) -> dict[str, str]:
    """The environment that puts a command on the deployment of ``settings``."""
    return {
        **os.environ,
        "PIPELINE_KAFKA__TOPIC_PREFIX": settings.kafka.topic_prefix,
        "PIPELINE_SPARK__CHECKPOINT_DIR": settings.spark.checkpoint_dir,
        "PIPELINE_SPARK__METRICS_FILE": str(settings.spark.metrics_file),
        "PIPELINE_SPARK__STATUS_FILE": str(settings.spark.status_file),
    }


def test_make_inspect_messages_prints_the_latest_three_decoded_and_masked(flow: Settings) -> None:
    names = _names(flow)
    records = _records(4)
    produce_avro(flow, names.topic, WRITER, records)

    result = subprocess.run(
        ["make", "--no-print-directory", "inspect", "MESSAGES=3", f"CONTRACT={USER_CONTRACT}"],
        cwd=REPO_ROOT,
        env=_env(flow),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"{names.topic}: the latest 3 messages (fields tagged x-pii masked)" in out
    assert f"{names.dlq_topic}: the latest 0 messages" in out
    assert out.count(f"{names.topic} partition 0 offset") == 3
    for record in records[1:]:
        assert str(record["id"]) in out and record["email"] not in out
    assert str(records[0]["id"]) not in out


def test_inspect_messages_json_holds_the_decoded_fields(
    flow: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    names = _names(flow)
    records = _records(3)
    produce_avro(flow, names.topic, WRITER, records)
    for name, value in _env(flow).items():
        if name.startswith("PIPELINE_"):
            monkeypatch.setenv(name, value)

    assert main(["--messages", "3", "--json", "--contract", USER_CONTRACT]) == 0

    shown = json.loads(capsys.readouterr().out)
    assert set(shown) == {names.topic, names.dlq_topic}
    assert [m["payload"]["value"] for m in shown[names.topic]["rows"]] == [
        _expected(r) for r in records
    ]
    assert (shown[names.dlq_topic]["rows"], shown[names.dlq_topic]["error"]) == ([], None)


def test_a_topic_that_cannot_be_read_is_shown_as_unavailable_beside_the_other(
    flow: Settings,
) -> None:
    """The quake contract's topics were never created in this deployment: each shows why,
    and the user contract's topics are shown all the same."""
    names = _names(flow)
    records = _records(1)
    produce_avro(flow, names.topic, WRITER, records)
    quakes = contract("quake_reported")
    missing = quakes.names(flow).topic

    text = render_messages(collect_messages(flow, [USERS, quakes], 1))

    assert f"{names.topic}: the latest 1 messages" in text
    assert str(records[0]["id"]) in text
    assert f"{missing}: the latest 0 messages" in text
    assert f"unavailable: UnknownTopicError: topic {missing}" in text


def _write_checkpoint(checkpoint: Path, topic: str, batches: list[dict[int, int]]) -> None:
    """Offsets files for ``batches`` (as Spark plans them), all but the last one committed."""
    for folder in ("offsets", "commits"):
        (checkpoint / folder).mkdir(parents=True)
    for batch, offsets in enumerate(batches):
        source = json.dumps({topic: {str(p): o for p, o in offsets.items()}})
        planned = f'v1\n{{"batchWatermarkMs":0}}\n{source}\n'
        (checkpoint / "offsets" / str(batch)).write_text(planned)
        if batch < len(batches) - 1:
            (checkpoint / "commits" / str(batch)).write_text('v1\n{"nextBatchWatermarkMs":0}\n')


def _batch(topic: str, **figures: Any) -> BatchMetrics:
    base: dict[str, Any] = {
        "batch_id": 0,
        "finished_at_ms": 0,
        "duration_ms": 10,
        "rows_read": 20,
        "rows_written": 15,
        "rows_rejected": 5,
        "topic": topic,
    }
    return BatchMetrics(**{**base, **figures})


def test_watch_shows_rates_lag_and_the_running_jobs_spark_ui(flow: Settings) -> None:
    names = _names(flow)
    contracts = [USERS]
    job = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "spark"])
    try:
        JobStateFile(flow.spark.status_file).update(
            phase=JobPhase.RUNNING, ui_url="http://127.0.0.1:4041", pid=job.pid
        )
        # batch 0 (nothing) is written; batch 1, planned up to offset 20, is still in progress
        checkpoint = Path(checkpoint_location(flow, names.topic))
        _write_checkpoint(checkpoint, names.topic, [{0: 0}, {0: 20}])
        before = take_sample(flow, contracts)
        produce_avro(flow, names.topic, WRITER, _records(20))
        _produce(flow, names.dlq_topic, [(b"x", {}), (b"y", {})])
        metrics = MetricsLog(flow.spark.metrics_file)
        metrics.record(_batch(names.topic))
        metrics.record(_batch("another.topic", rows_written=1000))  # not a topic shown
        after = take_sample(flow, contracts)

        change = rates(before, after)
        elapsed = after.at - before.at
        assert change.records_in_per_s is not None and change.rows_written_per_s is not None
        assert change.rejects_per_s is not None
        assert change.records_in_per_s * elapsed == pytest.approx(20)
        assert change.rows_written_per_s * elapsed == pytest.approx(15)
        assert change.rejects_per_s * elapsed == pytest.approx(2)
        assert change.lag == 20

        out = StringIO()
        assert watch(flow, contracts, 0.2, out, frames=2) == 0
        frames = out.getvalue().split("userstream inspect, live")
        assert len(frames) == 3  # nothing before the first frame, then two frames
        assert f"contracts {USER_CONTRACT}" in frames[2]
        assert "0.0 records/s" in frames[2] and "20 messages behind" in frames[2]
        assert f"running (job pid {job.pid}" in frames[2]
        assert "Spark UI http://127.0.0.1:4041/StreamingQuery/" in frames[2]

        lines = StringIO()
        watch(flow, contracts, 0.1, lines, as_json=True, frames=2)
        last = json.loads(lines.getvalue().splitlines()[-1])
        assert last["totals"] == {"records_in": 20, "rows_written": 15, "rejects": 2, "lag": 20}
        assert last["rates"]["records_in_per_s"] == 0.0
        assert last["job"]["running"] is True
    finally:
        job.kill()
        job.wait()
    out = StringIO()
    watch(flow, contracts, 0.1, out, frames=1)
    assert f"exited (job pid {job.pid}" in out.getvalue()


def test_the_report_shows_each_contracts_flow_and_its_last_batch_in_words(
    flow: Settings, cassandra_session: Any
) -> None:
    names = _names(flow)
    keyspace = flow.cassandra.keyspace
    assert keyspace is not None
    apply_generated(cassandra_session, keyspace, flow.cassandra.replication)
    produce_avro(flow, names.topic, WRITER, _records(3))
    _produce(flow, names.dlq_topic, [(b"x", {"error": "bad", "error.rule": "email_format"})])
    finished = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    MetricsLog(flow.spark.metrics_file).record(
        _batch(
            names.topic,
            batch_id=7,
            finished_at_ms=int(finished.timestamp() * 1000),
            duration_ms=1500,
            rows_by_table={"created_users": 15, "users_by_country": 15},
            rejected_by_rule={"email_format": 5},
            writer_schema_ids=[1, 2],
            latency_ms_quantiles=[100 * i for i in range(101)],
        )
    )

    report = collect(flow, [USERS])
    text = render_text(report)

    assert report.contracts == [USER_CONTRACT]
    topics = {row.name: row for row in report.topics.rows}
    assert set(topics) == {names.topic, names.dlq_topic}
    assert (topics[names.topic].messages, topics[names.topic].partitions) == (3, 1)
    assert (topics[names.dlq_topic].role, topics[names.dlq_topic].messages) == ("DLQ", 1)
    assert [row.subject for row in report.subjects.rows] == [names.subject]
    (job,) = report.job.rows
    assert [stream.topic for stream in job.streams] == [names.topic]
    assert job.streams[0].lag == 3  # never streamed: every message is behind
    assert (
        "last batch 7 at 03:04:05 UTC: read 20, written 15 (created_users 15, "
        "users_by_country 15), rejected 5, 5 email_format, took 1.5 s, produce-to-row p50 "
        "5.0 s, p95 9.5 s"
    ) in text
    assert "latency_ms_quantiles" not in text and "[0, 100" not in text
    assert f"{names.topic}: lag 3; last batch 7" in text
    assert "email_format (?)" in text  # the DLQ entry, counted by its rule
    assert [(row.table, row.contract, row.rows) for row in report.tables.rows] == [
        (f"{keyspace}.created_users", USER_CONTRACT, 0),
        (f"{keyspace}.users_by_country", USER_CONTRACT, 0),
    ]
    assert "quake" not in text


def test_leftover_topics_of_no_contract_are_counted_not_listed(
    request: pytest.FixtureRequest, flow: Settings
) -> None:
    leftover = unique_name(request, "left")
    ensure_topics(flow, [TopicSpec(leftover, 1, 1)])
    ensure_topics(flow, [TopicSpec(f"{flow.kafka.topic_prefix}not_a_contract", 1, 1)])

    report = collect(flow, all_contracts())
    text = render_text(report)

    listed = {row.name for row in report.topics.rows}
    ours = {n for c in all_contracts() for n in (c.names(flow).topic, c.names(flow).dlq_topic)}
    assert listed == ours
    assert report.topics.others >= 2
    assert leftover not in text and "not_a_contract" not in text
    counted = re.findall(r"^  \((\d+) other topics on the cluster, of no contract\)$", text, re.M)
    assert [int(n) for n in counted] == [report.topics.others]
    # subjects too: only the contracts' own are listed, the others counted
    assert {row.subject for row in report.subjects.rows} == {
        c.names(flow).subject for c in all_contracts()
    }
    assert report.subjects.others >= 0
