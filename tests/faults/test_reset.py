"""Reset means reset: a wiped stack starts a fresh job, and a checkpoint that no longer fits its
topic is refused at start with what to do, instead of a job that dies over and over."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from config import Settings
from config.settings import REPO_ROOT
from spark.checkpoint import CheckpointMismatchError, check_fits, written_offsets
from spark.status import read_status, write_status
from stack.streaming_job import reset
from tests.fixtures.producer import scratch_topics


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
        yield settings.model_copy(
            update={
                "spark": settings.spark.model_copy(
                    update={
                        "checkpoint_dir": tmp_path / "checkpoint",
                        "metrics_file": tmp_path / "batches.jsonl",
                        "status_file": tmp_path / "status.json",
                    }
                ),
                "stack": settings.stack.model_copy(update={"home": tmp_path / "home"}),
            }
        )


@pytest.mark.stack
def test_the_supervisor_gives_up_on_a_checkpoint_that_does_not_fit(job_settings: Settings) -> None:
    """The job exits at once (status 3, no Spark started); the supervisor says why and stops."""
    s = job_settings
    _checkpoint(s.spark.checkpoint_dir, s.kafka.topic, {0: 698})
    env = {
        **os.environ,
        "PIPELINE_KAFKA__BOOTSTRAP_SERVERS": s.kafka.bootstrap_servers,
        "PIPELINE_KAFKA__TOPIC": s.kafka.topic,
        "PIPELINE_SPARK__CHECKPOINT_DIR": str(s.spark.checkpoint_dir),
        "PIPELINE_SPARK__STATUS_FILE": str(s.spark.status_file),
        "PIPELINE_SPARK__METRICS_FILE": str(s.spark.metrics_file),
        "PIPELINE_STACK__HOME": str(s.stack.home),
    }
    started = time.monotonic()
    supervisor = subprocess.run(
        [sys.executable, "-m", "stack.streaming_job", "supervise"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert supervisor.returncode == 3, supervisor.stdout + supervisor.stderr
    assert "configuration error; not restarted" in supervisor.stdout
    job_log = (s.stack.home / "spark-job" / s.kafka.topic / "job.log").read_text()
    assert f"is ahead of topic {s.kafka.topic}" in job_log
    assert read_status(s.spark.status_file)["state"] == "failed"
    assert time.monotonic() - started < 60, "refused before any Spark session starts"


def test_reset_removes_the_jobs_checkpoint_figures_and_status(
    settings: Settings, tmp_path: Path
) -> None:
    local = settings.model_copy(
        update={
            "spark": settings.spark.model_copy(
                update={
                    "checkpoint_dir": tmp_path / "checkpoint",
                    "metrics_file": tmp_path / "metrics" / "batches.jsonl",
                    "status_file": tmp_path / "metrics" / "status.json",
                }
            ),
            "stack": settings.stack.model_copy(update={"home": tmp_path / "home"}),
        }
    )
    _checkpoint(local.spark.checkpoint_dir, "users", {0: 5})
    local.spark.metrics_file.parent.mkdir(parents=True)
    local.spark.metrics_file.write_text("{}\n")
    write_status(local.spark.status_file, state="running")
    removed = reset(local)
    assert set(removed) == {
        local.spark.checkpoint_dir,
        local.spark.metrics_file,
        local.spark.status_file,
    }
    assert not local.spark.checkpoint_dir.exists() and not local.spark.status_file.exists()
