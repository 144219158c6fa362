"""Registering contracts in the real Schema Registry (Apicurio's ccompat API, locally), and the
topics ``make register`` creates after it.

Each test is a deployment of its own (``kafka.topic_prefix``, the ``deployment`` fixture): its
contract ``account`` has the topic ``<prefix>account`` and, under the TopicNameStrategy, the
subject ``<prefix>account-value``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from clients.kafka import TopicSpec, describe_topics, ensure_topics
from clients.registry import Registry
from codegen.avro_json import schema_json
from codegen.compat import avro_backward_findings, load_schema
from config import Settings
from config.settings import REPO_ROOT, updated
from contract.catalog import all_contracts, contract
from contract.dlq import redriven_topic
from contract.streams import SubjectStrategy
from ops.contract_files import discover_contracts
from ops.register import Outcome, diff_versions, register_all, run
from ops.topics import ensure_contract_topics
from tests.fixtures.registry import value_subject

pytestmark = pytest.mark.stack

COMPAT_SCHEMAS = Path(__file__).resolve().parents[1] / "compat" / "schemas"
BASE = COMPAT_SCHEMAS / "base.avsc"
REPO_SCHEMAS = REPO_ROOT / "schemas"


@pytest.fixture
def registry(local_stack: Settings) -> Iterator[Registry]:
    with Registry(local_stack.registry) as client:
        yield client


@pytest.fixture
def contract_dir(tmp_path: Path) -> Path:
    """A schemas folder holding one contract, ``account.avsc`` (topic ``account``)."""
    folder = tmp_path / "schemas"
    folder.mkdir()
    shutil.copy(BASE, folder / "account.avsc")
    return folder


def _subject(settings: Settings) -> str:
    """The subject of ``account`` in the deployment of ``settings`` (TopicNameStrategy)."""
    return value_subject(settings.kafka.topic_prefix + "account")


def _set_contract(folder: Path, variant: str) -> None:
    shutil.copy(COMPAT_SCHEMAS / f"{variant}.avsc", folder / "account.avsc")


def _register(
    registry: Registry,
    settings: Settings,
    folder: Path,
    *,
    dry_run: bool = False,
    overrides: dict[str, str] | None = None,
) -> list[Outcome | int | None]:
    contracts = discover_contracts(settings, folder)
    (result,) = register_all(
        registry, contracts, settings.registry.default_compatibility, overrides, dry_run=dry_run
    )
    return [result.outcome, result.version]


def test_registering_twice_is_a_no_op_the_second_time(
    registry: Registry, deployment: Settings, contract_dir: Path
) -> None:
    subject = _subject(deployment)
    contracts = discover_contracts(deployment, contract_dir)
    (first,) = register_all(registry, contracts, "BACKWARD")
    (second,) = register_all(registry, contracts, "BACKWARD")

    assert (first.outcome, second.outcome) == (Outcome.REGISTERED, Outcome.UNCHANGED)
    assert (
        (second.version, second.schema_id)
        == (first.version, first.schema_id)
        == (1, registry.version(subject, 1).schema_id)
    )
    assert registry.versions(subject) == [1]
    assert registry.compatibility_level(subject) == "BACKWARD"
    assert f"unchanged, version 1 (id {first.schema_id})" in second.lines()[0]


def test_a_differently_formatted_identical_schema_is_unchanged(
    registry: Registry, deployment: Settings, contract_dir: Path
) -> None:
    _register(registry, deployment, contract_dir)
    pretty = json.dumps(json.loads(BASE.read_text()), indent=4)
    (contract_dir / "account.avsc").write_text(pretty)
    assert _register(registry, deployment, contract_dir) == [Outcome.UNCHANGED, 1]


def test_a_compatible_change_gets_a_new_version_with_its_diff(
    registry: Registry, deployment: Settings, contract_dir: Path
) -> None:
    subject = _subject(deployment)
    _register(registry, deployment, contract_dir)
    _set_contract(contract_dir, "added_optional")
    contracts = discover_contracts(deployment, contract_dir)
    (result,) = register_all(registry, contracts, "BACKWARD")

    assert (result.outcome, result.version, result.against_version) == (Outcome.REGISTERED, 2, 1)
    assert [str(c) for c in result.diff] == ["+ nickname: string | null"]
    assert registry.versions(subject) == [1, 2]
    assert registry.version(subject, 2).schema_id == result.schema_id


@pytest.mark.parametrize(
    ("variant", "field", "rule"),
    [
        ("added_required", "age", "avro:field-added-without-default"),
        ("int_to_string", "count", "avro:type-mismatch"),
        # the registry accepts this (Avro promotes int to long); Cassandra cannot alter the column
        ("int_to_long", "count", "cassandra:type-not-alterable"),
    ],
)
def test_an_incompatible_change_is_refused_and_nothing_registered(
    registry: Registry,
    deployment: Settings,
    contract_dir: Path,
    variant: str,
    field: str,
    rule: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    subject = _subject(deployment)
    _register(registry, deployment, contract_dir)
    _set_contract(contract_dir, variant)

    assert run(["--schemas", str(contract_dir)], deployment) == 1
    err = capsys.readouterr().err
    assert f"{subject}: {contract_dir / 'account.avsc'} is not compatible with version 1" in err
    assert f"reason: offline check: {field}: [{rule}]" in err
    assert "nothing registered" in err
    assert registry.versions(subject) == [1]


def test_dry_run_registers_nothing_and_prints_the_diff(
    registry: Registry,
    deployment: Settings,
    contract_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    subject = _subject(deployment)
    argv = ["--dry-run", "--schemas", str(contract_dir)]
    assert run(argv, deployment) == 0
    out = capsys.readouterr().out
    assert f"{subject}: would register a new version over a new subject" in out
    assert "topic " not in out  # a dry run creates no topic either
    assert registry.versions(subject) == []

    _register(registry, deployment, contract_dir)
    _set_contract(contract_dir, "added_optional")
    assert run(argv, deployment) == 0
    out = capsys.readouterr().out
    assert f"{subject}: would register a new version over version 1 (dry run)" in out
    assert "+ nickname: string | null" in out
    assert registry.versions(subject) == [1]


def test_per_subject_compatibility_override(
    registry: Registry, deployment: Settings, contract_dir: Path
) -> None:
    subject = _subject(deployment)
    _register(registry, deployment, contract_dir, overrides={subject: "FULL"})
    assert registry.compatibility_level(subject) == "FULL"
    argv = ["--compatibility", f"{subject}=SIDEWAYS", "--schemas", str(contract_dir)]
    assert run(argv, deployment) == 2


def test_list_and_diff_show_versions_ids_and_field_changes(
    registry: Registry,
    deployment: Settings,
    contract_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    subject = _subject(deployment)
    prefix = deployment.kafka.topic_prefix
    _register(registry, deployment, contract_dir)
    _set_contract(contract_dir, "added_optional")
    _register(registry, deployment, contract_dir)
    ids = [registry.version(subject, v).schema_id for v in (1, 2)]

    (listing,) = registry.list_subjects(prefix)
    assert (listing.subject, listing.level, listing.versions) == (
        subject,
        "BACKWARD",
        [(1, ids[0]), (2, ids[1])],
    )
    assert run(["list", "--prefix", prefix], deployment) == 0
    assert capsys.readouterr().out == (
        f"{subject} [BACKWARD]: v1 (id {ids[0]}), v2 (id {ids[1]})\n"
    )

    assert [str(c) for c in diff_versions(registry, subject, 1, 2)] == ["+ nickname: string | null"]
    assert [str(c) for c in diff_versions(registry, subject, 2, 1)] == ["- nickname: string | null"]
    assert run(["diff", subject, "1", "2"], deployment) == 0
    assert capsys.readouterr().out == "+ nickname: string | null\n"


@pytest.mark.parametrize(
    ("strategy", "subject_of"),
    [
        (SubjectStrategy.TOPIC, lambda topic, record: f"{topic}-value"),
        (SubjectStrategy.RECORD, lambda topic, record: record),
        (SubjectStrategy.TOPIC_RECORD, lambda topic, record: f"{topic}-{record}"),
    ],
)
def test_each_contract_registers_under_its_declared_subject_strategy(
    registry: Registry,
    deployment: Settings,
    contract_dir: Path,
    strategy: SubjectStrategy,
    subject_of: Callable[[str, str], str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the record's namespace is the deployment's own name: a record-named subject is scratch too
    namespace = deployment.kafka.topic_prefix.rstrip(".")
    document = json.loads(BASE.read_text())
    document["namespace"] = namespace
    document["x-kafka"] = {"topic": "accounts", "subject_name_strategy": strategy.value}
    (contract_dir / "account.avsc").write_text(json.dumps(document))
    topic = deployment.kafka.topic_prefix + "accounts"
    subject = subject_of(topic, f"{namespace}.Account")

    (found,) = discover_contracts(deployment, contract_dir)
    assert found.subject == subject
    assert run(["--schemas", str(contract_dir)], deployment) == 0
    out = capsys.readouterr().out
    assert f"{subject}: registered version 1" in out
    assert registry.versions(subject) == [1]
    assert json.loads(registry.version(subject, 1).schema) == json.loads(found.schema)
    assert f"topic {topic}: created" in out


def test_register_creates_the_topics_as_configured_and_then_finds_them(
    deployment: Settings, contract_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = updated(deployment, kafka={"partitions": 2, "dlq_max_message_bytes": 1_500_000})
    topic = settings.kafka.topic_prefix + "account"
    dlq, ledger = f"{topic}.dlq", redriven_topic(f"{topic}.dlq")

    assert run(["--schemas", str(contract_dir)], settings) == 0
    out = capsys.readouterr().out
    for name in (topic, dlq, ledger):
        assert f"topic {name}: created" in out

    found = describe_topics(settings, [topic, dlq, ledger])
    assert (found[topic].partitions, found[dlq].partitions, found[ledger].partitions) == (2, 2, 1)
    min_isr = str(settings.kafka.min_insync_replicas)
    assert {found[n].config["min.insync.replicas"] for n in (topic, dlq, ledger)} == {min_isr}
    assert found[dlq].config["max.message.bytes"] == "1500000"
    assert found[ledger].config["cleanup.policy"] == "compact"

    assert run(["--schemas", str(contract_dir)], settings) == 0
    out = capsys.readouterr().out
    for name in (topic, dlq, ledger):
        assert f"topic {name}: exists as configured" in out


def test_a_topic_existing_with_other_settings_is_reported_not_changed(
    deployment: Settings, contract_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    topic = deployment.kafka.topic_prefix + "account"
    ensure_topics(deployment, [TopicSpec(topic, 1, 1, {"min.insync.replicas": "1"})])
    configured = deployment.kafka.partitions
    assert configured != 1

    assert run(["--schemas", str(contract_dir)], deployment) == 0
    out = capsys.readouterr().out
    assert f"topic {topic}: exists with other settings, left as it is:" in out
    assert f"    partitions 1, configured {configured}" in out
    assert f"topic {topic}.dlq: created" in out
    assert describe_topics(deployment, [topic])[topic].partitions == 1

    (stream,) = [c.stream for c in discover_contracts(deployment, contract_dir)]
    report = ensure_contract_topics(deployment, [stream])
    assert report.differing == {topic: [f"partitions 1, configured {configured}"]}
    assert report.created == [] and topic not in report.present
    assert describe_topics(deployment, [topic])[topic].partitions == 1


def test_the_shipped_contracts_subjects_follow_the_topic_prefix(local_stack: Settings) -> None:
    """Topics are declared by each contract (``x-kafka``); a deployment prefixes them all, and
    the subjects named after topics follow. The text registered is the generated schema."""
    custom = updated(local_stack, kafka={"topic_prefix": "p."})
    found = {c.name: c for c in discover_contracts(custom, REPO_SCHEMAS)}
    assert set(found) == {c.name for c in all_contracts()} >= {"user_created", "quake_reported"}
    assert found["user_created"].subject == "p.users_created-value"
    assert found["quake_reported"].subject == "p.quakes_reported-value"
    for name, each in found.items():
        assert each.schema == contract(name).schema
        assert each.subject == contract(name).names(custom).subject


def test_avro_verdicts_agree_with_the_registry(registry: Registry, deployment: Settings) -> None:
    """The offline Avro rules and the registry's BACKWARD check judge every pair the same."""
    subject = value_subject(deployment.kafka.topic_prefix + "verdicts")
    base = load_schema(BASE)
    registry.register(subject, schema_json(base))
    registry.set_compatibility_level(subject, "BACKWARD")
    variants = sorted(COMPAT_SCHEMAS.glob("*.avsc"))
    assert len(variants) > 10
    disagreements = []
    for variant in variants:
        new = load_schema(variant)
        offline = not avro_backward_findings(base, new)
        online = registry.check_compatibility(subject, schema_json(new)).compatible
        if offline != online:
            disagreements.append((variant.name, offline, online))
    assert disagreements == []
