"""README's headline figures: one table, rendered from the results file of a named benchmark run.

``make bench`` writes ``.stack/bench/results.json`` with a ``run`` entry naming the run (its
date, the git commit measured and a note on the machine, see :func:`run_identity`). The run
the README quotes is committed as ``docs/figures/bench-run.json``; the table between the
``<!-- figures:start -->`` and ``<!-- figures:end -->`` markers of README.md is rendered from
it and from nothing else, so a figure cannot drift from its run (a test compares them)::

    python -m bench.figures                              # print the table of the committed run
    python -m bench.figures RESULTS.json                 # ... of another results file
    python -m bench.figures --write README.md            # replace README's table
    python -m bench.figures --check README.md            # exit 1 when README's table differs

To quote a new run: ``cp .stack/bench/results.json docs/figures/bench-run.json``, then
``python -m bench.figures --write README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
COMMITTED_RUN = REPO_ROOT / "docs" / "figures" / "bench-run.json"
README = REPO_ROOT / "README.md"
PERFORMANCE_PAGE = REPO_ROOT / "docs" / "performance.md"
START = "<!-- figures:start -->"
END = "<!-- figures:end -->"
NOT_MEASURED = "not measured"

Results = Mapping[str, Any]


def value_at(results: Results, path: str) -> Any:
    """The value at a dotted ``path`` (``end_to_end.avro.rows_per_s``), or None when absent."""
    node: Any = results
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


@dataclass(frozen=True)
class Figure:
    """One row of the table: what was measured (its label may quote the run's parameters),
    where the value is in the results file, and how it is written."""

    label: Callable[[Results], str]
    key: str
    unit: str
    decimals: int = 0

    def value(self, results: Results) -> str:
        number = value_at(results, self.key)
        if not isinstance(number, int | float) or isinstance(number, bool):
            return NOT_MEASURED
        return f"{number:,.{self.decimals}f} {self.unit}"


def _count(results: Results, key: str, fallback: str) -> str:
    number = value_at(results, key)
    return f"{number:,}" if isinstance(number, int) else fallback


BASELINE = "a JSON baseline with a hand-written schema"
MULTI = "Two contracts streaming at once through one job"
MULTI_KEY = "end_to_end.multi_contract"


def _steady_target(results: Results) -> str:
    """The latency phase's pacing target; older results files call it ``steady_rate_per_s``
    (it was the target there too, never a measured rate)."""
    return _count(results, "end_to_end.avro.steady_rate_per_s", "N")


def _produced(results: Results, key: str) -> str:
    """The rate the latency phase actually produced, measured, or that it was not measured."""
    number = value_at(results, key)
    if not isinstance(number, int | float) or isinstance(number, bool):
        return f"rate produced: {NOT_MEASURED}"
    return f"{number:,.0f} rows/s produced, measured"


HEADLINE: tuple[Figure, ...] = (
    Figure(
        lambda r: (
            f"Producer, {_count(r, 'producer.users', 'the')} fetched users to acknowledged, "
            "one process"
        ),
        "producer.project_records_per_s",
        "records/s",
    ),
    Figure(
        lambda r: f"Producer, {BASELINE}, same users",
        "producer.seed_records_per_s",
        "records/s",
    ),
    Figure(
        lambda r: (
            f"Kafka to Cassandra, draining a backlog of "
            f"{_count(r, 'end_to_end.backlog_users', 'N')} users"
        ),
        "end_to_end.avro.rows_per_s",
        "rows/s",
    ),
    Figure(
        lambda r: "The sink alone: the same rows, already decoded, same connector settings",
        "end_to_end.sink_ceiling.rows_per_s",
        "rows/s",
    ),
    Figure(
        lambda r: f"Kafka to Cassandra, {BASELINE}, same backlog and sink",
        "end_to_end.seed.rows_per_s",
        "rows/s",
    ),
    Figure(
        lambda r: "Spark's work alone, no sink: the job's decoding, rules and projection",
        "end_to_end.decoding.avro.rows_per_s",
        "rows/s",
    ),
    Figure(
        lambda r: f"Spark's work alone, no sink: {BASELINE}, JSON parsing and projection",
        "end_to_end.decoding.seed.rows_per_s",
        "rows/s",
    ),
    Figure(
        lambda r: (
            "Kafka to Cassandra, the backlog spread over "
            f"{_count(r, 'end_to_end.many_versions.versions', 'many')} writer versions"
        ),
        "end_to_end.many_versions.rows_per_s",
        "rows/s",
    ),
    Figure(
        lambda r: (
            f"{MULTI}, {_count(r, f'{MULTI_KEY}.by_contract.user_created.rows', 'N')} users and "
            f"{_count(r, f'{MULTI_KEY}.by_contract.quake_reported.rows', 'N')} earthquakes: "
            "all rows"
        ),
        f"{MULTI_KEY}.rows_per_s",
        "rows/s",
    ),
    Figure(
        lambda r: f"{MULTI}: the users' rows (user_created)",
        f"{MULTI_KEY}.by_contract.user_created.rows_per_s",
        "rows/s",
    ),
    Figure(
        lambda r: f"{MULTI}: the earthquakes' rows (quake_reported)",
        f"{MULTI_KEY}.by_contract.quake_reported.rows_per_s",
        "rows/s",
    ),
    Figure(
        lambda r: (
            "One contract alone through the job (user_created), a backlog of the same "
            f"{_count(r, f'{MULTI_KEY}.single_contract.rows', 'N')} rows"
        ),
        f"{MULTI_KEY}.single_contract.rows_per_s",
        "rows/s",
    ),
    Figure(
        lambda r: (
            "Produce to queryable, p95, producing at a target of "
            f"{_count(r, 'end_to_end.avro.steady_target_rows_per_s', _steady_target(r))} rows/s "
            f"({_produced(r, 'end_to_end.avro.steady_produced_rows_per_s')})"
        ),
        "end_to_end.avro.latency_s_p95",
        "s",
        decimals=1,
    ),
)
"""The headline figures, in the order the README shows them."""


def run_name(results: Results) -> str:
    """The run's name: ``run.name`` as ``make bench`` records it, else its date (older files)."""
    name = value_at(results, "run.name")
    if isinstance(name, str) and name:
        return name
    measured = value_at(results, "measured_at")
    return f"{str(measured)[:10]} (unnamed run)" if measured else "unnamed run"


def render(results: Results, link: str, performance_link: str = "docs/performance.md") -> str:
    """The markdown block between the markers: the run's name, a link to its results file
    (``link``), a link to the page explaining the figures, and the table."""
    lines = []
    provisional = value_at(results, "run.provisional")
    if provisional:
        lines += [f"**Provisional figures:** {provisional}", ""]
    lines += [
        f"From the `make bench` run **{run_name(results)}** ([results]({link})); "
        f"how each is measured and what limits it: [performance]({performance_link}).",
        "",
        "| measured | figure |",
        "| --- | ---: |",
        *(f"| {figure.label(results)} | {figure.value(results)} |" for figure in HEADLINE),
    ]
    return "\n".join(lines)


def replace_block(text: str, block: str) -> str:
    """``text`` with what lies between the figures markers replaced by ``block``."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the figures markers {START} ... {END} are missing or out of order")
    return f"{text[: start + len(START)]}\n{block}\n{text[end:]}"


def link_from(target: Path, results_file: Path) -> str:
    """The path of ``results_file`` as a link written in ``target`` (relative, with ``/``)."""
    return Path(os.path.relpath(results_file.resolve(), target.resolve().parent)).as_posix()


def load(results_file: Path) -> dict[str, Any]:
    data = json.loads(results_file.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{results_file}: not a JSON object")
    return data


def rendered_for(target: Path, results_file: Path = COMMITTED_RUN) -> str:
    """``target``'s text with its table rendered from ``results_file``."""
    block = render(
        load(results_file),
        link_from(target, results_file),
        link_from(target, PERFORMANCE_PAGE),
    )
    return replace_block(target.read_text(encoding="utf-8"), block)


def run_identity(note: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """What names a benchmark run: date, git commit (``-dirty`` with uncommitted changes),
    the machine (cores, memory, platform) and a free note (``BENCH_NOTE``, e.g. "quiet")."""
    when = (now or datetime.now(UTC)).date().isoformat()
    commit = _git("rev-parse", "--short=7", "HEAD") or "unknown-commit"
    if _git("status", "--porcelain", "--untracked-files=no"):
        commit += "-dirty"
    machine = f"{os.cpu_count()} cores, {_memory_gib()} GiB, {platform.system()}"
    note = (note if note is not None else os.environ.get("BENCH_NOTE", "")).strip()
    machine_note = f"{machine}; {note}" if note else machine
    return {
        "name": f"{when} {commit} ({machine_note})",
        "date": when,
        "commit": commit,
        "machine": machine,
        "note": note,
    }


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _memory_gib() -> str:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return "?"
    return f"{pages * size / 2**30:.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.figures",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "results", nargs="?", type=Path, default=COMMITTED_RUN, help="a make bench results file"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", type=Path, metavar="FILE", help="replace FILE's figures table")
    mode.add_argument("--check", type=Path, metavar="FILE", help="exit 1 if FILE's table differs")
    args = parser.parse_args(argv)
    target = args.write or args.check
    try:
        if target is None:
            links = link_from(README, args.results), link_from(README, PERFORMANCE_PAGE)
            print(render(load(args.results), *links))
            return 0
        updated = rendered_for(target, args.results)
    except (OSError, ValueError) as exc:
        print(f"figures: {exc}", file=sys.stderr)
        return 1
    if args.check:
        if updated != target.read_text(encoding="utf-8"):
            print(
                f"{target}: its figures table is not the rendering of {args.results}; "
                f"run `python -m bench.figures {args.results} --write {target}`",
                file=sys.stderr,
            )
            return 1
        print(f"{target}: figures table matches {args.results}")
        return 0
    target.write_text(updated, encoding="utf-8")
    print(f"{target}: figures table rendered from {args.results} ({run_name(load(args.results))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
