"""What each contract rule costs the streaming job, no services but Spark.

``python -m bench.rules_bench [users]``: the users (offline source's generator) are encoded as
the producer frames them, decoded once with ``from_avro`` into a cached DataFrame (read
``REPEAT`` times over), and each rule of the contract is then evaluated alone over all of them,
as the job evaluates it (the check of all texts at once and the rule clock included); then all
rules together, as the job's one ``CASE``. Each figure is the best of several runs after a
warm-up, minus a run that reads the decoded rows and checks nothing; differences of a few tens
of ms are noise. Use it to see what a new rule adds to the job before registering it.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from functools import reduce

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as fn
from pyspark.sql.avro.functions import from_avro

from bench import USER_CONTRACT
from bench.e2e_bench import QUIET, SOURCE
from config import load_settings
from contract import wire
from contract.catalog import contract
from contract.streams import Produced
from spark import framing
from spark.classifier import first_broken_rule, rule_broken, rule_inputs, texts_ok
from spark.reader_contract import ReaderContract
from spark.session import build_session
from stack.offline_source import NATIONALITIES, make_page

USERS = 50_000
"""Users encoded (each decoded row is then read ``REPEAT`` times)."""
RUNS = 3
REPEAT = 4
_PAGE = 5_000


def framed_users(count: int) -> list[tuple[bytes]]:
    """``count`` users from the offline source, each framed as the producer sends it."""
    from_source = contract(USER_CONTRACT).from_source
    produced = Produced(datetime.now(UTC), SOURCE)
    rows: list[tuple[bytes]] = []
    for page in range(1, -(-count // _PAGE) + 1):
        for user in make_page("rules-bench", page, _PAGE, tuple(NATIONALITIES))["results"]:
            record = from_source(user, produced)
            rows.append((wire.header(1) + record.avro_binary(),))
    return rows[:count]


def best_ms(decoded: DataFrame, check: Column) -> float:
    """The best of ``RUNS`` evaluations of ``check`` over every row, in ms."""
    best = float("inf")
    for _ in range(RUNS):
        start = time.perf_counter()
        decoded.agg(fn.count(check)).collect()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def run(count: int = USERS) -> dict[str, float]:
    """ms per ``count`` rows for each rule (keyed ``rule:field``) and for ``all rules``."""
    settings = load_settings()
    spark = build_session(settings, extra=QUIET)
    spark.sparkContext.setLogLevel("ERROR")
    reader = ReaderContract.generated(contract(USER_CONTRACT))
    frames = spark.createDataFrame(framed_users(count), "value binary")
    value = from_avro(framing.avro_body(fn.col("value")), reader.reader_schema)
    inputs = rule_inputs(texts_ok(reader))
    decoded = frames.select(value.alias("value")).select("value", *inputs).cache()
    decoded.count()
    decoded = reduce(DataFrame.unionAll, [decoded] * REPEAT)  # the cache, read REPEAT times
    rows = decoded.count()
    checks = {
        f"{name}:{field}": fn.when(rule_broken(sql), 1) for name, field, _, sql in reader.rules
    }
    checks["all rules"] = first_broken_rule(reader)
    for check in checks.values():  # warm-up: the JIT compiles what the figures then measure
        best_ms(decoded, check)
    nothing = best_ms(decoded, fn.when(fn.col("value").isNull(), 1))
    costs = {label: best_ms(decoded, check) - nothing for label, check in checks.items()}
    decoded.unpersist()
    spark.stop()
    width = max(map(len, costs))
    print(
        f"contract rules over {rows:,} decoded rows "
        f"(ms, best of {RUNS}, less {nothing:.0f} ms reading them):"
    )
    for label, ms in sorted(costs.items(), key=lambda item: -item[1]):
        print(f"  {label:<{width}} {ms:8.0f}")
    return costs


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else USERS)
