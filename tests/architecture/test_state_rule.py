"""Rule 3: only ``spark/state.py`` writes the job's state file (``state_rule.py``), checked
over the project's code and tests, against planted violations and against readers and
neighbouring files it must let be.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architecture.ast_rules import PROJECT, files, flagged
from tests.architecture.state_rule import state_file_writes
from tests.fixtures.imports import REPO_ROOT


def test_only_the_state_module_writes_the_jobs_state_file() -> None:
    violations = state_file_writes(files(*PROJECT, "tests"), REPO_ROOT)
    assert not violations, "the job's state file written outside spark.state:\n" + "\n".join(
        violations
    )


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "settings.spark.status_file.write_text(state.model_dump_json())",
            ["1: settings.spark.status_file.write_text(state.model_dump_json())"],
        ),
        (
            "with open(state_file, 'w') as out:\n    json.dump(state, out)",
            ["1: open(state_file, 'w')"],
        ),
        (
            "out = settings.spark.status_file.open(mode='a')",
            ["1: settings.spark.status_file.open(mode='a')"],
        ),
        (
            "os.replace(temporary, settings.spark.status_file)",
            ["1: os.replace(temporary, settings.spark.status_file)"],
        ),
        ("Path(temporary).replace(state_path)", ["1: Path(temporary).replace(state_path)"]),
        ("self.state.path.write_bytes(b'{}')", ["1: self.state.path.write_bytes(b'{}')"]),
        (
            "Path('.stack/job/state.json').write_text('{}')",
            ["1: Path('.stack/job/state.json').write_text('{}')"],
        ),
        (
            "(tmp_path / 'job' / 'state.json').touch()",
            ["1: (tmp_path / 'job' / 'state.json').touch()"],
        ),
        (
            "json.dump(state.model_dump(), job_state_file)",
            ["1: json.dump(state.model_dump(), job_state_file)"],
        ),
        ("fd = os.open(status_file, os.O_WRONLY)", ["1: os.open(status_file, os.O_WRONLY)"]),
    ],
)
def test_the_state_rule_catches_each_write_of_the_state_file(
    code: str, expected: list[str], tmp_path: Path
) -> None:
    assert flagged(state_file_writes, code, tmp_path) == expected


def test_the_state_rule_lets_readers_and_neighbours_be(tmp_path: Path) -> None:
    code = (
        "JobStateFile(settings.spark.status_file).update(phase=phase)\n"
        "text = state_file.read_text()\n"
        "with open(state_file) as f:\n"
        "    pass\n"
        "log = (settings.spark.status_file.parent / 'job.log').open('ab')\n"
        "settings.spark.metrics_file.write_text('')\n"
        "torn.write_text('{')\n"
        "self.state.update(pid=1)\n"
    )
    assert flagged(state_file_writes, code, tmp_path) == []
