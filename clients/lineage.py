"""The lineage backend, behind one module: OpenLineage's transport as the settings name it, and an
emitter that never fails its caller.

Each emitter (``airflow``: the DAG runs, through Airflow's OpenLineage provider; ``job``: the
streaming job) appends its events as JSON lines to ``<lineage.dir>/<emitter>.jsonl``, and also
posts them to ``lineage.url`` (an OpenLineage HTTP endpoint such as Marquez) when it is set:
OpenLineage's composite transport, each transport tried whatever the other did.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import RunEvent

from config.settings import LineageSettings

log = logging.getLogger(__name__)

AIRFLOW_EMITTER = "airflow"
JOB_EMITTER = "job"


def events_file(lineage: LineageSettings, emitter: str) -> str | None:
    """The JSON-lines file ``emitter`` appends to (None: no files)."""
    return None if lineage.dir is None else str(lineage.dir / f"{emitter}.jsonl")


def transport_config(lineage: LineageSettings, emitter: str) -> dict[str, Any] | None:
    """OpenLineage's transport configuration for ``emitter``: its file, the HTTP endpoint, or
    both (composite); None when lineage is off or goes nowhere."""
    transports: dict[str, dict[str, Any]] = {}
    if (path := events_file(lineage, emitter)) is not None:
        transports["file"] = {"type": "file", "log_file_path": path, "append": True}
    if lineage.url:
        transports["http"] = {"type": "http", "url": lineage.url, "endpoint": "api/v1/lineage"}
    if not lineage.enabled or not transports:
        return None
    if len(transports) == 1:
        return next(iter(transports.values()))
    return {
        "type": "composite",
        "transports": transports,
        "continue_on_failure": True,
        "continue_on_success": True,
    }


def airflow_variables(lineage: LineageSettings) -> dict[str, str]:
    """The configuration of Airflow's OpenLineage provider, as ``AIRFLOW__OPENLINEAGE__*``
    environment variables (it is off when lineage goes nowhere)."""
    config = transport_config(lineage, AIRFLOW_EMITTER)
    if config is None:
        return {"AIRFLOW__OPENLINEAGE__DISABLED": "True"}
    return {
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(config),
        "AIRFLOW__OPENLINEAGE__NAMESPACE": lineage.namespace,
    }


def prepare(lineage: LineageSettings) -> None:
    """Create the events' folder: OpenLineage's file transport appends to a file, never makes
    its folder. One that cannot be made is a warning (each event then is one too)."""
    if lineage.enabled and lineage.dir is not None:
        try:
            lineage.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.warning("lineage events cannot be written to %s: %s", lineage.dir, exc)


class LineageEmitter:
    """Sends one emitter's events; a transport that fails (a full disk, Marquez down) is logged
    as a warning, never raised: lineage is not worth a failed batch."""

    def __init__(self, lineage: LineageSettings, emitter: str) -> None:
        self.lineage = lineage
        self.emitter = emitter
        self._client: OpenLineageClient | None = None

    @property
    def enabled(self) -> bool:
        return transport_config(self.lineage, self.emitter) is not None

    def emit(self, event: RunEvent) -> None:
        config = transport_config(self.lineage, self.emitter)
        if config is None:
            return
        try:
            if self._client is None:
                prepare(self.lineage)
                self._client = OpenLineageClient(config={"transport": config})
            self._client.emit(event)
        except Exception as exc:  # any transport's failure: lineage never fails the job
            log.warning(
                "lineage event %s of %s not sent: %s: %s",
                event.eventType.value if event.eventType else "?",
                event.job.name,
                type(exc).__name__,
                exc,
            )
