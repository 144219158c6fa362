"""The check every local process must pass: it listens on loopback addresses only.

``processes`` maps a readable name to the pids of that process and its children (a JVM's
launcher, a job's driver JVM and Python workers, ...). Add a process here by its pids: Airflow's
UI is one to come.
"""

from __future__ import annotations

from stack.ports import listening_sockets_of


def assert_listens_on_loopback_only(processes: dict[str, set[int]]) -> None:
    """Fail naming every non-loopback listening socket; also fail for a process that listens
    nowhere (wrong pids would otherwise pass vacuously)."""
    listening = {name: listening_sockets_of(pids) for name, pids in processes.items()}
    silent = sorted(name for name, sockets in listening.items() if not sockets)
    assert not silent, f"no listening socket found for {silent}: are these the right pids?"
    exposed = {
        name: sorted(str(s) for s in sockets if not s.is_loopback)
        for name, sockets in listening.items()
    }
    assert exposed == {name: [] for name in processes}, f"listening beyond loopback: {exposed}"
