"""The Spark streaming job as a background process of the local stack (used by ``make demo``).

One job per topic, tracked like the stack's services: a pid file and a log under
``<stack home>/spark-job/<topic>/``; it is found again by its pid file, never by name, and
``make stack-down`` stops it with the stack. ``make stream`` runs the same job in the foreground.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from config import Settings, load_settings
from config.settings import REPO_ROOT
from stack.procs import is_alive, read_pid, start_detached, stop

MARKER = "spark"  # the job's command line is `python -m spark`
STOP_TIMEOUT_S = 30.0


def job_dir(settings: Settings) -> Path:
    return settings.stack.home / "spark-job" / settings.kafka.topic


def job_log(settings: Settings) -> Path:
    return job_dir(settings) / "job.log"


def running_job(settings: Settings) -> int | None:
    """The pid of this topic's background job when it runs."""
    pid = read_pid(job_dir(settings) / "job.pid")
    return pid if pid is not None and is_alive(pid, MARKER) else None


def ensure_job(settings: Settings) -> tuple[int, bool]:
    """Start the job unless it already runs; returns (pid, started). The child inherits the
    environment, so ``PIPELINE_*`` overrides reach it as they reached this process."""
    pid = running_job(settings)
    if pid is not None:
        return pid, False
    job_dir(settings).mkdir(parents=True, exist_ok=True)
    pid = start_detached(
        [sys.executable, "-m", "spark"],
        cwd=REPO_ROOT,
        log_path=job_log(settings),
        pid_file=job_dir(settings) / "job.pid",
    )
    return pid, True


def stop_all(settings: Settings) -> list[int]:
    """Stop every background job started for any topic; returns their pids."""
    stopped = []
    for pid_file in sorted((settings.stack.home / "spark-job").glob("*/job.pid")):
        pid = read_pid(pid_file)
        if pid is not None and is_alive(pid, MARKER):
            stop(pid, MARKER, STOP_TIMEOUT_S)
            stopped.append(pid)
        pid_file.unlink(missing_ok=True)
    return stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack.streaming_job", description=__doc__)
    parser.add_argument("command", choices=["start", "stop", "status"])
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.command == "start":
        pid, started = ensure_job(settings)
        print(
            f"streaming job {'started' if started else 'already running'} (pid {pid}), "
            f"log {job_log(settings)}"
        )
    elif args.command == "stop":
        stopped = stop_all(settings)
        print(f"stopped streaming job(s) {stopped}" if stopped else "no streaming job was running")
    else:
        running = running_job(settings)
        state = f"running, pid {running}" if running else "stopped"
        print(f"streaming job: {state}; log {job_log(settings)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
