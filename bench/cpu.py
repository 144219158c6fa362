"""CPU time of the end-to-end benchmark's processes per row written: where a drain's time goes.

On a machine where Spark and Cassandra share the cores, a drain is as fast as the CPU-seconds
both spend per row allow; these figures show which side grew when a rate moved.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from pyspark.sql import SparkSession

from config import Settings
from stack.control import status
from stack.procs import cpu_seconds, thread_group_cpu_seconds

MEASURED = ("cassandra", "kafka")
"""The stack's services measured beside the Spark JVM (driver and executors, local master) and
this Python process (the driver's Python side, which runs the job's ``foreachBatch``)."""
QUIET_CORE_SHARE = 0.05
QUIET_HOLD_S = 3
QUIET_LIMIT_S = 120.0
"""A node is quiet once it has used under QUIET_CORE_SHARE of one core each second for
QUIET_HOLD_S seconds in a row; no run waits longer than QUIET_LIMIT_S for it."""
JIT_THREADS = ("C1 CompilerThre", "C2 CompilerThre")
"""The HotSpot compiler threads' names, as /proc shows them (cut to 15 characters)."""
JIT = "spark_jit"
"""The part of the Spark JVM's CPU its JIT compilers used: what a drain still pays for warm-up."""
THREAD_GROUPS: dict[str, dict[str, tuple[str, ...]]] = {
    "spark": {JIT: JIT_THREADS},
    "cassandra": {
        "cassandra_compaction": ("CompactionExecu",),
        "cassandra_flush": ("PerDiskMemtable", "MemtableFlushWr", "MemtablePostFlu"),
        "cassandra_gc": ("GC Thread", "G1 ", "VM Thread"),
        "cassandra_jit": JIT_THREADS,
    },
}
"""Parts of a process's CPU, by the names of the threads that use it. Cassandra's request work
(its request stages' and network threads) is the rest: its pool threads take the name of the
stage they serve, so they cannot be told apart by name."""


@dataclass(frozen=True)
class CpuMeter:
    """The processes to measure, by name."""

    pids: dict[str, int]

    @classmethod
    def of(cls, spark: SparkSession, settings: Settings) -> CpuMeter:
        """The Spark JVM of ``spark``, this Python process, and the local stack's Cassandra and
        Kafka."""
        jvm = spark._jvm
        assert jvm is not None
        pids = {"spark": int(jvm.java.lang.ProcessHandle.current().pid()), "python": os.getpid()}
        for row in status(settings):
            if row.name in MEASURED and row.pid is not None:
                pids[row.name] = row.pid
        return cls(pids)

    def read(self) -> dict[str, float]:
        """CPU-seconds used so far by each process that is still there."""
        used = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        for process, groups in THREAD_GROUPS.items():
            if process in self.pids:
                used |= thread_group_cpu_seconds(self.pids[process], groups) or {}
        return {name: seconds for name, seconds in used.items() if seconds is not None}

    def per_row(self, before: dict[str, float], rows: int) -> dict[str, float]:
        """Microseconds of CPU per row each process used since ``before`` (a ``read``)."""
        now = self.read()
        return {
            name: round((now[name] - before[name]) * 1e6 / rows, 1)
            for name in before
            if name in now
        }

    def wait_quiet(self, process: str = "cassandra") -> float:
        """Wait until ``process`` is quiet; the seconds waited (QUIET_LIMIT_S at most, then the
        run starts anyway and the figure shows it). A run that starts while the node still
        flushes and compacts what the run before wrote pays for that run's work."""
        pid = self.pids.get(process)
        if pid is None:
            return 0.0
        started, calm, last = time.monotonic(), 0, cpu_seconds(pid)
        while last is not None and calm < QUIET_HOLD_S:
            if time.monotonic() - started > QUIET_LIMIT_S:
                break
            time.sleep(1.0)
            now = cpu_seconds(pid)
            calm = calm + 1 if now is not None and now - last < QUIET_CORE_SHARE else 0
            last = now
        return round(time.monotonic() - started, 1)
