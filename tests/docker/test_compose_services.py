"""The services' wiring: health, dependencies, ports, volumes, files and credentials."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from typing import Any

import pytest
import yaml

from config import Settings
from contract.catalog import all_contracts
from stack import offline_source
from stack.airflow_local import connection_variable
from stack.control import services
from stack.service import pushgateway_port
from tests.fixtures.compose import (
    COMPOSE_FILE,
    REPO_ROOT,
    copy_sources,
    dockerfiles,
    interpolate,
    python_modules,
    required_variables,
)
from tests.fixtures.imports import main_file

ONE_SHOT_CONDITION = "service_completed_successfully"
STATEFUL_MOUNTS = {
    "kafka": "/var/lib/kafka/data",
    "cassandra": "/var/lib/cassandra",
    "postgres": "/var/lib/postgresql/data",
    "control-center": "/var/lib/confluent-control-center",
    "prometheus": "/prometheus",
}


def one_shot_services(compose: dict[str, Any]) -> set[str]:
    """Services that run to completion: the ones something waits for to finish."""
    return {
        target
        for service in compose["services"].values()
        for target, spec in (service.get("depends_on") or {}).items()
        if isinstance(spec, dict) and spec.get("condition") == ONE_SHOT_CONDITION
    }


_PORT_MAPPING = re.compile(r"^(?:[0-9.]+:)?(?P<host>\$\{[^}]+\}|[0-9]+):[0-9]+(?:/\w+)?$")


def host_port(mapping: str | dict[str, Any]) -> str:
    """The host side of a port mapping (``[ip:]host:container`` or the long syntax)."""
    if isinstance(mapping, dict):
        return str(mapping.get("published", ""))
    match = _PORT_MAPPING.match(str(mapping))
    return match.group("host") if match else ""


def test_every_long_running_service_has_a_healthcheck(compose: dict[str, Any]) -> None:
    one_shot = one_shot_services(compose)
    missing = [
        name
        for name, service in compose["services"].items()
        if name not in one_shot and "test" not in (service.get("healthcheck") or {})
    ]
    assert not missing, f"long-running services without a healthcheck: {missing}"


def test_one_shot_services_do_not_restart(compose: dict[str, Any]) -> None:
    one_shot = one_shot_services(compose)
    assert {"init", "airflow-init"} <= one_shot, f"one-shot services: {one_shot}"
    restarting = [name for name in one_shot if compose["services"][name].get("restart") != "no"]
    assert not restarting, f"one-shot services must have restart: 'no': {restarting}"


def test_depends_on_targets_exist_and_wait_for_health(compose: dict[str, Any]) -> None:
    services = compose["services"]
    one_shot = one_shot_services(compose)
    problems = []
    for name, service in services.items():
        depends_on = service.get("depends_on") or {}
        if not isinstance(depends_on, dict):
            problems.append(f"{name}: depends_on must use conditions, not a list")
            continue
        for target, spec in depends_on.items():
            expected = ONE_SHOT_CONDITION if target in one_shot else "service_healthy"
            if target not in services:
                problems.append(f"{name}: depends on unknown service {target!r}")
            elif spec.get("condition") != expected:
                problems.append(f"{name}: waits for {target} with {spec.get('condition')}")
    assert not problems, "\n".join(problems)


def test_producer_and_job_wait_for_init(compose: dict[str, Any]) -> None:
    """The Airflow scheduler runs the producer DAG; the Spark job consumes: both need the
    schemas registered and the tables created first."""
    for name in ("airflow-scheduler", "spark-job"):
        condition = compose["services"][name]["depends_on"]["init"]["condition"]
        assert condition == ONE_SHOT_CONDITION, f"{name} does not wait for init to succeed"


def test_init_registers_schemas_and_applies_cql(compose: dict[str, Any]) -> None:
    command = " ".join(compose["services"]["init"]["command"])
    assert "python -m ops.register" in command
    assert "python -m ops.migrate apply" in command


def test_no_two_services_publish_the_same_host_port(resolved_compose: dict[str, Any]) -> None:
    published = Counter(
        host_port(mapping)
        for service in resolved_compose["services"].values()
        for mapping in service.get("ports", [])
    )
    duplicates = {port: count for port, count in published.items() if count > 1}
    assert not duplicates, f"host ports published more than once: {duplicates}"
    assert "" not in published, "a port mapping without a host port"


SPARK_UI_DEFAULT_PORT = 4040
"""Spark's default ``spark.ui.port``, which the local job's UI (``make demo``) takes."""


def local_stack_ports(settings: Settings) -> dict[int, str]:
    """Every port the embedded local stack and its job listen on, with what listens there
    (Prometheus and the Pushgateway whether or not this machine has them installed)."""
    ports = {port: name for name, s in services(settings).items() for port in s.ports}
    ports[settings.stack.airflow_port] = "Airflow (make airflow)"
    ports[SPARK_UI_DEFAULT_PORT] = "the local job's Spark UI"
    ports[settings.stack.prometheus_port] = "prometheus"
    if gateway := pushgateway_port(settings):
        ports[gateway] = "pushgateway"
    ports[settings.metrics.job_port] = "the local job's metrics (metrics.job_port)"
    ports[settings.metrics.supervisor_port] = "the job supervisor's metrics"
    ports[offline_source.DEFAULT_PORT] = "the offline source (make offline-source)"
    ports.pop(0, None)  # a metrics port of 0: not served
    return ports


@pytest.fixture
def shipped_settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The settings as the project ships them (pipeline.toml), whatever this shell overrides:
    the local stack a user starts listens on these (``--service-free`` points them elsewhere)."""
    for name in [n for n in os.environ if n.startswith("PIPELINE_")]:
        monkeypatch.delenv(name)
    return Settings()


def test_no_published_port_is_one_the_local_stack_listens_on(
    compose_text: str, env_example: dict[str, str], shipped_settings: Settings
) -> None:
    taken = local_stack_ports(shipped_settings)
    credentials = {name: "set" for name in required_variables(compose_text)}
    for env in ({}, env_example):  # the defaults in compose.yaml, and .env.example's values
        resolved = yaml.safe_load(interpolate(compose_text, {**credentials, **env}))
        clashes = {
            f"{name} publishes {port}": taken[int(port)]
            for name, service in resolved["services"].items()
            for mapping in service.get("ports", [])
            if (port := host_port(mapping)).isdigit() and int(port) in taken
        }
        assert not clashes, f"host ports the local stack already uses: {clashes}"


def test_the_local_stack_ports_are_read_from_the_settings(shipped_settings: Settings) -> None:
    ports = local_stack_ports(shipped_settings)
    assert {9092, 8081, 9042, 8080, 4040, 9090, 9091, 9464, 9465, 8765} <= set(ports), ports
    metrics = shipped_settings.metrics
    assert {metrics.job_port, metrics.supervisor_port} <= set(ports), ports


def test_host_ports_are_overridable_and_documented(
    compose: dict[str, Any], env_example: dict[str, str]
) -> None:
    for name, service in compose["services"].items():
        for mapping in service.get("ports", []):
            host = host_port(mapping)
            assert host.startswith("${"), f"{name}: host port {host!r} is not an env variable"
            variable = host[2:].split(":", 1)[0].split("}", 1)[0]
            assert variable in env_example, f"{name}: {variable} is not in .env.example"


def test_stateful_services_use_named_volumes(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    for name, path in STATEFUL_MOUNTS.items():
        mounts = dict(
            str(volume).split(":", 1)[::-1] for volume in compose["services"][name]["volumes"]
        )
        source = mounts.get(path)
        assert source in declared, f"{name}: {path} is not on a named volume ({mounts})"


def test_files_copied_or_mounted_exist(compose: dict[str, Any]) -> None:
    missing: list[str] = []
    for service, dockerfile in dockerfiles(compose).items():
        assert dockerfile.is_file(), f"{service}: Dockerfile {dockerfile} does not exist"
        context = dockerfile.parents[len(dockerfile.relative_to(REPO_ROOT).parts) - 1]
        for source in copy_sources(dockerfile):
            if not (context / source).exists():
                missing.append(f"{dockerfile.relative_to(REPO_ROOT)}: COPY {source}")
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if source.startswith((".", "/")) and not (COMPOSE_FILE.parent / source).exists():
                missing.append(f"{name}: bind mount {source}")
    assert not missing, "missing in the repository:\n" + "\n".join(missing)


def test_airflow_image_holds_the_dag(compose: dict[str, Any]) -> None:
    dockerfile = dockerfiles(compose)["airflow-scheduler"]
    assert "airflow/dags/" in copy_sources(dockerfile)
    assert (REPO_ROOT / "airflow" / "dags" / "contract_streams.py").is_file(), (
        "airflow/dags/contract_streams.py does not exist: the Airflow image would have no DAG"
    )
    assert "generated/" in copy_sources(dockerfile), "the DAGs are built from generated/"


def test_python_modules_run_by_containers_exist(compose: dict[str, Any]) -> None:
    """Every ``python -m pkg.module`` a container runs is a module of this repository."""
    missing = [
        f"{name}: python -m {module}"
        for name, service in compose["services"].items()
        for module in python_modules(service)
        if main_file(module) is None
    ]
    assert not missing, "containers run modules that do not exist:\n" + "\n".join(missing)


def test_credentials_come_from_the_env_file(compose_text: str, env_example: dict[str, str]) -> None:
    required = required_variables(compose_text)
    assert {"POSTGRES_PASSWORD", "AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET"} <= required
    undocumented = required - set(env_example)
    assert not undocumented, f"required variables missing from .env.example: {undocumented}"
    secrets = {key: value for key, value in env_example.items() if key in required}
    real = {key for key, value in secrets.items() if "change-me" not in value and "PASSWORD" in key}
    assert not real, f".env.example must not hold real passwords: {real}"


def test_real_env_file_is_not_committed() -> None:
    ignored = (REPO_ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored, ".gitignore must keep docker/.env out of the repository"


def test_airflow_connections_point_at_the_containers(resolved_compose: dict[str, Any]) -> None:
    """The DAGs read kafka_default / schema_registry_default first: they must name the same
    broker and registry as the PIPELINE_* settings of the other containers. Each contract's
    source is its connection when the Compose file defines one, else the URL it declares:
    either way the real service, over https."""
    environment = resolved_compose["services"]["airflow-scheduler"]["environment"]
    kafka = json.loads(environment["AIRFLOW_CONN_KAFKA_DEFAULT"])
    registry = json.loads(environment["AIRFLOW_CONN_SCHEMA_REGISTRY_DEFAULT"])
    assert kafka["extra"]["bootstrap.servers"] == environment["PIPELINE_KAFKA__BOOTSTRAP_SERVERS"]
    assert registry["extra"]["url"] == environment["PIPELINE_REGISTRY__URL"]
    sources = [c.source for c in all_contracts() if c.source is not None]
    assert len(sources) >= 2
    for source in sources:
        assert source.connection is not None
        defined = environment.get(connection_variable(source.connection))
        url = json.loads(defined).get("host", "") if defined else source.url
        assert str(url).startswith("https://"), (source.connection, url)
