"""``make demo``: the whole pipeline once, on the embedded local stack, with a report.

Stack up, ``generated/`` checked fresh, schemas registered, CQL applied, the Spark job started in
the background (or reused), the Airflow DAG run once through Airflow itself (``airflow dags
test``), then a wait until every user this run produced is a row in Cassandra. The counts come
from the systems themselves: the keys this run added to the topic, the DLQ entries it added, and
the rows Cassandra returns for those keys; latency is Cassandra's write time minus the Kafka
record timestamp.
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from clients.cassandra import connect, table_keyspace
from clients.kafka import end_offsets, ensure_topics, read_range
from config import Settings, load_settings
from config.settings import REPO_ROOT
from contract.pii import MASK, pii_columns
from spark.metrics import MetricsLog, latency_percentiles
from stack.streaming_job import ensure_job, job_log

Say = Callable[[str], None]
REAL_API = "https://randomuser.me/api/1.4/"
PROBE_TIMEOUT_S = 5.0
POLL_INTERVAL_S = 1.0
ID_CHUNK = 100
SAMPLE_COLUMNS = ("id", "name_first", "name_last", "location_city", "location_country", "email")


class DemoError(RuntimeError):
    """The chain broke; the message says at which link and where to look."""


@dataclass(frozen=True)
class DemoOptions:
    users: int = 1000
    source: str = "auto"  # "auto", "offline" or a randomuser-compatible base URL
    seed: str | None = None
    wait_s: float = 240.0


@dataclass
class DemoReport:
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
    wrote this run's rows to the end of the last one (the job's start-up is not in it)."""
    job_startup_s: float | None = None
    """When this run started the job: seconds from its start to its first micro-batch."""
    latency_ms_p50: float | None = None
    latency_ms_p95: float | None = None
    sample_rows: list[dict[str, str]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.rows_written == self.produced and self.fetched == self.produced + self.rejected


def run_demo(settings: Settings, options: DemoOptions, say: Say = print) -> DemoReport:
    """Run every step; raise ``DemoError`` naming the broken link when the counts do not add up."""
    import generated.spark.user_created as contract
    import stack

    started = time.monotonic()
    say("[1/7] local stack")
    stack.up(settings, progress=say)
    settings = stack.client_settings(settings)  # a secured stack's logins exist from here on
    say("[2/7] generated/ is fresh")
    _check_generated()
    say("[3/7] schemas registered, CQL applied, topics created")
    _run_step("register the schemas", ["-m", "ops.register"])
    _run_step("apply the CQL", ["-m", "ops.migrate", "apply"])
    ensure_topics(settings)
    say("[4/7] Spark streaming job")
    job_started_at = time.time()
    pid, job_started = ensure_job(settings)
    state = "started" if job_started else "already running"
    say(f"  streaming job {state} (pid {pid}), log {job_log(settings)}")
    with _source(options.source, say) as source_url:
        seed = options.seed or secrets.token_hex(6)
        report = DemoReport(source_url=source_url, seed=seed)
        topics = (settings.kafka.topic, settings.kafka.dlq_topic)
        before = {t: end_offsets(settings, t) for t in topics}
        say(f"[5/7] Airflow: dags test users_created ({options.users} users, seed {seed})")
        dag_started = time.time()
        _run_dag(settings, options.users, seed, source_url)
    after = {t: end_offsets(settings, t) for t in topics}
    produced = read_range(settings, settings.kafka.topic, before[topics[0]], after[topics[0]])
    rejected = read_range(settings, settings.kafka.dlq_topic, before[topics[1]], after[topics[1]])
    produced_at = {uuid.UUID(m.key.decode()): m.timestamp_ms for m in produced if m.key}
    report.produced = len(produced_at)
    report.rejected = len(rejected)
    report.fetched = report.produced + report.rejected
    report.rejected_by_rule = dict(Counter(m.header("error.rule", "?") for m in rejected))
    keyspace = table_keyspace(settings, contract.KEYSPACE)
    say(f"[6/7] produced {report.produced}, rejected {report.rejected}; waiting for the rows")
    written = _wait_for_rows(settings, keyspace, contract.TABLE, produced_at, options, say)
    report.rows_written = len(written)
    if written:
        report.elapsed_s = round(time.time() - dag_started, 1)
        batches = [
            b
            for b in MetricsLog(settings.spark.metrics_file).batches()
            if b["finished_at_ms"] >= dag_started * 1000 and b["rows_written"]
        ]
        _streaming_figures(report, batches, job_started_at if job_started else None)
        report.sample_rows = _sample_rows(settings, keyspace, contract.TABLE, list(written)[:5])
    say(f"[7/7] done in {time.monotonic() - started:.0f} s")
    if not report.complete:
        raise DemoError(
            f"{report.rows_written} of {report.produced} produced users are rows in Cassandra "
            f"after {options.wait_s:.0f} s: the Spark job did not write them; "
            f"see {job_log(settings)} and `make inspect`"
        )
    return report


def _streaming_figures(
    report: DemoReport, batches: list[dict[str, Any]], job_started_at: float | None
) -> None:
    """Throughput, latency and job start-up from the job's own batch figures."""
    if not batches:
        return
    first_start_ms = min(b["finished_at_ms"] - b["duration_ms"] for b in batches)
    last_end_ms = max(b["finished_at_ms"] for b in batches)
    rows = sum(b["rows_written"] for b in batches)
    report.rows_per_s = round(rows / max((last_end_ms - first_start_ms) / 1000, 1e-3), 1)
    percentiles = latency_percentiles(batches, (50, 95))
    if percentiles is not None:
        report.latency_ms_p50, report.latency_ms_p95 = percentiles
    if job_started_at is not None:
        report.job_startup_s = round(first_start_ms / 1000 - job_started_at, 1)


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


@contextmanager
def _source(choice: str, say: Say) -> Iterator[str]:
    """The base URL to fetch from; the offline source runs for the duration when chosen."""
    from stack.offline_source import OfflineSource

    if choice not in ("auto", "offline"):
        yield choice
        return
    if choice == "auto":
        try:
            httpx.get(REAL_API, params={"results": 1}, timeout=PROBE_TIMEOUT_S).raise_for_status()
        except httpx.HTTPError as exc:
            say(
                f"  randomuser.me cannot be reached ({type(exc).__name__}): "
                "using the offline source"
            )
        else:
            yield REAL_API
            return
    with OfflineSource() as server:
        say(f"  offline randomuser-compatible source at {server.url}")
        yield server.url


def _run_dag(settings: Settings, users: int, seed: str, source_url: str) -> None:
    from stack.airflow_local import AirflowRunError, run_dag_once

    try:
        run_dag_once(settings, {"batch_size": users, "seed": seed, "source_url": source_url})
    except AirflowRunError as exc:
        raise DemoError(f"the Airflow DAG run failed (producer side): {exc}") from exc


def _select_in(
    session: Any, keyspace: str, table: str, columns: str, ids: list[uuid.UUID]
) -> Iterator[Any]:
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        markers = ", ".join(["%s"] * len(chunk))
        query = f"SELECT {columns} FROM {keyspace}.{table} WHERE id IN ({markers})"
        yield from session.execute(query, chunk)


def _wait_for_rows(
    settings: Settings,
    keyspace: str,
    table: str,
    produced_at: dict[uuid.UUID, int],
    options: DemoOptions,
    say: Say,
) -> dict[uuid.UUID, int]:
    """Poll until every produced id is a row; returns id -> write time (µs since the epoch)."""
    written: dict[uuid.UUID, int] = {}
    deadline = time.monotonic() + options.wait_s
    tty = sys.stderr.isatty()
    last_line = 0.0
    with connect(settings) as session:
        while True:
            missing = [i for i in produced_at if i not in written]
            for row in _select_in(session, keyspace, table, "id, WRITETIME(email)", missing):
                if row[1] is not None and row[1] / 1000 >= produced_at[row[0]]:
                    written[row[0]] = row[1]
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
    settings: Settings, keyspace: str, table: str, ids: list[uuid.UUID]
) -> list[dict[str, str]]:
    """A few rows as text, the columns the contract tags as personal data masked."""
    from generated.python.user_created import AVRO_SCHEMA

    masked = pii_columns(json.loads(AVRO_SCHEMA))
    with connect(settings) as session:
        return [
            {c: MASK if c in masked else str(v) for c, v in zip(SAMPLE_COLUMNS, row, strict=True)}
            for row in _select_in(session, keyspace, table, ", ".join(SAMPLE_COLUMNS), ids)
        ]


def render_report(report: DemoReport) -> str:
    reasons = "".join(
        f"\n    {n:>5}  {rule}" for rule, n in sorted(report.rejected_by_rule.items())
    )
    startup = (
        f"\n  job start-up       {report.job_startup_s} s (started by this run, to its first batch)"
        if report.job_startup_s is not None
        else ""
    )
    widths = {c: max([len(c)] + [len(r[c]) for r in report.sample_rows]) for c in SAMPLE_COLUMNS}
    table = "\n".join(
        "  " + "  ".join(row[c].ljust(widths[c]) for c in SAMPLE_COLUMNS)
        for row in [{c: c for c in SAMPLE_COLUMNS}, *report.sample_rows]
    )
    return f"""
userstream demo: {report.source_url} (seed {report.seed})
  users fetched      {report.fetched}
  produced           {report.produced}
  rejected (DLQ)     {report.rejected}{reasons}
  rows written       {report.rows_written}
  end-to-end         {report.elapsed_s} s from the DAG run's start to the last row seen
  throughput         {report.rows_per_s} rows/s while streaming (first to last micro-batch)
  produce-to-row     p50 {report.latency_ms_p50} ms, p95 {report.latency_ms_p95} ms \
(Kafka timestamp to the end of the row's write){startup}

{table}

next: make inspect    what flows where (topics, lag, subjects, DLQ, tables)
      make airflow    the Airflow UI with this DAG
      make stack-down stop the local stack (data kept; make stack-reset wipes it)
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ops.demo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--source", default="auto", help="auto, offline, or a base URL")
    parser.add_argument("--seed", default=None)
    parser.add_argument("--wait", type=float, default=240.0, help="seconds to wait for the rows")
    parser.add_argument("--json-report", type=Path, help="also write the report as JSON here")
    args = parser.parse_args(argv)
    options = DemoOptions(args.users, args.source, args.seed, args.wait)
    try:
        report = run_demo(load_settings(), options)
    except DemoError as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
    print(render_report(report))
    if args.json_report:
        args.json_report.write_text(json.dumps(asdict(report), indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
