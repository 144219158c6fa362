"""``make bench``: the producer path, then Kafka to Cassandra end to end, on the local stack.

``python -m bench [--contract all|NAME[,NAME...]]`` (``make bench CONTRACT=...``, default
``all``). The headline parts stream the user contract (``user_created``), which the selection
must hold; with more than one contract (``all``: ``user_created`` and ``quake_reported``), the
end-to-end part also streams them all at once through one job, against the user contract alone
on a backlog of the same size. ``--contract user_created`` skips that part.

Each part prints its own figures; the combined figures are written as JSON to
``.stack/bench/results.json`` for comparison across runs, under the run's name: its date, the
git commit measured and the machine, plus the note in ``BENCH_NOTE``
(``make bench BENCH_NOTE="quiet machine"``). README's headline table is rendered from such a
file (``python -m bench.figures``).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

import stack
from bench import USER_CONTRACT, e2e_bench, producer_bench
from bench.figures import run_identity
from config import load_settings
from contract.catalog import ALL, UnknownContractError, selected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--contract",
        default=ALL,
        help="the contracts to stream: all (default) or a comma-separated list holding "
        f"{USER_CONTRACT}",
    )
    args = parser.parse_args(argv)
    try:
        contracts = selected(args.contract)
        e2e_bench.check_contracts(contracts)
    except (UnknownContractError, ValueError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    settings = load_settings()
    stack.up(settings)
    started = datetime.now(UTC)
    run = run_identity(now=started)
    results = {
        "run": run,
        "measured_at": started.isoformat(timespec="seconds"),
        "contracts": [c.name for c in contracts],
        "producer": producer_bench.run(settings),
        "end_to_end": e2e_bench.run(settings, contracts),
    }
    out = settings.stack.home / "bench" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(f"\nrun {run['name']}: results written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
