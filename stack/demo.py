"""``make demo``: the whole pipeline once, on the embedded local stack, with a report.

Stack up, ``generated/`` checked fresh, schemas registered and topics created, CQL applied, the
streaming job started in the background (or reused) and waited for until every query streams,
then each contract's Airflow DAG run once through Airflow itself (``airflow dags test``), and a
wait until every record it produced is a row in Cassandra. The counts come from the systems
themselves: the keys each run added to its topic, the DLQ entries it added, and the rows
Cassandra returns for those keys. Latency runs from a record's Kafka timestamp to the end of
its row's write, for records produced once the job was streaming (its start-up is reported on
its own line).
"""

from __future__ import annotations

import argparse
import functools
import json
import secrets
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from clients.cassandra import connect, table_keyspace
from clients.kafka import describe_topics, end_offsets, read_range
from config import Settings, load_settings
from config.settings import REPO_ROOT
from contract.catalog import Contract, UnknownContractError, selected
from contract.dlq import DlqHeader
from contract.pii import MASK, pii_columns
from contract.streams import TableTarget, column_name, kafka_key, key_parts
from spark.metrics import MetricsLog, latency_percentiles
from spark.reader_contract import ReaderContract
from stack.control import Progress
from stack.sources import AUTO, SourceChoiceError, chosen_sources
from stack.streaming_job import ensure_job, job_log, wait_until_streaming

POLL_INTERVAL_S = 1.0
FIGURES_WAIT_S = 30.0
"""How long the job may take to record a batch's figures after its rows are visible."""
KEY_CHUNK = 100
SAMPLE_ROWS = 3
SAMPLE_COLUMNS = 6
JOB_READY_TIMEOUT_S = 300.0


class DemoError(RuntimeError):
    """The chain broke; the message says at which link and where to look."""


@dataclass(frozen=True)
class DemoOptions:
    count: int = 1000
    source: str = AUTO  # "auto", "offline" or an endpoint
    contracts: str | None = None
    seed: str | None = None
    wait_s: float = 240.0


@dataclass
class ContractReport:
    """What one contract's run did."""

    contract: str
    source_url: str
    seed: str
    fetched: int = 0
    produced: int = 0
    rejected: int = 0
    rejected_by_rule: dict[str, int] = field(default_factory=dict)
    rows_written: int = 0
    elapsed_s: float = 0.0
    rows_per_s: float = 0.0
    """Rows written per second of streaming: from the start of the first micro-batch that
    wrote this run's rows to the end of the last one."""
    latency_ms_p50: float | None = None
    latency_ms_p95: float | None = None
    first_produced_ms: int | None = None
    """The Kafka timestamp of this run's first record (epoch ms)."""
    tables: list[str] = field(default_factory=list)
    replication: str = ""
    """How many copies the cluster keeps: the topic's replicas and ``min.insync.replicas``, the
    keyspace's replication."""
    sample_columns: list[str] = field(default_factory=list)
    sample_rows: list[dict[str, str]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.rows_written == self.produced and self.fetched == self.produced + self.rejected


@dataclass
class DemoReport:
    contracts: list[ContractReport] = field(default_factory=list)
    job_startup_s: float | None = None
    """When this demo started the job: seconds until every query streamed."""
    streaming_since_ms: int | None = None
    """When the demo saw the job streaming (epoch ms); the DAGs run only after."""
    took_s: float = 0.0
    shape: str = "single"
    """The local stack's shape (``stack.shape``): the make commands it suggests name it."""


@dataclass(frozen=True)
class StartedPipeline:
    """The pipeline up and streaming: a client's settings of the stack, whether the job was
    started (not found running), and the seconds until it streamed."""

    settings: Settings
    job_started: bool
    waited_s: float


def start_pipeline(settings: Settings, say: Progress, steps: int) -> StartedPipeline:
    """Steps 1 to 4 of ``steps`` (``make demo``'s, ``make soak``'s): the stack up, generated/
    fresh, the contracts registered with their topics and tables, the streaming job streaming;
    raises ``DemoError`` naming the step that failed."""
    import stack

    say(f"[1/{steps}] local stack")
    stack.up(settings, progress=say)
    settings = stack.client_settings(settings)  # a secured stack's logins exist from here on
    say(f"[2/{steps}] generated/ is fresh")
    _check_generated()
    say(f"[3/{steps}] schemas registered, topics created, CQL applied")
    _run_step("register the schemas and create the topics", ["-m", "ops.register"])
    _run_step("apply the CQL", ["-m", "ops.migrate", "apply"])
    say(f"[4/{steps}] Spark streaming job")
    pid, job_started = ensure_job(settings)
    say(
        f"  streaming job {'started' if job_started else 'already running'} (pid {pid}), log "
        f"{job_log(settings)}"
    )
    waited = wait_until_streaming(settings, JOB_READY_TIMEOUT_S)
    if waited is None:
        raise DemoError(f"the streaming job did not start streaming; see {job_log(settings)}")
    say(f"  streaming ({waited:.1f} s)")
    return StartedPipeline(settings, job_started, waited)


def run_demo(settings: Settings, options: DemoOptions, say: Progress = print) -> DemoReport:
    """Run every step; raise ``DemoError`` naming the broken link when the counts do not add up."""

    started = time.monotonic()
    try:
        contracts = [c for c in selected(options.contracts) if c.source is not None]
    except UnknownContractError as exc:
        raise DemoError(str(exc)) from exc
    if not contracts:
        raise DemoError("no contract declares a source (x-source): nothing to produce")
    started_pipeline = start_pipeline(settings, say, steps=7)
    settings, waited = started_pipeline.settings, started_pipeline.waited_s
    report = DemoReport(
        job_startup_s=round(waited, 1) if started_pipeline.job_started else None,
        streaming_since_ms=int(time.time() * 1000),
        shape=settings.stack.shape,
    )
    seed = options.seed or secrets.token_hex(6)
    try:
        runs = _run_dags(settings, contracts, options, seed, say)
    except SourceChoiceError as exc:
        raise DemoError(str(exc)) from exc
    for contract, url, before, after, dag_started in runs:
        report.contracts.append(
            _contract_report(
                settings, contract, url, seed, before, after, dag_started, options, say
            )
        )
    report.took_s = round(time.monotonic() - started, 1)
    say(f"[7/7] done in {report.took_s:.0f} s")
    broken = [r for r in report.contracts if not r.complete]
    if broken:
        detail = "; ".join(
            f"{r.contract}: {r.rows_written} of {r.produced} produced records are rows"
            for r in broken
        )
        raise DemoError(
            f"{detail} after {options.wait_s:.0f} s: the streaming job did not write them; "
            f"see {job_log(settings)} and `make inspect`"
        )
    return report


Run = tuple[Contract, str, dict[str, dict[int, int]], dict[str, dict[int, int]], float]
"""A contract's DAG run: its source URL, its topics' end offsets before and after, its start."""


def _run_dags(
    settings: Settings, contracts: list[Contract], options: DemoOptions, seed: str, say: Progress
) -> list[Run]:
    """Each contract's DAG, run once through Airflow, from its chosen source."""
    runs: list[Run] = []
    with chosen_sources(settings, contracts, options.source, say) as urls:
        for contract in contracts:
            names = contract.names(settings)
            before = {t: end_offsets(settings, t) for t in (names.topic, names.dlq_topic)}
            say(f"[5/7] Airflow: dags test {contract.name} ({options.count} records, seed {seed})")
            dag_started = time.time()
            _run_dag(settings, contract.name, options.count, seed, urls[contract.name])
            after = {t: end_offsets(settings, t) for t in (names.topic, names.dlq_topic)}
            runs.append((contract, urls[contract.name], before, after, dag_started))
    return runs


def _contract_report(
    settings: Settings,
    contract: Contract,
    url: str,
    seed: str,
    before: dict[str, dict[int, int]],
    after: dict[str, dict[int, int]],
    dag_started: float,
    options: DemoOptions,
    say: Progress,
) -> ContractReport:
    names = contract.names(settings)
    report = ContractReport(contract.name, url, seed)
    produced = read_range(settings, names.topic, before[names.topic], after[names.topic])
    rejected = read_range(
        settings, names.dlq_topic, before[names.dlq_topic], after[names.dlq_topic]
    )
    produced_at = {m.key.decode(): m.timestamp_ms for m in produced if m.key}
    report.produced = len(produced_at)
    report.rejected = len(rejected)
    report.fetched = report.produced + report.rejected
    report.rejected_by_rule = dict(Counter(m.header(DlqHeader.RULE, "?") for m in rejected))
    lookup = KeyLookup.of(contract)
    report.tables = [t.name for t in ReaderContract.generated(contract).tables]
    report.replication = _replication(settings, names.topic, lookup.table)
    say(
        f"[6/7] {contract.name}: produced {report.produced}, rejected {report.rejected}; "
        f"waiting for the rows of {lookup.table.name}"
    )
    written = _wait_for_rows(settings, lookup, produced_at, options, say)
    report.rows_written = len(written)
    if written:
        report.elapsed_s = round(time.time() - dag_started, 1)
        report.first_produced_ms = min(produced_at[key] for key in written)
        batches = _run_batches(settings, names.topic, report.first_produced_ms, len(written))
        _streaming_figures(report, batches)
        report.sample_columns, report.sample_rows = _sample_rows(
            settings, contract, lookup, list(written)[:SAMPLE_ROWS]
        )
    return report


def _replication(settings: Settings, topic: str, table: TableTarget) -> str:
    """How many copies the broker and Cassandra keep, as they describe them: ``topic:
    replication factor 3, min.insync.replicas 2; keyspace k: {'datacenter1': '3'}``."""
    described = describe_topics(settings, [topic])[topic]
    keyspace = table_keyspace(settings, table.keyspace)
    with connect(settings) as session:
        row = session.execute(
            "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = %s", [keyspace]
        ).one()
    copies = {k: v for k, v in (row.replication if row else {}).items() if k != "class"}
    return (
        f"topic: replication factor {described.replication_factor}, min.insync.replicas "
        f"{described.config.get('min.insync.replicas', '?')}; keyspace {keyspace}: {copies}"
    )


def _run_batches(settings: Settings, topic: str, since_ms: int, rows: int) -> list[dict[str, Any]]:
    """The job's figures of the batches of ``topic`` that finished since ``since_ms`` (this
    run's first record). A batch records them just after writing its rows, so this waits (up
    to ``FIGURES_WAIT_S``) until they account for the ``rows`` rows the demo saw."""
    metrics = MetricsLog(settings.spark.metrics_file)
    deadline = time.monotonic() + FIGURES_WAIT_S
    while True:
        batches = [
            b
            for b in metrics.batches()
            if b.get("topic") == topic and b["rows_written"] and b["finished_at_ms"] >= since_ms
        ]
        if sum(b["rows_written"] for b in batches) >= rows or time.monotonic() > deadline:
            return batches
        time.sleep(POLL_INTERVAL_S)


def _streaming_figures(report: ContractReport, batches: list[dict[str, Any]]) -> None:
    """Throughput and latency from the job's own batch figures."""
    if not batches:
        return
    first_start_ms = min(b["finished_at_ms"] - b["duration_ms"] for b in batches)
    last_end_ms = max(b["finished_at_ms"] for b in batches)
    rows = sum(b["rows_written"] for b in batches)
    report.rows_per_s = round(rows / max((last_end_ms - first_start_ms) / 1000, 1e-3), 1)
    percentiles = latency_percentiles(batches, (50, 95))
    if percentiles is not None:
        report.latency_ms_p50, report.latency_ms_p95 = percentiles


def _check_generated() -> None:
    from codegen.generate import problems, render_all

    stale = problems(REPO_ROOT / "generated", render_all(REPO_ROOT / "schemas"))
    if stale:
        raise DemoError(
            "generated/ does not match schemas/: run `make codegen`\n  " + "\n  ".join(stale)
        )


def _run_step(what: str, args: list[str]) -> None:
    """Run one of the project's CLIs; its output is shown, a failure stops the demo."""
    result = subprocess.run([sys.executable, *args], cwd=REPO_ROOT, check=False)
    if result.returncode != 0:
        raise DemoError(f"could not {what} (`python {' '.join(args)}` exited {result.returncode})")


def _run_dag(settings: Settings, dag_id: str, count: int, seed: str, url: str) -> None:
    from stack.airflow_local import AirflowRunError, run_dag_once

    try:
        run_dag_once(settings, dag_id, {"batch_size": count, "seed": seed, "source_url": url})
    except AirflowRunError as exc:
        raise DemoError(f"the Airflow DAG run failed (producer side): {exc}") from exc


@dataclass(frozen=True)
class KeyLookup:
    """How the demo finds a record's row by its Kafka key: the table whose primary key starts
    with the key's fields (flattened into columns), and each field's Avro type."""

    table: TableTarget
    columns: tuple[str, ...]
    types: tuple[Any, ...]

    @classmethod
    def of(cls, contract: Contract) -> KeyLookup:
        paths = [path.split(".") for path in contract.stream.key]
        columns = tuple(column_name(path) for path in paths)
        tables = ReaderContract.generated(contract).tables
        table = next(
            (t for t in tables if columns and t.primary_key[: len(columns)] == columns), None
        )
        if table is None:
            raise DemoError(
                f"{contract.name}: no table's primary key starts with the Kafka key's fields "
                f"({', '.join(contract.stream.key) or 'none'}; x-kafka.key), so the demo "
                "cannot find a record's row by its key"
            )
        schema = json.loads(contract.schema)
        return cls(table, columns, tuple(_field_type(schema, path) for path in paths))

    def values(self, keys: list[str]) -> list[tuple[Any, ...]]:
        """Kafka keys (text) as the values of the key columns (a ``uuid`` as a UUID, an
        integer as an int, otherwise the text)."""
        return [
            tuple(
                _typed(t, part)
                for t, part in zip(self.types, key_parts(k, len(self.types)), strict=True)
            )
            for k in keys
        ]

    def select(
        self, session: Any, keyspace: str, columns: list[str], keys: list[str]
    ) -> Iterator[Any]:
        """The rows of ``keys``: the key columns, then ``columns``; queried ``KEY_CHUNK`` keys
        at a time, one ``IN`` per key column (rows of other key combinations are left out)."""
        wanted = self.values(keys)
        for start in range(0, len(wanted), KEY_CHUNK):
            chunk = wanted[start : start + KEY_CHUNK]
            where: list[str] = []
            params: list[Any] = []
            for index, column in enumerate(self.columns):
                values = sorted({k[index] for k in chunk}, key=str)
                where.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
                params.extend(values)
            query = (
                f"SELECT {', '.join([*self.columns, *columns])} "
                f"FROM {keyspace}.{self.table.name} "
                f"WHERE {' AND '.join(where)}"
            )
            found = set(chunk)
            for row in session.execute(query, params):
                if tuple(row[: len(self.columns)]) in found:
                    yield row

    def key_of(self, row: Any) -> str:
        """The Kafka key (text) of a row ``select`` returned."""
        return kafka_key(row[: len(self.columns)]).decode()


def _typed(field_type: Any, text: str) -> Any:
    if isinstance(field_type, dict) and field_type.get("logicalType") == "uuid":
        return uuid.UUID(text)
    if field_type in ("int", "long"):
        return int(text)
    return text


def _field_type(record: dict[str, Any], path: list[str]) -> Any:
    found = next(f for f in record["fields"] if f["name"] == path[0])
    return found["type"] if len(path) == 1 else _field_type(found["type"], path[1:])


def _wait_for_rows(
    settings: Settings,
    lookup: KeyLookup,
    produced_at: dict[str, int],
    options: DemoOptions,
    say: Progress,
) -> dict[str, int]:
    """Poll until every produced key is a row of the lookup's table written after it was
    produced; returns key -> write time (µs since the epoch)."""
    table = lookup.table
    keyspace = table_keyspace(settings, table.keyspace)
    stamp_column = next(c for c in table.columns if c not in table.primary_key)
    written: dict[str, int] = {}
    deadline = time.monotonic() + options.wait_s
    tty = sys.stderr.isatty()
    last_line = 0.0
    with connect(settings) as session:
        while True:
            missing = [k for k in produced_at if k not in written]
            for row in lookup.select(session, keyspace, [f"WRITETIME({stamp_column})"], missing):
                key, stamp = lookup.key_of(row), row[-1]
                if stamp is not None and stamp / 1000 >= produced_at.get(key, 0):
                    written[key] = stamp
            now = time.monotonic()
            line = f"  rows in Cassandra: {len(written)}/{len(produced_at)}"
            if tty:
                sys.stderr.write(f"\r{line}")
            elif now - last_line >= 5 or len(written) == len(produced_at):
                say(line)
                last_line = now
            if len(written) == len(produced_at) or now > deadline:
                break
            time.sleep(POLL_INTERVAL_S)
    if tty:
        sys.stderr.write("\n")
    return written


def _sample_rows(
    settings: Settings, contract: Contract, lookup: KeyLookup, keys: list[str]
) -> tuple[list[str], list[dict[str, str]]]:
    """A few rows as text: the key columns, columns that are not personal data, and one the
    contract tags as personal data (when it has one), shown masked."""
    table = lookup.table
    masked = pii_columns(json.loads(contract.schema))
    others = [c for c in table.columns if c not in lookup.columns]
    room = max(SAMPLE_COLUMNS - len(lookup.columns), 0)
    personal = [c for c in others if c in masked][:1]  # one, to show how it is masked
    shown = [c for c in others if c not in masked][: room - len(personal)] + personal
    columns = [*lookup.columns, *shown]
    keyspace = table_keyspace(settings, table.keyspace)
    with connect(settings) as session:
        rows = [
            {
                c: MASK if c in masked and v is not None else str(v)
                for c, v in zip(columns, row, strict=True)
            }
            for row in lookup.select(session, keyspace, shown, keys)
        ]
    return columns, rows


def render_report(report: DemoReport) -> str:
    blocks = []
    for r in report.contracts:
        reasons = "".join(f"\n    {n:>5}  {rule}" for rule, n in sorted(r.rejected_by_rule.items()))
        widths = {
            c: max([len(c)] + [len(row[c]) for row in r.sample_rows]) for c in r.sample_columns
        }
        table = "\n".join(
            "  " + "  ".join(row[c].ljust(widths[c]) for c in r.sample_columns)
            for row in [{c: c for c in r.sample_columns}, *r.sample_rows]
        )
        latency = (
            f"p50 {r.latency_ms_p50:.0f} ms, p95 {r.latency_ms_p95:.0f} ms"
            if r.latency_ms_p50 is not None and r.latency_ms_p95 is not None
            else "not measured (no batch wrote this run's rows)"
        )
        blocks.append(
            f"""{r.contract}: {r.source_url} (seed {r.seed})
  records fetched    {r.fetched}
  produced           {r.produced}
  rejected (DLQ)     {r.rejected}{reasons}
  rows written       {r.rows_written} (each in {", ".join(r.tables)})
  replication        {r.replication}
  end-to-end         {r.elapsed_s} s from the DAG run's start to the last row seen
  throughput         {r.rows_per_s} rows/s while streaming (first to last micro-batch)
  produce-to-row     {latency} (Kafka timestamp to the end of the row's write)

{table}
"""
        )
    startup = (
        f"  job start-up       {report.job_startup_s} s (started by this run, until it streamed)\n"
        if report.job_startup_s is not None
        else ""
    )
    shape = "" if report.shape == "single" else f" SHAPE={report.shape}"
    suggested = [
        ("inspect", "what flows where (topics, lag, subjects, DLQs, tables)"),
        ("airflow", "the Airflow UI with each contract's DAG"),
        ("stack-down", f"stop the local stack (data kept; make stack-reset{shape} wipes it)"),
    ]
    width = max(len(f"make {target}{shape}") for target, _ in suggested)
    lines = [f"{f'make {target}{shape}':<{width}} {what}" for target, what in suggested]
    return (
        "\nuserstream demo\n"
        + startup
        + "\n"
        + "\n".join(blocks)
        + "\nnext: "
        + "\n      ".join(lines)
        + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m stack.demo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--count", type=int, default=DemoOptions.count, help="records of each contract"
    )
    parser.add_argument(
        "--contract", help="comma-separated (default: every contract with a source)"
    )
    parser.add_argument("--source", default=AUTO, help="auto, offline, or an endpoint")
    parser.add_argument("--seed", default=None)
    parser.add_argument(
        "--wait", type=float, default=DemoOptions.wait_s, help="seconds to wait for the rows"
    )
    parser.add_argument("--json-report", type=Path, help="also write the report as JSON here")
    args = parser.parse_args(argv)
    options = DemoOptions(args.count, args.source, args.contract, args.seed, args.wait)
    try:
        # flushed at each line: the steps it runs print too, and a log or CI shows them in order
        report = run_demo(load_settings(), options, say=functools.partial(print, flush=True))
    except DemoError as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
    print(render_report(report))
    if args.json_report:
        args.json_report.write_text(json.dumps(asdict(report), indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
