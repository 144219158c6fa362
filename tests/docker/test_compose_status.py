"""`make up`'s report of the services that are not up (``docker/compose_status.py``), read from
sample ``docker compose ps --all --format json`` output: no engine needed."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from types import ModuleType
from typing import Any

from tests.fixtures.compose import COMPOSE_FILE, DOCKER_DIR, ENV_EXAMPLE, REPO_ROOT

MAKEFILE = REPO_ROOT / "Makefile"


def _load() -> ModuleType:
    """The helper by its path (``docker/`` is not a package: ``make up`` runs it as a script)."""
    spec = importlib.util.spec_from_file_location(
        "compose_status", DOCKER_DIR / "compose_status.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


status = _load()


def ps_line(service: str, state: str, health: str = "", exit_code: int = 0) -> str:
    """One line of ``docker compose ps --all --format json`` (Compose 2.21+), trimmed."""
    return json.dumps(
        {
            "Name": f"userstream-{service}-1",
            "Service": service,
            "State": state,
            "Health": health,
            "ExitCode": exit_code,
            "Status": "sample",
            "Project": "userstream",
        }
    )


SAMPLE = "\n".join(
    [
        ps_line("kafka", "running", "healthy"),
        ps_line("cassandra", "running", "unhealthy"),
        ps_line("control-center", "running", "starting"),
        ps_line("init", "exited", exit_code=0),
        ps_line("airflow-init", "exited", exit_code=0),
        ps_line("spark-job", "exited", exit_code=1),
        ps_line("spark-worker", "restarting", exit_code=137),
        ps_line("airflow-scheduler", "created"),
        ps_line("pushgateway", "running"),
    ]
)
ONE_SHOT = {"init", "airflow-init"}


def test_each_service_that_is_not_up_is_named_with_why() -> None:
    entries = status.ps_entries(SAMPLE)
    assert status.failures(entries, ONE_SHOT) == [
        "cassandra (unhealthy)",
        "control-center (starting)",
        "spark-job (exited 1)",
        "spark-worker (restarting)",
        "airflow-scheduler (not started)",
    ]


def test_only_a_one_shot_service_is_done_when_it_exits_0() -> None:
    done = [json.loads(ps_line("init", "exited")), json.loads(ps_line("spark-job", "exited"))]
    assert status.failures(done, ONE_SHOT) == ["spark-job (exited 0)"]
    assert status.failures(done, None) == [], "one-shot services unknown: any exit 0 is done"
    failed = [json.loads(ps_line("init", "exited", exit_code=2))]
    assert status.failures(failed, ONE_SHOT) == ["init (exited 2)"]


def test_a_configured_service_without_a_container_is_named() -> None:
    entries = status.ps_entries(ps_line("kafka", "running", "healthy"))
    assert status.failures(entries, ONE_SHOT, ["kafka", "init"]) == ["init (no container)"]


def test_all_up_is_no_failure_and_both_ps_formats_are_read() -> None:
    lines = [ps_line("kafka", "running", "healthy"), ps_line("init", "exited")]
    assert status.failures(status.ps_entries("\n".join(lines)), ONE_SHOT) == []
    array = "[" + ",".join(lines) + "]"  # Compose before 2.21: one JSON array
    assert status.ps_entries(array) == status.ps_entries("\n".join(lines))
    assert status.ps_entries("") == []


def test_one_shot_services_are_those_waited_for_to_complete(compose: dict[str, Any]) -> None:
    assert status.one_shot_services(compose) == ONE_SHOT


def test_one_shot_services_from_compose_config_json(compose_cli: str) -> None:
    """What the helper reads at run time: ``docker compose config --format json``."""
    compose = [compose_cli, "compose", "-f", str(COMPOSE_FILE), "--env-file", str(ENV_EXAMPLE)]
    done = subprocess.run(
        [*compose, "config", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert status.one_shot_services(json.loads(done.stdout)) == ONE_SHOT


def test_make_up_reports_the_failed_services_before_the_state_table() -> None:
    line = "python3 docker/compose_status.py $(COMPOSE) || true"
    recipe = MAKEFILE.read_text(encoding="utf-8").split("\nup:", 1)[1].split("\n\n", 1)[0]
    assert line in recipe, f"`make up` does not run {line!r}"
    assert recipe.index(line) < recipe.index("ps --all --format 'table"), recipe
