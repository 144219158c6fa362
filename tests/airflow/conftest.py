"""Airflow test setup: a private AIRFLOW_HOME with a migrated sqlite DB, and the parsed DAGs
(one per contract with a source, built by ``airflow/dags/contract_streams.py``).

AIRFLOW_HOME must be set before Airflow is first imported, so it is set when this conftest is
loaded; it points at a temporary directory, never at a real installation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from clients.registry import Registry
from config import Settings
from config.settings import REPO_ROOT
from contract.catalog import all_contracts
from ops.topics import ensure_contract_topics
from tests.fixtures.local_stack import unique_name
from tests.fixtures.spark import isolated

DAGS = REPO_ROOT / "airflow" / "dags"
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="userstream-airflow-test-"))
os.environ["AIRFLOW_HOME"] = str(AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS)
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The private AIRFLOW_HOME goes with the session, used or not."""
    shutil.rmtree(AIRFLOW_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def airflow_db() -> Iterator[Path]:
    """``airflow db migrate`` into the private AIRFLOW_HOME; removed at the end of the session."""
    airflow = Path(sys.executable).parent / "airflow"
    result = subprocess.run(
        [str(airflow), "db", "migrate"], capture_output=True, text=True, check=False, timeout=300
    )
    if result.returncode != 0:
        pytest.fail(f"`airflow db migrate` failed in {AIRFLOW_HOME}:\n{result.stderr[-3000:]}")
    yield AIRFLOW_HOME
    shutil.rmtree(AIRFLOW_HOME, ignore_errors=True)


def parsed_dags() -> dict[str, Any]:
    """The DAGs of the DAG folder, parsed now (with the settings of this moment)."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert not bag.import_errors, bag.import_errors
    return dict(bag.dags)


@pytest.fixture
def parse_dags(airflow_db: Path) -> Callable[[], dict[str, Any]]:
    """Parses the DAG folder when called (after a test changed the settings, say)."""
    return parsed_dags


@pytest.fixture(scope="session")
def contract_dags(airflow_db: Path) -> dict[str, Any]:
    """Every contract's parsed DAG by its id, with task retries off so failures surface at once."""
    dags = parsed_dags()
    for dag in dags.values():
        for task in dag.tasks:
            task.retries = 0
    return dags


@pytest.fixture(scope="session")
def users_dag(contract_dags: dict[str, Any]) -> Any:
    """The user contract's DAG (``user_created``)."""
    return contract_dags["user_created"]


@pytest.fixture(scope="session")
def quakes_dag(contract_dags: dict[str, Any]) -> Any:
    """The quake contract's DAG (``quake_reported``)."""
    return contract_dags["quake_reported"]


def _on_deployment(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Hand the deployment of ``settings`` to the DAG's task (which loads its own settings)."""
    monkeypatch.setenv("PIPELINE_KAFKA__TOPIC_PREFIX", settings.kafka.topic_prefix)


@pytest.fixture
def dag_topics(
    request: pytest.FixtureRequest, stack_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """A deployment of its own (scratch topic prefix) with every contract's topics created and
    subjects registered, handed to the DAGs' task through ``PIPELINE_KAFKA__TOPIC_PREFIX``."""
    settings = isolated(stack_settings, unique_name(request, "dag"))
    contracts = all_contracts()
    ensure_contract_topics(settings, [c.stream for c in contracts])
    with Registry(settings.registry) as registry:
        for each in contracts:
            registry.register(each.names(settings).subject, each.schema)
    _on_deployment(monkeypatch, settings)
    return settings


@pytest.fixture
def unregistered_dag_topics(
    unregistered_topics: Settings, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """The user contract's topics, its subject NOT registered, handed to the DAG's task."""
    _on_deployment(monkeypatch, unregistered_topics)
    return unregistered_topics
