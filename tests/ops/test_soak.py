"""The soak (``make soak``: ``python -m stack.soak``): its arithmetic alone (the fault schedule,
throughput windows, each fault's figures, the ledger, the report), then one short real run on
a private single-node stack with a fault of the job, of Cassandra and of Kafka: nothing lost,
nothing duplicated, every fault recovered, the JSON report written.

The real run has a private stack of its own (``tests.fixtures.private_stack``): the soak kills
its services, never the shared stack's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import stack
from config import Settings, load_settings
from stack import faults
from stack.ledger import (
    FaultResult,
    Ledger,
    SoakReport,
    account,
    fault_figures,
    plan_faults,
    rate,
    render,
    timeline,
)
from stack.soak import SoakOptions, run_soak
from stack.streaming_job import stop_job
from tests.fixtures.private_stack import private_settings

TARGETS = ["kafka", "registry", "cassandra", faults.JOB]


# -- the fault schedule ------------------------------------------------------------------------


def test_the_schedule_is_the_same_for_the_same_seed_and_differs_for_another() -> None:
    first = plan_faults(TARGETS, 600, 60, seed=7)
    assert first == plan_faults(TARGETS, 600, 60, seed=7)
    assert first != plan_faults(TARGETS, 600, 60, seed=8)


def test_faults_come_about_every_interval_and_none_in_the_last_half_interval() -> None:
    plan = plan_faults(TARGETS, 600, 60, seed=1)
    times = [p.at_s for p in plan]
    gaps = [b - a for a, b in zip([0.0, *times], times, strict=False)]
    assert all(45 - 0.1 <= gap <= 75 + 0.1 for gap in gaps), gaps
    assert times[-1] <= 600 - 30
    assert 7 <= len(plan) <= 13


def test_every_target_is_met_before_any_is_met_twice() -> None:
    plan = plan_faults(TARGETS, 3600, 60, seed=3)
    for start in range(0, len(plan) - len(TARGETS) + 1, len(TARGETS)):
        dealt = [p.target for p in plan[start : start + len(TARGETS)]]
        assert sorted(dealt) == sorted(TARGETS), dealt


def test_a_short_soak_may_have_no_fault_and_bad_arguments_are_refused() -> None:
    assert plan_faults(TARGETS, 40, 60, seed=1) == []
    with pytest.raises(ValueError, match="no fault targets"):
        plan_faults([], 600, 60, seed=1)
    with pytest.raises(ValueError, match="positive"):
        plan_faults(TARGETS, 600, 0, seed=1)


# -- throughput windows ----------------------------------------------------------------------


def test_rate_counts_rows_in_a_half_open_window() -> None:
    landed = [0.5, 1.0, 1.5, 2.0, 9.9, 10.0]
    assert rate(landed, 0, 2) == 1.5  # 0.5, 1.0, 1.5: 3 rows in 2 s
    assert rate(landed, 2, 10) == 0.2  # 2.0 and 9.9, not 10.0
    assert rate(landed, 5, 5) is None
    assert rate([], 0, 10) == 0.0


def test_the_timeline_has_one_rate_per_step_the_last_one_partial() -> None:
    landed = [1.0] * 10 + [12.0] * 5 + [21.0] * 2
    assert timeline(landed, 25, 10) == [1.0, 0.5, 0.4]
    assert timeline([], 0, 10) == []


# -- a fault's figures -------------------------------------------------------------------------


def _flow(
    rows_per_s: int, until_s: int, gap: tuple[float, float]
) -> tuple[list[tuple[float, str]], dict[str, float]]:
    """Records sent at ``rows_per_s`` until ``until_s``, each landing 1 s later, except those
    that would land in ``gap``: they land at its end (a backlog drained at once), or never
    when it has no end."""
    sent, landed_at = [], {}
    for n in range(rows_per_s * until_s):
        at = n / rows_per_s
        key = f"id-{n}"
        sent.append((at, key))
        lands = at + 1
        if gap[0] <= lands < gap[1]:
            lands = gap[1]
        if lands != float("inf"):
            landed_at[key] = lands
    return sent, landed_at


def test_a_fault_s_figures_come_from_when_rows_were_sent_and_landed() -> None:
    sent, landed_at = _flow(10, 120, gap=(60.0, 80.0))  # nothing landed from 60 to 80 s
    fault = FaultResult("cassandra", planned_at_s=59.0, killed_at_s=60.0, recovery_s=15.0)
    fault_figures(
        fault,
        recovered_at_s=75.0,
        next_kill_s=None,
        produce_end_s=120.0,
        sent=sent,
        landed_at=landed_at,
        landed=sorted(landed_at.values()),
        window_s=30.0,
        previous_recovery_s=0.0,
    )
    assert fault.rows_again_s == 20.0  # the first record sent after the kill landed at 80 s
    assert fault.rows_per_s_before == 10.0  # 30..60 s
    # 75..105 s: the 200 rows of the gap at 80 s, plus 10/s from 81 s on
    assert fault.rows_per_s_after == round((200 + 10 + 240) / 30, 1)
    assert fault.recovered


def test_windows_stop_at_the_next_kill_and_start_after_the_previous_recovery() -> None:
    sent, landed_at = _flow(10, 120, gap=(0.0, 0.0))
    fault = FaultResult("kafka", planned_at_s=50.0, killed_at_s=50.0, recovery_s=5.0)
    fault_figures(fault, 55.0, 65.0, 120.0, sent, landed_at, sorted(landed_at.values()), 30.0, 40.0)
    assert fault.rows_per_s_before == 10.0  # 40..50 s, not 20..50 s
    assert fault.rows_per_s_after == 10.0  # 55..65 s


def test_a_fault_that_did_not_come_back_or_was_skipped() -> None:
    sent, landed_at = _flow(10, 60, gap=(30.0, float("inf")))  # no row after 30 s
    stuck = FaultResult("cassandra", 29.0, killed_at_s=30.0, error="StackError: no start")
    fault_figures(stuck, None, None, 60.0, sent, landed_at, sorted(landed_at.values()), 30, 0)
    assert stuck.rows_again_s is None and stuck.rows_per_s_after is None
    assert not stuck.recovered
    skipped = FaultResult("job", 30.0, error="cannot kill job: it does not run")
    fault_figures(skipped, None, None, 60.0, sent, landed_at, [], 30, 0)
    assert skipped.skipped and skipped.recovered


# -- the ledger --------------------------------------------------------------------------------


def test_the_ledger_counts_failed_deliveries_apart_from_lost_records() -> None:
    ledger = account(
        produced=6,
        acked={"a", "b", "c", "d"},
        failed={"e"},  # "f" was neither acked nor failed
        topic_keys=["a", "b", "c", "d"],
        table_ids={"created_users": {"a", "b", "c", "d"}, "users_by_country": {"a", "b", "c", "d"}},
        dlq_keys=[],
        dlq_positions=[],
    )
    assert (ledger.acked, ledger.failed, ledger.unresolved, ledger.lost) == (4, 1, 1, 0)
    assert ledger.rows == {"created_users": 4, "users_by_country": 4}
    assert ledger.duplicates == 0 and ledger.failed_but_written == 0


def test_an_acked_id_missing_from_any_table_is_lost() -> None:
    ledger = account(
        produced=3,
        acked={"a", "b", "c"},
        failed=set(),
        topic_keys=["a", "b", "c"],
        table_ids={"created_users": {"a", "b", "c"}, "users_by_country": {"a", "c"}},
        dlq_keys=[],
        dlq_positions=[],
    )
    assert (ledger.lost, ledger.lost_ids) == (1, ["b"])


def test_duplicates_in_the_topic_and_in_the_dlq_and_a_failed_delivery_that_was_written() -> None:
    ledger = account(
        produced=4,
        acked={"a", "b", "c"},
        failed={"d"},
        topic_keys=["a", "b", "b", "c", "c", "c", "d"],
        table_ids={"created_users": {"a", "b", "c", "d"}},
        dlq_keys=["x", "y", "z", "w"],
        dlq_positions=[("t", "0", "5"), ("t", "0", "5"), ("t", "1", "5"), None],
    )
    assert (ledger.topic_duplicates, ledger.dlq_duplicates, ledger.duplicates) == (3, 1, 4)
    assert ledger.dlq_entries == 4
    assert ledger.failed_but_written == 1 and ledger.in_topic == 4


def _report(ledger: Ledger, *fault_list: FaultResult) -> SoakReport:
    return SoakReport(
        contract="user_created",
        shape="single",
        duration_s=60,
        rate=50,
        interval_s=20,
        seed=1,
        records_seed="soak-x",
        started_at="2026-01-01T00:00:00+00:00",
        produce_s=60,
        ledger=ledger,
        faults=list(fault_list),
        report_path="/tmp/soak.json",
    )


def test_the_verdict_and_the_report_a_user_reads() -> None:
    clean = account(3, {"a", "b", "c"}, set(), ["a", "b", "c"], {"t": {"a", "b", "c"}}, [], [])
    back = FaultResult("kafka", 20, 20.3, 1, 12.0, 13.5, 49.5, 80.1)
    report = _report(clean, back)
    assert report.passed
    text = render(report)
    assert "lost          0" in text and "PASS" in text
    assert "kafka" in text and "12.0 s" in text and "80.1" in text and "a warm-up" in text
    as_json = report.as_json()
    assert as_json["passed"] and as_json["faults"][0]["recovered"]
    assert as_json["ledger"]["duplicates"] == 0

    lost = account(3, {"a", "b", "c"}, set(), ["a", "b", "c"], {"t": {"a"}}, [], [])
    stuck = FaultResult("cassandra", 40, 40.0, 2, None, None, 50.0, None, "did not start")
    failed = _report(lost, back, stuck)
    assert not failed.passed
    assert "FAIL: 2 acknowledged records lost; not recovered: cassandra" in render(failed)


# -- a real run --------------------------------------------------------------------------------


def _private_env(own: Settings, home: Path) -> dict[str, str]:
    """The environment that makes ``load_settings()`` (here and in the processes the soak
    starts: ops.register, ops.migrate, the job's supervisor) name the private stack."""
    s = own.stack
    return {
        "PIPELINE_KAFKA__BOOTSTRAP_SERVERS": own.kafka.bootstrap_servers,
        "PIPELINE_KAFKA__REQUEST_TIMEOUT_S": "10",
        "PIPELINE_REGISTRY__URL": own.registry.url,
        "PIPELINE_CASSANDRA__PORT": str(own.cassandra.port),
        "PIPELINE_METRICS__PUSHGATEWAY_URL": own.metrics.pushgateway_url,
        "PIPELINE_METRICS__JOB_PORT": "0",
        "PIPELINE_METRICS__SUPERVISOR_PORT": "0",
        "PIPELINE_STACK__HOME": str(home),
        "PIPELINE_STACK__KAFKA_CONTROLLER_PORT": str(s.kafka_controller_port),
        "PIPELINE_STACK__CASSANDRA_STORAGE_PORT": str(s.cassandra_storage_port),
        "PIPELINE_STACK__PROMETHEUS_PORT": str(s.prometheus_port),
        "PIPELINE_STACK__KAFKA_METRICS_PORT": str(s.kafka_metrics_port),
        "PIPELINE_STACK__CASSANDRA_METRICS_PORT": str(s.cassandra_metrics_port),
        "PIPELINE_STACK__KAFKA_HEAP": s.kafka_heap,
        "PIPELINE_STACK__REGISTRY_HEAP": s.registry_heap,
        "PIPELINE_STACK__CASSANDRA_HEAP": s.cassandra_heap,
        "PIPELINE_SPARK__CHECKPOINT_DIR": str(home / "checkpoints"),
        "PIPELINE_SPARK__METRICS_FILE": str(home / "job" / "batches.jsonl"),
        "PIPELINE_SPARK__STATUS_FILE": str(home / "job" / "state.json"),
        "PIPELINE_SPARK__DRIVER_MEMORY": "1g",
        "PIPELINE_SPARK__RESTART_BACKOFF_MAX_S": "4",
    }


@pytest.fixture
def soak_stack(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """The settings of a private single-node stack, in the environment (the soak starts it,
    with the job); the job stopped and the stack wiped afterwards."""
    home = tmp_path / "stack"
    for name, value in _private_env(private_settings(settings, home), home).items():
        monkeypatch.setenv(name, value)
    own = load_settings()
    assert (
        own.stack.home == home and own.kafka.bootstrap_servers != settings.kafka.bootstrap_servers
    )
    try:
        yield own
    finally:
        stop_job(own)
        stack.down(own, fresh=True, progress=lambda _: None)


@pytest.mark.stack
@pytest.mark.spark
@pytest.mark.outage
def test_a_short_soak_with_three_faults_loses_and_duplicates_nothing(
    soak_stack: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "soak.json"
    lines: list[str] = []
    options = SoakOptions(
        duration_s=90,
        rate=20,
        interval_s=25,
        seed=9,  # after the warm-up: Kafka at 24 s, Cassandra at 45 s, the job at 75 s
        targets=(faults.JOB, "kafka", "cassandra"),
        settle_s=180,
        report=path,
    )
    report = run_soak(soak_stack, options, say=lines.append)
    text = render(report)
    injected = [f for f in report.faults if not f.skipped]
    assert len(injected) >= 2, text
    # the faults' clock starts once the job keeps up: no fault meets a job still starting
    assert report.warm_up_s > 0 and any("warmed up" in line for line in lines), lines
    assert all((f.killed_at_s or 0) > report.warm_up_s for f in injected), text
    assert all(f.recovered for f in report.faults), text
    ledger = report.ledger
    assert ledger is not None
    assert ledger.lost == 0 and ledger.duplicates == 0, text
    assert ledger.acked > 0.9 * ledger.produced, text
    assert ledger.acked + ledger.failed == ledger.produced, text
    assert report.landed_all_s is not None, text
    assert report.passed, text
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["passed"] is True
    assert written["ledger"]["lost"] == 0
    assert [f["target"] for f in written["faults"]] == [f.target for f in report.faults]
    assert any("fault:" in line for line in lines), lines
    assert Path(written["report_path"]) == path
