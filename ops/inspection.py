"""What flows where, per contract: topics, the streaming job, subjects, DLQs and table counts.

``collect(settings, contracts)`` gathers one ``FlowReport``; each section is collected on its
own, so a service that cannot be reached shows up as an ``error`` in its own row instead of a
traceback. ``python -m ops.inspection [--contract NAMES] [--json]`` (``make inspect
[CONTRACT=...] [JSON=1]``) prints it; ``--messages N`` (``MESSAGES=N``) shows the latest
messages instead (``ops.messages``), and ``--watch`` (``WATCH=1``) the rates, live
(``ops.watch``). Only the contracts' own topics, subjects and tables are listed; whatever else
the cluster holds is counted in one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from clients.cassandra import connect, table_keyspace
from clients.kafka import list_topics, read_range, watermarks
from clients.registry import Registry
from config import Settings, load_settings
from config.settings import updated
from contract.catalog import Contract, UnknownContractError, selected
from contract.dlq import DlqHeader
from ops.job_progress import job_status, lag
from ops.messages import latest_shown, render
from ops.watch import watch
from spark.checkpoint import checkpoint_location, written_offsets
from spark.metrics import MetricsLog
from spark.reader_contract import spark_module

T = TypeVar("T")
QUIET = 2
"""librdkafka's log level here: a broker that cannot be reached is said once, in its section."""
LATEST_DLQ_REASONS = 5
DLQ_COUNTED = 10_000


@dataclass(frozen=True)
class TopicRow:
    name: str
    role: str
    """``topic`` or ``DLQ`` of the contracts named."""
    contracts: list[str]
    partitions: int
    end_offsets: dict[int, int]
    messages: int


@dataclass(frozen=True)
class StreamRow:
    topic: str
    checkpoint: str
    committed_offsets: dict[int, int]
    lag: int | None
    last_batch: dict[str, Any] | None
    warned_by_rule: dict[str, int] = field(default_factory=dict)
    """Rows that broke a rule in ``warn`` mode, per rule, over every batch on record."""


@dataclass(frozen=True)
class JobRow:
    running: bool
    phase: str
    spark_ui: str | None
    """The Structured Streaming tab of the running job's Spark UI."""
    status: str
    """The job's recorded state, restarts and last failure, in words."""
    streams: list[StreamRow] = field(default_factory=list)


@dataclass(frozen=True)
class SubjectRow:
    subject: str
    contract: str
    compatibility: str | None
    versions: list[dict[str, int]]


@dataclass(frozen=True)
class DlqRow:
    topic: str
    contracts: list[str]
    messages: int
    latest_reasons: list[str]
    by_rule: dict[str, int]
    """Entries per ``error.rule`` (and stage) among the newest ``counted`` ones."""
    counted: int


@dataclass(frozen=True)
class TableRow:
    table: str
    contract: str
    rows: int


@dataclass
class Section:
    """One part of the report: its rows, or the reason it could not be collected."""

    rows: list[Any] = field(default_factory=list)
    error: str | None = None
    others: int = 0
    """How many items of the kind the cluster holds that belong to no contract shown."""


@dataclass
class FlowReport:
    profile: str
    contracts: list[str]
    topics: Section
    job: Section
    subjects: Section
    dlq: Section
    tables: Section

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str)


def _section(collect_rows: Callable[[], list[T] | tuple[list[T], int]]) -> Section:
    try:
        found = collect_rows()
    except Exception as exc:  # each section reports its own failure, the others still print
        return Section(error=f"{type(exc).__name__}: {exc}")
    if isinstance(found, tuple):
        return Section(rows=list(found[0]), others=found[1])
    return Section(rows=list(found))


def _by_topic(
    settings: Settings, contracts: Sequence[Contract]
) -> dict[str, tuple[str, list[str]]]:
    """Topic -> (role, contracts) for the contracts' topics and DLQs."""
    found: dict[str, tuple[str, list[str]]] = {}
    for contract in contracts:
        names = contract.names(settings)
        for topic, role in ((names.topic, "topic"), (names.dlq_topic, "DLQ")):
            found.setdefault(topic, (role, []))[1].append(contract.name)
    return found


def collect_topics(settings: Settings, contracts: Sequence[Contract]) -> tuple[list[TopicRow], int]:
    existing = set(list_topics(settings))
    ours = _by_topic(settings, contracts)
    rows = []
    for name, (role, owners) in sorted(ours.items()):
        if name not in existing:
            rows.append(TopicRow(name, role, owners, 0, {}, 0))
            continue
        marks = watermarks(settings, name)
        rows.append(
            TopicRow(
                name=name,
                role=role,
                contracts=owners,
                partitions=len(marks),
                end_offsets={p: high for p, (_, high) in marks.items()},
                messages=sum(high - low for low, high in marks.values()),
            )
        )
    every_ours = {t for c in selected(None) for t in _by_topic(settings, [c])}
    redriven = {t for t in existing if t.endswith(".redriven")}
    return rows, len(existing - every_ours - redriven)


def collect_job(settings: Settings, contracts: Sequence[Contract]) -> list[JobRow]:
    status = job_status(settings)
    streams = []
    for topic in sorted({c.names(settings).topic for c in contracts}):
        checkpoint = checkpoint_location(settings, topic)
        committed = written_offsets(Path(checkpoint), topic) if "://" not in checkpoint else {}
        try:
            behind: int | None = lag(watermarks(settings, topic), committed)
        except Exception:  # broker unreachable: the rest of the progress is still worth showing
            behind = None
        metrics = MetricsLog(settings.spark.metrics_file)
        warned = warned_by_rule(metrics.batches(), topic)
        streams.append(
            StreamRow(topic, checkpoint, committed, behind, metrics.last_batch(topic), warned)
        )
    return [JobRow(status.running, status.phase, status.streaming_url, status.describe(), streams)]


def collect_subjects(
    settings: Settings, contracts: Sequence[Contract]
) -> tuple[list[SubjectRow], int]:
    ours = {c.names(settings).subject: c.name for c in contracts}
    every_ours = {c.names(settings).subject for c in selected(None)}
    with Registry(settings.registry) as registry:
        subjects = registry.subjects()
        rows = [
            SubjectRow(
                subject,
                contract,
                registry.compatibility_level(subject),
                [
                    {"version": v, "id": registry.version(subject, v).schema_id}
                    for v in registry.versions(subject)
                ],
            )
            for subject, contract in sorted(ours.items())
        ]
    return rows, len(set(subjects) - every_ours)


def collect_dlq(settings: Settings, contracts: Sequence[Contract]) -> list[DlqRow]:
    """Each DLQ's size, its latest reasons, and its entries per rule (over the newest
    ``DLQ_COUNTED`` of each partition, so a huge DLQ is not read whole)."""
    rows = []
    for topic, (role, owners) in sorted(_by_topic(settings, contracts).items()):
        if role != "DLQ":
            continue
        marks = watermarks(settings, topic)
        latest = read_range(
            settings,
            topic,
            {p: max(low, high - DLQ_COUNTED) for p, (low, high) in marks.items()},
            {p: high for p, (_, high) in marks.items()},
        )
        latest.sort(key=lambda m: m.timestamp_ms)
        reasons = [
            m.header(DlqHeader.ERROR, "(no error header)") for m in latest[-LATEST_DLQ_REASONS:]
        ]
        by_rule = Counter(
            f"{m.header(DlqHeader.RULE, '(no rule)')} ({m.header(DlqHeader.STAGE, '?')})"
            for m in latest
        )
        total = sum(high - low for low, high in marks.values())
        rows.append(DlqRow(topic, owners, total, reasons, dict(by_rule.most_common()), len(latest)))
    return rows


def collect_tables(settings: Settings, contracts: Sequence[Contract]) -> list[TableRow]:
    tables = [
        (table_keyspace(settings, table.keyspace), table.name, contract.name)
        for contract in contracts
        for table in getattr(spark_module(contract), "TABLES", ())
    ]
    with connect(settings) as session:
        return [
            TableRow(
                f"{keyspace}.{table}",
                contract,
                int(session.execute(f"SELECT COUNT(*) FROM {keyspace}.{table}").one()[0]),
            )
            for keyspace, table, contract in tables
        ]


def collect(settings: Settings, contracts: Sequence[Contract]) -> FlowReport:
    return FlowReport(
        profile=settings.profile,
        contracts=[c.name for c in contracts],
        topics=_section(lambda: collect_topics(settings, contracts)),
        job=_section(lambda: collect_job(settings, contracts)),
        subjects=_section(lambda: collect_subjects(settings, contracts)),
        dlq=_section(lambda: collect_dlq(settings, contracts)),
        tables=_section(lambda: collect_tables(settings, contracts)),
    )


def warned_by_rule(batches: Sequence[dict[str, Any]], topic: str) -> dict[str, int]:
    """The rows of ``topic`` that broke each rule in ``warn`` mode, over ``batches``."""
    total: Counter[str] = Counter()
    for batch in batches:
        if batch.get("topic") == topic:
            total.update(batch.get("warned_by_rule") or {})
    return dict(sorted(total.items()))


def describe_batch(batch: dict[str, Any] | None) -> str:
    """A micro-batch's figures in words (the raw figures are in ``--json``)."""
    if not batch:
        return "no micro-batch yet"
    at = datetime.fromtimestamp(batch["finished_at_ms"] / 1000, UTC).strftime("%H:%M:%S")
    tables = ", ".join(f"{t} {n}" for t, n in sorted(batch.get("rows_by_table", {}).items()))
    quantiles = batch.get("latency_ms_quantiles") or []
    latency = (
        f", produce-to-row p50 {quantiles[50] / 1000:.1f} s, p95 {quantiles[95] / 1000:.1f} s"
        if len(quantiles) > 95
        else ""
    )
    rejected = "".join(f", {n} {rule}" for rule, n in batch.get("rejected_by_rule", {}).items())
    return (
        f"last batch {batch['batch_id']} at {at} UTC: read {batch['rows_read']}, written "
        f"{batch['rows_written']}"
        + (f" ({tables})" if tables else "")
        + f", rejected {batch['rows_rejected']}{rejected}, took {batch['duration_ms'] / 1000:.1f}"
        f" s{latency}"
    )


def _describe_job(row: JobRow) -> str:
    lines = [row.status]
    for stream in row.streams:
        lag_text = "lag unknown" if stream.lag is None else f"lag {stream.lag}"
        lines.append(f"  {stream.topic}: {lag_text}; {describe_batch(stream.last_batch)}")
        if stream.warned_by_rule:
            warned = ", ".join(f"{rule} {n}" for rule, n in stream.warned_by_rule.items())
            lines.append(f"    rules in warn mode, rows that broke them (written): {warned}")
    return "\n".join(lines)


def render_text(report: FlowReport) -> str:
    shown = ", ".join(report.contracts) or "none"
    lines = [f"userstream inspect (profile {report.profile}; contracts: {shown})", ""]

    def block(
        title: str, section: Section, describe: Callable[[Any], str], other: str = ""
    ) -> None:
        lines.append(title)
        if section.error is not None:
            lines.append(f"  unavailable: {section.error}")
        elif not section.rows:
            lines.append("  (none)")
        lines.extend(f"  {describe(row)}" for row in section.rows)
        if section.others:
            lines.append(f"  ({section.others} other {other} on the cluster, of no contract)")
        lines.append("")

    block(
        "Topics",
        report.topics,
        lambda r: (
            f"{r.name:<28} {r.role:<5} of {', '.join(r.contracts)}: "
            + (f"{r.messages} messages, {r.partitions} partitions" if r.partitions else "missing")
        ),
        "topics",
    )
    block("Streaming job", report.job, _describe_job)
    block(
        "Subjects",
        report.subjects,
        lambda r: (
            f"{r.subject:<28} {r.contract}: compatibility {r.compatibility or 'global'}, "
            + (", ".join(f"v{v['version']} (id {v['id']})" for v in r.versions) or "unregistered")
        ),
        "subjects",
    )
    block(
        "Dead-letter queues",
        report.dlq,
        lambda r: (
            f"{r.topic} ({', '.join(r.contracts)}): {r.messages} messages"
            + "".join(f"\n    {n:>7}  {rule}" for rule, n in r.by_rule.items())
            + "".join(f"\n    latest: {reason}" for reason in r.latest_reasons[-3:])
            + (f"\n    (counted over the newest {r.counted})" if r.counted < r.messages else "")
        ),
    )
    block("Tables", report.tables, lambda r: f"{r.table:<36} {r.contract}: {r.rows} rows")
    return "\n".join(lines)


def collect_messages(
    settings: Settings, contracts: Sequence[Contract], count: int
) -> dict[str, Section]:
    """The latest ``count`` messages of each contract topic and DLQ, each in its section."""
    topics = sorted(_by_topic(settings, contracts))
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
    shown = {t: {"rows": asdict(s)["rows"], "error": s.error} for t, s in sections.items()}
    return json.dumps(shown, indent=2, ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.inspection", description=__doc__)
    parser.add_argument("--contract", help="only these contracts (comma-separated; default all)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--messages", type=int, metavar="N", help="the latest N messages")
    parser.add_argument("--watch", action="store_true", help="rates and lag, live")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between refreshes")
    args = parser.parse_args(argv)
    settings = updated(load_settings(), kafka={"log_level": QUIET})
    try:
        contracts = selected(args.contract)
    except UnknownContractError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.watch:
        return watch(settings, contracts, args.interval, sys.stdout, as_json=args.json)
    if args.messages is not None:
        sections = collect_messages(settings, contracts, args.messages)
        text = messages_json(sections) if args.json else render_messages(sections)
        sys.stdout.write(text + "\n")
        return 0
    report = collect(settings, contracts)
    sys.stdout.write((report.to_json() if args.json else render_text(report)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
