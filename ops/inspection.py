"""What flows where: topics, the streaming job's progress, subjects, the DLQ and table counts.

``collect(settings)`` gathers one ``FlowReport``; each section is collected on its own, so a
service that cannot be reached shows up as an ``error`` in its own row instead of a traceback.
``python -m ops.inspection [--json]`` (``make inspect [JSON=1]``) prints it; ``--messages N``
(``MESSAGES=N``) shows the latest messages instead (``ops.messages``), and ``--watch``
(``WATCH=1``) the rates, live (``ops.watch``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any, TypeVar

from clients.cassandra import connect, table_keyspace
from clients.kafka import list_topics, read_range, watermarks
from clients.registry import Registry
from config import Settings, load_settings
from ops.job_progress import job_status, lag
from ops.messages import latest_shown, render
from ops.watch import watch
from spark.checkpoint import written_offsets
from spark.metrics import MetricsLog

T = TypeVar("T")
LATEST_DLQ_REASONS = 5
DLQ_COUNTED = 10_000


@dataclass(frozen=True)
class TopicRow:
    name: str
    partitions: int
    end_offsets: dict[int, int]
    messages: int


@dataclass(frozen=True)
class JobRow:
    checkpoint: str
    committed_offsets: dict[int, int]
    lag: int | None
    last_batch: dict[str, Any] | None
    running: bool
    spark_ui: str | None
    """The Structured Streaming tab of the running job's Spark UI (``spark.status_file``)."""
    status: str
    """The job's recorded state, restarts and last failure, in words."""


@dataclass(frozen=True)
class SubjectRow:
    subject: str
    compatibility: str | None
    versions: list[dict[str, int]]


@dataclass(frozen=True)
class DlqRow:
    topic: str
    messages: int
    latest_reasons: list[str]
    by_rule: dict[str, int]
    """Entries per ``error.rule`` (and stage) among the newest ``counted`` ones."""
    counted: int


@dataclass(frozen=True)
class TableRow:
    table: str
    rows: int


@dataclass
class Section:
    """One part of the report: its rows, or the reason it could not be collected."""

    rows: list[Any] = field(default_factory=list)
    error: str | None = None


@dataclass
class FlowReport:
    profile: str
    topics: Section
    job: Section
    subjects: Section
    dlq: Section
    tables: Section

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str)


def _section(collect_rows: Callable[[], list[T]]) -> Section:
    try:
        return Section(rows=list(collect_rows()))
    except Exception as exc:  # each section reports its own failure, the others still print
        return Section(error=f"{type(exc).__name__}: {exc}")


def collect_topics(settings: Settings) -> list[TopicRow]:
    rows = []
    for name in list_topics(settings):
        marks = watermarks(settings, name)
        rows.append(
            TopicRow(
                name=name,
                partitions=len(marks),
                end_offsets={p: high for p, (_, high) in marks.items()},
                messages=sum(high - low for low, high in marks.values()),
            )
        )
    return rows


def collect_job(settings: Settings) -> list[JobRow]:
    checkpoint = settings.spark.checkpoint_dir
    if not checkpoint.exists():
        raise FileNotFoundError(f"no checkpoint at {checkpoint}: the streaming job has not run")
    committed = written_offsets(checkpoint, settings.kafka.topic)
    try:
        behind: int | None = lag(watermarks(settings, settings.kafka.topic), committed)
    except Exception:  # broker unreachable: the rest of the progress is still worth showing
        behind = None
    status = job_status(settings)
    return [
        JobRow(
            str(checkpoint),
            committed,
            behind,
            MetricsLog(settings.spark.metrics_file).last_batch(),
            status.running,
            status.streaming_url if status.running else None,
            status.describe(),
        )
    ]


def collect_subjects(settings: Settings) -> list[SubjectRow]:
    with Registry(settings.registry) as registry:
        return [
            SubjectRow(
                listing.subject,
                listing.level,
                [{"version": version, "id": schema_id} for version, schema_id in listing.versions],
            )
            for listing in registry.list_subjects()
        ]


def collect_dlq(settings: Settings) -> list[DlqRow]:
    """The DLQ's size, its latest reasons, and its entries per rule (over the newest
    ``DLQ_COUNTED`` of each partition, so a huge DLQ is not read whole)."""
    topic = settings.kafka.dlq_topic
    marks = watermarks(settings, topic)
    latest = read_range(
        settings,
        topic,
        {p: max(low, high - DLQ_COUNTED) for p, (low, high) in marks.items()},
        {p: high for p, (_, high) in marks.items()},
    )
    latest.sort(key=lambda m: m.timestamp_ms)
    reasons = [m.header("error", "(no error header)") for m in latest[-LATEST_DLQ_REASONS:]]
    by_rule = Counter(
        f"{m.header('error.rule', '(no rule)')} ({m.header('error.stage', '?')})" for m in latest
    )
    total = sum(high - low for low, high in marks.values())
    return [DlqRow(topic, total, reasons, dict(by_rule.most_common()), len(latest))]


def generated_tables(settings: Settings) -> list[tuple[str, str]]:
    """(keyspace, table) of every contract that codegen mapped to Cassandra; the keyspace
    setting, when given, overrides the contracts' keyspace."""
    import generated.spark as generated_spark

    tables = []
    for module_info in pkgutil.iter_modules(generated_spark.__path__):
        module = importlib.import_module(f"generated.spark.{module_info.name}")
        if hasattr(module, "TABLE"):
            tables.append((table_keyspace(settings, str(module.KEYSPACE)), str(module.TABLE)))
    return sorted(tables)


def collect_tables(settings: Settings) -> list[TableRow]:
    with connect(settings) as session:
        return [
            TableRow(
                f"{keyspace}.{table}",
                int(session.execute(f"SELECT COUNT(*) FROM {keyspace}.{table}").one()[0]),
            )
            for keyspace, table in generated_tables(settings)
        ]


def collect(settings: Settings) -> FlowReport:
    return FlowReport(
        profile=settings.profile,
        topics=_section(lambda: collect_topics(settings)),
        job=_section(lambda: collect_job(settings)),
        subjects=_section(lambda: collect_subjects(settings)),
        dlq=_section(lambda: collect_dlq(settings)),
        tables=_section(lambda: collect_tables(settings)),
    )


def render_text(report: FlowReport) -> str:
    lines = [f"userstream inspect (profile {report.profile})", ""]

    def block(title: str, section: Section, describe: Callable[[Any], str]) -> None:
        lines.append(title)
        if section.error is not None:
            lines.append(f"  unavailable: {section.error}")
        elif not section.rows:
            lines.append("  (none)")
        lines.extend(f"  {describe(row)}" for row in section.rows)
        lines.append("")

    block(
        "Topics",
        report.topics,
        lambda r: (
            f"{r.name:<32} partitions={r.partitions} messages={r.messages} end={r.end_offsets}"
        ),
    )
    block(
        "Streaming job",
        report.job,
        lambda r: (
            f"{r.status}\n"
            f"  lag={r.lag} committed={r.committed_offsets} last batch={json.dumps(r.last_batch)}"
        ),
    )
    block(
        "Subjects",
        report.subjects,
        lambda r: (
            f"{r.subject:<32} compatibility={r.compatibility} versions="
            + ", ".join(f"v{v['version']}(id {v['id']})" for v in r.versions)
        ),
    )
    block(
        "Dead-letter queue",
        report.dlq,
        lambda r: (
            f"{r.topic}: {r.messages} messages; latest reasons: {r.latest_reasons or '-'}"
            + "".join(f"\n    {n:>7}  {rule}" for rule, n in r.by_rule.items())
            + (f"\n    (counted over the newest {r.counted})" if r.counted < r.messages else "")
        ),
    )
    block("Tables", report.tables, lambda r: f"{r.table:<32} rows={r.rows}")
    return "\n".join(lines)


def collect_messages(settings: Settings, count: int) -> dict[str, Section]:
    """The latest ``count`` messages of the topic and of its DLQ, each topic in its section."""
    topics = (settings.kafka.topic, settings.kafka.dlq_topic)
    return {t: _section(partial(latest_shown, settings, t, count)) for t in topics}


def render_messages(sections: dict[str, Section]) -> str:
    lines = []
    for topic, section in sections.items():
        lines.append(
            f"{topic}: the latest {len(section.rows)} messages (fields tagged x-pii masked)"
        )
        if section.error is not None:
            lines.extend([f"  unavailable: {section.error}", ""])
        else:
            lines.extend(render(section.rows) or ["  (none)", ""])
    return "\n".join(lines)


def messages_json(sections: dict[str, Section]) -> str:
    """``{topic: {"rows": [message, ...], "error": null}}``."""
    return json.dumps({t: asdict(s) for t, s in sections.items()}, indent=2, ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.inspection", description=__doc__)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--messages", type=int, metavar="N", help="the latest N messages")
    parser.add_argument("--watch", action="store_true", help="rates and lag, live")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between refreshes")
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.watch:
        return watch(settings, args.interval, sys.stdout, as_json=args.json)
    if args.messages is not None:
        sections = collect_messages(settings, args.messages)
        text = messages_json(sections) if args.json else render_messages(sections)
        sys.stdout.write(text + "\n")
        return 0
    report = collect(settings)
    sys.stdout.write((report.to_json() if args.json else render_text(report)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
