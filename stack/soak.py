"""``make soak``: the pipeline under a steady load while its services are killed one at a time,
and a ledger at the end.

The stack, the contracts, the tables and the supervised streaming job are brought up as
``make demo`` brings them up. Then users of the user contract are produced at a steady rate
(``--rate`` records/s, each a fresh id, ``acks=all``); once the job keeps up with them (the
warm-up), about every ``--interval`` seconds a target of ``stack.faults`` (a broker, a
Cassandra node, a Spark worker, the registry, the job) is killed with SIGKILL and brought
back. Meanwhile a reader notes when each record's row is seen in Cassandra (polled every
second). When the time is up, producing stops, the soak waits (``--settle`` seconds at most)
until every acknowledged record is a row, and reads back the topic, the DLQ and every table
of the contract for the ledger (``stack.ledger``): produced, acked, failed, rows, DLQ
entries, duplicates and lost, which must be 0, with each fault's recovery times and the
throughput before and after it. The report is printed and written as JSON (``--report``);
the exit status is 1 when a record was lost or duplicated or a fault did not recover.
"""

from __future__ import annotations

import argparse
import functools
import json
import secrets
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaError

from clients.cassandra import connect, table_keyspace
from clients.kafka import end_offsets, read_range
from config import Settings, load_settings
from config.settings import updated
from contract.catalog import Contract, contract
from contract.dlq import DlqHeader
from producer.publish import Origin, RecordPublisher
from spark.reader_contract import ReaderContract
from stack import faults
from stack.control import Progress
from stack.demo import KEY_CHUNK, DemoError, KeyLookup, start_pipeline
from stack.errors import StackError
from stack.ledger import (
    FaultResult,
    Ledger,
    PlannedFault,
    SoakReport,
    account,
    fault_figures,
    plan_faults,
    render,
    timeline,
)
from stack.offline_source import NATIONALITIES, make_user

CONTRACT = "user_created"
"""The contract the soak produces: its source records come from the offline source's users."""
TICK_S = 0.05
POLL_S = 1.0
RECONNECT_S = 2.0
PROGRESS_EVERY_S = 30.0
WINDOW_S = 30.0
"""The throughput windows around a fault (shorter when the faults are closer)."""
AFTER_LAST_S = 30.0
"""How long producing goes on after the last fault's recovery, for its window after."""
MIN_GAP_S = 10.0
"""The least time between a fault's recovery and the next kill."""
SETTLE_READ_EVERY_S = 5.0
WARM_UP_LAG_S = 10.0
"""The job keeps up when the acknowledged records not yet rows are at most this many seconds'
worth of the produce rate."""
WARM_UP_MAX_S = 600.0
QUIET_LOG_LEVEL = 2
"""librdkafka's log level for the soak's producer: critical lines only."""


class SoakError(RuntimeError):
    """The soak could not run (the stack, the contracts or the job did not come up)."""


@dataclass(frozen=True)
class SoakOptions:
    duration_s: float = 600.0
    rate: float = 50.0
    interval_s: float = 60.0
    seed: int | str | None = None
    targets: tuple[str, ...] = ()
    """Restrict the faults to these targets (default: every target of the stack)."""
    settle_s: float = 180.0
    """The longest wait, once producing stopped, for every acknowledged record's row."""
    report: Path | None = None


class Tally:
    """What the producer sent and what became of it, shared by the soak's threads: each id's
    send time, the acknowledged and failed ids, and the write time of each id's row."""

    def __init__(self, started: float) -> None:
        self.started = started
        """The soak's start (``time.time()``); every time here is seconds since."""
        self._lock = threading.Lock()
        self.sent: list[tuple[float, str]] = []
        self.acked: set[str] = set()
        self.failed: set[str] = set()
        self.landed_at: dict[str, float] = {}
        self.producer_errors: list[str] = []

    def now(self) -> float:
        return time.time() - self.started

    def on_sent(self, ids: list[str]) -> None:
        at = self.now()
        with self._lock:
            self.sent.extend((at, i) for i in ids)

    def on_delivery(self, key: bytes | None, error: KafkaError | None) -> None:
        """The publisher's delivery listener: the record's key is the user's id."""
        with self._lock:
            (self.acked if error is None else self.failed).add((key or b"").decode())

    def pending(self) -> list[str]:
        """Ids not yet seen as rows, except those whose delivery failed."""
        with self._lock:
            return [i for _, i in self.sent if i not in self.landed_at and i not in self.failed]

    def on_landed(self, rows: dict[str, float]) -> None:
        with self._lock:
            for key, at in rows.items():
                self.landed_at.setdefault(key, at)

    def landed_since(self, since_s: float) -> int:
        with self._lock:
            return sum(1 for at in self.landed_at.values() if at >= since_s)

    def acked_missing(self) -> int:
        with self._lock:
            return sum(1 for i in self.acked if i not in self.landed_at)

    def counts(self) -> tuple[int, int, int, int]:
        """(sent, acked, failed, landed)."""
        with self._lock:
            return len(self.sent), len(self.acked), len(self.failed), len(self.landed_at)


def produce(
    settings: Settings,
    users: Contract,
    tally: Tally,
    rate: float,
    records_seed: str,
    stop: threading.Event,
) -> None:
    """Produce offline users (``stack.offline_source.make_user``: the id derived from
    ``records_seed``, page and index, so unique to the soak) at ``rate`` records/s until
    ``stop``, then flush. Never raises: a failure is noted in the tally (a failed delivery is
    counted by its report)."""
    try:
        # librdkafka's own error lines (each refused connection while a broker is down) are
        # left out: the soak's lines say what happened, the ledger what became of each record
        quiet = updated(settings, kafka={"log_level": QUIET_LOG_LEVEL})
        publisher = RecordPublisher(quiet, users, on_delivery=tally.on_delivery)
    except Exception as exc:  # the stack was up a moment ago: say why it is not now
        tally.producer_errors.append(f"the producer could not start: {exc}")
        return
    nats = tuple(NATIONALITIES)
    origin = "offline://soak"
    sent = page = 0
    begun = time.monotonic()
    while not stop.is_set():
        due = int((time.monotonic() - begun) * rate) - sent
        if due > 0:
            count = min(due, max(int(rate), 1))
            now = datetime.now(UTC)
            batch = [make_user(records_seed, page, i, nats, now) for i in range(count)]
            tally.on_sent([u["login"]["uuid"] for u in batch])
            try:
                publisher.publish(batch, Origin(origin, records_seed, page), now)
            except Exception as exc:  # never the soak's end: counted as unresolved
                tally.producer_errors.append(f"page {page}: {type(exc).__name__}: {exc}")
            sent += count
            page += 1
        stop.wait(TICK_S)
    try:
        publisher.flush()
    except Exception as exc:
        tally.producer_errors.append(f"flush: {type(exc).__name__}: {exc}")


def watch_rows(
    settings: Settings,
    lookup: KeyLookup,
    tally: Tally,
    stop: threading.Event,
    say: Progress,
) -> None:
    """Note when each pending id's row is first seen in the key table, polled every second,
    until ``stop``; a new session after any error (a Cassandra node killed). Prints the
    throughput every ``PROGRESS_EVERY_S``.

    The time seen, not the row's ``WRITETIME``: the job writes each row with its record's
    Kafka timestamp as write time (``spark/cassandra_sink.py``), which says when the record
    was produced, not when its row was written."""
    keyspace = table_keyspace(settings, lookup.table.keyspace)
    last_progress = tally.now()
    while not stop.is_set():
        try:
            with connect(settings) as session:
                while not stop.is_set():
                    for rows in _landed_heads(lookup, session, keyspace, tally.pending()):
                        seen = tally.now()
                        tally.on_landed({lookup.key_of(row): seen for row in rows})
                    last_progress = _progress(tally, last_progress, say)
                    stop.wait(POLL_S)
        except Exception:  # Cassandra down or restarting: try again with a new session
            last_progress = _progress(tally, last_progress, say)
            stop.wait(RECONNECT_S)


def _landed_heads(
    lookup: KeyLookup, session: Any, keyspace: str, pending: list[str]
) -> Iterator[list[Any]]:
    """The rows of ``pending`` (oldest first), ``KEY_CHUNK`` ids at a time, up to the first
    chunk none of whose rows is written yet.

    The job writes records about in the order they were sent, so the ids past a chunk with no
    row are not written either. Asking for every pending id each second would read thousands
    of keys a second from Cassandra when the job is behind, slowing the job it measures."""
    for start in range(0, len(pending), KEY_CHUNK):
        rows = list(lookup.select(session, keyspace, [], pending[start : start + KEY_CHUNK]))
        if not rows:
            return
        yield rows


def _progress(tally: Tally, last: float, say: Progress) -> float:
    now = tally.now()
    if now - last < PROGRESS_EVERY_S:
        return last
    sent, acked, failed, landed = tally.counts()
    recent = tally.landed_since(now - PROGRESS_EVERY_S) / PROGRESS_EVERY_S
    say(
        f"  {now:5.0f} s  sent {sent}, acked {acked}, failed {failed}, rows {landed} "
        f"({recent:.1f} rows/s over the last {PROGRESS_EVERY_S:.0f} s)"
    )
    return now


def inject(
    settings: Settings,
    planned: PlannedFault,
    tally: Tally,
    say: Progress,
) -> tuple[FaultResult, float | None]:
    """Kill the planned target and bring it back; returns the fault and when (seconds since
    the start) it recovered."""
    result = FaultResult(planned.target, planned.at_s)
    try:
        killed = faults.kill(settings, planned.target)
    except StackError as exc:
        result.error = str(exc)
        say(f"  {tally.now():5.0f} s  fault: {planned.target} skipped: {exc}")
        return result, None
    result.pid = killed.pid
    result.killed_at_s = round(tally.now() - (time.monotonic() - killed.at), 1)
    say(f"  {result.killed_at_s:5.0f} s  fault: {planned.target} (pid {killed.pid}) killed")
    try:
        seconds = faults.restore(settings, killed, progress=lambda line: say(f"          {line}"))
    except Exception as exc:  # StackError, or a service that fails its start: reported
        result.error = f"{type(exc).__name__}: {exc}"
        say(f"  {tally.now():5.0f} s  fault: {planned.target} did NOT come back: {exc}")
        return result, None
    result.recovery_s = round(seconds, 1)
    say(f"  {tally.now():5.0f} s  fault: {planned.target} back after {seconds:.1f} s")
    return result, tally.now()


def run_soak(settings: Settings, options: SoakOptions, say: Progress = print) -> SoakReport:
    """The whole soak: stack up, produce under faults, settle, account; returns the report
    (written to ``options.report`` or ``<stack.home>/soak/``)."""
    users = contract(CONTRACT)
    settings = start_pipeline(settings, say, steps=5).settings
    targets = list(options.targets) or faults.targets(settings)
    unknown = sorted(set(targets) - set(faults.targets(settings)))
    if unknown:
        raise SoakError(f"no fault target {unknown} on this stack: {faults.targets(settings)}")
    seed = options.seed if options.seed is not None else secrets.randbelow(10**6)
    plan = plan_faults(targets, options.duration_s, options.interval_s, seed)
    names = users.names(settings)
    start_offsets = {t: end_offsets(settings, t) for t in (names.topic, names.dlq_topic)}
    lookup = KeyLookup.of(users)
    started = time.time()
    tally = Tally(started)
    report = SoakReport(
        contract=CONTRACT,
        shape=settings.stack.shape,
        duration_s=options.duration_s,
        rate=options.rate,
        interval_s=options.interval_s,
        seed=seed,
        records_seed=f"soak-{_stamp(started)}-{secrets.token_hex(3)}",
        started_at=datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
    )
    say(
        f"[5/5] soak: {options.duration_s:.0f} s at {options.rate:g} records/s, "
        f"{len(plan)} faults planned (seed {seed}), in seconds after the warm-up: "
        + ", ".join(f"{p.target} at {p.at_s:.0f} s" for p in plan)
    )
    stop_producing, stop_watching = threading.Event(), threading.Event()
    producer = threading.Thread(
        target=produce,
        args=(settings, users, tally, options.rate, report.records_seed, stop_producing),
        name="soak-producer",
        daemon=True,
    )
    watcher = threading.Thread(
        target=watch_rows,
        args=(settings, lookup, tally, stop_watching, say),
        name="soak-rows",
        daemon=True,
    )
    producer.start()
    watcher.start()
    recovered_at: list[float | None] = []
    try:
        warm = report.warm_up_s = _warm_up(tally, options.rate, say)
        earliest = 0.0
        for planned in [PlannedFault(round(p.at_s + warm, 1), p.target) for p in plan]:
            _sleep_until(tally, max(planned.at_s, earliest))
            if tally.now() > warm + options.duration_s + options.interval_s:
                # slow recoveries pushed it this late: the soak ends instead of running on
                report.faults.append(
                    FaultResult(planned.target, planned.at_s, error="no time left")
                )
                recovered_at.append(None)
                continue
            result, back = inject(settings, planned, tally, say)
            report.faults.append(result)
            recovered_at.append(back)
            earliest = (back or tally.now()) + MIN_GAP_S
        last = max((t for t in recovered_at if t is not None), default=0.0)
        _sleep_until(tally, max(warm + options.duration_s, last + AFTER_LAST_S))
    except BaseException:
        stop_watching.set()
        raise
    finally:
        stop_producing.set()
        report.produce_s = round(tally.now(), 1)
        producer.join()
    for error in tally.producer_errors:
        say(f"  producer: {error}")
    settling = time.monotonic()
    deadline = settling + options.settle_s
    _settle(tally, deadline, say)
    stop_watching.set()
    watcher.join()
    _figures(report, tally, recovered_at)
    rows = _settle_tables(settings, users, lookup, tally, deadline, say)
    if all(tally.acked <= ids for ids in rows.values()):
        report.landed_all_s = round(time.monotonic() - settling, 1)
    say("  reading back the topic and the DLQ")
    report.ledger = _ledger(settings, users, tally, start_offsets, rows)
    report.took_s = round(tally.now(), 1)
    path = options.report or settings.stack.home / "soak" / f"soak-{_stamp(started)}.json"
    report.report_path = str(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.as_json(), indent=2), encoding="utf-8")
    return report


def _warm_up(tally: Tally, rate: float, say: Progress) -> float:
    """Produce until the job keeps up (rows written, and at most ``WARM_UP_LAG_S`` seconds'
    worth of acknowledged records not yet rows); returns when (seconds since the start).

    The faults' clock starts then: the first fault meets a pipeline in its steady state, and
    its throughput before is the pipeline's, not a job's start-up (its first micro-batches
    compile and connect, which takes minutes at cluster shape on two cores)."""
    say(f"  warming up: producing until the job keeps up with {rate:g} records/s")
    while tally.now() < WARM_UP_MAX_S:
        if tally.counts()[3] and tally.acked_missing() <= rate * WARM_UP_LAG_S:
            at = round(tally.now(), 1)
            say(f"  {at:5.0f} s  warmed up: the job keeps up; the faults' clock starts")
            return at
        time.sleep(POLL_S)
    raise SoakError(
        f"the job did not keep up with {rate:g} records/s within {WARM_UP_MAX_S:.0f} s of "
        "producing: see its log (make stack-status names it), or soak at a lower RATE"
    )


def _sleep_until(tally: Tally, at_s: float) -> None:
    while (left := at_s - tally.now()) > 0:
        time.sleep(min(left, 1.0))


def _settle(tally: Tally, deadline: float, say: Progress) -> None:
    """Wait until every acknowledged id is a row of the key table, or ``deadline``."""
    missing = tally.acked_missing()
    say(f"  producing stopped; waiting for {missing} acknowledged records' rows")
    while missing and time.monotonic() < deadline:
        time.sleep(POLL_S)
        missing = tally.acked_missing()


def _settle_tables(
    settings: Settings,
    users: Contract,
    lookup: KeyLookup,
    tally: Tally,
    deadline: float,
    say: Progress,
) -> dict[str, set[str]]:
    """The soak's ids in each table, read again until every acknowledged id is in every table
    or ``deadline``: the job writes a batch's tables one after the other, so the key table
    may be complete before the others."""
    ours = {i for _, i in tally.sent}
    while True:
        say("  reading back every table of the contract")
        try:
            rows = table_ids(settings, users, lookup, ours)
        except Exception as exc:  # a table read timed out: read again while there is time
            if time.monotonic() > deadline:
                raise
            say(f"  could not read the tables ({type(exc).__name__}: {exc}); again")
            time.sleep(SETTLE_READ_EVERY_S)
            continue
        short = {t: len(tally.acked - ids) for t, ids in rows.items() if not tally.acked <= ids}
        if not short or time.monotonic() > deadline:
            return rows
        say(f"  acknowledged records not rows yet: {short}")
        time.sleep(SETTLE_READ_EVERY_S)


def _figures(report: SoakReport, tally: Tally, recovered_at: list[float | None]) -> None:
    landed = sorted(tally.landed_at.values())
    kills = [f.killed_at_s for f in report.faults]
    previous = 0.0
    for n, fault in enumerate(report.faults):
        next_kill = next((k for k in kills[n + 1 :] if k is not None), None)
        fault_figures(
            fault,
            recovered_at[n],
            next_kill,
            report.produce_s,
            tally.sent,
            tally.landed_at,
            landed,
            WINDOW_S,
            previous,
        )
        previous = recovered_at[n] or previous
    report.rows_per_s_timeline = timeline(landed, report.produce_s, report.timeline_step_s)


def _ledger(
    settings: Settings,
    users: Contract,
    tally: Tally,
    start: dict[str, dict[int, int]],
    rows: dict[str, set[str]],
) -> Ledger:
    names = users.names(settings)
    ours = {i for _, i in tally.sent}
    topic = read_range(
        settings, names.topic, start[names.topic], end_offsets(settings, names.topic)
    )
    dlq = read_range(
        settings, names.dlq_topic, start[names.dlq_topic], end_offsets(settings, names.dlq_topic)
    )
    topic_keys = [k for m in topic if m.key and (k := m.key.decode()) in ours]
    dlq_ours = [m for m in dlq if m.key and m.key.decode() in ours]
    positions = [
        (
            m.header(DlqHeader.SOURCE_TOPIC),
            m.header(DlqHeader.SOURCE_PARTITION),
            m.header(DlqHeader.SOURCE_OFFSET),
        )
        if m.header(DlqHeader.SOURCE_OFFSET)
        else None
        for m in dlq_ours
    ]
    return account(
        produced=len(tally.sent),
        acked=set(tally.acked),
        failed=set(tally.failed),
        topic_keys=topic_keys,
        table_ids=rows,
        dlq_keys=[m.key.decode() for m in dlq_ours if m.key],
        dlq_positions=positions,
    )


def table_ids(
    settings: Settings, users: Contract, lookup: KeyLookup, ours: set[str]
) -> dict[str, set[str]]:
    """The soak's ids that are rows of each of the contract's tables: looked up by key in the
    table keyed by the Kafka key's fields, read in full from the others (their partition key is
    another column)."""
    found: dict[str, set[str]] = {}
    with connect(settings) as session:
        for table in ReaderContract.generated(users).tables:
            keyspace = table_keyspace(settings, table.keyspace)
            if table == lookup.table:
                rows = lookup.select(session, keyspace, [], sorted(ours))
            else:
                columns = ", ".join(lookup.columns)
                rows = session.execute(f"SELECT {columns} FROM {keyspace}.{table.name}")
            found[table.name] = {k for row in rows if (k := lookup.key_of(row)) in ours}
    return found


def _stamp(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y%m%dT%H%M%SZ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m stack.soak",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    defaults = SoakOptions()
    parser.add_argument("--duration", type=float, default=defaults.duration_s, help="seconds")
    parser.add_argument("--rate", type=float, default=defaults.rate, help="records/s")
    parser.add_argument(
        "--interval", type=float, default=defaults.interval_s, help="seconds between faults"
    )
    parser.add_argument("--seed", type=int, help="the fault schedule's seed (default: random)")
    parser.add_argument("--targets", help="comma-separated fault targets (default: all)")
    parser.add_argument(
        "--settle", type=float, default=defaults.settle_s, help="seconds to wait for the rows"
    )
    parser.add_argument("--report", type=Path, help="the JSON report (default: under stack.home)")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.rate <= 0 or args.interval <= 0:
        parser.error("--duration, --rate and --interval must be positive")
    options = SoakOptions(
        duration_s=args.duration,
        rate=args.rate,
        interval_s=args.interval,
        seed=args.seed,
        targets=tuple(t for t in (args.targets or "").split(",") if t),
        settle_s=args.settle,
        report=args.report,
    )
    say = functools.partial(print, flush=True)
    try:
        report = run_soak(load_settings(), options, say=say)
    except (SoakError, StackError, DemoError) as exc:
        print(f"soak failed: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("soak interrupted: no ledger (the stack and the job keep running)", file=sys.stderr)
        return 130
    print(render(report))
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
