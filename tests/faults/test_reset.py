"""Reset means reset: a wiped stack starts a fresh job, and a checkpoint that no longer fits its
topic is refused at start with what to do, instead of a job that dies over and over."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from config import Settings
from config.settings import REPO_ROOT, updated
from contract.catalog import contract
from ops.inspection import JobRow, collect
from spark.checkpoint import (
    CheckpointMismatchError,
    check_fits,
    checkpoint_location,
    written_offsets,
)
from spark.restarts import CONFIGURATION_ERROR
from spark.state import JobPhase, JobStateFile
from stack.streaming_job import reset
from tests.fixtures.producer import scratch_topics, user_names
from tests.fixtures.spark import USER_CONTRACT


def _checkpoint(folder: Path, topic: str, offsets: dict[int, int], committed: bool = True) -> Path:
    """A Structured Streaming checkpoint whose batch 0 read ``topic`` up to ``offsets``."""
    (folder / "offsets").mkdir(parents=True)
    (folder / "commits").mkdir()
    source = {topic: {str(p): o for p, o in offsets.items()}}
    lines = ["v1", '{"batchWatermarkMs":0}', json.dumps(source)]
    (folder / "offsets" / "0").write_text("\n".join(lines), encoding="utf-8")
    if committed:
        (folder / "commits" / "0").write_text("v1\n{}", encoding="utf-8")
    return folder


def test_a_checkpoint_ahead_of_its_topic_is_refused_with_what_to_do(tmp_path: Path) -> None:
    checkpoint = _checkpoint(tmp_path / "ckpt", "users", {0: 698, 1: 10})
    assert written_offsets(checkpoint, "users") == {0: 698, 1: 10}
    check_fits(checkpoint, "users", {0: 700, 1: 10})  # behind or at the end: fine
    with pytest.raises(CheckpointMismatchError) as err:
        check_fits(checkpoint, "users", {0: 8, 1: 10})
    message = str(err.value)
    assert "partition 0: 698 > end 8" in message
    assert "make stack-reset" in message and str(checkpoint) in message


def test_only_committed_batches_count(tmp_path: Path) -> None:
    checkpoint = _checkpoint(tmp_path / "ckpt", "users", {0: 698}, committed=False)
    assert written_offsets(checkpoint, "users") == {}


@pytest.fixture
def job_settings(local_stack: Settings, tmp_path: Path) -> Iterator[Settings]:
    with scratch_topics(local_stack) as settings:
        yield updated(
            settings,
            spark={
                "checkpoint_dir": str(tmp_path / "checkpoints"),
                "metrics_file": tmp_path / "batches.jsonl",
                "status_file": tmp_path / "state.json",
            },
            stack={"home": tmp_path / "home"},
        )


@dataclass(frozen=True)
class GaveUp:
    """A supervisor run on a checkpoint ahead of its topic."""

    supervisor: subprocess.CompletedProcess[str]
    topic: str
    seconds: float


def _supervise_misfit_checkpoint(s: Settings) -> GaveUp:
    """``python -m spark.supervisor`` with the user contract's checkpoint ahead of its topic."""
    topic = user_names(s).topic
    _checkpoint(Path(checkpoint_location(s, topic)), topic, {0: 698})
    env = {
        **os.environ,
        "PIPELINE_KAFKA__BOOTSTRAP_SERVERS": s.kafka.bootstrap_servers,
        "PIPELINE_KAFKA__TOPIC_PREFIX": s.kafka.topic_prefix,
        "PIPELINE_CASSANDRA__KEYSPACE": s.cassandra.keyspace or "",
        "PIPELINE_SPARK__CHECKPOINT_DIR": s.spark.checkpoint_dir,
        "PIPELINE_SPARK__STATUS_FILE": str(s.spark.status_file),
        "PIPELINE_SPARK__METRICS_FILE": str(s.spark.metrics_file),
        "PIPELINE_STACK__HOME": str(s.stack.home),
    }
    started = time.monotonic()
    supervisor = subprocess.run(
        [sys.executable, "-m", "spark.supervisor", "--contract", USER_CONTRACT],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return GaveUp(supervisor, topic, time.monotonic() - started)


@pytest.mark.stack
def test_the_supervisor_gives_up_on_a_checkpoint_that_does_not_fit(job_settings: Settings) -> None:
    """The job exits at once (status 3, no Spark started); the supervisor says why, records
    the job failed and exits with status 0 (a container's restart policy leaves it be)."""
    run = _supervise_misfit_checkpoint(job_settings)
    log = run.supervisor.stdout + run.supervisor.stderr  # one log for the job and supervisor
    assert run.supervisor.returncode == 0, log
    assert "configuration error; not restarted" in run.supervisor.stdout
    assert f"is ahead of topic {run.topic}" in log
    state = JobStateFile(job_settings.spark.status_file).read()
    assert state.phase == JobPhase.FAILED and state.gave_up_at
    assert state.exit_code == CONFIGURATION_ERROR
    assert state.process_restarts == 0, "a configuration error is not restarted"
    assert f"is ahead of topic {run.topic}" in (state.last_failure or "")
    assert run.seconds < 60, "refused before any Spark session starts"


@pytest.mark.stack
def test_inspection_shows_the_job_failed_with_its_reason(job_settings: Settings) -> None:
    """``make inspect`` after the supervisor gave up: the job ``failed``, why, and that it is
    not restarted."""
    run = _supervise_misfit_checkpoint(job_settings)
    assert run.supervisor.returncode == 0, run.supervisor.stdout + run.supervisor.stderr
    report = collect(job_settings, [contract(USER_CONTRACT)])
    assert report.job.error is None, report.job.error
    (row,) = report.job.rows
    assert isinstance(row, JobRow)
    assert (row.running, row.phase) == (False, "failed")
    assert f"is ahead of topic {run.topic}" in row.status, row.status
    assert "not restarted" in row.status, row.status
    assert "process restarts" not in row.status, row.status
    assert [stream.topic for stream in row.streams] == [run.topic]


def test_reset_removes_the_jobs_checkpoint_figures_and_state(
    settings: Settings, tmp_path: Path
) -> None:
    local = updated(
        settings,
        spark={
            "checkpoint_dir": str(tmp_path / "checkpoints"),
            "metrics_file": tmp_path / "job" / "batches.jsonl",
            "status_file": tmp_path / "job" / "state.json",
        },
        stack={"home": tmp_path / "home"},
    )
    checkpoints = Path(local.spark.checkpoint_dir)
    _checkpoint(checkpoints / "users", "users", {0: 5})
    local.spark.metrics_file.parent.mkdir(parents=True)
    local.spark.metrics_file.write_text("{}\n")
    JobStateFile(local.spark.status_file).update(phase=JobPhase.RUNNING)
    removed = reset(local)
    assert set(removed) == {checkpoints, local.spark.status_file.parent}
    assert not checkpoints.exists() and not local.spark.status_file.exists()
    assert not local.spark.metrics_file.exists()
