"""``make inspect MESSAGES=N`` and ``WATCH=1`` on the real broker and registry.

Each test has its own single-partition topic and DLQ (so "the latest N" is exact), whose value
subject holds the user contract with personal-data tags added by the test, as any producer's
schema might carry them: the tags are read from the writer schema, not from ``schemas/``.
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

from clients.kafka import delete_topics, ensure_topics
from clients.registry import Registry, value_subject
from config import Settings
from config.settings import REPO_ROOT
from contract.pii import pii_paths
from generated.python.user_created import AVRO_SCHEMA
from ops.inspection import collect_messages, main, render_messages
from ops.messages import latest_shown, render
from ops.watch import rates, take_sample, watch
from spark.metrics import BatchMetrics, MetricsLog
from spark.status import write_status
from tests.fixtures.kafka import Outgoing, produce
from tests.fixtures.pii import tagged
from tests.fixtures.registry import produce_avro, serialize
from tests.fixtures.users import contract_record, make_users

pytestmark = pytest.mark.stack

TAGGED = ("gender", "location.city", "registered.date")
"""Tagged by the test's writer schema only: masking follows the schema a message was written
with, on top of what the contract itself tags."""
MASKED = pii_paths(json.loads(AVRO_SCHEMA)) | set(TAGGED)
MASK = "***"


@pytest.fixture
def flow(local_stack: Settings, tmp_path: Path) -> Iterator[Settings]:
    """Settings on a fresh topic and DLQ (one partition each), the tagged contract registered,
    and the job's files (checkpoint, metrics, status) in ``tmp_path``."""
    topic = f"inspect_{uuid.uuid4().hex[:10]}"
    settings = local_stack.model_copy(
        update={
            "kafka": local_stack.kafka.model_copy(
                update={"topic": topic, "dlq_topic": f"{topic}.dlq", "partitions": 1}
            ),
            "spark": local_stack.spark.model_copy(
                update={
                    "checkpoint_dir": tmp_path / "checkpoint",
                    "metrics_file": tmp_path / "batches.jsonl",
                    "status_file": tmp_path / "job_status.json",
                }
            ),
        }
    )
    ensure_topics(settings)
    with Registry(settings.registry) as registry:
        registry.register(value_subject(topic), json.dumps(tagged(AVRO_SCHEMA, *TAGGED)))
        try:
            yield settings
        finally:
            registry.delete_subject(value_subject(topic))
            gc.collect()  # a producer left in a reference cycle would recreate deleted topics
            delete_topics(settings, [topic, settings.kafka.dlq_topic])


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
    records = _records(5)
    produce_avro(flow, flow.kafka.topic, json.dumps(tagged(AVRO_SCHEMA, *TAGGED)), records)
    with Registry(flow.registry) as registry:
        registered = registry.latest(value_subject(flow.kafka.topic))
    assert registered is not None

    shown = latest_shown(flow, flow.kafka.topic, 3)

    assert [m.key for m in shown] == [str(r["id"]) for r in records[2:]]
    assert [m.offset for m in shown] == [2, 3, 4]
    for message, record in zip(shown, records[2:], strict=True):
        assert message.payload.schema_id == registered.schema_id
        assert message.payload.versions == [(value_subject(flow.kafka.topic), 1)]
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
    assert text.count(f"{flow.kafka.topic} partition 0 offset") == 3


def test_dlq_messages_show_their_headers_and_only_safe_previews(flow: Settings) -> None:
    [record] = _records(1)
    framed = serialize(flow, flow.kafka.topic, json.dumps(tagged(AVRO_SCHEMA, *TAGGED)), record)
    job_reject = {
        "error": "key column null",
        "error.rule": "not_null",
        "error.field": "id",
        "source.topic": flow.kafka.topic,
        "source.partition": "0",
        "source.offset": "7",
    }
    api_user = {"email": "secret.person@example.com", "name": {"first": "Secret"}}
    _produce(
        flow,
        flow.kafka.dlq_topic,
        [
            (framed, job_reject),
            (json.dumps(api_user).encode(), {"error": "missing field", "error.field": "dob"}),
            (b"\x00\x7f\xff\xff\xf0garbage", {"error": "unknown schema id"}),
            (framed[:12], {"error": "undecodable payload"}),
            (b"\xffnot avro\n", {"error": "wrong magic byte"}),
        ],
    )

    avro, as_json, unknown_id, truncated, raw = latest_shown(flow, flow.kafka.dlq_topic, 5)

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
    return {
        **os.environ,
        "PIPELINE_KAFKA__TOPIC": settings.kafka.topic,
        "PIPELINE_KAFKA__DLQ_TOPIC": settings.kafka.dlq_topic,
    }


def test_make_inspect_messages_prints_the_latest_three_decoded_and_masked(flow: Settings) -> None:
    records = _records(4)
    produce_avro(flow, flow.kafka.topic, json.dumps(tagged(AVRO_SCHEMA, *TAGGED)), records)

    result = subprocess.run(
        ["make", "--no-print-directory", "inspect", "MESSAGES=3"],
        cwd=REPO_ROOT,
        env=_env(flow),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"{flow.kafka.topic}: the latest 3 messages (fields tagged x-pii masked)" in out
    assert f"{flow.kafka.dlq_topic}: the latest 0 messages" in out
    assert out.count(f"{flow.kafka.topic} partition 0 offset") == 3
    for record in records[1:]:
        assert str(record["id"]) in out and record["email"] not in out
    assert str(records[0]["id"]) not in out


def test_inspect_messages_json_holds_the_decoded_fields(
    flow: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    records = _records(3)
    produce_avro(flow, flow.kafka.topic, json.dumps(tagged(AVRO_SCHEMA, *TAGGED)), records)
    for name, value in _env(flow).items():
        if name.startswith("PIPELINE_"):
            monkeypatch.setenv(name, value)

    assert main(["--messages", "3", "--json"]) == 0

    shown = json.loads(capsys.readouterr().out)
    assert [m["payload"]["value"] for m in shown[flow.kafka.topic]["rows"]] == [
        _expected(r) for r in records
    ]
    assert shown[flow.kafka.dlq_topic] == {"rows": [], "error": None}


def test_a_topic_that_cannot_be_read_is_shown_as_unavailable_beside_the_other(
    flow: Settings,
) -> None:
    records = _records(1)
    produce_avro(flow, flow.kafka.topic, json.dumps(tagged(AVRO_SCHEMA, *TAGGED)), records)
    missing = f"{flow.kafka.topic}.absent"
    kafka = flow.kafka.model_copy(update={"dlq_topic": missing})

    text = render_messages(collect_messages(flow.model_copy(update={"kafka": kafka}), 1))

    assert f"{flow.kafka.topic}: the latest 1 messages" in text
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


def test_watch_shows_rates_lag_and_the_running_jobs_spark_ui(flow: Settings) -> None:
    job = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "spark"])
    try:
        write_status(flow.spark.status_file, ui_url="http://127.0.0.1:4041", pid=job.pid)
        # batch 0 (nothing) is written; batch 1, planned up to offset 20, is still in progress
        _write_checkpoint(flow.spark.checkpoint_dir, flow.kafka.topic, [{0: 0}, {0: 20}])
        before = take_sample(flow)
        produce_avro(flow, flow.kafka.topic, json.dumps(tagged(AVRO_SCHEMA, *TAGGED)), _records(20))
        _produce(flow, flow.kafka.dlq_topic, [(b"x", {}), (b"y", {})])
        MetricsLog(flow.spark.metrics_file).record(
            BatchMetrics(
                batch_id=0,
                finished_at_ms=0,
                duration_ms=10,
                rows_read=20,
                rows_written=15,
                rows_rejected=5,
            )
        )
        after = take_sample(flow)

        change = rates(before, after)
        elapsed = after.at - before.at
        assert change.records_in_per_s is not None and change.rows_written_per_s is not None
        assert change.rejects_per_s is not None
        assert change.records_in_per_s * elapsed == pytest.approx(20)
        assert change.rows_written_per_s * elapsed == pytest.approx(15)
        assert change.rejects_per_s * elapsed == pytest.approx(2)
        assert change.lag == 20

        out = StringIO()
        assert watch(flow, 0.2, out, frames=2) == 0
        frames = out.getvalue().split("userstream inspect, live")
        assert len(frames) == 3  # nothing before the first frame, then two frames
        assert "0.0 records/s" in frames[2] and "20 messages behind" in frames[2]
        assert f"Spark UI http://127.0.0.1:4041/StreamingQuery/ (job pid {job.pid}" in frames[2]

        lines = StringIO()
        watch(flow, 0.1, lines, as_json=True, frames=2)
        last = json.loads(lines.getvalue().splitlines()[-1])
        assert last["totals"] == {"records_in": 20, "rows_written": 15, "rejects": 2, "lag": 20}
        assert last["rates"]["records_in_per_s"] == 0.0
        assert last["job"]["running"] is True
    finally:
        job.kill()
        job.wait()
    out = StringIO()
    watch(flow, 0.1, out, frames=1)
    assert f"not running (pid {job.pid}" in out.getvalue()
