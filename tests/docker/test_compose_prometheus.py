"""The Compose stack's metrics, checked statically: Prometheus scrapes what the local stack's
scrapes (the same configuration, the Compose network's addresses), the job's endpoints are
reachable from its container, and the Grafana dashboard asks only for metrics that exist."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import yaml

from config import MetricsSettings
from contract.metrics import JobMetrics, ProducerMetrics, SupervisorMetrics
from stack.prometheus_server import ScrapeJob, prometheus_config
from tests.fixtures.compose import COMPOSE_FILE

DOCKER_DIR = COMPOSE_FILE.parent
CONFIG = DOCKER_DIR / "prometheus" / "prometheus.yml"
DASHBOARD = DOCKER_DIR / "grafana" / "userstream-dashboard.json"
SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_count", "_sum")}
_METRIC = re.compile(r"\buserstream_[a-z_]+\b")


def defined_series() -> set[str]:
    """Every series name the pipeline's metrics expose (``contract.metrics``)."""
    return {
        family.name + suffix
        for metrics in (JobMetrics(), SupervisorMetrics(), ProducerMetrics("c"))
        for family in metrics.registry.collect()
        for suffix in SUFFIXES[family.type]
    }


def compose_targets(compose: dict[str, Any]) -> dict[ScrapeJob, str]:
    """Where the Compose stack's Prometheus finds each target: the job's ports as the job
    binds them (the settings' defaults), the Pushgateway where Airflow's producers push."""
    metrics = MetricsSettings()
    gateway = urlsplit(
        compose["services"]["airflow-scheduler"]["environment"]["PIPELINE_METRICS__PUSHGATEWAY_URL"]
    )
    return {
        ScrapeJob.PROMETHEUS: "localhost:9090",
        ScrapeJob.JOB: f"spark-job:{metrics.job_port}",
        ScrapeJob.SUPERVISOR: f"spark-job:{metrics.supervisor_port}",
        ScrapeJob.PUSHGATEWAY: f"{gateway.hostname}:{gateway.port}",
    }


def test_compose_prometheus_scrapes_as_the_local_stack_does(compose: dict[str, Any]) -> None:
    loaded = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    assert loaded == prometheus_config(compose_targets(compose))


def test_prometheus_reads_that_file_and_reaches_the_job(compose: dict[str, Any]) -> None:
    service = compose["services"]["prometheus"]
    mounted = {str(v).split(":")[1]: str(v).split(":")[0] for v in service["volumes"]}
    config_flag = next(a for a in service["command"] if a.startswith("--config.file="))
    path = config_flag.split("=", 1)[1]
    assert (DOCKER_DIR / mounted[path]).resolve() == CONFIG.resolve()
    job_env = compose["services"]["spark-job"]["environment"]
    assert job_env["PIPELINE_METRICS__HOST"] == "0.0.0.0", "bound beyond its container's loopback"
    assert "pushgateway" in compose["services"]


def test_the_dashboard_asks_for_defined_metrics_only() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    inputs = {each["name"] for each in dashboard["__inputs"]}
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels), "panel ids are unique"
    exprs = []
    for each in panels:
        assert each["datasource"]["uid"].strip("${}") in inputs, each["title"]
        assert each["targets"], each["title"]
        exprs += [target["expr"] for target in each["targets"]]
    asked = {name for expr in exprs for name in _METRIC.findall(expr)}
    assert asked, "the dashboard shows no pipeline metric"
    assert asked <= defined_series(), sorted(asked - defined_series())
    shown = {name.removesuffix("_bucket").removesuffix("_total") for name in asked}
    assert {
        "userstream_job_rows_written",
        "userstream_job_produce_to_row_seconds",
        "userstream_job_consumer_lag",
        "userstream_job_restarts",
        "userstream_producer_records",
    } <= shown
