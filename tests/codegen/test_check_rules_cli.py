"""``python -m codegen check-rules``: every written rule's verdict at both ends, per sample, and
its exit status (0 agree, 1 differ, 2 refused), run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from codegen.check_rules import DISAGREE, Verdict, exit_status, load_contract, render
from config.settings import REPO_ROOT

SCHEMA: dict[str, Any] = {
    "type": "record",
    "name": "Reading",
    "namespace": "io.example.checks",
    "doc": "a sensor reading",
    "fields": [
        {"name": "id", "type": "string", "doc": "sensor"},
        {
            "name": "celsius",
            "type": "float",
            "doc": "temperature",
            "x-rules": [{"name": "plausible", "expr": "value > -90.0", "message": "too cold"}],
        },
        {
            "name": "count",
            "type": "int",
            "doc": "readings",
            "x-rules": [
                {"name": "positive", "expr": "value > 0", "message": "none", "mode": "warn"}
            ],
        },
        {"name": "note", "type": ["null", "string"], "default": None, "doc": "free text"},
    ],
}


def _write(folder: Path, schema: dict[str, Any], lines: list[str]) -> tuple[Path, Path]:
    schema_path, samples = folder / "reading.avsc", folder / "samples.jsonl"
    schema_path.write_text(json.dumps(schema))
    samples.write_text("\n".join(lines) + "\n")
    return schema_path, samples


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codegen", "check-rules", *map(str, args)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.spark
def test_every_rule_of_every_sample_is_reported_at_both_ends(tmp_path: Path) -> None:
    schema, samples = _write(
        tmp_path,
        SCHEMA,
        [
            '{"id": "a", "celsius": 21.5, "count": 3}',
            '{"id": "b", "celsius": -100, "count": 0, "note": "frozen"}',
            "",
            '{"id": "c", "celsius": "NaN", "count": -1}',
        ],
    )
    done = _run(schema, samples, "--json")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines == [
        {"sample": 1, "rule": "plausible", "producer": "pass", "job": "pass"},
        {"sample": 1, "rule": "positive", "producer": "pass", "job": "pass"},
        {"sample": 2, "rule": "plausible", "producer": "broken", "job": "broken"},
        {"sample": 2, "rule": "positive", "producer": "broken", "job": "broken"},
        {"sample": 4, "rule": "plausible", "producer": "pass", "job": "pass"},  # NaN > all
        {"sample": 4, "rule": "positive", "producer": "broken", "job": "broken"},
    ]
    human = _run(schema, samples)
    assert human.returncode == 0, human.stderr
    assert "the ends agree on all 6 verdicts" in human.stdout
    assert "      2  plausible  broken    broken" in human.stdout


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ('{"id": "a", "celsius": 1.0}', ["sample 1", "count", "missing"]),
        ('{"id": "a", "celsius": 1.0, "count": 2147483648}', ["sample 1", "count", "type:int32"]),
        ('{"id": "a", "celsius": "warm", "count": 1}', ["sample 1", "celsius", "NaN"]),
        ('{"id": "a", "celsius": 1.0, "count": 1, "extra": 1}', ["sample 1", "extra"]),
        ('["not", "an", "object"]', ["samples.jsonl:1", "JSON object"]),
    ],
)
def test_a_sample_that_cannot_be_checked_is_refused_naming_it(
    tmp_path: Path, line: str, named: list[str]
) -> None:
    schema, samples = _write(tmp_path, SCHEMA, [line])
    done = _run(schema, samples)
    assert done.returncode == 2, done.stdout + done.stderr
    for part in named:
        assert part in done.stderr, (part, done.stderr)
    assert "starting a local Spark" not in done.stderr  # refused before Spark starts


@pytest.mark.parametrize(
    ("rule", "named"),
    [
        # Python's re reads a{٣} as text; Java refuses it when the job plans its batch
        ({"name": "digits", "expr": "value.matches('^a{٣}$')", "message": "m"}, "'{' must start"),
        ({"name": "mixed", "expr": "value in [1, 2.5]", "message": "m"}, "list's items"),
        ({"name": "typo", "expr": "value != ''", "message": "m", "mode": "wran"}, "'wran'"),
        ({"name": "forever", "expr": "now + duration('9999999d') > now", "message": "m"}, "9999"),
    ],
)
def test_a_rule_that_would_break_either_end_is_refused_naming_file_field_and_rule(
    tmp_path: Path, rule: dict[str, str], named: str
) -> None:
    schema = json.loads(json.dumps(SCHEMA))
    target = "count" if rule["name"] == "mixed" else "id"
    next(f for f in schema["fields"] if f["name"] == target)["x-rules"] = [rule]
    schema_path, samples = _write(tmp_path, schema, ['{"id": "a", "celsius": 1, "count": 1}'])
    done = _run(schema_path, samples)
    assert done.returncode == 2, done.stdout + done.stderr
    assert str(schema_path) in done.stderr
    assert f"Reading.{target}" in done.stderr and f"rule {rule['name']}" in done.stderr
    assert named in done.stderr, done.stderr


def test_a_disagreement_is_named_and_exits_1(tmp_path: Path) -> None:
    schema, _ = _write(tmp_path, SCHEMA, ["{}"])
    contract = load_contract(schema)
    verdicts = [
        Verdict(1, "plausible", "celsius", producer=False, job=False),
        Verdict(3, "positive", "count", producer=True, job=False),
    ]
    text = render(contract, verdicts, 2)
    assert exit_status(verdicts) == DISAGREE
    assert "      3  positive   broken    pass    <- the ends differ" in text
    assert text.endswith(
        "1 of 2 verdicts differ: sample 3 rule positive (count): producer broken, job pass"
    )
    assert exit_status(verdicts[:1]) == 0
