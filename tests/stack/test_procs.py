"""Process figures read from /proc: CPU time of a process or of some of its threads (the
benchmark's CPU per row and its JIT share), and their absence."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from stack.procs import cpu_seconds, is_alive, thread_group_cpu_seconds


def test_cpu_seconds_grow_with_work_done() -> None:
    before = cpu_seconds(os.getpid())
    total = 0
    for n in range(3_000_000):
        total += n * n
    after = cpu_seconds(os.getpid())

    assert total > 0
    assert before is not None and after is not None
    assert after > before


def test_cpu_seconds_of_a_process_that_is_gone_is_none() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    assert gone.wait() == 0

    assert cpu_seconds(gone.pid) is None


def _busy() -> int:
    total = 0
    for n in range(3_000_000):
        total += n * n
    return total


def test_thread_group_cpu_seconds_count_only_each_groups_threads() -> None:
    main_thread = Path(f"/proc/self/task/{os.getpid()}/comm").read_text().strip()
    groups = {"main": [main_thread], "none": ["no thread is named like this"]}
    before = thread_group_cpu_seconds(os.getpid(), groups)
    assert _busy() > 0
    after = thread_group_cpu_seconds(os.getpid(), groups)

    assert before is not None and after is not None
    assert after["main"] > before["main"]
    assert after["none"] == 0.0


def test_a_thread_counts_in_the_first_group_it_matches() -> None:
    main_thread = Path(f"/proc/self/task/{os.getpid()}/comm").read_text().strip()
    groups = {"first": [main_thread], "second": [main_thread[:3]]}
    assert _busy() > 0
    seconds = thread_group_cpu_seconds(os.getpid(), groups)

    assert seconds is not None
    assert seconds["first"] > 0.0
    assert seconds["second"] < seconds["first"]


def test_thread_group_cpu_seconds_of_a_process_that_is_gone_is_none() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    assert gone.wait() == 0

    assert thread_group_cpu_seconds(gone.pid, {"python": ["python"]}) is None


def test_a_kernel_thread_with_the_pid_is_not_the_service() -> None:
    """A process on its way out has no command line any more and still counts as running (it
    holds its ports); a kernel thread, which never has one, does not: pid 2 is ``kthreadd``."""
    assert not is_alive(2, "-Duserstream.stack.home=/nowhere")
