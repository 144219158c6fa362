"""Avro encoding alone, no services: µs per ``UserCreated`` for ``to_avro()`` + fastavro's
``schemaless_writer`` (what the producer did) and for the generated ``avro_binary()``.

``python -m bench.encoder_bench [users]``. Users come from the offline source's generator; each
way runs over all of them several times and the best run counts (the least disturbed by other
work on the machine). The two ways' bytes are checked equal first.
"""

from __future__ import annotations

import gc
import io
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

import fastavro

from contract.catalog import contract
from contract.streams import Produced
from generated.python.user_created import AVRO_SCHEMA, UserCreated
from stack.offline_source import NATIONALITIES, make_page

USERS = 20_000
RUNS = 5


def records(count: int) -> list[UserCreated]:
    """``count`` records mapped from the offline source's users by the contract's generated
    ``from_source``, one ingestion time as in a page."""
    from_source = contract("user_created").from_source
    produced = Produced(datetime.now(UTC), "offline://encoder-bench")
    users = make_page("encoder-bench", 1, count, tuple(NATIONALITIES))["results"]
    return [from_source(u, produced) for u in users]


def best_us(encode: Callable[[UserCreated], object], batch: list[UserCreated]) -> float:
    """The best of ``RUNS`` runs over ``batch``, in µs per record."""
    best = float("inf")
    for _ in range(RUNS):
        start = time.perf_counter()
        for record in batch:
            encode(record)
        best = min(best, time.perf_counter() - start)
    return best / len(batch) * 1e6


def run(count: int = USERS) -> dict[str, float]:
    batch = records(count)
    parsed = fastavro.parse_schema(json.loads(AVRO_SCHEMA))

    def with_fastavro(record: UserCreated) -> bytes:
        out = io.BytesIO()
        fastavro.schemaless_writer(out, parsed, record.to_avro())
        return out.getvalue()

    if any(with_fastavro(r) != r.avro_binary() for r in batch):
        raise RuntimeError("avro_binary() differs from fastavro")
    gc.collect()
    gc.freeze()  # the records are static input
    try:
        figures = {
            "to_avro_us": best_us(UserCreated.to_avro, batch),
            "to_avro_fastavro_us": best_us(with_fastavro, batch),
            "avro_binary_us": best_us(UserCreated.avro_binary, batch),
        }
    finally:
        gc.unfreeze()
    labels = {
        "to_avro_us": "to_avro() alone",
        "to_avro_fastavro_us": "to_avro() + fastavro.schemaless_writer",
        "avro_binary_us": "avro_binary()",
    }
    width = max(map(len, labels.values())) + 1
    print(f"Avro encoding, {count:,} UserCreated, best of {RUNS} runs, µs per record:")
    for key, label in labels.items():
        print(f"  {label + ':':<{width}} {figures[key]:6.2f}")
    print(f"  x{figures['to_avro_fastavro_us'] / figures['avro_binary_us']:.2f} faster")
    return figures


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else USERS)
