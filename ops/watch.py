"""``make inspect WATCH=1``: how the pipeline's rates move, refreshed in place until Ctrl-C.

Each refresh takes a ``Sample`` of cumulative counters over the contracts shown and shows the
rates since the one before: records/s in (growth of their topics' end offsets), rows/s written
(the job's per-batch figures in ``spark.metrics_file``), rejects/s (growth of their DLQs, which
hold the producer's and the job's rejects), and the job's lag (end offsets minus its
checkpointed offsets). It also shows the running job's Spark UI, whose Structured Streaming tab
charts input and process rates per batch.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from clients.kafka import end_offsets, watermarks
from config import Settings
from contract.catalog import Contract
from ops.job_progress import JobStatus, job_status, lag
from spark.checkpoint import checkpoint_location, written_offsets
from spark.metrics import MetricsLog

CLEAR_SCREEN = "\x1b[H\x1b[2J"


@dataclass(frozen=True)
class Sample:
    """Cumulative counters at one moment (``at``: monotonic seconds); None: not readable."""

    at: float
    records_in: int | None
    rows_written: int | None
    rejects: int | None
    lag: int | None


@dataclass(frozen=True)
class Rates:
    """Per-second rates between two samples, and the lag at the later one."""

    records_in_per_s: float | None
    rows_written_per_s: float | None
    rejects_per_s: float | None
    lag: int | None


def _end_total(settings: Settings, topics: Sequence[str]) -> int | None:
    try:
        return sum(sum(end_offsets(settings, topic).values()) for topic in topics)
    except Exception:  # broker unreachable: shown as unknown, the watch goes on
        return None


def _rows_written(settings: Settings, topics: Sequence[str]) -> int | None:
    try:
        batches = MetricsLog(settings.spark.metrics_file).batches()
    except (OSError, ValueError):
        return None
    return sum(int(b.get("rows_written", 0)) for b in batches if b.get("topic") in topics)


def _lag(settings: Settings, topics: Sequence[str]) -> tuple[int | None, int | None]:
    """Records in the topics, and how far the job is behind them (None: unknown)."""
    total, behind = 0, 0
    for topic in topics:
        try:
            marks = watermarks(settings, topic)
        except Exception:  # broker unreachable: shown as unknown, the watch goes on
            return None, None
        total += sum(high for _, high in marks.values())
        checkpoint = Path(checkpoint_location(settings, topic))
        behind += lag(marks, written_offsets(checkpoint, topic)) if checkpoint.is_dir() else 0
    return total, behind


def take_sample(settings: Settings, contracts: Sequence[Contract]) -> Sample:
    """The counters now: topic and DLQ end offsets, rows the job wrote, the job's lag."""
    names = [c.names(settings) for c in contracts]
    topics = sorted({n.topic for n in names})
    records_in, behind = _lag(settings, topics)
    return Sample(
        at=time.monotonic(),
        records_in=records_in,
        rows_written=_rows_written(settings, topics),
        rejects=_end_total(settings, sorted({n.dlq_topic for n in names})),
        lag=behind,
    )


def rates(before: Sample, after: Sample) -> Rates:
    """Rates between two samples; a counter that went backwards (a reset) counts as zero."""
    elapsed = after.at - before.at

    def per_s(old: int | None, new: int | None) -> float | None:
        if old is None or new is None or elapsed <= 0:
            return None
        return max(new - old, 0) / elapsed

    return Rates(
        per_s(before.records_in, after.records_in),
        per_s(before.rows_written, after.rows_written),
        per_s(before.rejects, after.rejects),
        after.lag,
    )


def _rate(value: float | None, unit: str) -> str:
    return f"{'-' if value is None else f'{value:,.1f}':>10} {unit}"


def render_frame(
    contracts: Sequence[Contract],
    sample: Sample,
    change: Rates | None,
    status: JobStatus,
    interval_s: float,
) -> str:
    """One refresh as text: rates, totals, lag and where the Spark UI is."""
    empty = Rates(None, None, None, sample.lag)
    r = change or empty
    now = datetime.now(UTC).strftime("%H:%M:%S")
    lag_text = "-" if r.lag is None else f"{r.lag:,} messages behind"
    return "\n".join(
        [
            f"userstream inspect, live (every {interval_s:g} s; Ctrl-C stops)   {now} UTC",
            "",
            f"  contracts {', '.join(c.name for c in contracts)}",
            f"  in        {_rate(r.records_in_per_s, 'records/s')}   "
            f"their topics, {sample.records_in} in all",
            f"  written   {_rate(r.rows_written_per_s, 'rows/s')}      "
            f"Cassandra, {sample.rows_written} records written by the job",
            f"  rejects   {_rate(r.rejects_per_s, 'rejects/s')}   "
            f"their DLQs, {sample.rejects} in all",
            f"  lag       {lag_text}",
            "",
            f"  streaming job: {status.describe()}",
        ]
    )


def frame_json(sample: Sample, change: Rates | None, status: JobStatus) -> str:
    """One refresh as a JSON line (``JSON=1 WATCH=1``)."""
    return json.dumps(
        {
            "at": datetime.now(UTC).isoformat(),
            "totals": {k: v for k, v in asdict(sample).items() if k != "at"},
            "rates": asdict(change) if change else None,
            "job": {
                **status.state.model_dump(mode="json"),
                "running": status.running,
                "streaming_url": status.streaming_url,
            },
        }
    )


def watch(
    settings: Settings,
    contracts: Sequence[Contract],
    interval_s: float,
    out: TextIO,
    *,
    as_json: bool = False,
    frames: int | None = None,
) -> int:
    """Refresh every ``interval_s`` until Ctrl-C (or after ``frames`` refreshes); returns 0."""
    in_place = out.isatty() and not as_json
    previous: Sample | None = None
    shown = 0
    try:
        while frames is None or shown < frames:
            sample = take_sample(settings, contracts)
            change = rates(previous, sample) if previous else None
            status = job_status(settings)
            if as_json:
                out.write(frame_json(sample, change, status) + "\n")
            else:
                text = render_frame(contracts, sample, change, status, interval_s)
                out.write((CLEAR_SCREEN if in_place else "") + text + "\n\n")
            out.flush()
            previous, shown = sample, shown + 1
            if frames is None or shown < frames:
                time.sleep(interval_s)
    except KeyboardInterrupt:
        out.write("\n")
    return 0
