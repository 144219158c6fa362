"""The supervisor and the job refuse a configuration error once, say which setting or flag is
at fault, and exit so that neither the supervisor nor a container's ``restart: on-failure``
starts them into the same error again. No service is needed: each refusal happens before the
job connects to anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import load_settings
from config.settings import REPO_ROOT
from ops.job_progress import job_status
from spark.restarts import CONFIGURATION_ERROR
from spark.state import JobPhase, JobStateFile

TIMEOUT_S = 120


def _supervise(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "spark.supervisor", *args],
        cwd=REPO_ROOT,
        env={**os.environ, "PIPELINE_METRICS__SUPERVISOR_PORT": "0", **env},
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def test_a_setting_that_does_not_validate_ends_the_supervisor_naming_it(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    run = _supervise(
        {"PIPELINE_KAFKA__PARTITIONS": "0", "PIPELINE_SPARK__STATUS_FILE": str(state_file)}
    )
    assert run.returncode == 0, run.stderr
    assert "configuration error; not started" in run.stdout
    assert "kafka.partitions" in run.stdout, run.stdout
    assert not state_file.exists(), "no job was started"


def test_a_state_file_it_cannot_write_ends_the_supervisor_naming_the_setting(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    run = _supervise({"PIPELINE_SPARK__STATUS_FILE": str(blocker / "state.json")})
    assert run.returncode == 0, run.stderr
    assert "configuration error; not started" in run.stdout
    assert "spark.status_file" in run.stdout and str(blocker) in run.stdout, run.stdout


def test_a_job_refused_by_its_flags_is_recorded_failed_with_its_reason_not_an_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state_file = tmp_path / "state.json"
    JobStateFile(state_file).update(
        last_failure="an older failure", last_failure_at="2020-01-01T00:00:00+00:00"
    )
    env = {"PIPELINE_SPARK__STATUS_FILE": str(state_file)}
    run = _supervise(env, "--contract", "no_such_contract")
    assert run.returncode == 0, run.stderr
    assert "not restarted" in run.stdout and "no_such_contract" in run.stdout, run.stdout
    assert "an older failure" not in run.stdout

    state = JobStateFile(state_file).read()
    assert state.phase == JobPhase.FAILED
    assert state.exit_code == CONFIGURATION_ERROR
    assert state.process_restarts == 0, "a configuration error is not restarted"
    assert state.last_failure is not None and "no_such_contract" in state.last_failure

    monkeypatch.setenv("PIPELINE_SPARK__STATUS_FILE", str(state_file))  # as `make inspect` reads
    status = job_status(load_settings())
    assert status.phase == JobPhase.FAILED.value
    described = status.describe()
    assert "no_such_contract" in described and "not restarted" in described, described
