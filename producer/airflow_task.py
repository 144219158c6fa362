"""The body of each contract's DAG task, kept out of the DAG file so that parsing it stays cheap."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from config import load_settings
from contract.catalog import contract
from producer.airflow_connections import ConnectionLike, with_connections
from producer.run import run_batch

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
