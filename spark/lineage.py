"""The streaming job's OpenLineage events: one run per query run, reading its topic and writing
every table of the contracts on it.

A query's start emits START, its end COMPLETE (stopped) or FAIL (failed, with Spark's message);
its run id is the query's ``runId``, so a restarted query is a new run of the same job
(``userstream-streaming-job.<topic>``). Nothing is emitted per micro-batch: the datasets do not
change from one batch to the next, and a batch should not wait on a lineage backend.

Spark's own OpenLineage listener (``openlineage-spark``) is not used: it sees the Kafka source
but not the tables, which the job writes from ``foreachBatch`` through the Cassandra connector,
and it emits a dozen events per micro-batch of every query (several per Spark action), at a
third more driver CPU (``docs/see-what-flows.md``, *Lineage (OpenLineage)*).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import error_message_run, job_type_job
from pyspark.sql import SparkSession
from pyspark.sql.streaming.listener import StreamingQueryListener

from clients.cassandra import table_keyspace
from clients.lineage import JOB_EMITTER, LineageEmitter
from config import Settings
from contract.lineage import table_dataset, topic_dataset
from spark.reader_contract import ReaderContract
from spark.session import APP_NAME
from spark.streams import TopicPlan, plan

log = logging.getLogger(__name__)

PRODUCER = "urn:userstream:streaming-job"
"""The ``producer`` of the job's events (a URI, as OpenLineage asks)."""
_MESSAGE_LIMIT = 2000


def job_name(topic: str) -> str:
    """The OpenLineage job of a topic's query."""
    return f"{APP_NAME}.{topic}"


def query_event(
    settings: Settings,
    topic_plan: TopicPlan,
    run_id: str,
    state: RunState,
    error: str | None = None,
) -> RunEvent:
    """The event of one query run: the topic in, every table of its contracts out, each with
    its contract's schema."""
    contracts = topic_plan.contracts
    topic = topic_dataset(settings.kafka, topic_plan.topic, [c.schema for c in contracts])
    tables = [
        table_dataset(
            settings.cassandra,
            table_keyspace(settings, table.keyspace),
            table.name,
            table.columns,
            contract.schema,
        )
        for contract in contracts
        for table in ReaderContract.generated(contract).tables
    ]
    facets: dict[str, Any] = {}
    if error is not None:
        facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message=error[:_MESSAGE_LIMIT], programmingLanguage="JAVA"
        )
    return RunEvent(
        eventType=state,
        eventTime=datetime.now(UTC).isoformat(),
        run=Run(runId=run_id, facets=facets),
        job=Job(
            namespace=settings.lineage.namespace,
            name=job_name(topic_plan.topic),
            facets={
                "jobType": job_type_job.JobTypeJobFacet(
                    processingType="STREAMING", integration="SPARK", jobType="QUERY"
                )
            },
        ),
        inputs=[InputDataset(namespace=topic.namespace, name=topic.name, facets=topic.facets)],
        outputs=[
            OutputDataset(namespace=t.namespace, name=t.name, facets=t.facets) for t in tables
        ],
        producer=PRODUCER,
    )


class QueryLineage(StreamingQueryListener):
    """Emits each query run's START and its COMPLETE or FAIL (a query is named after its topic).

    Spark calls it on its listener thread; building or sending an event that fails is logged,
    never raised into Spark.
    """

    def __init__(self, settings: Settings, emitter: LineageEmitter, only: Sequence[str]) -> None:
        self._settings = settings
        self._emitter = emitter
        self._only = only
        self._runs: dict[str, TopicPlan] = {}

    def onQueryStarted(self, event: Any) -> None:  # noqa: N802 (pyspark's name)
        topic_plan = plan(self._settings, self._only).get(event.name or "")
        if topic_plan is not None:
            self._runs[str(event.runId)] = topic_plan
            self._emit(topic_plan, str(event.runId), RunState.START)

    def onQueryProgress(self, event: Any) -> None:  # noqa: N802 (pyspark's name)
        """Nothing: lineage is per query run, not per batch."""

    def onQueryTerminated(self, event: Any) -> None:  # noqa: N802 (pyspark's name)
        topic_plan = self._runs.pop(str(event.runId), None)
        if topic_plan is not None:
            failed = event.exception is not None
            state = RunState.FAIL if failed else RunState.COMPLETE
            self._emit(topic_plan, str(event.runId), state, event.exception)

    def _emit(
        self, topic_plan: TopicPlan, run_id: str, state: RunState, error: str | None = None
    ) -> None:
        try:
            event = query_event(self._settings, topic_plan, run_id, state, error)
        except Exception:
            log.warning("lineage of %s not built", topic_plan.topic, exc_info=True)
            return
        self._emitter.emit(event)


def watch(spark: SparkSession, settings: Settings, only: Sequence[str] = ()) -> QueryLineage | None:
    """Emit the lineage of every query ``spark`` starts from now on (the contracts in ``only``,
    or all); None when lineage is off."""
    emitter = LineageEmitter(settings.lineage, JOB_EMITTER)
    if not emitter.enabled:
        return None
    listener = QueryLineage(settings, emitter, only)
    spark.streams.addListener(listener)
    return listener
