"""``make redrive RULE=...`` refuses a rule no contract and no stage knows, before it reads
anything (so these tests need no service): a typo would otherwise select nothing and look like
a DLQ with nothing to re-drive."""

from __future__ import annotations

import subprocess

import pytest

from config import load_settings
from config.settings import REPO_ROOT
from contract.catalog import all_contracts, contract
from contract.dlq import RejectRule, UnknownRuleError
from ops.redrive import main, redrive


def test_an_unknown_rule_exits_non_zero_naming_the_known_rules(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--rule", "typo"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err
    assert err.startswith("redrive refused: unknown rule(s) typo; the known rules are: ")
    for rule in RejectRule:
        assert rule.value in err
    for each in all_contracts():
        assert each.rule_names and all(name in err for name in each.rule_names), each.name


def test_a_rule_of_another_contract_is_unknown_to_the_contract_named() -> None:
    users, quakes = contract("user_created"), contract("quake_reported")
    assert "email_format" in users.rule_names and "email_format" not in quakes.rule_names
    with pytest.raises(UnknownRuleError) as refused:
        redrive(load_settings(), [quakes], rules=["email_format"])
    assert refused.value.unknown == ["email_format"]
    assert "quake_id_format" in refused.value.known
    assert "email_format" not in refused.value.known


def test_make_redrive_with_a_misspelt_rule_fails_and_says_why() -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "redrive", "RULE=wire:unknown-shema"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "unknown rule(s) wire:unknown-shema" in result.stderr
    assert RejectRule.UNKNOWN_SCHEMA.value in result.stderr
