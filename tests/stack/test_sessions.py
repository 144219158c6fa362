"""Commands in sessions of their own are stopped with every process they started."""

from __future__ import annotations

import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

import stack.sessions
from stack.sessions import SessionGroup, session_members

# A leader whose children do what servers' helpers do: one ignores SIGTERM, one moves into a
# process group of its own (as Airflow's task supervisor does), one is orphaned (double fork).
TREE = textwrap.dedent(
    """
    import os, signal, sys, time
    def child(body):
        if os.fork() == 0:
            body()
            os._exit(0)
    def stubborn():
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(600)
    def own_group():
        os.setpgid(0, 0)
        time.sleep(600)
    def orphan():
        if os.fork() == 0:
            time.sleep(600)
    for body in (stubborn, own_group, orphan):
        child(body)
    print("started", flush=True)
    time.sleep(600)
    """
)
EXPECTED = 4  # the leader, the stubborn child, the child in its own group, the orphan


def _wait_for(count: int, group: SessionGroup, timeout_s: float = 20) -> set[int]:
    deadline = time.monotonic() + timeout_s
    while len(members := group.members()) < count:
        assert time.monotonic() < deadline, f"only {sorted(members)} of {count} processes started"
        time.sleep(0.05)
    return members


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_stop_leaves_no_process_of_the_sessions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stack.sessions, "GRACE_AFTER_LEADERS_S", 0.5)
    group = SessionGroup()
    env = dict(os.environ)
    for name in ("first", "second"):
        group.start(name, [sys.executable, "-c", TREE], env=env, cwd=tmp_path, log=tmp_path / name)
    members = _wait_for(2 * EXPECTED, group)
    leaders = {c.process.pid for c in group.commands}
    assert leaders == group.sessions and leaders < members
    assert any(os.getpgid(pid) == pid and pid not in leaders for pid in members), (
        "a child leads a process group of its own, yet belongs to the session"
    )

    group.stop(timeout_s=2)

    assert session_members(group.sessions) == set()
    assert [pid for pid in members if _running(pid)] == []
    assert all(c.process.returncode is not None for c in group.commands), "leaders are reaped"


def test_exited_names_the_command_that_ended(tmp_path: Path) -> None:
    group = SessionGroup()
    env = dict(os.environ)
    group.start(
        "sleeper",
        [sys.executable, "-c", "import time; time.sleep(600)"],
        env=env,
        cwd=tmp_path,
        log=tmp_path / "sleeper.log",
    )
    group.start(
        "failing",
        [sys.executable, "-c", "raise SystemExit(3)"],
        env=env,
        cwd=tmp_path,
        log=tmp_path / "failing.log",
    )
    deadline = time.monotonic() + 20
    while (ended := group.exited()) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ended is not None and ended.name == "failing" and ended.process.returncode == 3
    group.stop(timeout_s=5)
    assert group.members() == set()
