"""README's headline figures are the rendering of the committed benchmark run, and nothing else.

No services: ``bench.figures`` renders ``docs/figures/bench-run.json``; the README must hold
exactly that between its figures markers, and no other copy of a headline figure.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bench.figures import (
    COMMITTED_RUN,
    END,
    HEADLINE,
    NOT_MEASURED,
    README,
    START,
    load,
    render,
    rendered_for,
    replace_block,
    run_identity,
    run_name,
)


def test_readme_table_is_the_rendering_of_the_committed_run() -> None:
    assert README.read_text(encoding="utf-8") == rendered_for(README, COMMITTED_RUN), (
        "README's figures differ from docs/figures/bench-run.json: "
        "run `python -m bench.figures --write README.md`"
    )


def test_readme_has_one_figures_table() -> None:
    text = README.read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1


def test_no_headline_figure_appears_twice_in_readme_or_docs() -> None:
    """Each headline value is written once: in README's table (the run file is its source).

    Rates are looked for everywhere; a latency in seconds only in the README, since the docs
    quote other durations (timings of the code's mechanisms, set-up times)."""
    results = load(COMMITTED_RUN)
    docs = sorted((README.parent / "docs").rglob("*.md"))
    for figure in HEADLINE:
        value = figure.value(results)
        if value == NOT_MEASURED:
            continue
        pattern = re.compile(rf"(?<![\d.,]){re.escape(value)}")
        pages = [README, *docs] if figure.unit != "s" else [README]
        where = {
            str(p.relative_to(README.parent)): len(pattern.findall(p.read_text(encoding="utf-8")))
            for p in pages
        }
        assert sum(where.values()) == 1 and where["README.md"] == 1, f"{value} is written {where}"


RESULTS: dict[str, Any] = {
    "run": {"name": "2026-11-30 abc1234 (2 cores, 24 GiB, Linux; quiet)"},
    "producer": {"users": 50_000, "project_records_per_s": 12_345, "seed_records_per_s": 2_000},
    "end_to_end": {
        "backlog_users": 200_000,
        "avro": {"rows_per_s": 3_456.7, "latency_s_p95": 2.345, "steady_rate_per_s": 1_000},
        "sink_ceiling": {"rows_per_s": 4_000.0},
        "seed": {"rows_per_s": 2_900.0},
        "decoding": {"avro": {"rows_per_s": 51_234.6}, "seed": {"rows_per_s": 40_000.0}},
        "many_versions": {"versions": 50, "rows_per_s": 3_300.0},
    },
}


MULTI = "Two contracts streaming at once through one job"


def test_render_names_the_run_links_its_file_and_formats_each_figure() -> None:
    block = render(RESULTS, "docs/figures/run.json")
    assert "**2026-11-30 abc1234 (2 cores, 24 GiB, Linux; quiet)**" in block
    assert "([results](docs/figures/run.json))" in block
    assert "[performance](docs/performance.md)" in block
    rows = [line for line in block.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[1:] == [
        "| Producer, 50,000 fetched users to acknowledged, one process | 12,345 records/s |",
        "| Producer, a JSON baseline with a hand-written schema, same users | 2,000 records/s |",
        "| Kafka to Cassandra, draining a backlog of 200,000 users | 3,457 rows/s |",
        "| The sink alone: the same rows, already decoded, same connector settings "
        "| 4,000 rows/s |",
        "| Kafka to Cassandra, a JSON baseline with a hand-written schema, same backlog and sink "
        "| 2,900 rows/s |",
        "| Spark's work alone, no sink: the job's decoding, rules and projection | 51,235 rows/s |",
        "| Spark's work alone, no sink: a JSON baseline with a hand-written schema, JSON parsing "
        "and projection | 40,000 rows/s |",
        "| Kafka to Cassandra, the backlog spread over 50 writer versions | 3,300 rows/s |",
        # a run of one contract (or an older results file): the multi-contract rows say so
        f"| {MULTI}, N users and N earthquakes: all rows | not measured |",
        f"| {MULTI}: the users' rows (user_created) | not measured |",
        f"| {MULTI}: the earthquakes' rows (quake_reported) | not measured |",
        "| One contract alone through the job (user_created), a backlog of the same N rows "
        "| not measured |",
        # an older results file names the pacing target steady_rate_per_s: still a target
        "| Produce to queryable, p95, producing at a target of 1,000 rows/s (rate produced: "
        "not measured) | 2.3 s |",
    ]
    assert "Provisional" not in block


def test_render_shows_the_contracts_streaming_at_once_and_the_rate_produced() -> None:
    end_to_end = {
        **RESULTS["end_to_end"],
        "avro": {
            "rows_per_s": 3_456.7,
            "latency_s_p95": 2.345,
            "steady_target_rows_per_s": 1_000,
            "steady_produced_rows_per_s": 987.6,
        },
        "multi_contract": {
            "rows_per_s": 5_000.4,
            "by_contract": {
                "user_created": {"rows": 100_000, "rows_per_s": 2_600.0},
                "quake_reported": {"rows": 100_000, "rows_per_s": 2_450.5},
            },
            "single_contract": {"rows": 200_000, "rows_per_s": 3_100.0},
        },
    }
    block = render({**RESULTS, "end_to_end": end_to_end}, "r.json")
    rows = [line for line in block.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[-5:] == [
        f"| {MULTI}, 100,000 users and 100,000 earthquakes: all rows | 5,000 rows/s |",
        f"| {MULTI}: the users' rows (user_created) | 2,600 rows/s |",
        f"| {MULTI}: the earthquakes' rows (quake_reported) | 2,450 rows/s |",
        "| One contract alone through the job (user_created), a backlog of the same 200,000 "
        "rows | 3,100 rows/s |",
        "| Produce to queryable, p95, producing at a target of 1,000 rows/s (988 rows/s "
        "produced, measured) | 2.3 s |",
    ]
    assert NOT_MEASURED not in block


def test_a_missing_figure_says_so_and_a_provisional_run_is_marked() -> None:
    partial = {**RESULTS, "end_to_end": {"avro": {"rows_per_s": 10}}}
    partial["run"] = {"name": "x", "provisional": "stand-in figures"}
    block = render(partial, "r.json")
    assert block.startswith("**Provisional figures:** stand-in figures")
    # ceiling, baseline, both decoding figures, versions, the four multi-contract figures,
    # latency (and its rate produced, in its label)
    assert block.count(f"| {NOT_MEASURED} |") == 10
    assert f"(rate produced: {NOT_MEASURED})" in block


def test_an_unnamed_results_file_is_named_by_its_date() -> None:
    assert run_name({"measured_at": "2026-11-26T10:00:00+00:00"}) == "2026-11-26 (unnamed run)"


def test_replace_block_keeps_the_rest_and_needs_both_markers() -> None:
    text = f"head\n{START}\nold\n{END}\ntail\n"
    assert replace_block(text, "new") == f"head\n{START}\nnew\n{END}\ntail\n"
    with pytest.raises(ValueError):
        replace_block("no markers", "new")


def test_rendered_for_links_relative_to_the_target(tmp_path: Path) -> None:
    target = tmp_path / "docs" / "page.md"
    target.parent.mkdir()
    target.write_text(f"{START}\n{END}\n", encoding="utf-8")
    run = tmp_path / "run.json"
    run.write_text('{"run": {"name": "r"}}', encoding="utf-8")
    assert "([results](../run.json))" in rendered_for(target, run)


def test_run_identity_names_date_commit_and_machine() -> None:
    identity = run_identity(note="quiet")
    assert identity["name"].startswith(identity["date"] + " " + identity["commit"])
    assert identity["name"].endswith("; quiet)") and "cores" in identity["machine"]
