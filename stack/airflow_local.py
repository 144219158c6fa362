"""Airflow on the local stack: the environment it runs the contracts' DAGs in, and one DAG run
(``airflow dags test``, used by the demo). The UI (``make airflow``) is ``stack.airflow_ui``.

Airflow keeps its SQLite metadata database and logs under ``<stack home>/airflow``. Its
connections (``kafka_default``, ``schema_registry_default``) are set by environment variables
from the settings, so the DAGs read the same endpoints as every other part of the project; a
contract's source connection is left undefined unless the settings name a URL for it
(``source.urls``), so each DAG reads the source its contract declares. Its OpenLineage provider
writes the DAG runs' lineage where the settings' ``lineage`` say (``clients.lineage``).
Everything Airflow serves binds to 127.0.0.1 on ``stack.airflow_port``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from clients.lineage import airflow_variables, prepare
from config import Settings
from config.settings import REPO_ROOT
from contract.catalog import all_contracts
from producer.airflow_connections import KAFKA_CONN_ID, REGISTRY_CONN_ID

ADMIN_USER = "admin"
LOOPBACK = "127.0.0.1"
PARALLELISM = 4
"""Task slots, one LocalExecutor worker process each (Airflow's default, 32, is for servers)."""


class AirflowRunError(RuntimeError):
    """An Airflow command failed; the message names the command and its log."""


def airflow_home(settings: Settings) -> Path:
    return settings.stack.home / "airflow"


def airflow_url(settings: Settings) -> str:
    """Where the UI and the API (REST and task execution) answer."""
    return f"http://{LOOPBACK}:{settings.stack.airflow_port}"


def password_file(settings: Settings) -> Path:
    """The file Airflow's simple auth manager writes the generated admin password to."""
    return airflow_home(settings) / "simple_auth_manager_passwords.json.generated"


def airflow_env(settings: Settings) -> dict[str, str]:
    """The process environment for Airflow commands on the local stack.

    The virtual environment's ``bin`` leads ``PATH``: Airflow starts its own helpers as
    ``airflow ...`` found on ``PATH``, and ``make`` does not activate the venv.
    """
    registry = {"conn_type": "http", "extra": {"url": settings.registry.url}}
    kafka = {"conn_type": "kafka", "extra": {"bootstrap.servers": settings.kafka.bootstrap_servers}}
    sources = {
        connection_variable(c.source.connection): json.dumps(
            {"conn_type": "http", "extra": {"url": settings.source.urls[c.name]}}
        )
        for c in all_contracts()
        if c.source and c.source.connection and c.name in settings.source.urls
    }
    venv_bin = str(Path(sys.executable).parent)
    prepare(settings.lineage)  # the provider's file transport does not make its folder
    return {
        **os.environ,
        "PATH": os.pathsep.join(filter(None, [venv_bin, os.environ.get("PATH")])),
        "AIRFLOW_HOME": str(airflow_home(settings)),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "airflow" / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(PARALLELISM),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(password_file(settings)),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{airflow_url(settings)}/execution/",
        "AIRFLOW__API__HOST": LOOPBACK,
        "AIRFLOW__API__PORT": str(settings.stack.airflow_port),
        "AIRFLOW__API__BASE_URL": airflow_url(settings),
        **airflow_variables(settings.lineage),
        connection_variable(KAFKA_CONN_ID): json.dumps(kafka),
        connection_variable(REGISTRY_CONN_ID): json.dumps(registry),
        **sources,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }


def connection_variable(conn_id: str) -> str:
    """The environment variable that defines an Airflow connection."""
    return f"AIRFLOW_CONN_{conn_id.upper()}"


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


def run_dag_once(settings: Settings, dag_id: str, conf: dict[str, object]) -> Path:
    """One run of a contract's DAG through Airflow itself; returns the log it wrote to."""
    log = airflow_home(settings) / "dag-runs.log"
    ensure_metadata_db(settings, log)
    _airflow(settings, "dags", "test", dag_id, "-c", json.dumps(conf), log=log)
    return log
