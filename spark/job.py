"""The streaming job: one Spark session, one query per topic (``spark.streams``), supervised.

``run`` starts a query for every topic whose contracts have tables, restarts a failed query
from its checkpoint by the job's restart policy (``spark.restarts``), records every failure and
restart in the job's state (``make inspect`` shows them), and says so loudly when a query keeps
failing for the same reason. Every ``spark.discovery_interval_s`` it looks for contracts
generated since it started: a new topic gets its query, a topic that gained a contract is
restarted with it, without stopping the others. Each query run's lineage goes out as
OpenLineage events (``spark.lineage``). A checkpoint that does not fit its topic is a
configuration error: ``run`` refuses to start (``CheckpointMismatchError``; exit status 3)
instead of looping.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIServer

from confluent_kafka import KafkaException
from pyspark.errors import StreamingQueryException
from pyspark.sql import SparkSession
from pyspark.sql.streaming.listener import StreamingQueryListener

from clients.kafka import end_offsets, list_topics
from clients.registry import RegistryUnavailableError
from config import Settings
from contract.catalog import refresh
from contract.metrics import JobMetrics, serve
from spark import lineage
from spark.checkpoint import check_fits, checkpoint_location
from spark.live_reader import ReaderPoller
from spark.metrics import BatchPosition, MetricsLog, offsets_behind
from spark.restarts import STUCK_AFTER, RestartPolicy
from spark.session import build_session
from spark.state import JobPhase, JobStateFile, now
from spark.streams import TopicPlan, TopicStreams, plan

log = logging.getLogger(__name__)


def check_checkpoints(settings: Settings, topics: Sequence[str]) -> None:
    """Refuse a local checkpoint that is ahead of its topic (``CheckpointMismatchError``).

    Skipped for remote checkpoints (``hdfs://``, ``s3a://``) and when Kafka does not answer
    (the query itself then waits for it).
    """
    for topic in topics:
        location = checkpoint_location(settings, topic)
        if "://" in location:
            continue
        try:
            end = end_offsets(settings, topic)
        except KafkaException as exc:
            log.warning("checkpoint check skipped: Kafka did not answer (%s)", exc)
            return
        check_fits(Path(location), topic, end)


def failure_reason(exc: BaseException) -> str:
    """One line saying why a query failed (the innermost error line of Spark's report)."""
    text = str(exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    ours = [line for line in lines if _ERROR_LINE.match(line)]
    reason = ours[-1] if ours else (lines[0] if lines else type(exc).__name__)
    return reason[:500]


_ERROR_LINE = re.compile(r"^[\w.]*(Error|Exception): ")


class _Restarts:
    """The failed queries waiting for their restart, each topic with its own policy."""

    def __init__(self, max_delay_s: float) -> None:
        self.max_delay_s = max_delay_s
        self.policies: dict[str, RestartPolicy] = {}
        self.due: dict[str, float] = {}
        self.last_reason: str | None = None
        self.same_reason = 0

    def started(self, topic: str) -> None:
        self.policies.setdefault(topic, RestartPolicy(self.max_delay_s)).started()

    def failed(self, topic: str, reason: str) -> float:
        delay = self.policies[topic].failed()
        self.due[topic] = time.monotonic() + delay
        self.same_reason = self.same_reason + 1 if reason == self.last_reason else 1
        self.last_reason = reason
        return delay

    def ready(self) -> list[str]:
        topics = [t for t, at in self.due.items() if at <= time.monotonic()]
        for topic in topics:
            del self.due[topic]
        return topics


def run(settings: Settings, master: str | None = None, only: Sequence[str] = ()) -> None:
    """Run the job until its queries are stopped; a failed query is restarted from its
    checkpoint, and a contract whose topic does not exist yet waits for it (discovery)."""
    # The state keeps ``last_failure`` (with its time) across the job's restarts: when the
    # supervisor restarts a stalled job, the failure that led there stays visible.
    state = JobStateFile(settings.spark.status_file)
    plans = plan(settings, only)
    check_checkpoints(settings, list(plans))
    spark = build_session(settings, master)
    state.update(
        pid=os.getpid(),
        ui_url=spark.sparkContext.uiWebUrl,
        started_at=now(),
        phase=JobPhase.STARTING,
        query_restarts=0,
        failure_streak=0,
        gave_up_at=None,
        queries={},
        progress_at={},
    )
    spark.streams.addListener(ProgressHeartbeat(state))
    lineage.watch(spark, settings, only)
    prometheus = JobMetrics()
    server = _serve_metrics(settings, prometheus)
    spark.streams.addListener(ConsumerLag(prometheus))
    spark.streams.addListener(BatchPositions(MetricsLog(settings.spark.metrics_file)))
    poller = (
        ReaderPoller(settings.spark.reader_poll_interval_s) if settings.spark.live_reader else None
    )
    streams = TopicStreams(spark, settings, state, poller, prometheus)
    restarts = _Restarts(settings.spark.restart_backoff_max_s)
    for topic_plan in _startable(settings, plans.values()):
        _start(streams, restarts, state, topic_plan)
    state.update(phase=JobPhase.RUNNING, running_since=now())
    discover_at = time.monotonic() + settings.spark.discovery_interval_s
    expected, finished = set(plans), set[str]()
    try:
        while expected - finished:
            _await(spark, WAKE_S)
            finished |= _handle_terminated(streams, restarts, state)
            for topic in restarts.ready():
                again = plan(settings, only).get(topic)
                if again is not None:
                    _start(streams, restarts, state, again)
            if time.monotonic() >= discover_at:
                expected = _discover(settings, only, streams, restarts, state, finished)
                discover_at = time.monotonic() + settings.spark.discovery_interval_s
            phase = JobPhase.RESTARTING if restarts.due else JobPhase.RUNNING
            if state.read().phase != phase:
                state.update(phase=phase)
    finally:
        if poller is not None:
            poller.stop()
        streams.close()
        if server is not None:
            server.shutdown()
    state.update(phase=JobPhase.STOPPED, stopped_at=now())


def _serve_metrics(settings: Settings, prometheus: JobMetrics) -> WSGIServer | None:
    """Serve the job's metrics on ``metrics.job_port`` (none when it is 0). A port already
    taken (another job on this machine) leaves this job without them, said once: metrics are
    not worth stopping the rows for."""
    host, port = settings.metrics.host, settings.metrics.job_port
    try:
        server = serve(prometheus.registry, host, port)
    except OSError as exc:
        log.warning("metrics not served: %s:%d: %s", host, port, exc.strerror)
        return None
    if server is not None:
        log.info("metrics on http://%s:%d/metrics", host, port)
    return server


WAKE_S = 1
"""Seconds between looks at the queries (a terminated one, a restart due, discovery)."""


def _await(spark: SparkSession, timeout_s: int) -> None:
    """Wait until a query terminates (or the timeout); its failure is read from the query."""
    with contextlib.suppress(StreamingQueryException):
        spark.streams.awaitAnyTermination(timeout_s)
    spark.streams.resetTerminated()


def _handle_terminated(streams: TopicStreams, restarts: _Restarts, state: JobStateFile) -> set[str]:
    """Restart the failed queries (after their delay); returns the topics whose query stopped
    without an error (stopped from outside: not restarted)."""
    stopped = set()
    for topic, query in list(streams.queries.items()):
        if query.isActive:
            continue
        exc = query.exception()
        streams.stop(topic)
        if exc is None:
            log.info("query of %s stopped", topic)
            stopped.add(topic)
            continue
        _failed(restarts, state, topic, failure_reason(exc))
    return stopped


def _start(
    streams: TopicStreams, restarts: _Restarts, state: JobStateFile, topic_plan: TopicPlan
) -> None:
    """Start a topic's query. One that cannot start now (its live reader finds the registry
    unreachable) is restarted later like a failed query: never the end of the job, whose other
    queries go on."""
    topic = topic_plan.topic
    restarts.started(topic)
    try:
        streams.start(topic_plan)
    except RegistryUnavailableError as exc:
        streams.stop(topic)
        _failed(restarts, state, topic, f"{type(exc).__name__}: {exc}")


def _failed(restarts: _Restarts, state: JobStateFile, topic: str, reason: str) -> None:
    """Schedule the restart of ``topic``'s query by its restart policy; log and record why."""
    delay = restarts.failed(topic, reason)
    if restarts.same_reason >= STUCK_AFTER:
        log.error(
            "queries failed %d times in a row for the same reason; %s is restarted in %.0f "
            "s, and again until that is fixed: %s",
            restarts.same_reason,
            topic,
            delay,
            reason,
        )
    else:
        log.error("query of %s failed (restart in %.0f s): %s", topic, delay, reason)
    state.count(
        "query_restarts",
        phase=JobPhase.RESTARTING,
        failure_streak=restarts.same_reason,
        last_failure=f"{topic}: {reason}",
        last_failure_at=now(),
    )


def _discover(
    settings: Settings,
    only: Sequence[str],
    streams: TopicStreams,
    restarts: _Restarts,
    state: JobStateFile,
    finished: set[str],
) -> set[str]:
    """Start the queries of contracts generated since the job started (and of topics created
    since), and restart a topic's query when the contracts on it changed (from its checkpoint:
    nothing is lost); a query stopped from outside stays stopped. Returns the topics the job
    streams or waits for."""
    refresh()
    fresh = plan(settings, only)
    for topic_plan in _startable(settings, fresh.values(), warn=False):
        topic = topic_plan.topic
        running = streams.plans.get(topic)
        if topic in restarts.due or topic in finished:
            continue
        if running is not None and running.names == topic_plan.names:
            continue
        if running is not None:
            log.info("contracts on %s changed to %s: restarting its query", topic, topic_plan.names)
            streams.stop(topic)
        else:
            log.info("new contract(s) %s on %s: starting its query", topic_plan.names, topic)
        _start(streams, restarts, state, topic_plan)
    return set(fresh)


def _startable(
    settings: Settings, plans: Iterable[TopicPlan], warn: bool = True
) -> list[TopicPlan]:
    """The plans whose topic exists (``make register`` creates them); the others wait for
    discovery, with a warning (``warn``) when the job starts."""
    chosen = list(plans)
    try:
        existing = set(list_topics(settings))
    except KafkaException:
        return chosen  # Kafka does not answer: each query waits for it
    ready = [p for p in chosen if p.topic in existing]
    for waiting in (p for p in chosen if warn and p.topic not in existing):
        log.warning("topic %s does not exist yet (`make register` creates it)", waiting.topic)
    return ready


class ProgressHeartbeat(StreamingQueryListener):
    """Records when each query last made progress (a batch, or an idle trigger): the supervisor
    restarts a job whose queries have not made any for ``spark.stall_timeout_s``."""

    def __init__(self, state: JobStateFile) -> None:
        self._state = state

    def onQueryStarted(self, event: Any) -> None:  # noqa: N802 (pyspark's name)
        self._state.mark_progress(str(event.id))

    def onQueryProgress(self, event: Any) -> None:  # noqa: N802 (pyspark's name)
        self._state.mark_progress(str(event.progress.id))

    def onQueryIdle(self, event: Any) -> None:  # noqa: N802 (pyspark's name)
        self._state.mark_progress(str(event.id))

    def onQueryTerminated(self, event: Any) -> None:  # noqa: N802 (pyspark's name)
        """Nothing: ``run`` records how each query ended."""


class ConsumerLag(StreamingQueryListener):
    """Sets each topic's ``userstream_job_consumer_lag`` from its query's progress: the Kafka
    source reports the offsets a batch ended at and the newest its trigger saw, so the lag
    costs no request to the broker (a query is named after its topic)."""

    def __init__(self, prometheus: JobMetrics) -> None:
        self._gauge = prometheus.consumer_lag

    def onQueryStarted(self, event: Any) -> None:  # noqa: N802 (pyspark's name)
        """Nothing: the lag is known from the first batch on."""

    def onQueryProgress(self, event: Any) -> None:  # noqa: N802 (pyspark's name)
        progress = event.progress
        behind = [offsets_behind(s.endOffset, s.latestOffset) for s in progress.sources]
        known = [n for n in behind if n is not None]
        if progress.name and known:
            self._gauge.labels(progress.name).set(sum(known))

    def onQueryTerminated(self, event: Any) -> None:  # noqa: N802 (pyspark's name)
        """Nothing: the last lag stays until the query's next batch."""


class BatchPositions(StreamingQueryListener):
    """Records the Kafka offsets each micro-batch covered, from its query's progress, beside the
    batch's figures (``MetricsLog.record_position``). Spark knows them before the batch runs but
    tells them only here, once the batch is committed: reading them from the progress costs no
    Spark action and no request to the broker."""

    def __init__(self, metrics: MetricsLog) -> None:
        self._metrics = metrics

    def onQueryStarted(self, event: Any) -> None:  # noqa: N802 (pyspark's name)
        """Nothing: positions come with each batch's progress."""

    def onQueryProgress(self, event: Any) -> None:  # noqa: N802 (pyspark's name)
        progress = event.progress
        if not progress.numInputRows:
            return  # no batch ran (an idle trigger): there is no batch line to complete
        for source in progress.sources:
            for position in BatchPosition.of_progress(
                progress.batchId, source.startOffset, source.endOffset
            ):
                self._metrics.record_position(position)

    def onQueryTerminated(self, event: Any) -> None:  # noqa: N802 (pyspark's name)
        """Nothing: each committed batch's position came with its progress."""
