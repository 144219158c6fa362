"""Prometheus, the server: Debian's ``prometheus`` package, run as a process of the stack.

It listens on ``127.0.0.1:<stack.prometheus_port>``, keeps its data under the stack's home,
and scrapes, every few seconds, what the stack and the pipeline serve: the streaming job and
its supervisor (``metrics.job_port``, ``metrics.supervisor_port``), the Pushgateway the
producer pushes to (its labels kept: ``honor_labels``), Kafka's and Cassandra's JMX exporters,
and itself. The scrape configuration is one function, :func:`prometheus_config`, which the
Compose stack's ``docker/prometheus/prometheus.yml`` follows with its own addresses.

Debian's package also installs a systemd service that listens on every interface; the stack
does not use it (``docs/metrics.md`` says how to disable it).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

import requests

from config import Settings
from stack.service import LOOPBACK, Service, kafka_metrics_ports, pushgateway_port

INSTALL = "sudo apt-get install prometheus prometheus-pushgateway"
"""What installs both programs (Debian's packages)."""
SCRAPE_INTERVAL = "5s"
"""Short, for a local stack where a run lasts a minute; the series are few."""
RETENTION = "7d"


class ScrapeJob(StrEnum):
    """The scrape jobs: the ``job`` label of each target's series (``up{job=...}``)."""

    PROMETHEUS = "prometheus"
    JOB = "userstream_job"
    SUPERVISOR = "userstream_supervisor"
    PUSHGATEWAY = "pushgateway"
    KAFKA = "kafka"
    CASSANDRA = "cassandra"


HONOR_LABELS = frozenset({ScrapeJob.PUSHGATEWAY})
"""Jobs whose series keep their own ``job`` and ``instance`` labels: the Pushgateway's are those
of the runs that pushed them."""


def scrape_targets(settings: Settings) -> dict[ScrapeJob, str]:
    """Each scrape job's ``host:port`` on the local stack (the Pushgateway's only when the
    producer pushes to one)."""
    ports = {
        ScrapeJob.PROMETHEUS: settings.stack.prometheus_port,
        ScrapeJob.JOB: settings.metrics.job_port,
        ScrapeJob.SUPERVISOR: settings.metrics.supervisor_port,
        ScrapeJob.PUSHGATEWAY: pushgateway_port(settings),
        ScrapeJob.KAFKA: kafka_metrics_ports(settings)[0],  # the cluster shape's first node
        ScrapeJob.CASSANDRA: settings.stack.cassandra_metrics_port,
    }
    return {job: f"{LOOPBACK}:{port}" for job, port in ports.items() if port}


def prometheus_config(targets: Mapping[ScrapeJob, str]) -> dict[str, Any]:
    """The scrape configuration: one job per target, in :class:`ScrapeJob`'s order."""
    return {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": SCRAPE_INTERVAL},
        "scrape_configs": [
            {
                "job_name": job.value,
                **({"honor_labels": True} if job in HONOR_LABELS else {}),
                "static_configs": [{"targets": [targets[job]]}],
            }
            for job in ScrapeJob
            if job in targets
        ],
    }


def url(settings: Settings) -> str:
    """Prometheus' UI and HTTP API (``/api/v1/query``)."""
    return f"http://{LOOPBACK}:{settings.stack.prometheus_port}"


def _prepare(settings: Settings, home: Path) -> None:
    (home / "data").mkdir(parents=True, exist_ok=True)
    config = prometheus_config(scrape_targets(settings))
    (home / "prometheus.yml").write_text(json.dumps(config, indent=2) + "\n")


def _healthy(settings: Settings) -> bool:
    """``/-/ready``: the server has loaded its configuration and its data."""
    try:
        return requests.get(f"{url(settings)}/-/ready", timeout=3).status_code == 200
    except requests.RequestException:
        return False


def service(settings: Settings) -> Service:
    """The Prometheus server of this stack."""
    home = settings.stack.home / "prometheus"
    data = f"--storage.tsdb.path={home / 'data'}"
    return Service(
        name="prometheus",
        home=home,
        ports=(settings.stack.prometheus_port,),
        endpoint=url(settings),
        command=(
            shutil.which("prometheus") or "prometheus",
            f"--config.file={home / 'prometheus.yml'}",
            data,
            f"--storage.tsdb.retention.time={RETENTION}",
            f"--web.listen-address={LOOPBACK}:{settings.stack.prometheus_port}",
        ),
        healthy=lambda: _healthy(settings),
        prepare=lambda: _prepare(settings, home),
        own_marker=data,
    )
