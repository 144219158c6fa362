"""The job's one restart policy, for both places a failure is recovered.

- **Query restarts** (``spark.job``): a streaming query that fails (Kafka, the registry or
  Cassandra down, a batch that cannot be written) is started again from its checkpoint inside
  the same process; the Spark session, its JVM and its caches stay warm. This covers every
  failure the job can see.
- **Process restarts** (``spark.supervisor``): the supervisor starts ``python -m spark`` again
  when the process dies (the JVM killed, out of memory, any crash) or stops making progress
  (a hung query: no batch and no idle trigger for ``spark.stall_timeout_s``). This covers the
  failures the job cannot see from inside.

Both wait by the same ``RestartPolicy``: exponential backoff from ``FIRST_DELAY_S``, doubling
with each failure of a streak, capped at ``spark.restart_backoff_max_s``; a run that lasted
longer than the cap before failing starts a new streak. A configuration error (exit status
``CONFIGURATION_ERROR``, such as a checkpoint ahead of its topic) is restarted by neither: the
supervisor records the job ``failed`` with the reason and stops.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

CONFIGURATION_ERROR = 3
"""Exit status of a job that no restart can fix; the supervisor gives up on it."""
FIRST_DELAY_S = 2.0
STUCK_AFTER = 3
"""Failures in a row for the same reason from which the job says it is stuck on it."""


@dataclass
class RestartPolicy:
    """How long to wait before the next restart, given how the last runs ended."""

    max_delay_s: float
    clock: Callable[[], float] = time.monotonic
    streak: int = 0
    """Failures in a row, each after a run shorter than ``max_delay_s``."""
    _started: float = field(default=0.0, repr=False)

    def started(self) -> None:
        """Call when a run (a query, a process) starts."""
        self._started = self.clock()

    def failed(self) -> float:
        """Call when the run failed; returns the seconds to wait before restarting it."""
        lasted = self.clock() - self._started
        self.streak = 1 if lasted > self.max_delay_s else self.streak + 1
        delay: float = FIRST_DELAY_S * 2 ** min(self.streak - 1, 16)
        return min(self.max_delay_s, delay)
