"""The memory `make up` needs, stated from the heaps the Compose file configures.

Every JVM service sets its heap explicitly (an image's default would be counted blind), and
the heaps plus the allowances for what is not a heap (each JVM's own overhead, Airflow's
Python processes, Postgres) fit in the memory ``docs/docker.md`` asks Docker for.
"""

from __future__ import annotations

import re
from typing import Any

from tests.fixtures.compose import REPO_ROOT

DOCKER_DOC = REPO_ROOT / "docs" / "docker.md"
HEAP_VARIABLES = (
    "KAFKA_HEAP_OPTS",
    "SCHEMA_REGISTRY_HEAP_OPTS",
    "CONTROL_CENTER_HEAP_OPTS",
    "MAX_HEAP_SIZE",
    "SPARK_DAEMON_MEMORY",
    "SPARK_WORKER_MEMORY",
    "PIPELINE_SPARK__DRIVER_MEMORY",
)
"""The variables that size a JVM's heap, by image (``SPARK_WORKER_MEMORY``: the memory the
worker gives its executors, a heap of their own)."""
JVM_SERVICES = frozenset(
    {
        "kafka",
        "schema-registry",
        "control-center",
        "cassandra",
        "spark-master",
        "spark-worker",
        "spark-job",
    }
)
JVM_OVERHEAD_GIB = 0.25
"""Per JVM: metaspace, thread stacks, code cache and buffers, outside the heap."""
PYTHON_PROCESSES_GIB = {
    "airflow-apiserver": 0.5,
    "airflow-scheduler": 0.5,
    "airflow-dag-processor": 0.5,
    "airflow-triggerer": 0.5,
    "postgres": 0.25,
    "prometheus": 0.25,
    "pushgateway": 0.05,
}
"""Allowances for the services that have no heap to configure."""

_SIZE = re.compile(r"^(?P<number>\d+(?:\.\d+)?)(?P<unit>[kKmMgG])$")
_XMX = re.compile(r"-Xmx(\S+)")
_UNIT_GIB = {"k": 1 / 1024**2, "m": 1 / 1024, "g": 1.0}


def gib(size: str) -> float:
    """A JVM size (``512m``, ``1G``) in GiB."""
    match = _SIZE.match(size)
    assert match, f"not a JVM size: {size!r}"
    return float(match.group("number")) * _UNIT_GIB[match.group("unit").lower()]


def heaps(service: dict[str, Any]) -> dict[str, float]:
    """A service's configured heaps in GiB, by variable."""
    env = service.get("environment") or {}
    found = {}
    for variable in HEAP_VARIABLES:
        value = str(env.get(variable, "")).strip()
        if value:
            xmx = _XMX.search(value)
            found[variable] = gib(xmx.group(1) if xmx else value)
    return found


def doc_text() -> str:
    """docs/docker.md with its line breaks as spaces."""
    return " ".join(DOCKER_DOC.read_text(encoding="utf-8").split())


def documented_gib() -> int:
    match = re.search(r"at least (\d+) GiB of memory", doc_text())
    assert match, f"{DOCKER_DOC}: no 'at least N GiB of memory' for Docker"
    return int(match.group(1))


def test_every_jvm_service_sets_its_heap(resolved_compose: dict[str, Any]) -> None:
    services = resolved_compose["services"]
    assert set(services) >= JVM_SERVICES, sorted(JVM_SERVICES - set(services))
    unset = sorted(name for name in JVM_SERVICES if not heaps(services[name]))
    assert not unset, f"JVM services without a configured heap ({HEAP_VARIABLES}): {unset}"


def test_the_heaps_and_allowances_fit_the_documented_memory(
    resolved_compose: dict[str, Any],
) -> None:
    services = resolved_compose["services"]
    heap_total = sum(sum(heaps(s).values()) for s in services.values())
    jvms = sum(1 for name in services if name in JVM_SERVICES)
    needed = heap_total + jvms * JVM_OVERHEAD_GIB + sum(PYTHON_PROCESSES_GIB.values())
    assert set(PYTHON_PROCESSES_GIB) <= set(services), "an allowance for a service that is gone"
    assert needed <= documented_gib(), (
        f"heaps {heap_total:g} GiB + allowances need {needed:g} GiB; docs/docker.md asks for "
        f"{documented_gib()} GiB"
    )
    assert f"add up to {heap_total:g} GiB" in doc_text(), (
        f"docs/docker.md must state the configured heaps: they add up to {heap_total:g} GiB"
    )


def test_sizes_are_read_in_gib() -> None:
    assert (gib("512m"), gib("1G"), gib("2g")) == (0.5, 1.0, 2.0)
    assert heaps({"environment": {"KAFKA_HEAP_OPTS": "-Xms1g -Xmx1536m"}}) == {
        "KAFKA_HEAP_OPTS": 1.5
    }
