"""Bring the whole local stack up, down, and report its state."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from config import Settings
from stack import (
    apicurio_registry,
    artifacts,
    cassandra_cluster,
    cassandra_node,
    kafka_broker,
    kafka_cluster,
    prometheus_server,
    pushgateway,
    secure,
    spark_cluster,
)
from stack.health import wait_healthy
from stack.javacheck import require_java
from stack.leases import stack_lock
from stack.ports import require_free_port
from stack.procs import is_alive, read_pid, rss_mib, start_detached, stop
from stack.service import Service

SERVICE_NAMES = ("kafka", "registry", "cassandra", "pushgateway", "prometheus")
METRICS_TOOLS = ("prometheus", "prometheus-pushgateway")
STOP_ORDER = ("prometheus", "pushgateway", "spark", "registry", "kafka", "cassandra")
"""Kinds of service (:func:`kind`), in the order they stop: the registry before Kafka."""
_STOP_TIMEOUT_S = 30.0
Progress = Callable[[str], None]


def services(settings: Settings, java: Path | None = None) -> dict[str, Service]:
    """The stack's services by name, in start order (Kafka before the registry); the
    Pushgateway only when the producer pushes to one (``metrics.pushgateway_url``), and the
    metrics services only where Debian's packages are installed (:func:`metrics_missing`).
    At cluster shape (``stack.shape``) Kafka is three services, ``kafka-1`` to ``kafka-3``, and
    Cassandra three, ``cassandra-1`` to ``cassandra-3``; a Spark standalone master and its
    workers follow (``spark-master``, then ``spark-worker-<n>``, which register with it)."""
    java = java or Path("java")
    missing = metrics_missing()
    clustered = settings.stack.shape == "cluster"
    kafka = (
        kafka_cluster.services(settings, java)
        if clustered
        else {"kafka": kafka_broker.service(settings, java)}
    )
    cassandra = (
        cassandra_cluster.services(settings, java)
        if clustered
        else {"cassandra": cassandra_node.service(settings, java)}
    )
    found: dict[str, Service | None] = {
        **kafka,
        "registry": apicurio_registry.service(settings, java),
        **cassandra,
        **(spark_cluster.services(settings, java) if clustered else {}),
        "pushgateway": None if missing else pushgateway.service(settings),
        "prometheus": None if missing else prometheus_server.service(settings),
    }
    return {name: each for name, each in found.items() if each is not None}


def metrics_missing() -> list[str]:
    """The metrics tools this machine lacks: without them the stack runs, unobserved, and says
    so (``make demo`` needs no root to install anything; ``make test`` requires them)."""
    return [tool for tool in METRICS_TOOLS if shutil.which(tool) is None]


def kind(name: str) -> str:
    """The kind of service ``name`` is: the name up to its first dash, so ``kafka`` for the
    cluster shape's ``kafka-<n>`` nodes, ``cassandra`` for ``cassandra-<n>``."""
    return name.split("-", 1)[0]


def _selected(name: str, only: Iterable[str] | None) -> bool:
    """Whether ``only`` (None: everything) names the service, or its kind (``kafka`` names
    every Kafka node)."""
    if only is None:
        return True
    chosen = set(only)
    return name in chosen or kind(name) in chosen


def running_pid(service: Service) -> int | None:
    """The pid of the service when its pid file names a live process of this stack."""
    pid = read_pid(service.pid_file)
    return pid if pid is not None and is_alive(pid, service.marker) else None


def _start(service: Service, progress: Progress) -> int:
    for port in service.ports:
        require_free_port(service.name, port, service.host)
    service.prepare()
    pid = start_detached(
        service.command,
        cwd=service.home,
        log_path=service.log_path,
        pid_file=service.pid_file,
        env=service.env or None,
    )
    progress(f"stack: started {service.name} (pid {pid}), log {service.log_path}")
    return pid


def _launch(service: Service, progress: Progress) -> tuple[int, bool]:
    """Start ``service`` unless it runs. Returns (pid, started)."""
    pid = running_pid(service)
    if pid is not None:
        return pid, False
    return _start(service, progress), True


def _wait(service: Service, pid: int, settings: Settings, progress: Progress) -> None:
    waited = wait_healthy(service, pid, settings.stack.startup_timeout_s, progress)
    progress(f"stack: {service.name} healthy ({waited:.1f} s)")


def _ensure(service: Service, settings: Settings, progress: Progress) -> tuple[int, bool]:
    """Start ``service`` unless it runs; wait until healthy. Returns (pid, started)."""
    pid, started = _launch(service, progress)
    _wait(service, pid, settings, progress)
    return pid, started


def _ensure_together(
    group: list[Service], settings: Settings, progress: Progress
) -> dict[str, bool]:
    """Start every service of ``group`` not running, then wait until each is healthy: the
    cluster shape's nodes of one kind (no Kafka node is healthy before a majority of the quorum
    runs; Cassandra's seeds boot together). Returns whether each was started."""
    launched = {service.name: _launch(service, progress) for service in group}
    for service in group:
        _wait(service, launched[service.name][0], settings, progress)
    return {name: started for name, (_, started) in launched.items()}


@dataclass(frozen=True)
class UpResult:
    """Which services ``up`` started (the others were already running)."""

    started: tuple[str, ...]


def up(
    settings: Settings, progress: Progress = print, only: Iterable[str] | None = None
) -> UpResult:
    """Start every service not yet running (of ``only``, when given) and wait until all are
    healthy (idempotent).

    Cassandra boots in parallel with the others (its nodes together); the registry starts once
    Kafka answers,
    because it keeps its data in Kafka, then the Pushgateway and Prometheus (Debian's packages;
    without them the stack starts without metrics, and says how to install them). A secured stack
    (``stack.secure``) first generates its certificates and passwords, once (see
    ``stack.secure``).
    """
    java = require_java()
    missing = metrics_missing()
    if missing and (only is None or {"prometheus", "pushgateway"} & set(only)):
        progress(
            f"metrics: {' and '.join(missing)} not installed: the stack runs without Prometheus "
            f"(`{prometheus_server.INSTALL}`, docs/metrics.md)"
        )
    with stack_lock(settings):
        artifacts.ensure_fetched(settings)
        if settings.stack.secure:
            secure.provision(settings)
        svc = services(settings, java)
        chosen = {name: each for name, each in svc.items() if _selected(name, only)}
        return _up_locked(settings, chosen, progress)


def _up_locked(settings: Settings, svc: dict[str, Service], progress: Progress) -> UpResult:
    for service in svc.values():
        service.home.mkdir(parents=True, exist_ok=True)
    of_kind = {
        each: [service for name, service in svc.items() if kind(name) == each]
        for each in ("cassandra", "kafka")
    }
    with ThreadPoolExecutor(max_workers=1) as pool:
        cassandra = pool.submit(_ensure_together, of_kind["cassandra"], settings, progress)
        try:
            flags = _ensure_together(of_kind["kafka"], settings, progress)
            flags |= {
                name: _ensure(each, settings, progress)[1]
                for name, each in svc.items()
                if kind(name) not in of_kind
            }
        except BaseException:
            cassandra.exception()  # let Cassandra's start finish; report the first failure
            raise
        flags |= cassandra.result()
    return UpResult(started=tuple(name for name in svc if flags.get(name)))


def down(
    settings: Settings,
    fresh: bool = False,
    only: Iterable[str] | None = None,
    progress: Progress = print,
) -> None:
    """Stop the services from their pid files (in ``STOP_ORDER``: the registry before Kafka);
    ``fresh`` wipes their data (and, when every service is stopped, a secured stack's
    certificates and passwords)."""
    svc = services(settings)
    order = [n for each in STOP_ORDER for n in svc if kind(n) == each]
    names = [n for n in order if _selected(n, only)]
    with stack_lock(settings):
        _down_locked(svc, names, fresh, progress)
        if fresh and only is None and secure.secrets_dir(settings).exists():
            shutil.rmtree(secure.secrets_dir(settings))
            progress(f"stack: wiped {secure.secrets_dir(settings)}")


def _down_locked(
    svc: dict[str, Service], names: list[str], fresh: bool, progress: Progress
) -> None:
    """Stop each kind of service in turn, the nodes of one kind together (a Kafka node stopped
    after the others would wait for a quorum that is gone)."""
    for each in dict.fromkeys(kind(name) for name in names):
        group = [svc[name] for name in names if kind(name) == each]
        pids = {service.name: running_pid(service) for service in group}
        for service in group:
            if pids[service.name] is not None:
                progress(f"stack: stopping {service.name} (pid {pids[service.name]}) ...")
        with ThreadPoolExecutor(max_workers=len(group)) as pool:
            list(pool.map(_stop, group, [pids[service.name] for service in group]))
        for service in group:
            if fresh and service.home.exists():
                shutil.rmtree(service.home)
                progress(f"stack: wiped {service.home}")


def _stop(service: Service, pid: int | None) -> None:
    if pid is not None:
        stop(pid, service.marker, _STOP_TIMEOUT_S)
    service.pid_file.unlink(missing_ok=True)


@dataclass(frozen=True)
class ServiceStatus:
    """One line of ``status``."""

    name: str
    running: bool
    healthy: bool
    pid: int | None
    endpoint: str
    rss_mib: float | None


def status(settings: Settings) -> list[ServiceStatus]:
    """Each service's state, pid, endpoint and resident memory."""
    rows = []
    for name, service in services(settings).items():
        pid = running_pid(service)
        rows.append(
            ServiceStatus(
                name=name,
                running=pid is not None,
                healthy=pid is not None and service.healthy(),
                pid=pid,
                endpoint=service.endpoint,
                rss_mib=rss_mib(pid) if pid is not None else None,
            )
        )
    return rows


def format_status(rows: list[ServiceStatus]) -> str:
    """``status`` as a small table."""
    lines = [f"{'service':<14} {'state':<9} {'pid':>7} {'rss MiB':>8}  endpoint"]
    for row in rows:
        state = "healthy" if row.healthy else ("starting" if row.running else "stopped")
        pid = str(row.pid) if row.pid else "-"
        rss = f"{row.rss_mib:.0f}" if row.rss_mib is not None else "-"
        lines.append(f"{row.name:<14} {state:<9} {pid:>7} {rss:>8}  {row.endpoint}")
    return "\n".join(lines)
