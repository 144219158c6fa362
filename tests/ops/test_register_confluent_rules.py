"""What the real Schema Registry keeps of the rules ``make register`` sends in Confluent's form
(``codegen.confluent_rules``, ``ops.rule_publication``).

Measured on the stack's Apicurio (3.0.x, Confluent-compatible API): a ``ruleSet`` and a
``metadata`` sent with a schema are accepted and dropped, so the data contract is published as
an Apicurio artifact instead; a Confluent registry that keeps them holds them with the version.
Each test is a deployment of its own (``deployment``): the shipped contracts under a scratch
topic prefix, swept with their published rule sets at session end.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clients.registry import RULES_GROUP, Registry
from config import Settings
from ops.contract_files import ContractFile, discover_contracts
from ops.register import Outcome, register_all

pytestmark = pytest.mark.stack


@pytest.fixture
def registry(local_stack: Settings) -> Iterator[Registry]:
    with Registry(local_stack.registry) as client:
        yield client


def _expected_document(contract: ContractFile, version: int, schema_id: int) -> dict[str, object]:
    return {
        "subject": contract.subject,
        "version": version,
        "id": schema_id,
        "ruleSet": contract.confluent.rule_set,
        "metadata": contract.confluent.metadata,
    }


def test_the_registry_holds_each_contracts_rules_in_confluents_form(
    registry: Registry, deployment: Settings
) -> None:
    contracts = discover_contracts(deployment)
    results = register_all(registry, contracts, deployment.registry.default_compatibility)
    for contract, result in zip(contracts, results, strict=True):
        assert result.outcome is Outcome.REGISTERED, result.lines()
        assert result.version is not None and result.schema_id is not None
        generated = contract.confluent
        dlq = deployment.kafka.topic_prefix + contract.stream.dlq_topic
        assert {r["params"]["dlq.topic"] for r in generated.rule_set["domainRules"]} == {dlq}
        held = registry.version(contract.subject, result.version)
        assert result.rules is not None
        if held.rule_set is not None:  # a registry keeping data contracts (Confluent's)
            assert held.rule_set["domainRules"] == generated.rule_set["domainRules"]
            assert held.metadata is not None
            assert held.metadata.get("tags", {}) == generated.metadata["tags"]
            continue
        # Apicurio: the version holds neither; the whole data contract is published instead
        assert held.metadata is None
        published = registry.published_rule_set(contract.subject)
        assert published == _expected_document(contract, result.version, result.schema_id)
        assert result.rules.published is not None
        assert f"/groups/{RULES_GROUP}/artifacts/" in result.rules.published.url
        line = result.rules.lines()[0]
        assert f"    {line}" in result.lines()
        assert line.startswith(f"rules: {len(generated.rule_names)} as ruleSet, "), line
        assert line.endswith(f"dropped them; published at {result.rules.published.url}"), line


def test_registering_again_finds_the_published_rules_and_deleting_removes_them(
    registry: Registry, deployment: Settings
) -> None:
    contracts = discover_contracts(deployment)
    level = deployment.registry.default_compatibility
    first = register_all(registry, contracts, level)
    again = register_all(registry, contracts, level)
    for contract, before, after in zip(contracts, first, again, strict=True):
        assert after.outcome is Outcome.UNCHANGED
        assert before.rules is not None and after.rules is not None
        if before.rules.published is None:  # kept by the registry itself: nothing published
            continue
        assert after.rules.published == before.rules.published  # found, not published again
        registry.delete_subject(contract.subject)
        assert registry.published_rule_set(contract.subject) is None
