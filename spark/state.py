"""The streaming job's state: one typed record in one small JSON file, read by ``make inspect``.

Three writers share the file: the job's main thread (its phase, query restarts), its listener
thread (progress marks) and live readers (reader versions), and the supervisor, another
process (process restarts, exit status). Every change is a read-modify-write under an
exclusive ``flock`` on ``<file>.lock`` and lands by an atomic rename, so no writer loses
another's change and a reader never sees half a file. Field names are checked: a change to a
field the record does not have is an error, not a new key.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

M = TypeVar("M", bound=BaseModel)


class JobPhase(StrEnum):
    """Where the job is in its life."""

    STARTING = "starting"
    RUNNING = "running"
    RESTARTING = "restarting"
    """A query or the process failed and waits for its restart."""
    STOPPED = "stopped"
    FAILED = "failed"
    """Given up for good: a configuration error that no restart can fix."""


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReaderState(_Record):
    """What the live reader of one subject reads with."""

    version: int | None = None
    """The registry version of the reader contract (None: the one ``make codegen`` generated)."""
    switched_at: str | None = None
    refused: dict[str, str] = {}
    """Refused version -> why."""
    writer_versions: dict[str, int] = {}
    """Writer schema id -> its version of the subject."""


class JobState(_Record):
    """Everything the job and its supervisor record; ``make inspect`` shows it."""

    phase: JobPhase | None = None
    pid: int | None = None
    supervisor_pid: int | None = None
    ui_url: str | None = None
    started_at: str | None = None
    running_since: str | None = None
    stopped_at: str | None = None
    last_progress_at: str | None = None
    """The last batch or idle trigger of any query."""
    queries: dict[str, str] = {}
    """Topic -> id of the query streaming it."""
    progress_at: dict[str, str] = {}
    """Query id -> its last batch or idle trigger: the supervisor's stall check reads it."""
    query_restarts: int = 0
    failure_streak: int = 0
    """Failures in a row for the same reason."""
    last_failure: str | None = None
    last_failure_at: str | None = None
    process_restarts: int = 0
    exit_code: int | None = None
    last_exit_at: str | None = None
    stalls: int = 0
    last_stall_at: str | None = None
    gave_up_at: str | None = None
    readers: dict[str, ReaderState] = {}
    """Subject -> its live reader's state."""


_KERNEL_THREAD = 0x00200000
"""``PF_KTHREAD``, of the flags in ``/proc/<pid>/stat``."""


def pid_runs(pid: int, marker: str) -> bool:
    """Whether ``pid`` runs and its command line carries ``marker`` (guards against pid reuse);
    a zombie child of this process is reaped and counts as exited. A process on its way out
    still runs, sockets open, until its last thread ends: its main thread a zombie while other
    threads finish (a JVM), or its memory, command line included, already released while the
    kernel tears it down (a killed JVM of a few GiB takes a while)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        stat = Path(f"/proc/{pid}/stat").read_text()
        threads = sum(1 for _ in Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return False
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":
        if threads > 1:  # exiting: its command line is gone already, its pid is still its own
            return True
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        return False
    if not cmdline:  # exiting, unless a kernel thread has the pid (they have no command line)
        return not int(fields[6]) & _KERNEL_THREAD
    return marker.encode() in cmdline


def now() -> str:
    """The time stamps of the state: UTC, ISO 8601, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class JobStateFile:
    """The state file of one job; every method is safe across threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> JobState:
        """The recorded state; an empty one when nothing (or nothing readable) is recorded."""
        try:
            return JobState.model_validate_json(self.path.read_bytes())
        except (OSError, ValidationError):
            return JobState()

    def update(self, **changes: Any) -> JobState:
        """Merge ``changes`` into the state; returns the new state."""
        with self._locked():
            state = _validated(self.read(), changes)
            self._write(state)
            return state

    def update_reader(self, subject: str, **changes: Any) -> JobState:
        """Merge ``changes`` into the reader state of ``subject``."""
        with self._locked():
            state = self.read()
            reader = _validated(state.readers.get(subject, ReaderState()), changes)
            state = _validated(state, {"readers": {**state.readers, subject: reader}})
            self._write(state)
            return state

    def count(self, field: str, **changes: Any) -> JobState:
        """Add one to the counter ``field`` and merge ``changes``, in one step."""
        with self._locked():
            state = self.read()
            current = getattr(state, field)
            if not isinstance(current, int):
                raise TypeError(f"JobState.{field} is not a counter")
            state = _validated(state, {field: current + 1, **changes})
            self._write(state)
            return state

    def mark_progress(self, query_id: str) -> None:
        """Record that the query ``query_id`` made progress now."""
        with self._locked():
            state = self.read()
            stamp = now()
            progress = {**state.progress_at, query_id: stamp}
            self._write(_validated(state, {"last_progress_at": stamp, "progress_at": progress}))

    def clear(self) -> None:
        """Forget the recorded state (a fresh job starts from none)."""
        with self._locked():
            self.path.unlink(missing_ok=True)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.with_name(self.path.name + ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _write(self, state: JobState) -> None:
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(state.model_dump_json(indent=2))
        Path(temporary).replace(self.path)


def _validated(model: M, changes: dict[str, Any]) -> M:
    """``model`` with ``changes``, validated (an unknown field or a wrong type raises)."""
    unknown = set(changes) - set(type(model).model_fields)
    if unknown:
        raise TypeError(f"{type(model).__name__} has no field(s) {', '.join(sorted(unknown))}")
    return type(model).model_validate({**model.model_dump(), **changes})
