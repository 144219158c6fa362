"""Rule 2: no DLQ name is written as a literal outside ``contract/dlq.py`` (``dlq_rule.py``),
checked over the project's code, against planted violations and against ordinary words it must
let be.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architecture.ast_rules import PROJECT, files, flagged
from tests.architecture.dlq_rule import dlq_literals
from tests.fixtures.imports import REPO_ROOT


def test_dlq_headers_stages_and_reject_rules_are_named_by_the_dlq_module_only() -> None:
    """Over the project's code. The tests are left out on purpose: a test that reads
    ``headers["error.rule"]`` pins the DLQ's wire contract by its literal names, so a renamed
    header fails it instead of passing through ``DlqHeader`` unnoticed."""
    violations = dlq_literals(files(*PROJECT), REPO_ROOT)
    assert not violations, "DLQ names written as literals (use contract.dlq):\n" + "\n".join(
        violations
    )


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("rule = 'wire:framing'", ["1: 'wire:framing'"]),
        ("name = 'error.rule'", ["1: 'error.rule'"]),
        ("why = message.headers['error']", ["1: 'error'"]),
        ("why = text_headers(message).get('error')", ["1: 'error'"]),
        ("rejected = 'error' in message.headers", ["1: 'error'"]),
        ("shown = {'error': why, 'error.field': field}", ["1: 'error'", "1: 'error.field'"]),
        ("shown = {'error': why, DlqHeader.RULE: rule}", ["1: 'error'"]),
        ("send(topic, value, headers=[('error', why)])", ["1: 'error'"]),
        ("dlq_headers = {'error': why}", ["1: 'error'"]),
        ("headers += [('error', why)]", ["1: 'error'"]),
        ("late = headers[DlqHeader.STAGE] == 'job'", ["1: 'job'"]),
        ("if stage != 'producer':\n    pass", ["1: 'producer'"]),
        ("stage = 'producer'", ["1: 'producer'"]),
        ("entry = Entry(rule, stage='job')", ["1: 'job'"]),
        ("entry = {DlqHeader.STAGE: 'producer'}", ["1: 'producer'"]),
        ("entry = [(DlqHeader.STAGE, text('producer'))]", ["1: 'producer'"]),
        ("column = header(DlqHeader.STAGE, fn.lit('job'))", ["1: 'job'"]),
        ("def reject(rule: str, *, stage: str = 'job') -> None: ...", ["1: 'job'"]),
    ],
)
def test_the_dlq_rule_catches_each_hand_written_name(
    code: str, expected: list[str], tmp_path: Path
) -> None:
    assert flagged(dlq_literals, code, tmp_path) == expected


def test_the_dlq_rule_lets_ordinary_words_be(tmp_path: Path) -> None:
    code = (
        '"""A docstring may say error.rule, headers["error"] and stage "job"."""\n'
        "body = {'error': 'rate limited'}\n"
        "named = ('record', 'error')\n"
        "log.error('error')\n"
        "JOB_EMITTER = 'job'\n"
        "folder = root / 'job'\n"
        "command = ['producer', name]\n"
        "verdict = {'sample': 1, 'producer': 'pass', 'job': 'pass'}\n"
        "why = message.headers[DlqHeader.ERROR]\n"
    )
    assert flagged(dlq_literals, code, tmp_path) == []
