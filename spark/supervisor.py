"""``python -m spark.supervisor``: the streaming job, restarted whenever its process dies.

The supervisor runs ``python -m spark`` (with the arguments it was given) and starts it again,
by the job's restart policy (``spark.restarts``), whenever it exits or stops making progress.
A job that exits with a configuration error is not restarted: the supervisor records it
``failed``, with its reason, and exits with status 0, so a container's ``restart: on-failure``
does not start it into the same error again either (``make inspect`` shows why). The
supervisor's own configuration errors (a setting that does not validate, a state file it cannot
write) end it the same way, with the setting named. SIGTERM or SIGINT stop the job first, then
the supervisor. ``make demo`` runs it in the background; the
Compose stack runs it as the job's container command.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from wsgiref.simple_server import WSGIServer

from config import Settings, load_settings
from contract.metrics import SupervisorMetrics, serve
from spark.restarts import CONFIGURATION_ERROR, RestartPolicy
from spark.state import JobPhase, JobStateFile, now

STOP_TIMEOUT_S = 45.0
"""How long a stopping job may take before it is killed."""
POLL_S = 2.0


class Supervisor:
    """Runs the job, restarts it when it dies or stalls, stops it on SIGTERM or SIGINT."""

    def __init__(self, settings: Settings, job_args: Sequence[str] = (), cwd: Path | None = None):
        self.settings = settings
        self.job_args = list(job_args)
        self.cwd = cwd
        self.state = JobStateFile(settings.spark.status_file)
        self.child: subprocess.Popen[bytes] | None = None
        self.stopping = False
        self.policy = RestartPolicy(settings.spark.restart_backoff_max_s)
        self.metrics = SupervisorMetrics()

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)

    def run(self) -> int:
        """Supervise until stopped or given up; returns the supervisor's exit status."""
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        try:
            self.state.update(
                supervisor_pid=os.getpid(),
                phase=JobPhase.STARTING,
                process_restarts=0,
                gave_up_at=None,
            )
        except OSError as exc:
            path = self.settings.spark.status_file
            return _configuration_error(
                f"cannot write the job's state file {path} (setting spark.status_file): {exc}"
            )
        server = self._serve_metrics()
        try:
            return self._supervise()
        finally:
            if server is not None:
                server.shutdown()

    def _supervise(self) -> int:
        """Run the job, and again after each failure, until stopped or given up."""
        while not self.stopping:
            self.policy.started()
            started = now()
            code = self._run_job()
            if self.stopping:
                break
            if code == CONFIGURATION_ERROR:
                state = self.state.update(phase=JobPhase.FAILED, gave_up_at=now(), exit_code=code)
                recorded = state.last_failure_at is not None and state.last_failure_at >= started
                reason = state.last_failure if recorded else f"exit status {code}; see its log"
                _say(f"job exited with a configuration error; not restarted: {reason}")
                return 0
            delay = self.policy.failed()
            self.metrics.restarts.inc()
            state = self.state.count(
                "process_restarts", phase=JobPhase.RESTARTING, exit_code=code, last_exit_at=now()
            )
            _say(
                f"job exited with status {code}; restart {state.process_restarts} in {delay:.0f} s"
            )
            self._sleep(delay)
        self.state.update(phase=JobPhase.STOPPED, stopped_at=now())
        return 0

    def _serve_metrics(self) -> WSGIServer | None:
        """Serve ``userstream_job_restarts_total`` on ``metrics.supervisor_port`` (none when it
        is 0); a port already taken leaves this supervisor without it, said once."""
        host, port = self.settings.metrics.host, self.settings.metrics.supervisor_port
        try:
            return serve(self.metrics.registry, host, port)
        except OSError as exc:
            _say(f"metrics not served: {host}:{port}: {exc.strerror}")
            return None

    def _run_job(self) -> int:
        """Run the job until it exits; a job whose queries stopped making progress is stopped."""
        self.child = subprocess.Popen(
            [sys.executable, "-m", "spark", *self.job_args],
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
        )
        while (code := self.child.poll()) is None:
            if self._stalled():
                self._stop_stalled()
            time.sleep(POLL_S)
        return code

    def _stalled(self) -> bool:
        """Whether a running query made no progress (no batch, no idle trigger) for
        ``spark.stall_timeout_s``."""
        state = self.state.read()
        if state.phase != JobPhase.RUNNING or self.stopping or not state.running_since:
            return False
        since = datetime.fromisoformat(state.running_since)
        for query_id in state.queries.values():
            mark = state.progress_at.get(query_id)
            latest = max(since, datetime.fromisoformat(mark)) if mark else since
            if (datetime.now(UTC) - latest).total_seconds() > self.settings.spark.stall_timeout_s:
                return True
        return False

    def _stop_stalled(self) -> None:
        assert self.child is not None
        timeout = self.settings.spark.stall_timeout_s
        _say(f"the job made no progress for {timeout:.0f} s: stopping it to restart it")
        self.state.count("stalls", last_stall_at=now())
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


def _say(message: str) -> None:
    print(f"{now()} supervisor: {message}", flush=True)


def _configuration_error(message: str) -> int:
    """Say why the supervisor cannot start; its status is 0, so that a container's
    ``restart: on-failure`` does not start it into the same error again."""
    _say(f"configuration error; not started: {message}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Supervise ``python -m spark`` with the given arguments (see ``python -m spark --help``)."""
    try:
        settings = load_settings()
    except ValueError as exc:  # pydantic's ValidationError names the setting and the value
        return _configuration_error(str(exc))
    return Supervisor(settings, sys.argv[1:] if argv is None else argv).run()


if __name__ == "__main__":
    sys.exit(main())
