"""The Spark streaming job as a supervised background process of the local stack.

``make demo`` (and ``python -m stack.streaming_job start``) starts a small supervisor in the
background; the supervisor runs ``python -m spark`` and starts it again, with exponential
backoff, whenever it exits (the JVM killed, out of memory, any crash). Inside, the job restarts
a failed query by itself; this outer loop covers the deaths the job cannot see. A job that exits
with status 3 (a configuration error, such as a checkpoint ahead of its topic) is not restarted:
the supervisor records why and stops. Restarts, exit statuses and the last failure are merged
into the job's status file, which ``make inspect`` shows.

One job per topic, tracked like the stack's services: a pid file and logs under
``<stack home>/spark-job/<topic>/``, found again by its pid file, never by name; ``make
stack-down`` stops it (SIGTERM to the supervisor, which stops the job first).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from config import Settings, load_settings
from config.settings import REPO_ROOT
from spark.status import read_status, write_status
from stack.procs import is_alive, read_pid, start_detached, stop

MARKER = "stack.streaming_job"  # the supervisor's command line: python -m stack.streaming_job
STOP_TIMEOUT_S = 45.0
CONFIGURATION_ERROR = 3
BACKOFF_MAX_S = 60.0
POLL_S = 2.0


def job_dir(settings: Settings) -> Path:
    return settings.stack.home / "spark-job" / settings.kafka.topic


def job_log(settings: Settings) -> Path:
    """The job's own log (``python -m spark``)."""
    return job_dir(settings) / "job.log"


def supervisor_log(settings: Settings) -> Path:
    return job_dir(settings) / "supervisor.log"


def running_job(settings: Settings) -> int | None:
    """The pid of this topic's supervisor when it runs."""
    pid = read_pid(job_dir(settings) / "job.pid")
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
        [sys.executable, "-m", "stack.streaming_job", "supervise"],
        cwd=REPO_ROOT,
        log_path=supervisor_log(settings),
        pid_file=job_dir(settings) / "job.pid",
    )
    return pid, True


def stop_all(settings: Settings) -> list[int]:
    """Stop every supervised job started for any topic; returns the supervisors' pids."""
    stopped = []
    for pid_file in sorted((settings.stack.home / "spark-job").glob("*/job.pid")):
        pid = read_pid(pid_file)
        if pid is not None and is_alive(pid, MARKER):
            stop(pid, MARKER, STOP_TIMEOUT_S)
            stopped.append(pid)
        pid_file.unlink(missing_ok=True)
    return stopped


def reset(settings: Settings) -> list[Path]:
    """Stop the jobs and remove what they keep locally (checkpoint, batch figures, status), so
    a wiped stack starts a fresh job; returns what was removed."""
    stop_all(settings)
    spark = settings.spark
    metrics = [spark.metrics_file, spark.metrics_file.with_name(spark.metrics_file.name + ".1")]
    removed = []
    for path in [
        spark.checkpoint_dir,
        settings.stack.home / "spark-job",
        *metrics,
        spark.status_file,
    ]:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        else:
            continue
        removed.append(path)
    return removed


class Supervisor:
    """Runs the job, restarts it when it dies, stops it on SIGTERM or SIGINT."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.child: subprocess.Popen[bytes] | None = None
        self.stopping = False

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)

    def run(self) -> int:
        """Supervise until stopped; returns the exit status for the supervisor itself."""
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        status = self.settings.spark.status_file
        write_status(status, supervisor_pid=os.getpid(), process_restarts=0)
        restarts = 0
        while not self.stopping:
            started = time.monotonic()
            code = self._run_job()
            if self.stopping:
                break
            if code == CONFIGURATION_ERROR:
                reason = read_status(status).get("last_failure") or f"exit status {code}"
                write_status(status, state="failed", supervisor_gave_up=_now(), exit_code=code)
                _say(f"job exited with a configuration error; not restarted: {reason}")
                return code
            restarts += 1
            streak_reset = time.monotonic() - started > BACKOFF_MAX_S
            delay = 2.0 if streak_reset else min(BACKOFF_MAX_S, 2.0 ** min(restarts, 6))
            write_status(
                status,
                state="restarting",
                process_restarts=restarts,
                exit_code=code,
                last_exit_at=_now(),
            )
            _say(f"job exited with status {code}; restart {restarts} in {delay:.0f} s")
            self._sleep(delay)
        write_status(status, state="stopped", stopped_at=_now())
        return 0

    def _run_job(self) -> int:
        """Run the job until it exits; a job whose query stopped making progress is stopped."""
        job_dir(self.settings).mkdir(parents=True, exist_ok=True)
        with job_log(self.settings).open("ab") as log:
            self.child = subprocess.Popen(
                [sys.executable, "-m", "spark"],
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            while (code := self.child.poll()) is None:
                if self._stalled():
                    self._stop_stalled()
                time.sleep(POLL_S)
        return code

    def _stalled(self) -> bool:
        state = read_status(self.settings.spark.status_file)
        if state.get("state") != "running" or self.stopping:
            return False
        marks = [state.get("last_progress_at"), state.get("running_since")]
        latest = max((datetime.fromisoformat(m) for m in marks if m), default=None)
        if latest is None:
            return False
        return (datetime.now(UTC) - latest).total_seconds() > self.settings.spark.stall_timeout_s

    def _stop_stalled(self) -> None:
        assert self.child is not None
        timeout = self.settings.spark.stall_timeout_s
        _say(f"the query made no progress for {timeout:.0f} s: stopping the job to restart it")
        stalls = int(read_status(self.settings.spark.status_file).get("stalls", 0)) + 1
        write_status(self.settings.spark.status_file, stalls=stalls, last_stall_at=_now())
        self.child.send_signal(signal.SIGTERM)
        try:
            self.child.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(0.2)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _say(message: str) -> None:
    print(f"{_now()} supervisor: {message}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack.streaming_job", description=__doc__)
    parser.add_argument("command", choices=["start", "stop", "status", "reset", "supervise"])
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.command == "supervise":
        return Supervisor(settings).run()
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
        stopped = stop_all(settings)
        print(f"stopped streaming job(s) {stopped}" if stopped else "no streaming job was running")
    else:
        running = running_job(settings)
        state = read_status(settings.spark.status_file).get("state", "unknown")
        shown = f"running (supervisor pid {running}), {state}" if running else "stopped"
        print(f"streaming job: {shown}; log {job_log(settings)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
