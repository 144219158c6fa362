"""The pipeline's Prometheus metrics: every name, label and bucket is defined here, once.

Three sets, each in a registry of its own (never prometheus_client's global one, so two sets in
one process, as in the tests, do not collide):

- :class:`JobMetrics`, served by the streaming job's driver on ``metrics.job_port``, fed by
  each micro-batch's figures (``spark.metrics``) and each query's progress (its lag);
- :class:`SupervisorMetrics`, served by the job's supervisor on ``metrics.supervisor_port``:
  the job's restarts, counted by the process that outlives them;
- :class:`ProducerMetrics`, pushed by each producer run to the Pushgateway when it ends (the
  batch-job pattern): a run's figures replace the previous run's of its contract there.

``docs/metrics.md`` lists them with their labels and how each is fed.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    push_to_gateway,
    pushadd_to_gateway,
    start_http_server,
)
from prometheus_client.core import HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

PRODUCER_JOB = "userstream_producer"
"""The Pushgateway's ``job`` of every producer run (its grouping key adds ``contract``)."""
BATCH_DURATION_BUCKETS = (0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
"""Seconds: from an idle topic's trigger to a backlog's bounded batch."""
PRODUCE_TO_ROW_BUCKETS = (0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)
"""Seconds: the steady state's few seconds up to a backlog drained after an outage."""


class Outcome(StrEnum):
    """Where a producer run's record ended (``userstream_producer_records_total{outcome}``)."""

    PRODUCED = "produced"
    REJECTED = "rejected"
    FAILED = "failed"


def share_at_or_under(bound: float, quantiles: Sequence[float]) -> float:
    """The share of values at or under ``bound``, given their quantiles at evenly spaced ranks
    (the first the minimum, the last the maximum), read linearly between neighbours."""
    if not quantiles or bound < quantiles[0]:
        return 0.0
    if bound >= quantiles[-1]:
        return 1.0
    index = bisect_right(quantiles, bound) - 1  # quantiles[index] <= bound < quantiles[index+1]
    low, high = quantiles[index], quantiles[index + 1]
    return (index + (bound - low) / (high - low)) / (len(quantiles) - 1)


def mean_of(quantiles: Sequence[float]) -> float:
    """The mean of the values whose quantiles at evenly spaced ranks these are (trapezoids)."""
    if len(quantiles) < 2:
        return float(quantiles[0]) if quantiles else 0.0
    pairs = pairwise(quantiles)
    return sum((low + high) / 2 for low, high in pairs) / (len(quantiles) - 1)


@dataclass
class _Series:
    at_or_under: list[int]
    count: int = 0
    total: float = 0.0


@dataclass(eq=False)  # registries key their collectors by identity
class QuantileHistogram(Collector):
    """A histogram fed a group of values at a time by their quantiles, not one by one.

    A micro-batch knows its rows' produce-to-row latency only as quantiles (the 0th to the
    100th percentile): it adds its rows to each bucket by the share the quantiles put at or
    under the bucket's bound (linear between neighbouring quantiles, so a bucket is off by at
    most about 1 % of the batch's rows), and to the sum as its rows times the quantiles' mean.
    The count is exact.
    """

    name: str
    documentation: str
    labelnames: tuple[str, ...]
    buckets: tuple[float, ...]
    _series: dict[tuple[str, ...], _Series] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def add(self, labels: Sequence[str], quantiles: Sequence[float], count: int) -> None:
        """Count ``count`` values whose quantiles are ``quantiles`` (ascending)."""
        if count <= 0 or not quantiles:
            return
        key = tuple(labels)
        with self._lock:
            series = self._series.setdefault(key, _Series([0] * len(self.buckets)))
            for index, bound in enumerate(self.buckets):
                series.at_or_under[index] += round(count * share_at_or_under(bound, quantiles))
            series.count += count
            series.total += count * mean_of(quantiles)

    def collect(self) -> Iterator[Metric]:
        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)
        with self._lock:
            for labels, series in sorted(self._series.items()):
                counts = zip(self.buckets, series.at_or_under, strict=True)
                buckets = [(str(bound), float(n)) for bound, n in counts]
                family.add_metric(
                    list(labels), [*buckets, ("+Inf", float(series.count))], series.total
                )
        yield family


class JobMetrics:
    """What the streaming job's driver serves: per topic, what its micro-batches did."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.rows_read = Counter(
            "userstream_job_rows_read_total",
            "Kafka records the job's micro-batches read",
            ["topic"],
            registry=registry,
        )
        self.rows_written = Counter(
            "userstream_job_rows_written_total",
            "Rows the job upserted into each Cassandra table",
            ["topic", "table"],
            registry=registry,
        )
        self.rows_rejected = Counter(
            "userstream_job_rows_rejected_total",
            "Records the job sent to the topic's DLQ, by the rule that rejected them",
            ["topic", "rule", "stage"],
            registry=registry,
        )
        self.rows_warned = Counter(
            "userstream_job_rows_warned_total",
            "Records written although they broke a rule in warn mode, by rule",
            ["topic", "rule"],
            registry=registry,
        )
        self.batch_duration = Histogram(
            "userstream_job_batch_duration_seconds",
            "Wall time of one micro-batch: decoding, rules, the writes and the DLQ",
            ["topic"],
            buckets=BATCH_DURATION_BUCKETS,
            registry=registry,
        )
        self.produce_to_row = QuantileHistogram(
            "userstream_job_produce_to_row_seconds",
            "From a record's Kafka timestamp to the end of its row's write, from each "
            "batch's latency quantiles",
            ("topic",),
            PRODUCE_TO_ROW_BUCKETS,
        )
        registry.register(self.produce_to_row)
        self.consumer_lag = Gauge(
            "userstream_job_consumer_lag",
            "Kafka records past the offsets the query's last micro-batch ended at, as that "
            "batch's trigger saw the topic",
            ["topic"],
            registry=registry,
        )
        self.reader_version = Gauge(
            "userstream_job_reader_version",
            "Registry version of the reader schema the job decodes the contract with",
            ["contract"],
            registry=registry,
        )


class SupervisorMetrics:
    """What the job's supervisor serves: it outlives the job's processes, so it counts them."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.restarts = Counter(
            "userstream_job_restarts_total",
            "Times the supervisor restarted the streaming job's process (it exited or stalled)",
            registry=self.registry,
        )


class ProducerMetrics:
    """What one producer run pushes when it ends: its contract's figures of that run."""

    def __init__(self, contract: str) -> None:
        self.contract = contract
        self.registry = CollectorRegistry()
        registry = self.registry
        self.records = Counter(
            "userstream_producer_records_total",
            "Records of the contract's last run, by where they ended",
            ["contract", "outcome"],
            registry=registry,
        )
        self.rejected = Counter(
            "userstream_producer_rejected_total",
            "Records of the contract's last run sent to its DLQ, by the rule that rejected them",
            ["contract", "rule"],
            registry=registry,
        )
        self.warned = Counter(
            "userstream_producer_warned_total",
            "Records of the contract's last run produced although they broke a rule in warn "
            "mode, by rule",
            ["contract", "rule"],
            registry=registry,
        )
        self.run_duration = Gauge(
            "userstream_producer_run_duration_seconds",
            "Wall time of the contract's last run, fetching and producing",
            ["contract"],
            registry=registry,
        )
        self.last_success = Gauge(
            "userstream_producer_last_success_timestamp_seconds",
            "When the contract's last successful run ended (Unix time)",
            ["contract"],
            registry=registry,
        )

    def push(self, gateway: str, timeout_s: float, succeeded: bool) -> None:
        """Push to ``gateway`` under the grouping key job, contract. A successful run replaces
        its contract's group; a failed one only the metrics it sets, so the time of the last
        success stays. Raises what the HTTP request raises (``OSError`` and its kind)."""
        key = {"contract": self.contract}
        push = push_to_gateway if succeeded else pushadd_to_gateway
        push(gateway, PRODUCER_JOB, self.registry, grouping_key=key, timeout=timeout_s)


def serve(registry: CollectorRegistry, host: str, port: int) -> WSGIServer | None:
    """Serve ``registry`` on ``http://host:port/metrics`` from a daemon thread (stop it with
    ``shutdown()``); port 0 serves nothing. Raises ``OSError`` when the port is taken."""
    if not port:
        return None
    server, _thread = start_http_server(port, addr=host, registry=registry)
    return server
