"""Waiting for a service to answer its real health check, or failing with its log tail."""

from __future__ import annotations

import time
from collections.abc import Callable

from stack.errors import ServiceUnhealthyError
from stack.procs import is_alive, log_tail
from stack.service import Service

_POLL_S = 1.0


def wait_healthy(
    service: Service,
    pid: int,
    timeout_s: float,
    progress: Callable[[str], None] = print,
) -> float:
    """Poll ``service.healthy`` until it passes; return the seconds waited.

    Raises :class:`ServiceUnhealthyError` with the tail of the service's log when the
    process exits first or ``timeout_s`` passes.
    """
    start = time.monotonic()
    next_note = start + 10
    while True:
        if not is_alive(pid, service.marker):
            raise _unhealthy(service, f"its process (pid {pid}) exited")
        if service.healthy():
            return time.monotonic() - start
        now = time.monotonic()
        if now - start > timeout_s:
            raise _unhealthy(service, f"no healthy answer within {timeout_s:.0f} s")
        if now >= next_note:
            progress(f"stack: still waiting for {service.name} ({now - start:.0f} s) ...")
            next_note = now + 10
        time.sleep(_POLL_S)


def _unhealthy(service: Service, reason: str) -> ServiceUnhealthyError:
    return ServiceUnhealthyError(
        service.name, reason, str(service.log_path), log_tail(service.log_path)
    )
