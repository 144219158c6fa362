"""Which Compose services are not up, for `make up` when its wait fails or times out.

    python3 docker/compose_status.py docker compose -f docker/compose.yaml --env-file docker/.env

runs ``<compose> ps --all --format json`` and ``<compose> config --format json`` and prints
``make up: failed: spark-job (exited 1), cassandra (unhealthy)``: each service whose container
exited with a non-zero status, is unhealthy, still starting, restarting, was never started, or
has no container at all. A one-shot service (one that another waits for with
``service_completed_successfully``, such as ``init``) that exited 0 is done, not failed; any
other service that exited, even with 0, is not running. Nothing is printed when every service
is up. Python's standard library only: `make up` needs no virtual environment.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

ONE_SHOT_CONDITION = "service_completed_successfully"


def ps_entries(output: str) -> list[dict[str, Any]]:
    """The containers of ``docker compose ps --format json``: one JSON object a line (Compose
    2.21 and later) or one JSON array (earlier releases)."""
    text = output.strip()
    if not text:
        return []
    if text.startswith("["):
        loaded = json.loads(text)
        return [entry for entry in loaded if isinstance(entry, dict)]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def one_shot_services(config: Mapping[str, Any]) -> set[str]:
    """The services another waits for to complete (``docker compose config --format json``)."""
    return {
        target
        for service in (config.get("services") or {}).values()
        for target, spec in (service.get("depends_on") or {}).items()
        if isinstance(spec, dict) and spec.get("condition") == ONE_SHOT_CONDITION
    }


def problem(entry: Mapping[str, Any], one_shot: Iterable[str] | None = None) -> str | None:
    """Why one container of ``ps`` is not up (None: it is); ``one_shot``: the services whose
    exit with status 0 is their success (None: every service's)."""
    state = str(entry.get("State") or "").lower()
    health = str(entry.get("Health") or "").lower()
    code = entry.get("ExitCode")
    if state in {"exited", "dead"}:
        done = code == 0 and (one_shot is None or entry.get("Service") in set(one_shot))
        return None if done else f"exited {code}"
    if state == "running":
        return health if health in {"unhealthy", "starting"} else None
    if state == "created":
        return "not started"
    return state or "no state"


def failures(
    entries: Sequence[Mapping[str, Any]],
    one_shot: Iterable[str] | None = None,
    services: Iterable[str] = (),
) -> list[str]:
    """``service (why)`` of each service that is not up, in ``ps``'s order, then each of
    ``services`` (the configured ones) that has no container."""
    found = []
    for entry in entries:
        why = problem(entry, one_shot)
        if why is not None:
            found.append(f"{entry.get('Service') or entry.get('Name')} ({why})")
    listed = {entry.get("Service") for entry in entries}
    found += [f"{name} (no container)" for name in services if name not in listed]
    return found


def _run(command: Sequence[str]) -> str | None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return done.stdout if done.returncode == 0 else None


def main(compose: Sequence[str]) -> int:
    ps = _run([*compose, "ps", "--all", "--format", "json"])
    if ps is None:
        print("make up: failed: `docker compose ps` did not answer", flush=True)
        return 1
    config_text = _run([*compose, "config", "--format", "json"])
    config = json.loads(config_text) if config_text else {}
    one_shot = one_shot_services(config) if config else None
    failed = failures(ps_entries(ps), one_shot, config.get("services") or {})
    if failed:
        print(f"make up: failed: {', '.join(failed)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["docker", "compose"]))
