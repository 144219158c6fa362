"""The dead-letter vocabulary (``contract.dlq``): rule names checked against the known ones,
header and stage names, the topics beside a DLQ."""

from __future__ import annotations

import pytest

from contract.catalog import contract
from contract.dlq import (
    DlqHeader,
    RejectRule,
    Stage,
    UnknownRuleError,
    check_rules,
    default_dlq_topic,
    redriven_topic,
)


def test_check_rules_accepts_pipeline_and_contract_rules() -> None:
    wanted = ["wire:framing", "email_format", "source:shape"]
    assert check_rules(wanted, {"email_format", "gender_known"}) == wanted
    assert check_rules([], ()) == []


def test_check_rules_refuses_a_typo_and_lists_the_known_rules() -> None:
    with pytest.raises(UnknownRuleError) as err:
        check_rules(["email_format", "wire:framming", "emial_format"], {"email_format"})
    assert err.value.unknown == ["emial_format", "wire:framming"]
    assert err.value.known == sorted({str(rule) for rule in RejectRule} | {"email_format"})
    message = str(err.value)
    assert message.startswith("unknown rule(s) emial_format, wire:framming; the known rules are: ")
    for known in ("email_format", "wire:framing", "source:shape", "sink:rejected"):
        assert known in message
    assert isinstance(err.value, ValueError)


def test_topics_beside_a_dlq() -> None:
    assert default_dlq_topic("users_created") == "users_created.dlq"
    assert redriven_topic("users_created.dlq") == "users_created.dlq.redriven"


def test_header_stage_and_rule_names_are_the_documented_strings() -> None:
    assert [str(h) for h in (DlqHeader.ERROR, DlqHeader.RULE, DlqHeader.FIELD)] == [
        "error",
        "error.rule",
        "error.field",
    ]
    assert str(DlqHeader.REDRIVE_FROM) == "redrive.from"
    assert {str(s) for s in Stage} == {"producer", "job"}
    assert str(RejectRule.SOURCE_SHAPE) == "source:shape"
    assert all(":" in str(rule) for rule in RejectRule)


def test_the_rules_of_a_generated_contract_are_known_rules() -> None:
    users = contract("user_created")
    assert {"email_format", "type:uuid", "ingested_after_registration"} <= users.rule_names
    assert check_rules(["type:uuid", "email_format"], users.rule_names) == [
        "type:uuid",
        "email_format",
    ]
    with pytest.raises(UnknownRuleError, match="unknown rule\\(s\\) email_formt;"):
        check_rules(["email_formt"], users.rule_names)
