"""Commands run in sessions of their own, stopped together with everything they started.

A server such as an Airflow component forks helpers (API workers, executor workers, task
supervisors that move each task into a process group of its own). Stopping only the pid we
started leaves those behind. Every descendant stays in its ancestor's session unless it calls
``setsid()`` itself, so the session is what is tracked and taken down: by pid, read from /proc,
never by program name.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

GRACE_AFTER_LEADERS_S = 5.0
KILL_WAIT_S = 10.0


class SessionsNotStoppedError(RuntimeError):
    """Processes of the sessions survived SIGKILL; the message lists their pids."""


def stat_fields(pid: int) -> list[str] | None:
    """Fields of ``/proc/<pid>/stat`` after the command name (state, ppid, pgrp, session, ...)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()


def session_members(sessions: Iterable[int]) -> set[int]:
    """Pids of the live (not zombie) processes whose session id is one of ``sessions``."""
    wanted = set(sessions)
    members = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = stat_fields(int(entry.name))
        if fields is not None and fields[0] != "Z" and int(fields[3]) in wanted:
            members.add(int(entry.name))
    return members


def _signal(pids: Iterable[int], signum: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


@dataclass(frozen=True)
class Command:
    """One started command: its name, process (a session leader) and log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path


class SessionGroup:
    """Named commands, each started as the leader of a new session.

    ``stop`` asks the leaders to stop (SIGTERM), then signals whatever is left in their
    sessions, SIGKILL last, and returns only when no process of those sessions runs.
    """

    def __init__(self) -> None:
        self.commands: list[Command] = []

    def start(
        self, name: str, cmd: Sequence[str], *, env: Mapping[str, str], cwd: Path, log: Path
    ) -> Command:
        """Start ``cmd`` in a new session, stdout and stderr appended to ``log``."""
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            process = subprocess.Popen(
                list(cmd),
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        command = Command(name, process, log)
        self.commands.append(command)
        return command

    @property
    def sessions(self) -> set[int]:
        """The session ids of the started commands (each leader's pid)."""
        return {command.process.pid for command in self.commands}

    def members(self) -> set[int]:
        """Every live process of the group's sessions, the leaders included."""
        self._reap()
        return session_members(self.sessions)

    def exited(self) -> Command | None:
        """The first command whose leader process has exited, if any."""
        return next((c for c in self.commands if c.process.poll() is not None), None)

    def _reap(self) -> None:
        for command in self.commands:
            command.process.poll()

    def _wait(self, pids: set[int] | None, timeout_s: float) -> set[int]:
        """Wait until none of ``pids`` (None: of the members) is alive; returns the survivors."""
        deadline = time.monotonic() + timeout_s
        while True:
            alive = self.members() if pids is None else pids & self.members()
            if not alive or time.monotonic() >= deadline:
                return alive
            time.sleep(0.1)

    def stop(self, timeout_s: float) -> None:
        """Stop every process of the group's sessions; raise if any survives SIGKILL.

        The leaders get ``timeout_s`` to shut their children down themselves; what is left
        then gets SIGTERM, and ``GRACE_AFTER_LEADERS_S`` later SIGKILL.
        """
        leaders = {c.process.pid for c in self.commands if c.process.poll() is None}
        _signal(leaders, signal.SIGTERM)
        self._wait(leaders, timeout_s)
        _signal(self.members(), signal.SIGTERM)
        _signal(self._wait(None, GRACE_AFTER_LEADERS_S), signal.SIGKILL)
        survivors = self._wait(None, KILL_WAIT_S)
        if survivors:
            raise SessionsNotStoppedError(f"processes {sorted(survivors)} survived SIGKILL")
