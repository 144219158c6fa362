"""What the stack knows about one service, and the shared pieces of the service modules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from config import Settings

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Service:
    """One local service: how to prepare, start and health-check it, and where it lives.

    ``marker`` is on the command line and unique to this stack home, so a pid from a pid file
    is only trusted while it still names this service: a JVM system property, or for a service
    that takes no such property (Prometheus), ``own_marker``, one of its arguments naming its
    home.
    """

    name: str
    home: Path
    ports: tuple[int, ...]
    endpoint: str
    command: tuple[str, ...]
    healthy: Callable[[], bool]
    prepare: Callable[[], None] = lambda: None
    env: Mapping[str, str] = field(default_factory=dict)
    own_marker: str | None = None
    host: str = LOOPBACK
    """The address the service listens on: loopback, or for a cluster-shaped service that
    needs one address per node (Cassandra), another address of ``127.0.0.0/8``."""

    @property
    def marker(self) -> str:
        return self.own_marker or marker_for(self.home)

    @property
    def pid_file(self) -> Path:
        return self.home / f"{self.name}.pid"

    @property
    def log_path(self) -> Path:
        return self.home / "logs" / f"{self.name}.out"


def marker_for(home: Path) -> str:
    """The JVM system property that tags processes of the service living in ``home``."""
    return f"-Duserstream.stack.home={home}"


def kafka_port(settings: Settings) -> int:
    """The broker port: the port of the first bootstrap server."""
    first = settings.kafka.bootstrap_servers.split(",")[0].strip()
    return int(first.rsplit(":", 1)[1])


def kafka_ports(settings: Settings) -> list[int]:
    """The port of each bootstrap server: of each Kafka node of the stack, in node order."""
    servers = [s.strip() for s in settings.kafka.bootstrap_servers.split(",") if s.strip()]
    return [int(server.rsplit(":", 1)[1]) for server in servers]


def kafka_metrics_ports(settings: Settings) -> list[int]:
    """The JMX exporter port of each Kafka node of the stack, in node order."""
    if settings.stack.shape == "cluster":
        return list(settings.stack.kafka_cluster_metrics_ports)
    return [settings.stack.kafka_metrics_port]


def registry_port(settings: Settings) -> int:
    """The registry's HTTP port, from its URL."""
    parts = urlsplit(settings.registry.url)
    return parts.port or (443 if parts.scheme == "https" else 80)


def pushgateway_port(settings: Settings) -> int | None:
    """The Pushgateway's port, from ``metrics.pushgateway_url``; None when that is empty."""
    url = settings.metrics.pushgateway_url
    if not url:
        return None
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)


def java_opts(heap: str, home: Path) -> list[str]:
    """Options every service JVM gets: fixed heap, headless, the stack marker."""
    return [f"-Xms{heap}", f"-Xmx{heap}", "-Djava.awt.headless=true", marker_for(home)]


def classpath(lib_dir: Path, *extra: Path) -> str:
    """A java classpath of ``extra`` entries followed by every jar of ``lib_dir``."""
    return ":".join([*(str(p) for p in extra), f"{lib_dir}/*"])
