"""Detached service processes tracked by pid files (never looked up by name)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from spark.state import pid_runs

_TAIL_BYTES = 64 * 1024


def start_detached(
    cmd: Sequence[str],
    *,
    cwd: Path,
    log_path: Path,
    pid_file: Path,
    env: Mapping[str, str] | None = None,
) -> int:
    """Start ``cmd`` in its own session, output to ``log_path``; write its pid.

    The previous run's log is kept as ``<log>.1`` so a log tail shows only this run.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    if log_path.exists():
        log_path.replace(log_path.with_name(log_path.name + ".1"))
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            start_new_session=True,
        )
    _wait_for_exec(proc)
    pid_file.write_text(f"{proc.pid}\n")
    return proc.pid


def _wait_for_exec(proc: subprocess.Popen[bytes], timeout_s: float = 5.0) -> None:
    """Wait until the child's /proc cmdline shows the new program.

    Right after fork/exec the kernel can briefly report an empty command line; a liveness
    check that looks for the marker must not mistake that moment for an exit.
    """
    deadline = time.monotonic() + timeout_s
    cmdline = Path(f"/proc/{proc.pid}/cmdline")
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if cmdline.read_bytes():
                return
        except OSError:
            return
        time.sleep(0.01)


def read_pid(pid_file: Path) -> int | None:
    """The pid in ``pid_file``, or None when there is no (readable) pid file."""
    try:
        return int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


is_alive = pid_runs
"""True when ``pid`` runs and its command line carries ``marker`` (``spark.state.pid_runs``)."""


def process_tree(pid: int) -> set[int]:
    """``pid`` and every live descendant of it (children, grandchildren, ...), from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    tree, todo = set(), [pid]
    while todo:
        current = todo.pop()
        tree.add(current)
        todo.extend(children.get(current, []))
    return tree


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user and system) ``pid`` has used so far, or None when it is gone."""
    try:
        return _stat_cpu_seconds(Path(f"/proc/{pid}/stat").read_text())
    except (OSError, IndexError):
        return None


def thread_group_cpu_seconds(
    pid: int, groups: Mapping[str, Sequence[str]]
) -> dict[str, float] | None:
    """CPU time used so far by each group of the threads of ``pid``: a group holds the threads
    whose name starts with one of its prefixes (a thread counts in the first group it matches;
    threads that have exited are not counted). None when the process is gone. One pass over the
    threads, so every group is read at the same moment."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return None
    totals = dict.fromkeys(groups, 0.0)
    prefixes = {group: tuple(names) for group, names in groups.items()}
    for task in tasks:
        with contextlib.suppress(OSError, IndexError):
            stat = (task / "stat").read_text()
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            group = next((g for g, names in prefixes.items() if name.startswith(names)), None)
            if group is not None:
                totals[group] += _stat_cpu_seconds(stat)
    return totals


def _stat_cpu_seconds(stat: str) -> float:
    """User plus system time from a ``/proc/.../stat`` line (the name may hold spaces)."""
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float | None:
    """Resident memory of ``pid`` in MiB (VmRSS), or None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def stop(pid: int, marker: str, timeout_s: float) -> None:
    """SIGTERM ``pid``, then SIGKILL if it has not exited after ``timeout_s``."""
    if not is_alive(pid, marker):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not is_alive(pid, marker):
            return
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    while is_alive(pid, marker):
        time.sleep(0.1)


def log_tail(log_path: Path, lines: int = 30) -> str:
    """The last ``lines`` lines of a log file (empty when it does not exist)."""
    try:
        with log_path.open("rb") as log:
            log.seek(max(0, log_path.stat().st_size - _TAIL_BYTES))
            text = log.read().decode(errors="replace")
    except OSError:
        return "(no log written)"
    return "\n".join(text.splitlines()[-lines:])
