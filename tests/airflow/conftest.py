"""Airflow test setup: a private AIRFLOW_HOME with a migrated sqlite DB, and the parsed DAG.

AIRFLOW_HOME must be set before Airflow is first imported, so it is set when this conftest is
loaded; it points at a temporary directory, never at a real installation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config import Settings
from config.settings import REPO_ROOT

DAGS = REPO_ROOT / "airflow" / "dags"
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="userstream-airflow-test-"))
os.environ["AIRFLOW_HOME"] = str(AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS)
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"


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


@pytest.fixture(scope="session")
def users_dag(airflow_db: Path) -> Any:
    """The parsed ``users_created`` DAG, with task retries off so failures surface at once."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert not bag.import_errors, bag.import_errors
    dag = bag.dags["users_created"]
    for task in dag.tasks:
        task.retries = 0
    return dag


@pytest.fixture
def dag_topics(topics: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Fresh registered topics, handed to the DAG's task through ``PIPELINE_KAFKA__*``."""
    monkeypatch.setenv("PIPELINE_KAFKA__TOPIC", topics.kafka.topic)
    monkeypatch.setenv("PIPELINE_KAFKA__DLQ_TOPIC", topics.kafka.dlq_topic)
    return topics
