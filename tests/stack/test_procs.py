"""Process figures read from /proc: CPU time (the benchmark's CPU per row) and its absence."""

from __future__ import annotations

import os
import subprocess
import sys

from stack.procs import cpu_seconds


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
