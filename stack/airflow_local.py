"""Airflow on the local stack: the environment it runs the project's DAG in, one DAG run
(``airflow dags test``, used by the demo), and the UI (``make airflow``: ``airflow standalone``).

Airflow keeps its SQLite metadata database and logs under ``<stack home>/airflow``. Its
connections (``kafka_default``, ``schema_registry_default``) are set by environment variables
from the settings, so the DAG reads the same endpoints as every other part of the project.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from config import Settings, load_settings
from config.settings import REPO_ROOT

DAG_ID = "users_created"
UI_PORT = 8080


class AirflowRunError(RuntimeError):
    """An Airflow command failed; the message names the command and its log."""


def airflow_home(settings: Settings) -> Path:
    return settings.stack.home / "airflow"


def airflow_env(settings: Settings) -> dict[str, str]:
    """The process environment for Airflow commands on the local stack."""
    registry = {"conn_type": "http", "extra": {"url": settings.registry.url}}
    kafka = {"conn_type": "kafka", "extra": {"bootstrap.servers": settings.kafka.bootstrap_servers}}
    return {
        **os.environ,
        "AIRFLOW_HOME": str(airflow_home(settings)),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "airflow" / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__API__PORT": str(UI_PORT),
        "AIRFLOW_CONN_KAFKA_DEFAULT": json.dumps(kafka),
        "AIRFLOW_CONN_SCHEMA_REGISTRY_DEFAULT": json.dumps(registry),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }


def _airflow(settings: Settings, *args: str, log: Path) -> None:
    airflow = Path(sys.executable).parent / "airflow"
    with log.open("ab") as out:
        code = subprocess.run(
            [str(airflow), *args],
            env=airflow_env(settings),
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        ).returncode
    if code != 0:
        raise AirflowRunError(f"`airflow {' '.join(args[:2])}` exited {code}; see {log}")


def ensure_metadata_db(settings: Settings, log: Path) -> None:
    """Create the SQLite metadata database on first use (``airflow db migrate``)."""
    airflow_home(settings).mkdir(parents=True, exist_ok=True)
    if not (airflow_home(settings) / "airflow.db").exists():
        _airflow(settings, "db", "migrate", log=log)


def run_dag_once(settings: Settings, conf: dict[str, object]) -> Path:
    """One run of the DAG through Airflow itself; returns the log it wrote to."""
    log = airflow_home(settings) / "dag-runs.log"
    ensure_metadata_db(settings, log)
    _airflow(settings, "dags", "test", DAG_ID, "-c", json.dumps(conf), log=log)
    return log


def serve_ui(settings: Settings) -> int:
    """``airflow standalone`` in the foreground, with the DAG and connections of this stack."""
    ensure_metadata_db(settings, airflow_home(settings) / "standalone.log")
    print(f"Airflow UI: http://localhost:{UI_PORT} (DAG {DAG_ID}; Ctrl-C stops it)")
    print(
        "login: user admin, password printed below by Airflow and kept in "
        f"{airflow_home(settings) / 'simple_auth_manager_passwords.json.generated'}"
    )
    airflow = Path(sys.executable).parent / "airflow"
    return subprocess.run(
        [str(airflow), "standalone"], env=airflow_env(settings), cwd=REPO_ROOT, check=False
    ).returncode


if __name__ == "__main__":
    sys.exit(serve_ui(load_settings()))
