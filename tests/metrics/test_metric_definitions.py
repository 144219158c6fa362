"""The metrics' definitions and how they are fed, without a service: names and labels by
Prometheus' conventions, the latency histogram built from quantiles, a batch's figures, the lag
from a query's progress, the supervisor's restarts, and the producer's push."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

import pytest
import requests
from prometheus_client import CollectorRegistry

from config import Settings, load_settings
from config.settings import updated
from contract.dlq import Stage
from contract.metrics import (
    PRODUCE_TO_ROW_BUCKETS,
    JobMetrics,
    ProducerMetrics,
    QuantileHistogram,
    SupervisorMetrics,
    mean_of,
    share_at_or_under,
)
from producer.publish import BatchCounts
from producer.run import push_metrics
from spark.job import ConsumerLag
from spark.metrics import BatchMetrics, export, export_topic, offsets_behind
from spark.supervisor import Supervisor
from tests.fixtures.private_stack import free_port

TOPIC = "users_created"


def _families(registry: CollectorRegistry) -> dict[str, str]:
    """Each exposed family's name (as scraped: counters with ``_total``) and type."""
    return {
        family.name + ("_total" if family.type == "counter" else ""): family.type
        for family in registry.collect()
    }


def test_every_metric_is_named_by_prometheus_conventions() -> None:
    exposed: dict[str, str] = {}
    for metrics in (JobMetrics(), SupervisorMetrics(), ProducerMetrics("c")):
        exposed |= _families(metrics.registry)
    assert exposed, "no metric defined"
    for name, kind in exposed.items():
        assert name.startswith(("userstream_job_", "userstream_producer_")), name
        assert name.endswith("_total") == (kind == "counter"), name
        if kind == "histogram":
            assert name.endswith("_seconds"), name
    assert {
        "userstream_job_rows_written_total",
        "userstream_job_rows_rejected_total",
        "userstream_job_rows_warned_total",
        "userstream_job_rows_read_total",
        "userstream_job_batch_duration_seconds",
        "userstream_job_produce_to_row_seconds",
        "userstream_job_consumer_lag",
        "userstream_job_reader_version",
        "userstream_job_restarts_total",
        "userstream_producer_records_total",
        "userstream_producer_rejected_total",
        "userstream_producer_warned_total",
        "userstream_producer_run_duration_seconds",
        "userstream_producer_last_success_timestamp_seconds",
    } <= set(exposed)


@pytest.mark.parametrize(
    ("bound", "share"),
    [(-1.0, 0.0), (0.0, 0.25), (1.0, 0.5), (1.5, 0.625), (2.0, 1.0), (9.0, 1.0)],
)
def test_the_share_under_a_bound_is_read_between_quantiles(bound: float, share: float) -> None:
    # five quantiles (0th, 25th, 50th, 75th, 100th percentile) of 0, 0, 1, 2, 2
    assert share_at_or_under(bound, [0.0, 0.0, 1.0, 2.0, 2.0]) == pytest.approx(share)


def test_one_value_and_no_value() -> None:
    assert (share_at_or_under(0.9, [1.0]), share_at_or_under(1.0, [1.0])) == (0.0, 1.0)
    assert share_at_or_under(1.0, []) == 0.0
    assert (mean_of([]), mean_of([3.0]), mean_of([0.0, 2.0, 4.0])) == (0.0, 3.0, 2.0)


def test_the_histogram_counts_every_value_and_spreads_them_by_quantile() -> None:
    histogram = QuantileHistogram("x_seconds", "x", ("topic",), (1.0, 5.0, 10.0))
    uniform = [i / 10 for i in range(101)]  # 0 to 10 s, evenly
    histogram.add([TOPIC], uniform, 1000)
    histogram.add([TOPIC], [2.0], 10)  # a batch whose rows all took 2 s
    histogram.add([TOPIC], uniform, 0)  # nothing written: nothing counted
    registry = CollectorRegistry()
    registry.register(histogram)

    def sample(suffix: str, **labels: str) -> float | None:
        return registry.get_sample_value(f"x_seconds{suffix}", {"topic": TOPIC, **labels})

    assert [sample("_bucket", le=le) for le in ("1.0", "5.0", "10.0", "+Inf")] == [
        100,
        510,
        1010,
        1010,
    ]
    assert sample("_count") == 1010
    assert sample("_sum") == pytest.approx(1000 * 5.0 + 10 * 2.0)


def _batch(**changes: object) -> BatchMetrics:
    figures: dict[str, object] = {
        "batch_id": 3,
        "finished_at_ms": 0,
        "duration_ms": 1500,
        "rows_read": 12,
        "rows_written": 10,
        "rows_rejected": 2,
        "topic": TOPIC,
        "rejected_by_rule": {"type:uuid": 2},
        "warned_by_rule": {"ships_within_france": 1},
        "rows_by_table": {"created_users": 10, "users_by_country": 10},
        "reader_versions": {"user_created": 4},
        "latency_ms_quantiles": [2000] * 101,
        **changes,
    }
    return BatchMetrics(**figures)  # type: ignore[arg-type]


def test_a_batch_feeds_every_job_metric() -> None:
    metrics = JobMetrics()
    export_topic(metrics, TOPIC, ["created_users"])
    value = metrics.registry.get_sample_value
    written = {"topic": TOPIC, "table": "created_users"}
    assert value("userstream_job_rows_written_total", written) == 0, "at 0 before a batch"
    assert value("userstream_job_rows_read_total", {"topic": TOPIC}) == 0

    export(_batch(), metrics)
    export(_batch(rows_written=0, latency_ms_quantiles=[], rows_by_table={}), metrics)
    assert value("userstream_job_rows_read_total", {"topic": TOPIC}) == 24
    for table in ("created_users", "users_by_country"):
        assert value("userstream_job_rows_written_total", {"topic": TOPIC, "table": table}) == 10
    rejected = {"topic": TOPIC, "rule": "type:uuid", "stage": Stage.JOB.value}
    assert value("userstream_job_rows_rejected_total", rejected) == 4
    warned = {"topic": TOPIC, "rule": "ships_within_france"}
    assert value("userstream_job_rows_warned_total", warned) == 2
    assert value("userstream_job_batch_duration_seconds_count", {"topic": TOPIC}) == 2
    assert value("userstream_job_batch_duration_seconds_sum", {"topic": TOPIC}) == 3.0
    latency = {"topic": TOPIC}
    assert value("userstream_job_produce_to_row_seconds_count", latency) == 10
    bucket = {"topic": TOPIC, "le": "2.0"}
    assert 2.0 in PRODUCE_TO_ROW_BUCKETS
    assert value("userstream_job_produce_to_row_seconds_bucket", bucket) == 10
    assert value("userstream_job_reader_version", {"contract": "user_created"}) == 4


def test_the_lag_is_read_from_the_query_progress() -> None:
    assert offsets_behind('{"t": {"0": 5, "1": 7}}', '{"t": {"0": 9, "1": 7, "2": 3}}') == 7
    assert offsets_behind('{"t": {"0": 9}}', '{"t": {"0": 5}}') == 0, "never negative"
    assert offsets_behind(None, '{"t": {"0": 5}}') is None
    metrics = JobMetrics()
    source = SimpleNamespace(endOffset='{"t": {"0": 5}}', latestOffset='{"t": {"0": 9}}')
    progress = SimpleNamespace(name=TOPIC, sources=[source])
    ConsumerLag(metrics).onQueryProgress(SimpleNamespace(progress=progress))
    assert metrics.registry.get_sample_value("userstream_job_consumer_lag", {"topic": TOPIC}) == 4


def test_the_supervisor_serves_the_restarts_it_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    settings = updated(
        load_settings(),
        spark={"status_file": tmp_path / "state.json"},
        metrics={"supervisor_port": port},
    )
    supervisor = Supervisor(settings)
    codes = iter([1, 1, 0])
    served: list[str] = []

    def job_exits() -> int:
        code = next(codes)
        if code == 0:  # the third run: read what is served, then stop as on SIGTERM
            served.append(requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text)
            supervisor.stopping = True
        return code

    monkeypatch.setattr(supervisor, "_run_job", job_exits)
    monkeypatch.setattr(supervisor, "_sleep", lambda _seconds: None)
    assert supervisor.run() == 0
    assert "userstream_job_restarts_total 2.0" in served[0]
    with pytest.raises(requests.ConnectionError):  # stopped with the supervisor
        requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)


class _Gateway(BaseHTTPRequestHandler):
    """A Pushgateway stand-in that records each push's method and path."""

    pushes: ClassVar[list[tuple[str, str, str]]] = []

    def _record(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.pushes.append((self.command, self.path, body))
        self.send_response(200)
        self.end_headers()

    do_PUT = do_POST = _record  # noqa: N815 (http.server's names)

    def log_message(self, *_args: object) -> None:
        """Quiet."""


@pytest.fixture
def gateway() -> Iterator[str]:
    _Gateway.pushes = []
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _settings(gateway: str) -> Settings:
    return updated(load_settings(), metrics={"pushgateway_url": gateway})


def test_a_run_pushes_its_figures_replacing_its_group_only_when_it_succeeded(
    gateway: str,
) -> None:
    counts = BatchCounts(fetched=5, produced=3, rejected=1, failed=1)
    counts.rejected_by_rule["type:uuid"] = 1
    push_metrics(_settings(gateway), "user_created", counts, 2.5, succeeded=True)
    push_metrics(_settings(gateway), "user_created", counts, 0.5, succeeded=False)
    (put, put_path, put_body), (post, post_path, post_body) = _Gateway.pushes
    group = "/metrics/job/userstream_producer/contract/user_created"
    assert (put, put_path, post, post_path) == ("PUT", group, "POST", group)
    line = 'userstream_producer_records_total{contract="user_created",outcome="produced"} 3.0'
    assert line in put_body and line in post_body
    assert 'userstream_producer_rejected_total{contract="user_created",rule="type:uuid"} 1.0' in (
        put_body
    )
    assert "userstream_producer_last_success_timestamp_seconds{" in put_body
    assert "userstream_producer_last_success_timestamp_seconds{" not in post_body, (
        "a failed run keeps the last success's time"
    )


def test_a_push_that_fails_is_a_warning_naming_the_gateway_without_credentials(
    caplog: pytest.LogCaptureFixture,
) -> None:
    closed = f"http://pusher:s3cret@127.0.0.1:{free_port()}"
    with caplog.at_level(logging.WARNING):
        push_metrics(_settings(closed), "user_created", BatchCounts(), 0.1, succeeded=True)
    (record,) = caplog.records
    assert "not pushed to the Pushgateway http://127.0.0.1:" in record.getMessage()
    assert "s3cret" not in record.getMessage()


def test_no_gateway_no_push(gateway: str) -> None:
    push_metrics(_settings(""), "user_created", BatchCounts(), 0.1, succeeded=True)
    assert _Gateway.pushes == []


def test_the_rejects_by_rule_are_not_part_of_the_reported_counts() -> None:
    counts = BatchCounts(fetched=1, rejected=1, rejected_by_rule={"type:uuid": 1})
    assert counts.as_dict() == {"fetched": 1, "produced": 0, "rejected": 1, "failed": 0}
