"""One DAG per contract that declares a source: fetch a batch, produce it, Avro via the registry.

Built from the contracts when Airflow parses this folder (Airflow's dynamic-DAG pattern): each
contract with an ``x-source`` gets a DAG named after it, on its own schedule (``x-source.
schedule``, or ``source.schedules`` in the settings), reading its own connection
(``x-source.connection``; ``kafka_default`` and ``schema_registry_default`` for the broker and
the registry, else the pipeline settings, ``PIPELINE_*``). Each run fetches ``batch_size``
records, produces the valid ones to the contract's topic and the rejects to its DLQ, and
returns the counts. Needs the repository root on ``PYTHONPATH``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, task

from config import load_settings
from contract.catalog import Contract, all_contracts


def contract_dag(contract: Contract, schedule: str, timeout: timedelta) -> DAG:
    """The DAG of ``contract``: one task, ``produce``."""
    source = contract.source
    assert source is not None
    with DAG(
        dag_id=contract.name,
        schedule=schedule,
        start_date=datetime(2025, 1, 1, tzinfo=UTC),
        catchup=False,
        max_active_runs=1,
        default_args={
            "retries": 2,
            "retry_delay": timedelta(minutes=1),
            "retry_exponential_backoff": True,
            # every remote call of the task has its own timeout; this bounds the task as a whole
            "execution_timeout": timeout,
        },
        params={
            "batch_size": Param(source.batch_size, type="integer", minimum=1, maximum=100_000),
            "seed": Param(None, type=["null", "string"], description="same seed, same records"),
            "source_url": Param(None, type=["null", "string"], description="source endpoint"),
            "query": Param({}, type="object", description="extra query parameters"),
        },
        tags=["producer", contract.name],
        doc_md=f"Produce records of contract `{contract.name}` ({contract.record_name}).\n\n"
        + (__doc__ or ""),
    ) as dag:

        @task(task_id="produce")
        def produce(params: dict[str, Any] | None = None) -> dict[str, int]:
            """Fetch, check and produce one batch; returns fetched/produced/rejected/failed."""
            from producer.airflow_task import produce as run

            return run(contract.name, params or {})

        produce()
    return dag


def _dags() -> dict[str, DAG]:
    settings = load_settings()
    timeout = timedelta(minutes=settings.source.task_timeout_min)
    return {
        c.name: contract_dag(c, settings.source.schedules.get(c.name, c.source.schedule), timeout)
        for c in all_contracts()
        if c.source is not None
    }


globals().update(_dags())
