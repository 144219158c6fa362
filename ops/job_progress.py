"""Where the streaming job is: the offsets it has written, its lag, and its Spark UI.

Read from what the job leaves behind (its checkpoint and ``spark.status_file``) and from the
broker, so it works whether or not the job runs, and for a job started by anyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from config import Settings
from spark.status import read_status
from stack.procs import is_alive

STREAMING_TAB = "StreamingQuery/"
STUCK = 3
"""Failures in a row for the same reason from which the job is shown as stuck on it."""
JOB_MARKER = "spark"
"""In the job's command line (``python -m spark``): the recorded pid still runs the job."""


@dataclass(frozen=True)
class JobStatus:
    """What the job's status file says, and whether that process still runs."""

    ui_url: str | None
    pid: int | None
    started_at: str | None
    running: bool
    state: str | None = None
    """starting, running, restarting (after a failed query) or stopped, as the job records."""
    query_restarts: int = 0
    last_failure: str | None = None
    failure_streak: int = 0
    """Failures in a row for the same reason (the job says it is stuck from 3 on)."""
    process_restarts: int = 0
    """Times the supervisor restarted the job's process (it died, or stalled)."""
    stalls: int = 0
    reader_version: int | None = None
    """The registry version of the reader contract (None: the one ``make codegen`` generated)."""
    refused_versions: dict[str, str] | None = None

    @property
    def streaming_url(self) -> str | None:
        """The Structured Streaming tab (input and processing rates per batch)."""
        return f"{self.ui_url.rstrip('/')}/{STREAMING_TAB}" if self.ui_url else None

    def describe(self) -> str:
        if self.pid is None:
            return "no streaming job has recorded its status yet"
        if not self.running:
            return f"not running (pid {self.pid}, started {self.started_at}, has exited)"
        restarts = f", {self.query_restarts} query restarts" if self.query_restarts else ""
        restarts += f", {self.process_restarts} process restarts" if self.process_restarts else ""
        restarts += f", {self.stalls} stalls" if self.stalls else ""
        reader = f", reader v{self.reader_version}" if self.reader_version else ""
        failure = f"; last failure: {self.last_failure}" if self.last_failure else ""
        if self.failure_streak >= STUCK:
            failure += f" (failed {self.failure_streak} times in a row for this reason)"
        refused = "".join(
            f"; refused v{v}: {why}" for v, why in (self.refused_versions or {}).items()
        )
        return (
            f"{self.state or 'running'}, Spark UI {self.streaming_url} "
            f"(job pid {self.pid}, started {self.started_at}{restarts}{reader}){failure}{refused}"
        )


def job_status(settings: Settings) -> JobStatus:
    """The job's recorded status; ``running`` checks the pid still runs the job."""
    status = read_status(settings.spark.status_file)

    def number(name: str) -> int:
        value = status.get(name)
        return value if isinstance(value, int) else 0

    pid = status.get("pid")
    pid = pid if isinstance(pid, int) else None
    refused = status.get("refused_versions")
    return JobStatus(
        ui_url=status.get("ui_url"),
        pid=pid,
        started_at=status.get("started_at"),
        running=pid is not None and is_alive(pid, JOB_MARKER),
        state=status.get("state"),
        query_restarts=number("query_restarts"),
        last_failure=status.get("last_failure"),
        failure_streak=number("failure_streak"),
        process_restarts=number("process_restarts"),
        stalls=number("stalls"),
        reader_version=number("reader_version") or None,
        refused_versions=refused if isinstance(refused, dict) else None,
    )


def lag(marks: dict[int, tuple[int, int]], committed: dict[int, int]) -> int:
    """Messages past the committed offsets, given each partition's (low, high) watermarks."""
    return sum(high - committed.get(p, low) for p, (low, high) in marks.items())
