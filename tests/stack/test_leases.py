"""Leases let a session that started the shared stack leave it to sessions still using it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from config import Settings
from config.settings import updated
from stack.leases import release_lease, stack_lock, take_lease


def _own(settings: Settings, home: Path) -> Settings:
    return updated(settings, stack={"home": home})


def test_last_lease_holder_may_stop(settings: Settings, tmp_path: Path) -> None:
    own = _own(settings, tmp_path)
    take_lease(own)
    assert release_lease(own) is True
    assert list((tmp_path / "leases").iterdir()) == []


def test_live_other_session_keeps_the_stack(settings: Settings, tmp_path: Path) -> None:
    own = _own(settings, tmp_path)
    other = subprocess.Popen(["sleep", "60"])
    try:
        (tmp_path / "leases").mkdir()
        (tmp_path / "leases" / str(other.pid)).touch()
        take_lease(own)
        assert release_lease(own) is False
    finally:
        other.kill()
        other.wait()
    assert release_lease(own) is True  # the other session is gone: its lease is stale
    assert not (tmp_path / "leases" / str(other.pid)).exists()


def test_lock_is_exclusive_across_processes(settings: Settings, tmp_path: Path) -> None:
    own = _own(settings, tmp_path)
    probe = (
        "import fcntl, sys; f = open(sys.argv[1], 'w')\n"
        "try: fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
        "except BlockingIOError: sys.exit(7)\n"
    )
    with stack_lock(own):
        held = subprocess.run([sys.executable, "-c", probe, str(tmp_path / ".lock")], check=False)
    free = subprocess.run([sys.executable, "-c", probe, str(tmp_path / ".lock")], check=False)
    assert (held.returncode, free.returncode) == (7, 0)
