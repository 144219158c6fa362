"""``make bench``: the producer path, then Kafka to Cassandra end to end, on the local stack.

Each part prints its own figures; the combined figures are written as JSON to
``.stack/bench/results.json`` for comparison across runs, under the run's name: its date, the
git commit measured and the machine, plus the note in ``BENCH_NOTE``
(``make bench BENCH_NOTE="quiet machine"``). README's headline table is rendered from such a
file (``python -m bench.figures``).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import stack
from bench import e2e_bench, producer_bench
from bench.figures import run_identity
from config import load_settings


def main() -> int:
    settings = load_settings()
    stack.up(settings)
    started = datetime.now(UTC)
    run = run_identity(now=started)
    results = {
        "run": run,
        "measured_at": started.isoformat(timespec="seconds"),
        "producer": producer_bench.run(settings),
        "end_to_end": e2e_bench.run(settings),
    }
    out = settings.stack.home / "bench" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(f"\nrun {run['name']}: results written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
