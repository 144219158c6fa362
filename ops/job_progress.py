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
        failure = f"; last failure: {self.last_failure}" if self.last_failure else ""
        return (
            f"{self.state or 'running'}, Spark UI {self.streaming_url} "
            f"(job pid {self.pid}, started {self.started_at}{restarts}){failure}"
        )


def job_status(settings: Settings) -> JobStatus:
    """The job's recorded status; ``running`` checks the pid still runs the job."""
    status = read_status(settings.spark.status_file)
    pid = status.get("pid")
    pid = pid if isinstance(pid, int) else None
    restarts = status.get("query_restarts")
    return JobStatus(
        ui_url=status.get("ui_url"),
        pid=pid,
        started_at=status.get("started_at"),
        running=pid is not None and is_alive(pid, JOB_MARKER),
        state=status.get("state"),
        query_restarts=restarts if isinstance(restarts, int) else 0,
        last_failure=status.get("last_failure"),
    )


def lag(marks: dict[int, tuple[int, int]], committed: dict[int, int]) -> int:
    """Messages past the committed offsets, given each partition's (low, high) watermarks."""
    return sum(high - committed.get(p, low) for p, (low, high) in marks.items())
