"""How the end-to-end benchmark combines repeated drains and prints its figures (no services)."""

from __future__ import annotations

from typing import Any

import pytest

from bench.e2e_bench import HEADLINE_ORDER, check_contracts, combined, summary
from contract.catalog import all_contracts, contract


def _drain(rows: int, rate: float, **cpu: float) -> dict[str, Any]:
    return {"rows": rows, "rows_per_s": rate, "cpu_us_per_row": cpu, "quiet_wait_s": 3.0}


def test_each_headline_kind_is_drained_twice_in_an_order_that_cancels_a_drift() -> None:
    assert {kind: HEADLINE_ORDER.count(kind) for kind in HEADLINE_ORDER} == {
        "avro": 2,
        "sink_ceiling": 2,
        "seed": 2,
    }
    assert tuple(reversed(HEADLINE_ORDER)) == HEADLINE_ORDER


def test_combined_rate_is_all_rows_over_all_time_not_the_mean_of_rates() -> None:
    figures = combined(
        [_drain(1_000, 500.0, spark=100.0, cassandra=50.0), _drain(1_000, 1_000.0, spark=80.0)]
    )
    assert figures["rows_per_s"] == round(2_000 / 3, 1)  # 2 s + 1 s, not (500 + 1000) / 2
    assert figures["rows_per_s_each"] == [500.0, 1_000.0]
    assert figures["drains"] == 2
    assert figures["cpu_us_per_row"] == {"spark": 90.0}  # only what both drains measured
    assert figures["cpu_us_per_row_each"][0] == {"spark": 100.0, "cassandra": 50.0}


def _cpu(spark: float, cassandra: float) -> dict[str, float]:
    return {
        "spark": spark,
        "spark_jit": 10.0,
        "cassandra": cassandra,
        "cassandra_compaction": 21.5,
        "cassandra_gc": 7.25,
    }


def _results() -> dict[str, Any]:
    kind = {"rows_per_s_each": [7_000.0, 8_000.0], "cpu_us_per_row": _cpu(110.0, 140.0)}
    return {
        "backlog_users": 200_000,
        "master": "local[2]",
        "avro": {**kind, "rows_per_s": 7_466.7, "latency_s_p50": 1.2, "latency_s_p95": 2.1},
        "seed": {**kind, "rows_per_s": 7_000.0, "latency_s_p50": 0.9, "latency_s_p95": 1.5},
        "sink_ceiling": {**kind, "rows_per_s": 15_000.0},
        "avro_share_of_ceiling": 0.5,
        "avro_over_seed": 1.07,
        "decoding": {
            "avro": {"rows_per_s": 100_000.0, "spark_us_per_row": 16.0},
            "seed": {"rows_per_s": 60_000.0, "spark_us_per_row": 25.0},
            "avro_over_seed": 1.6,
        },
        "many_versions": {
            "versions": 50,
            "rows_per_s": 4_000.0,
            "one_version_rows_per_s": 5_000.0,
            "share_of_one_version": 0.8,
            "cpu_us_per_row": _cpu(200.0, 300.0),
            "one_version_cpu_us_per_row": _cpu(150.0, 250.0),
        },
    }


def test_summary_prints_each_drain_and_where_cassandra_spent_its_cpu() -> None:
    text = summary(_results())
    assert "contracts at once" not in text  # the user contract alone was streamed
    assert "7,467 rows/s [7,000, 8,000] (50% of the sink ceiling, x1.07 the JSON baseline)" in text
    assert "110.0 (10.0)" in text
    assert "140.0 (21.5, ?, 7.25, ?)" in text  # flush and JIT not measured: shown as unknown
    assert "300.0 (21.5, ?, 7.25, ?)" in text


def test_summary_prints_the_contracts_streaming_at_once_beside_one_alone() -> None:
    multi = {
        "contracts": ["quake_reported", "user_created"],
        "rows_per_s": 9_000.0,
        "rows_per_s_each": [8_500.0, 9_500.0],
        "by_contract": {
            "quake_reported": {"rows_per_s": 4_000.0},
            "user_created": {"rows_per_s": 5_000.0},
        },
        "share_of_single": 1.2,
        "cpu_us_per_row": _cpu(120.0, 150.0),
        "single_contract": {
            "contract": "user_created",
            "rows": 200_000,
            "rows_per_s": 7_500.0,
            "rows_per_s_each": [7_400.0, 7_600.0],
            "cpu_us_per_row": _cpu(100.0, 130.0),
        },
    }
    text = summary({**_results(), "multi_contract": multi})
    assert "2 contracts at once    9,000 rows/s [8,500, 9,500] combined" in text
    assert "(quake_reported 4,000 rows/s, user_created 5,000 rows/s; 120% of one contract)" in text
    assert "user_created alone    7,500 rows/s [7,400, 7,600], the same 200,000 rows" in text
    assert "2 contracts" in text and "120.0 (10.0)" in text
    assert "one contract      100.0 (10.0)" in text


def test_the_bench_streams_the_user_contract_and_refuses_a_selection_without_it() -> None:
    check_contracts(all_contracts())
    check_contracts([contract("user_created")])
    with pytest.raises(ValueError, match="headline parts stream the contract user_created"):
        check_contracts([contract("quake_reported")])
