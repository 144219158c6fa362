"""The streaming job as a background process of the local stack.

``make demo`` (and ``python -m stack.streaming_job start``) starts the job's supervisor
(``spark.supervisor``, the same one the Compose stack runs) in the background; it runs
``python -m spark`` and restarts it by the job's restart policy (``spark.restarts``). One job
streams every contract. It is tracked like the stack's services: a pid file and a log beside its
state file (``spark.status_file``: ``.stack/job/``), found again by its pid file, never by
name; ``make stack-down`` stops it (SIGTERM to the supervisor, which stops the job first).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from config import Settings, load_settings
from config.settings import REPO_ROOT
from spark.state import JobPhase, JobStateFile
from spark.supervisor import STOP_TIMEOUT_S
from stack.procs import is_alive, read_pid, start_detached, stop

MARKER = "spark.supervisor"  # the supervisor's command line: python -m spark.supervisor
READY_POLL_S = 0.5


def job_dir(settings: Settings) -> Path:
    """The job's folder: its state, pid file and log."""
    return settings.spark.status_file.parent


def job_log(settings: Settings) -> Path:
    """The log of the job and its supervisor."""
    return job_dir(settings) / "job.log"


def _pid_file(settings: Settings) -> Path:
    return job_dir(settings) / "job.pid"


def running_job(settings: Settings) -> int | None:
    """The pid of the job's supervisor when it runs."""
    pid = read_pid(_pid_file(settings))
    return pid if pid is not None and is_alive(pid, MARKER) else None


def ensure_job(settings: Settings) -> tuple[int, bool]:
    """Start the supervised job unless it already runs; returns (supervisor pid, started).

    The children inherit the environment, so ``PIPELINE_*`` overrides reach them as they
    reached this process.
    """
    pid = running_job(settings)
    if pid is not None:
        return pid, False
    job_dir(settings).mkdir(parents=True, exist_ok=True)
    pid = start_detached(
        [sys.executable, "-m", "spark.supervisor"],
        cwd=REPO_ROOT,
        log_path=job_log(settings),
        pid_file=_pid_file(settings),
    )
    return pid, True


def wait_until_streaming(settings: Settings, timeout_s: float) -> float | None:
    """Wait until every query of the job has started (its first trigger made); returns the
    seconds waited, or None when the job failed or the time ran out."""
    state = JobStateFile(settings.spark.status_file)
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        current = state.read()
        if current.phase == JobPhase.FAILED or running_job(settings) is None:
            return None
        ids = set(current.queries.values())
        if current.phase == JobPhase.RUNNING and ids and ids <= set(current.progress_at):
            return time.monotonic() - started
        time.sleep(READY_POLL_S)
    return None


def stop_job(settings: Settings) -> int | None:
    """Stop the supervised job; returns the supervisor's pid when one ran."""
    pid = running_job(settings)
    if pid is not None:
        stop(pid, MARKER, STOP_TIMEOUT_S)
    _pid_file(settings).unlink(missing_ok=True)
    return pid


def reset(settings: Settings) -> list[Path]:
    """Stop the job and remove what it keeps locally (checkpoints, batch figures, state), so a
    wiped stack starts a fresh job; returns what was removed."""
    stop_job(settings)
    spark = settings.spark
    metrics = [spark.metrics_file, spark.metrics_file.with_name(spark.metrics_file.name + ".1")]
    removed = []
    for path in [Path(spark.checkpoint_dir), job_dir(settings), *metrics, spark.status_file]:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        else:
            continue
        removed.append(path)
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack.streaming_job", description=__doc__)
    parser.add_argument("command", choices=["start", "stop", "status", "reset"])
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.command == "start":
        pid, started = ensure_job(settings)
        print(
            f"streaming job {'started' if started else 'already running'} (supervisor pid {pid}),"
            f" log {job_log(settings)}"
        )
    elif args.command == "reset":
        removed = reset(settings)
        print("removed " + ", ".join(map(str, removed)) if removed else "no job state to remove")
    elif args.command == "stop":
        stopped = stop_job(settings)
        print(f"stopped streaming job {stopped}" if stopped else "no streaming job was running")
    else:
        running = running_job(settings)
        phase = JobStateFile(settings.spark.status_file).read().phase or "unknown"
        shown = f"running (supervisor pid {running}), {phase}" if running else "stopped"
        print(f"streaming job: {shown}; log {job_log(settings)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
