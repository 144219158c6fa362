"""The stack's Prometheus, Pushgateway and JMX exporters as configured, without starting them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config import Settings, load_settings
from config.settings import updated
from stack import jmx_exporter, prometheus_server
from stack.control import metrics_missing, services
from stack.prometheus_server import ScrapeJob, prometheus_config, scrape_targets
from stack.requirements import missing


@pytest.fixture
def shipped() -> Settings:
    return load_settings()


def test_prometheus_scrapes_every_target_on_loopback(shipped: Settings) -> None:
    targets = scrape_targets(shipped)
    assert set(targets) == set(ScrapeJob)
    assert all(t.startswith("127.0.0.1:") for t in targets.values()), targets
    config = prometheus_config(targets)
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs[ScrapeJob.PUSHGATEWAY]["honor_labels"] is True, "the runs' own labels are kept"
    assert "honor_labels" not in jobs[ScrapeJob.JOB]
    assert jobs[ScrapeJob.JOB]["static_configs"] == [
        {"targets": [f"127.0.0.1:{shipped.metrics.job_port}"]}
    ]


def test_no_gateway_configured_no_pushgateway_and_no_scrape_of_one(shipped: Settings) -> None:
    silent = updated(shipped, metrics={"pushgateway_url": "", "job_port": 0})
    assert "pushgateway" not in services(silent)
    assert set(scrape_targets(silent)) == set(ScrapeJob) - {ScrapeJob.PUSHGATEWAY, ScrapeJob.JOB}


def test_the_metrics_services_bind_loopback_and_are_tracked_by_their_home(
    shipped: Settings, tmp_path: Path
) -> None:
    own = updated(shipped, stack={"home": tmp_path})
    found = services(own)
    for name in ("prometheus", "pushgateway"):
        service = found[name]
        assert any(a.startswith("--web.listen-address=127.0.0.1:") for a in service.command)
        assert str(tmp_path) in service.marker and service.marker in service.command
    found["prometheus"].prepare()
    written = json.loads((tmp_path / "prometheus" / "prometheus.yml").read_text())
    assert written == prometheus_config(scrape_targets(own))
    assert prometheus_server.url(own) in found["prometheus"].endpoint


def test_kafka_and_cassandra_load_the_jmx_exporter_on_loopback(shipped: Settings) -> None:
    found = services(shipped)
    for name, port in (
        ("kafka", shipped.stack.kafka_metrics_port),
        ("cassandra", shipped.stack.cassandra_metrics_port),
    ):
        service = found[name]
        agent = [a for a in service.command if a.startswith("-javaagent:") and "jmx" in a]
        assert agent == [
            f"-javaagent:{jmx_exporter.agent_jar(shipped)}=127.0.0.1:{port}:"
            f"{service.home / 'conf' / jmx_exporter.CONFIG_FILE}"
        ]
        assert port in service.ports, "checked free before the service starts"


def test_without_prometheus_the_stack_runs_unobserved_and_tests_require_it(
    monkeypatch: pytest.MonkeyPatch, shipped: Settings
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert metrics_missing() == ["prometheus", "prometheus-pushgateway"]
    assert set(services(shipped)) == {"kafka", "registry", "cassandra"}
    assert not [
        gap for gap in missing("setup") if "prometheus" in gap.tool
    ]  # make setup and demo run
    gaps = [gap for gap in missing("test") if "prometheus" in gap.tool]
    assert gaps and gaps[0].install == prometheus_server.INSTALL
    assert "systemctl disable" in gaps[0].detail
