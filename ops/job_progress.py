"""Where the streaming job is: its recorded state, the offsets it has written, its lag.

Read from what the job leaves behind (its checkpoints and its state file, ``spark.state``) and
from the broker, so it works whether or not the job runs, and for a job started by anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from config import Settings
from spark.restarts import STUCK_AFTER
from spark.state import JobPhase, JobState, JobStateFile, ReaderState, pid_runs

STREAMING_TAB = "StreamingQuery/"
JOB_MARKER = "spark"
"""In the job's command line (``python -m spark``): the recorded pid still runs the job."""


@dataclass(frozen=True)
class JobStatus:
    """The job's recorded state, and whether that process still runs."""

    state: JobState
    running: bool
    readers: dict[str, ReaderState] = field(default_factory=dict)

    @property
    def ui_url(self) -> str | None:
        return self.state.ui_url

    @property
    def streaming_url(self) -> str | None:
        """The Structured Streaming tab (input and processing rates per batch)."""
        url = self.state.ui_url
        return f"{url.rstrip('/')}/{STREAMING_TAB}" if url and self.running else None

    @property
    def phase(self) -> str:
        """The phase to show: what the job recorded, or ``exited`` for a job that died without
        recording it (a job that gave up shows ``failed``)."""
        phase = self.state.phase
        if phase is None:
            return "never started"
        if not self.running and phase not in (JobPhase.FAILED, JobPhase.STOPPED):
            return "exited"
        return phase.value

    def describe(self) -> str:
        """One paragraph for ``make inspect``."""
        s = self.state
        if s.pid is None and s.phase is None:
            return "no streaming job has recorded its state yet"
        # a job refused at start (a configuration error) never recorded a pid: its phase and
        # reason are still worth showing
        started = f"job pid {s.pid}, started {s.started_at}" if s.pid is not None else "not started"
        parts = [f"{self.phase} ({started})"]
        if self.streaming_url:
            parts.append(f"Spark UI {self.streaming_url}")
        counts = [
            f"{n} {what}"
            for n, what in (
                (s.query_restarts, "query restarts"),
                (s.process_restarts, "process restarts"),
                (s.stalls, "stalls"),
            )
            if n
        ]
        if counts:
            parts.append(", ".join(counts))
        if s.queries:
            parts.append("streams " + ", ".join(sorted(s.queries)))
        text = "; ".join(parts)
        if s.last_failure:
            when = f" (at {s.last_failure_at})" if s.last_failure_at else ""
            text += f"\n    last failure{when}: {s.last_failure}"
            if s.failure_streak >= STUCK_AFTER:
                text += f" (failed {s.failure_streak} times in a row for this reason)"
        if s.gave_up_at:
            text += f"\n    given up at {s.gave_up_at}: not restarted (a configuration error)"
        for subject, reader in sorted(self.readers.items()):
            version = f"v{reader.version}" if reader.version else "the generated contract"
            text += f"\n    {subject}: reads with {version}"
            for refused, why in reader.refused.items():
                text += f"; refused v{refused}: {why}"
        return text


def job_status(settings: Settings) -> JobStatus:
    """The job's recorded state; ``running`` checks the pid still runs the job."""
    state = JobStateFile(settings.spark.status_file).read()
    running = state.pid is not None and pid_runs(state.pid, JOB_MARKER)
    return JobStatus(state, running, dict(state.readers))


def lag(marks: dict[int, tuple[int, int]], committed: dict[int, int]) -> int:
    """Messages past the committed offsets, given each partition's (low, high) watermarks (a
    checkpoint ahead of its topic counts as no lag: the job refuses it and says so)."""
    return sum(max(high - committed.get(p, low), 0) for p, (low, high) in marks.items())
