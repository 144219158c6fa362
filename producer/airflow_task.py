"""The body of the DAG's task, kept out of the DAG file so that parsing it stays cheap."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from config import load_settings
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


def produce_users(params: Mapping[str, Any]) -> dict[str, int]:
    """One batch from the DAG params; the counts are returned to the UI as the task's XCom."""
    settings = with_connections(load_settings(), airflow_connection)
    counts = run_batch(
        settings,
        int(params["batch_size"]),
        seed=params.get("seed") or None,
        source_url=params.get("source_url") or None,
        nat=params.get("nat") or None,
    )
    log.info(
        "users_created batch: fetched=%d produced=%d rejected=%d (topic %s, DLQ %s)",
        counts.fetched,
        counts.produced,
        counts.rejected,
        settings.kafka.topic,
        settings.kafka.dlq_topic,
    )
    return counts.as_dict()
