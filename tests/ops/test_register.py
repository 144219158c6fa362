"""Registering contracts in the real Schema Registry (Apicurio's ccompat API, locally)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from clients.registry import Registry, value_subject
from codegen.compat import avro_backward_findings, load_schema
from config import Settings
from ops.contracts import discover_contracts, schema_text
from ops.register import Outcome, diff_versions, register_all, run

pytestmark = pytest.mark.stack

COMPAT_SCHEMAS = Path(__file__).resolve().parents[1] / "compat" / "schemas"
BASE = COMPAT_SCHEMAS / "base.avsc"


@pytest.fixture
def registry(local_stack: Settings) -> Iterator[Registry]:
    with Registry(local_stack.registry) as client:
        yield client


@pytest.fixture
def contract_dir(tmp_path: Path) -> Path:
    """A schemas folder holding one contract, ``account.avsc`` (subject ``account-value``)."""
    folder = tmp_path / "schemas"
    folder.mkdir()
    shutil.copy(BASE, folder / "account.avsc")
    return folder


def _set_contract(folder: Path, variant: str) -> None:
    shutil.copy(COMPAT_SCHEMAS / f"{variant}.avsc", folder / "account.avsc")


def _register(
    registry: Registry,
    settings: Settings,
    folder: Path,
    prefix: str,
    *,
    dry_run: bool = False,
    overrides: dict[str, str] | None = None,
) -> list[Outcome | int | None]:
    contracts = discover_contracts(settings, folder, prefix)
    (result,) = register_all(
        registry, contracts, settings.registry.default_compatibility, overrides, dry_run=dry_run
    )
    return [result.outcome, result.version]


def test_registering_twice_is_a_no_op_the_second_time(
    registry: Registry, local_stack: Settings, contract_dir: Path, subject_prefix: str
) -> None:
    subject = subject_prefix + value_subject("account")
    contracts = discover_contracts(local_stack, contract_dir, subject_prefix)
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
    registry: Registry, local_stack: Settings, contract_dir: Path, subject_prefix: str
) -> None:
    _register(registry, local_stack, contract_dir, subject_prefix)
    pretty = json.dumps(json.loads(BASE.read_text()), indent=4)
    (contract_dir / "account.avsc").write_text(pretty)
    assert _register(registry, local_stack, contract_dir, subject_prefix) == [Outcome.UNCHANGED, 1]


def test_a_compatible_change_gets_a_new_version_with_its_diff(
    registry: Registry, local_stack: Settings, contract_dir: Path, subject_prefix: str
) -> None:
    subject = subject_prefix + value_subject("account")
    _register(registry, local_stack, contract_dir, subject_prefix)
    _set_contract(contract_dir, "added_optional")
    contracts = discover_contracts(local_stack, contract_dir, subject_prefix)
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
    local_stack: Settings,
    contract_dir: Path,
    subject_prefix: str,
    variant: str,
    field: str,
    rule: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    subject = subject_prefix + value_subject("account")
    _register(registry, local_stack, contract_dir, subject_prefix)
    _set_contract(contract_dir, variant)

    argv = ["--subject-prefix", subject_prefix, "--schemas", str(contract_dir)]
    assert run(argv, local_stack) == 1
    err = capsys.readouterr().err
    assert f"{subject}: {contract_dir / 'account.avsc'} is not compatible with version 1" in err
    assert f"reason: offline check: {field}: [{rule}]" in err
    assert "nothing registered" in err
    assert registry.versions(subject) == [1]


def test_dry_run_registers_nothing_and_prints_the_diff(
    registry: Registry,
    local_stack: Settings,
    contract_dir: Path,
    subject_prefix: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    subject = subject_prefix + value_subject("account")
    argv = ["--dry-run", "--subject-prefix", subject_prefix, "--schemas", str(contract_dir)]
    assert run(argv, local_stack) == 0
    assert f"{subject}: would register a new version over a new subject" in capsys.readouterr().out
    assert registry.versions(subject) == []

    _register(registry, local_stack, contract_dir, subject_prefix)
    _set_contract(contract_dir, "added_optional")
    assert run(argv, local_stack) == 0
    out = capsys.readouterr().out
    assert f"{subject}: would register a new version over version 1 (dry run)" in out
    assert "+ nickname: string | null" in out
    assert registry.versions(subject) == [1]


def test_per_subject_compatibility_override(
    registry: Registry, local_stack: Settings, contract_dir: Path, subject_prefix: str
) -> None:
    subject = subject_prefix + value_subject("account")
    _register(registry, local_stack, contract_dir, subject_prefix, overrides={subject: "FULL"})
    assert registry.compatibility_level(subject) == "FULL"
    argv = ["--compatibility", f"{subject}=SIDEWAYS", "--schemas", str(contract_dir)]
    assert run(argv, local_stack) == 2


def test_list_and_diff_show_versions_ids_and_field_changes(
    registry: Registry,
    local_stack: Settings,
    contract_dir: Path,
    subject_prefix: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    subject = subject_prefix + value_subject("account")
    _register(registry, local_stack, contract_dir, subject_prefix)
    _set_contract(contract_dir, "added_optional")
    _register(registry, local_stack, contract_dir, subject_prefix)
    ids = [registry.version(subject, v).schema_id for v in (1, 2)]

    (listing,) = registry.list_subjects(subject_prefix)
    assert (listing.subject, listing.level, listing.versions) == (
        subject,
        "BACKWARD",
        [(1, ids[0]), (2, ids[1])],
    )
    assert run(["--subject-prefix", subject_prefix, "list"], local_stack) == 0
    assert capsys.readouterr().out == (
        f"{subject} [BACKWARD]: v1 (id {ids[0]}), v2 (id {ids[1]})\n"
    )

    assert [str(c) for c in diff_versions(registry, subject, 1, 2)] == ["+ nickname: string | null"]
    assert [str(c) for c in diff_versions(registry, subject, 2, 1)] == ["- nickname: string | null"]
    assert run(["diff", subject, "1", "2"], local_stack) == 0
    assert capsys.readouterr().out == "+ nickname: string | null\n"


def test_the_user_contract_subject_follows_the_configured_topic(local_stack: Settings) -> None:
    repo_schemas = Path(__file__).resolve().parents[2] / "schemas"
    custom = local_stack.model_copy(
        update={"kafka": local_stack.kafka.model_copy(update={"topic": "people"})}
    )
    (contract,) = [
        c for c in discover_contracts(custom, repo_schemas, "p-") if c.path.stem == "user_created"
    ]
    assert contract.subject == "p-people-value"
    assert json.loads(contract.schema) == json.loads(contract.path.read_text())


def test_avro_verdicts_agree_with_the_registry(registry: Registry, subject_prefix: str) -> None:
    """The offline Avro rules and the registry's BACKWARD check judge every pair the same."""
    subject = subject_prefix + value_subject("verdicts")
    base_text = schema_text(json.loads(BASE.read_text()))
    registry.register(subject, base_text)
    registry.set_compatibility_level(subject, "BACKWARD")
    base = load_schema(BASE)
    variants = sorted(COMPAT_SCHEMAS.glob("*.avsc"))
    assert len(variants) > 10
    disagreements = []
    for variant in variants:
        offline = not avro_backward_findings(base, load_schema(variant))
        text = schema_text(json.loads(variant.read_text()))
        online = registry.check_compatibility(subject, text).compatible
        if offline != online:
            disagreements.append((variant.name, offline, online))
    assert disagreements == []
