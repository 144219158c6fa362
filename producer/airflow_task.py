"""The body of each contract's DAG task, kept out of the DAG file so that parsing it stays cheap."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from config import Settings, load_settings
from contract.catalog import Contract, contract
from contract.lineage import source_dataset, topic_dataset
from producer.airflow_connections import ConnectionLike, with_connections
from producer.run import run_batch, source_url

log = logging.getLogger(__name__)


def airflow_connection(conn_id: str) -> ConnectionLike | None:
    """The Airflow connection ``conn_id``, or None when it is not defined."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn: ConnectionLike = Connection.get(conn_id)
    except AirflowNotFoundException:
        return None
    return conn


def produce(contract_name: str, params: Mapping[str, Any]) -> dict[str, int]:
    """One batch of ``contract_name`` from the DAG params; the counts are returned to the UI as
    the task's XCom."""
    chosen = contract(contract_name)
    settings = with_connections(load_settings(), airflow_connection, chosen)
    query = params.get("query") or {}
    declare_lineage(settings, chosen, params.get("source_url") or None)
    counts = run_batch(
        settings,
        chosen,
        int(params["batch_size"]),
        seed=params.get("seed") or None,
        url=params.get("source_url") or None,
        params={str(k): str(v) for k, v in query.items()},
    )
    names = chosen.names(settings)
    log.info(
        "%s batch: fetched=%d produced=%d rejected=%d (topic %s, DLQ %s)",
        chosen.name,
        counts.fetched,
        counts.produced,
        counts.rejected,
        names.topic,
        names.dlq_topic,
    )
    return counts.as_dict()


def declare_lineage(settings: Settings, chosen: Contract, url: str | None) -> None:
    """Name the run's datasets on its running task: the source as its inlet, the topic as its
    outlet. Airflow's OpenLineage provider reads them when the task ends (it cannot see into a
    TaskFlow task's code). They are set at run time, not in the DAG file, because the source is
    the run's own (a run's ``source_url``, a connection or the settings may name another than
    the contract's), and parsing the DAG file stays light. Never fails the run."""
    from airflow.sdk import get_current_context

    try:
        task = get_current_context()["task"]
        task.inlets = [source_dataset(source_url(settings, chosen, url))]
        topic = chosen.names(settings).topic
        task.outlets = [topic_dataset(settings.kafka, topic, [chosen.schema])]
    except Exception as exc:  # lineage is not worth a failed run
        log.warning("lineage of %s not declared: %s: %s", chosen.name, type(exc).__name__, exc)
