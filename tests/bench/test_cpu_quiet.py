"""``CpuMeter.wait_quiet`` on real processes: an idle one is quiet after the hold, a busy one
never is, and the wait ends at the limit."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bench import cpu
from bench.cpu import CpuMeter


@contextmanager
def _process(code: str) -> Iterator[int]:
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        yield child.pid
    finally:
        child.kill()
        child.wait()


def test_an_idle_process_is_quiet_after_the_hold() -> None:
    with _process("import time; time.sleep(60)") as pid:
        waited = CpuMeter({"cassandra": pid}).wait_quiet()
    assert cpu.QUIET_HOLD_S <= waited < cpu.QUIET_HOLD_S + 3


def test_a_busy_process_is_waited_for_until_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cpu, "QUIET_LIMIT_S", 2.0)
    with _process("while True: pass") as pid:
        waited = CpuMeter({"cassandra": pid}).wait_quiet()
    assert 2.0 <= waited < 4.0


def test_a_process_not_measured_is_not_waited_for() -> None:
    assert CpuMeter({}).wait_quiet() == 0.0
