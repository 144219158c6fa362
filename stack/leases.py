"""Cross-process coordination: a lock around up/down, and leases of running test sessions.

Several test sessions (and people) share one stack. The lock stops two ``up`` calls from
starting the same service twice; leases let a session that started the stack leave it
running while another live session still uses it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from config import Settings


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (its ``.lock`` file) for the duration of the block."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def stack_lock(settings: Settings) -> AbstractContextManager[None]:
    """Hold an exclusive lock on the stack home for the duration of the block."""
    return folder_lock(settings.stack.home)


def _lease_dir(settings: Settings) -> Path:
    return settings.stack.home / "leases"


def take_lease(settings: Settings) -> None:
    """Record that this process uses the stack."""
    leases = _lease_dir(settings)
    leases.mkdir(parents=True, exist_ok=True)
    (leases / str(os.getpid())).touch()


def release_lease(settings: Settings) -> bool:
    """Drop this process's lease; True when no other live process holds one."""
    leases = _lease_dir(settings)
    (leases / str(os.getpid())).unlink(missing_ok=True)
    others = [p for p in leases.glob("*") if p.name.isdigit()] if leases.is_dir() else []
    alive = [p for p in others if Path(f"/proc/{p.name}").exists()]
    for stale in set(others) - set(alive):
        stale.unlink(missing_ok=True)
    return not alive
