"""Per-micro-batch figures: logged, appended as JSON lines for ``make inspect``, and added to
the job's Prometheus metrics (``contract.metrics.JobMetrics``) when it serves them.

The file is rotated once it passes ``MAX_BYTES`` (one previous file is kept as ``<name>.1``), so
a job that runs for months does not fill the disk.

Besides one line per batch, the file holds the Kafka offsets each batch covered, on a line of
their own (:class:`BatchPosition`): Spark reports them in the query's progress, once the batch
is committed, after ``foreachBatch`` wrote the batch's line. :meth:`MetricsLog.batches` puts
them on the batch they belong to, so readers see one record per batch.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from contract.dlq import Stage
from contract.metrics import JobMetrics

log = logging.getLogger(__name__)
MAX_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class BatchMetrics:
    """What one micro-batch did. Latency runs from a row's Kafka record timestamp to the end of
    its Cassandra write; ``latency_ms_quantiles`` holds its 0th, 1st, ..., 100th percentile over
    the rows written (empty when nothing was written), so batches can be merged exactly enough
    (:func:`latency_percentiles`)."""

    batch_id: int
    finished_at_ms: int
    duration_ms: int
    rows_read: int
    rows_written: int
    """Records written (to every table of their contract)."""
    rows_rejected: int
    topic: str = ""
    rejected_by_rule: dict[str, int] = field(default_factory=dict)
    warned_by_rule: dict[str, int] = field(default_factory=dict)
    """Rows that broke each rule in ``warn`` mode: counted, not rejected."""
    rows_by_table: dict[str, int] = field(default_factory=dict)
    """Rows written to each table."""
    writer_schema_ids: list[int] = field(default_factory=list)
    reader_versions: dict[str, int] = field(default_factory=dict)
    """Contract -> the registry version of its reader (absent: the generated one)."""
    latency_ms_quantiles: list[int] = field(default_factory=list)
    start_offsets: dict[str, int] = field(default_factory=dict)
    """Partition of ``topic`` -> the first offset the batch read (a partition missing: read from
    its beginning); ``end_offsets`` the offset after its last. Written empty with the figures,
    filled in from the batch's :class:`BatchPosition` by :meth:`MetricsLog.batches`; they stay
    empty when that position was never recorded (the job stopped between the batch's commit
    and its progress event)."""
    end_offsets: dict[str, int] = field(default_factory=dict)

    @property
    def latency_ms_p50(self) -> int | None:
        return self.latency_ms_quantiles[50] if self.latency_ms_quantiles else None

    @property
    def latency_ms_p95(self) -> int | None:
        return self.latency_ms_quantiles[95] if self.latency_ms_quantiles else None


POSITION_KEY = "position_of_batch"
"""The key that tells a :class:`BatchPosition` line from a batch's figures."""


@dataclass(frozen=True)
class BatchPosition:
    """The Kafka offsets one micro-batch of ``topic`` covered, per partition, as Spark's query
    progress gives them: ``start_offsets`` where it started reading, ``end_offsets`` where the
    next batch starts (the partition's key is text, as in Spark's JSON)."""

    topic: str
    batch_id: int
    start_offsets: dict[str, int]
    end_offsets: dict[str, int]

    @classmethod
    def of_progress(cls, batch_id: int, start: str | None, end: str | None) -> list[BatchPosition]:
        """The positions of one source of a query's progress: its Kafka source reports
        ``startOffset`` and ``endOffset`` as JSON (``{"topic": {"0": 12, "1": 7}}``), one entry
        per topic the query reads. The first batch of a new query has no start: it read each
        partition from its beginning (the job starts at ``earliest``), so its start is empty."""
        started, ended = progress_offsets(start) or {}, progress_offsets(end)
        if ended is None:
            return []
        return [
            cls(
                topic,
                batch_id,
                {p: int(o) for p, o in started.get(topic, {}).items()},
                {p: int(o) for p, o in partitions.items()},
            )
            for topic, partitions in ended.items()
        ]

    def line(self) -> dict[str, Any]:
        """The JSON object this position is recorded as."""
        return {
            POSITION_KEY: self.batch_id,
            "topic": self.topic,
            "start_offsets": self.start_offsets,
            "end_offsets": self.end_offsets,
        }


class MetricsLog:
    """Appends each batch's figures to a JSON-lines file and logs a one-line summary (and adds
    them to ``prometheus``, the job's metrics, when given)."""

    def __init__(
        self, path: Path, max_bytes: int = MAX_BYTES, prometheus: JobMetrics | None = None
    ) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.prometheus = prometheus

    def record(self, metrics: BatchMetrics) -> None:
        """Log ``metrics``, add them to the Prometheus metrics and append them as one line."""
        if self.prometheus is not None:
            export(metrics, self.prometheus)
        log.info(
            "%s batch %d: read=%d written=%d rejected=%d latency_ms p50=%s p95=%s",
            metrics.topic,
            metrics.batch_id,
            metrics.rows_read,
            metrics.rows_written,
            metrics.rows_rejected,
            metrics.latency_ms_p50,
            metrics.latency_ms_p95,
        )
        self._append(asdict(metrics))

    def record_position(self, position: BatchPosition) -> None:
        """Append the offsets a batch covered (known once it is committed)."""
        self._append(position.line())

    def _append(self, line: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and self.path.stat().st_size > self.max_bytes:
            self.path.replace(self.path.with_name(self.path.name + ".1"))
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, sort_keys=True) + "\n")

    def batches(self) -> list[dict[str, Any]]:
        """Every recorded batch, oldest first (empty when the job has not run), with the offsets
        it covered when its position was recorded. A position goes to the latest batch line of
        its topic and batch id before it: a batch replayed after a crash is recorded again, and
        the replay is the one that was committed."""
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines(keepends=True)
        if lines and not lines[-1].endswith("\n"):
            lines.pop()  # a line still being written, or torn by a killed job
        batches: list[dict[str, Any]] = []
        latest: dict[tuple[str, int], dict[str, Any]] = {}
        for number, line in enumerate(lines, start=1):
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{self.path}:{number}: not a JSON batch record: {err}") from None
            if POSITION_KEY in record:
                batch = latest.get((record["topic"], record[POSITION_KEY]))
                if batch is not None and not batch.get("end_offsets"):
                    batch["start_offsets"] = record["start_offsets"]
                    batch["end_offsets"] = record["end_offsets"]
                continue
            latest[(record.get("topic", ""), record.get("batch_id", -1))] = record
            batches.append(record)
        return batches

    def last_batch(self, topic: str | None = None) -> dict[str, Any] | None:
        """The most recent batch's figures (of ``topic``, when given), or None."""
        batches = [b for b in self.batches() if topic is None or b.get("topic") == topic]
        return batches[-1] if batches else None


def export(batch: BatchMetrics, prometheus: JobMetrics) -> None:
    """Add one batch's figures to the job's Prometheus metrics. Its produce-to-row latency is
    known as quantiles over the rows written: they are spread into the histogram's buckets
    (``contract.metrics.QuantileHistogram``)."""
    topic = batch.topic
    prometheus.rows_read.labels(topic).inc(batch.rows_read)
    for table, rows in batch.rows_by_table.items():
        prometheus.rows_written.labels(topic, table).inc(rows)
    for rule, rows in batch.rejected_by_rule.items():
        prometheus.rows_rejected.labels(topic, rule, Stage.JOB.value).inc(rows)
    for rule, rows in batch.warned_by_rule.items():
        prometheus.rows_warned.labels(topic, rule).inc(rows)
    prometheus.batch_duration.labels(topic).observe(batch.duration_ms / 1000)
    seconds = [ms / 1000 for ms in batch.latency_ms_quantiles]
    prometheus.produce_to_row.add([topic], seconds, batch.rows_written)
    for contract, version in batch.reader_versions.items():
        prometheus.reader_version.labels(contract).set(version)


def export_topic(prometheus: JobMetrics, topic: str, tables: Iterable[str]) -> None:
    """Put a topic's rows read and written at 0 when its query starts: a series Prometheus
    first sees with its value counts no increase, so without this ``rate()`` and ``increase()``
    would miss the first batch's rows."""
    prometheus.rows_read.labels(topic)
    for table in tables:
        prometheus.rows_written.labels(topic, table)


def progress_offsets(text: str | None) -> dict[str, dict[str, int]] | None:
    """Offsets as a Kafka source reports them in a query's progress (``{"topic": {"0": 12}}``);
    None when there are none: PySpark passes a missing one on as the text ``None``."""
    if not text or text == "None":
        return None
    offsets: dict[str, dict[str, int]] = json.loads(text)
    return offsets


def offsets_behind(end: str | None, latest: str | None) -> int | None:
    """Records between the offsets a micro-batch ended at and the newest the topic had at its
    trigger, over every partition: Spark's Kafka source reports both in its progress, as JSON
    (``{"topic": {"0": 12, "1": 7}}``). None when either is missing."""
    ended, newest = progress_offsets(end), progress_offsets(latest)
    if ended is None or newest is None:
        return None
    return sum(
        max(int(offset) - int(ended.get(topic, {}).get(partition, 0)), 0)
        for topic, partitions in newest.items()
        for partition, offset in partitions.items()
    )


def latency_percentiles(
    batches: list[dict[str, Any]], percents: tuple[float, ...] = (50, 95, 100)
) -> list[float] | None:
    """Percentiles of the latency over every row the batches wrote: each batch's quantiles
    stand for its rows, in proportion; None when no batch wrote a row."""
    points: list[tuple[float, float]] = []
    for batch in batches:
        quantiles = batch.get("latency_ms_quantiles") or []
        if quantiles and batch.get("rows_written"):
            weight = batch["rows_written"] / len(quantiles)
            points.extend((float(q), weight) for q in quantiles)
    if not points:
        return None
    points.sort()
    total = sum(w for _, w in points)
    out = []
    for percent in percents:
        target, seen = total * percent / 100, 0.0
        for value, weight in points:
            seen += weight
            if seen >= target - 1e-9:
                out.append(value)
                break
        else:
            out.append(points[-1][0])
    return out
