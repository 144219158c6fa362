"""The soak's arithmetic, apart from the services (``stack.soak`` does the I/O): the fault
schedule, throughput over a window of landing times, each fault's figures, the ledger of what
was produced, acknowledged, written, dead-lettered, duplicated and lost, and the report.

Times are seconds since the soak's start.
"""

from __future__ import annotations

import bisect
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

LOST_SHOWN = 20
"""How many lost ids the ledger lists (the count is always whole)."""


@dataclass(frozen=True)
class PlannedFault:
    """A fault of the schedule: which target, and when (seconds since the start)."""

    at_s: float
    target: str


def plan_faults(
    targets: Sequence[str], duration_s: float, interval_s: float, seed: int | str
) -> list[PlannedFault]:
    """One fault about every ``interval_s`` (each gap drawn from 0.75 to 1.25 of it), the first
    after one gap (a window of undisturbed throughput to compare with), none in the last half
    interval (its recovery would outlast the produce).

    Targets are drawn as from a shuffled deck, dealt again when empty: random, yet a long soak
    meets every target before any twice.
    """
    if not targets:
        raise ValueError("no fault targets")
    if interval_s <= 0:
        raise ValueError("the fault interval must be positive")
    rng = random.Random(seed)
    deck: list[str] = []
    plan: list[PlannedFault] = []
    at = interval_s * rng.uniform(0.75, 1.25)
    while at <= duration_s - interval_s / 2:
        if not deck:
            deck = list(targets)
            rng.shuffle(deck)
        plan.append(PlannedFault(round(at, 1), deck.pop()))
        at += interval_s * rng.uniform(0.75, 1.25)
    return plan


def rate(landed: Sequence[float], start_s: float, end_s: float) -> float | None:
    """Rows per second landed in ``[start_s, end_s)``, ``landed`` sorted; None for an empty
    window."""
    if end_s <= start_s:
        return None
    count = bisect.bisect_left(landed, end_s) - bisect.bisect_left(landed, start_s)
    return round(count / (end_s - start_s), 1)


def timeline(landed: Sequence[float], end_s: float, step_s: float) -> list[float]:
    """Rows per second landed in each ``step_s`` bucket from 0 to ``end_s``."""
    buckets = int(end_s // step_s) + (1 if end_s % step_s else 0)
    return [rate(landed, i * step_s, min((i + 1) * step_s, end_s)) or 0.0 for i in range(buckets)]


@dataclass
class FaultResult:
    """One fault as it happened: the kill, the recovery, and the throughput around them."""

    target: str
    planned_at_s: float
    killed_at_s: float | None = None
    """None: the fault was skipped (``error`` says why)."""
    pid: int | None = None
    recovery_s: float | None = None
    """From the kill until the service answered its health check again (the job: until its
    supervisor had started a new Spark process); None when it did not come back."""
    rows_again_s: float | None = None
    """From the kill until the first row of a record sent after the kill was written: when the
    pipeline flowed end to end again."""
    rows_per_s_before: float | None = None
    """Rows/s written in the window before the kill."""
    rows_per_s_after: float | None = None
    """Rows/s written in the window after the service recovered (a backlog drains in it)."""
    error: str | None = None

    @property
    def skipped(self) -> bool:
        return self.killed_at_s is None

    @property
    def recovered(self) -> bool:
        """Whether the service came back and rows flowed again (a skipped fault counts as
        recovered: nothing was killed)."""
        return self.skipped or (self.recovery_s is not None and self.rows_again_s is not None)


def fault_figures(
    fault: FaultResult,
    recovered_at_s: float | None,
    next_kill_s: float | None,
    produce_end_s: float,
    sent: Sequence[tuple[float, str]],
    landed_at: Mapping[str, float],
    landed: Sequence[float],
    window_s: float,
    previous_recovery_s: float,
) -> None:
    """Fill in a fault's ``rows_again_s`` and throughput windows: the window before runs up to
    the kill from the previous fault's recovery at the earliest; the one after from the
    recovery, up to the next kill or the end of producing at the latest. ``sent`` is (time, id)
    in send order, ``landed`` the sorted write times of every soak row."""
    if fault.killed_at_s is None:
        return
    kill = fault.killed_at_s
    start = bisect.bisect_left([t for t, _ in sent], kill)
    firsts = [landed_at[i] for _, i in sent[start:] if i in landed_at]
    if firsts:
        fault.rows_again_s = round(min(firsts) - kill, 1)
    fault.rows_per_s_before = rate(landed, max(kill - window_s, previous_recovery_s), kill)
    if recovered_at_s is not None:
        end = min(recovered_at_s + window_s, next_kill_s or produce_end_s, produce_end_s)
        fault.rows_per_s_after = rate(landed, recovered_at_s, end)


@dataclass
class Ledger:
    """What the soak produced and where each record ended."""

    produced: int
    """Records handed to the producer."""
    acked: int
    """Acknowledged by the brokers (``acks=all``): each must be a row of every table."""
    failed: int
    """Deliveries that failed (during a fault: expected, reported, not lost)."""
    unresolved: int
    """Neither acknowledged nor failed when the producer was closed (0 unless it could not
    flush)."""
    in_topic: int
    """Distinct soak ids in the source topic."""
    failed_but_written: int
    """Failed deliveries whose record reached the topic all the same (the ack was lost)."""
    rows: dict[str, int]
    """Per table: soak ids that are rows of it."""
    dlq_entries: int
    """DLQ entries of the soak's records."""
    topic_duplicates: int
    """Extra copies of soak ids in the source topic."""
    dlq_duplicates: int
    """Extra DLQ entries of one source position (topic, partition, offset)."""
    lost: int
    """Acknowledged ids missing from a table: must be 0."""
    lost_ids: list[str] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return self.topic_duplicates + self.dlq_duplicates


def account(
    produced: int,
    acked: set[str],
    failed: set[str],
    topic_keys: Iterable[str],
    table_ids: Mapping[str, set[str]],
    dlq_keys: Iterable[str],
    dlq_positions: Iterable[tuple[str, str, str] | None],
) -> Ledger:
    """The ledger from what the producer reported (``acked``, ``failed``: ids), the soak ids
    read back from the topic (``topic_keys``, one per message), each table's soak ids, and the
    soak's DLQ entries (their keys, and the source position of those the job dead-lettered,
    None for the producer's)."""
    in_topic = Counter(topic_keys)
    positions = Counter(p for p in dlq_positions if p is not None)
    missing = sorted(i for i in acked if any(i not in ids for ids in table_ids.values()))
    return Ledger(
        produced=produced,
        acked=len(acked),
        failed=len(failed),
        unresolved=produced - len(acked) - len(failed),
        in_topic=len(in_topic),
        failed_but_written=len(failed & set(in_topic)),
        rows={table: len(ids) for table, ids in table_ids.items()},
        dlq_entries=sum(1 for _ in dlq_keys),
        topic_duplicates=sum(n - 1 for n in in_topic.values() if n > 1),
        dlq_duplicates=sum(n - 1 for n in positions.values() if n > 1),
        lost=len(missing),
        lost_ids=missing[:LOST_SHOWN],
    )


@dataclass
class SoakReport:
    """The soak's outcome, as written to its JSON file."""

    contract: str
    shape: str
    duration_s: float
    rate: float
    interval_s: float
    seed: int | str
    records_seed: str
    started_at: str
    took_s: float = 0.0
    warm_up_s: float = 0.0
    """From the start until the job kept up with the rate: the faults' times count from then."""
    produce_s: float = 0.0
    ledger: Ledger | None = None
    faults: list[FaultResult] = field(default_factory=list)
    timeline_step_s: float = 10.0
    rows_per_s_timeline: list[float] = field(default_factory=list)
    landed_all_s: float | None = None
    """From the end of producing until every acknowledged id was a row (None: not within the
    settle time)."""
    report_path: str = ""

    @property
    def passed(self) -> bool:
        """Nothing lost, nothing duplicated, every fault recovered."""
        ledger = self.ledger
        return (
            ledger is not None
            and ledger.lost == 0
            and ledger.duplicates == 0
            and all(f.recovered for f in self.faults)
        )

    def as_json(self) -> dict[str, Any]:
        """The report as JSON values, with the verdict and each fault's ``recovered``."""
        from dataclasses import asdict

        raw = asdict(self)
        raw["passed"] = self.passed
        for fault, out in zip(self.faults, raw["faults"], strict=True):
            out["recovered"] = fault.recovered
        if self.ledger is not None:
            raw["ledger"]["duplicates"] = self.ledger.duplicates
        return raw


def _s(value: float | None, unit: str = " s") -> str:
    return "-" if value is None else f"{value:.1f}{unit}"


def render(report: SoakReport) -> str:
    """The report a user reads at the end of a soak."""
    lines = [
        "",
        f"soak of {report.contract}: {report.produce_s:.0f} s at {report.rate:g} records/s on "
        f"the {report.shape} stack, {len(report.faults)} faults (seed {report.seed}), "
        f"{report.took_s:.0f} s in all, the first {report.warm_up_s:.0f} s a warm-up",
    ]
    ledger = report.ledger
    if ledger is not None:
        rows = ", ".join(f"{t} {n}" for t, n in ledger.rows.items())
        landed = (
            f"all acked rows written {report.landed_all_s:.0f} s after producing stopped"
            if report.landed_all_s is not None
            else "NOT all acked rows written within the settle time"
        )
        lines += [
            f"  produced      {ledger.produced}",
            f"  acked         {ledger.acked}",
            f"  failed        {ledger.failed} (deliveries that failed during a fault: "
            f"reported, not lost; {ledger.failed_but_written} of them reached the topic)",
            *([f"  unresolved    {ledger.unresolved}"] if ledger.unresolved else []),
            f"  in the topic  {ledger.in_topic} distinct ids",
            f"  rows          {rows} ({landed})",
            f"  DLQ entries   {ledger.dlq_entries}",
            f"  duplicates    {ledger.duplicates} (topic {ledger.topic_duplicates}, "
            f"DLQ {ledger.dlq_duplicates})",
            f"  lost          {ledger.lost}"
            + (f": {', '.join(ledger.lost_ids)}" if ledger.lost_ids else ""),
        ]
    lines += [
        "",
        "  fault                 killed at  back after  rows again  rows/s before  after",
    ]
    for n, f in enumerate(report.faults, 1):
        if f.skipped:
            lines.append(f"  {n:>2} {f.target:<18} skipped: {f.error}")
            continue
        lines.append(
            f"  {n:>2} {f.target:<18} {_s(f.killed_at_s):>9}  {_s(f.recovery_s):>10}  "
            f"{_s(f.rows_again_s):>10}  {_s(f.rows_per_s_before, ''):>13}  "
            f"{_s(f.rows_per_s_after, ''):>5}"
            + (f"  NOT RECOVERED: {f.error or 'no row after the kill'}" if not f.recovered else "")
        )
    verdict = (
        "PASS: nothing lost, nothing duplicated, every fault recovered"
        if report.passed
        else "FAIL: " + _failure(report)
    )
    lines += ["", f"  {verdict}", f"  report: {report.report_path}", ""]
    return "\n".join(lines)


def _failure(report: SoakReport) -> str:
    ledger = report.ledger
    reasons = []
    if ledger is None:
        reasons.append("no ledger")
    else:
        if ledger.lost:
            reasons.append(f"{ledger.lost} acknowledged records lost")
        if ledger.duplicates:
            reasons.append(f"{ledger.duplicates} duplicates")
    stuck = [f.target for f in report.faults if not f.recovered]
    if stuck:
        reasons.append(f"not recovered: {', '.join(stuck)}")
    return "; ".join(reasons)
