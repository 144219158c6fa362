"""Faults injected into a running local stack, as an operator would meet them: a service's
process killed outright (SIGKILL: no shutdown hook, no flush), then brought back.

The fault tests (``tests/faults``) and the soak (``stack.soak``) kill and restore through
here, so both mean the same thing by "a broker died". Targets are the stack's service names
(``stack.control.services``: ``kafka-2``, ``cassandra-3``, ``spark-worker-1``, ``registry``,
...) and ``job``: the streaming job's Spark process, which its supervisor restarts.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass

from config import Settings
from spark.state import JobStateFile, pid_runs
from stack import control
from stack.errors import StackError

JOB = "job"
"""The target naming the streaming job's Spark process (not a service of the stack)."""
_JOB_MARKER = "spark"
_POLL_S = 0.5


@dataclass(frozen=True)
class Kill:
    """One process killed: what it was, its pid, and when (``time.monotonic()``)."""

    target: str
    pid: int
    at: float


def targets(settings: Settings) -> list[str]:
    """What can be killed on this stack: each JVM service (not the metrics tools, whose loss
    the pipeline does not notice) and the job."""
    skipped = {"prometheus", "pushgateway"}
    return [name for name in control.services(settings) if name not in skipped] + [JOB]


def kill(settings: Settings, target: str) -> Kill:
    """SIGKILL ``target``'s process; raises :class:`StackError` when it does not run."""
    pid = _pid(settings, target)
    if pid is None:
        raise StackError(f"cannot kill {target}: it does not run")
    os.kill(pid, signal.SIGKILL)
    return Kill(target, pid, time.monotonic())


def _pid(settings: Settings, target: str) -> int | None:
    if target == JOB:
        pid = JobStateFile(settings.spark.status_file).read().pid
        return pid if pid is not None and pid_runs(pid, _JOB_MARKER) else None
    svc = control.services(settings)
    if target not in svc:
        raise StackError(f"no service {target!r} on this stack; targets: {targets(settings)}")
    return control.running_pid(svc[target])


def restore(settings: Settings, killed: Kill, progress: control.Progress = lambda _: None) -> float:
    """Bring ``killed``'s target back and wait until it is healthy (a service) or its
    supervisor has started a new Spark process (the job). Returns the seconds since the kill."""
    if killed.target == JOB:
        deadline = killed.at + settings.stack.startup_timeout_s
        while (pid := _pid(settings, JOB)) is None or pid == killed.pid:
            if time.monotonic() > deadline:
                raise StackError(
                    f"the job's supervisor did not restart the job within "
                    f"{settings.stack.startup_timeout_s:.0f} s (stack.startup_timeout_s)"
                )
            time.sleep(_POLL_S)
    else:
        while control.running_pid(control.services(settings)[killed.target]) == killed.pid:
            time.sleep(_POLL_S)  # SIGKILL is not instant: the pid lingers until reaped
        control.up(settings, progress=progress, only=[killed.target])
    return time.monotonic() - killed.at
