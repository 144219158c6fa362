"""Fetch a batch of random users and produce them, Avro via the Schema Registry, to Kafka.

Every run fetches ``batch_size`` users from the randomuser API (or the URL of the
``randomuser_default`` connection / the ``source_url`` param), validates them, produces the valid
ones to ``users_created`` keyed by ``login.uuid`` and the rejects to ``users_created.dlq``, and
returns the counts. Broker and registry come from the ``kafka_default`` and
``schema_registry_default`` connections, else from the pipeline settings (``PIPELINE_*``).
The schedule is ``USERS_CREATED_SCHEDULE`` from the environment (default every 5 minutes).
Needs the repository root on ``PYTHONPATH`` (for ``producer`` and ``config``).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import Param, dag, task


@dag(
    dag_id="users_created",
    schedule=os.environ.get("USERS_CREATED_SCHEDULE", "*/5 * * * *"),
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": True,
        # every remote call of the task has its own timeout; this bounds the task as a whole
        "execution_timeout": timedelta(
            minutes=int(os.environ.get("USERS_CREATED_TIMEOUT_MIN", "30"))
        ),
    },
    params={
        "batch_size": Param(1000, type="integer", minimum=1, maximum=100_000),
        "seed": Param(None, type=["null", "string"], description="same seed, same users"),
        "source_url": Param(None, type=["null", "string"], description="randomuser base URL"),
        "nat": Param(None, type=["null", "string"], description="nationalities, e.g. US,DE"),
    },
    tags=["producer", "users_created"],
    doc_md=__doc__,
)
def users_created() -> None:
    @task
    def produce_users(params: dict[str, Any] | None = None) -> dict[str, int]:
        """Fetch, validate and produce one batch; returns fetched/produced/rejected/failed."""
        from producer.airflow_task import produce_users as run

        return run(params or {})

    produce_users()


users_created()
