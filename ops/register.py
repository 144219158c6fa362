"""Register the contracts of ``schemas/`` in the Schema Registry, compatibility checked first,
and create their topics.

``python -m ops.register`` (``make register``) for every contract (``--contract`` names some):
sets the subject's compatibility level (``settings.registry.default_compatibility`` unless
overridden with ``--compatibility SUBJECT=LEVEL``), asks the registry whether the schema is
compatible with the latest registered version of its subject, runs the offline cross-target
check (``codegen.compat``) against that version too, and registers only when both agree. Each
contract's subject follows its declared strategy, so two record types sharing a topic are each
checked against their own subject. An unchanged schema registers nothing and prints its
existing id and version. A schema is registered with its rules in Confluent's form, and a line
says what the registry kept of them (``ops.rule_publication``). Then the contracts' topics are
created (``ops.topics``). ``--dry-run`` changes nothing and prints a field-level diff.

``python -m ops.register list [--prefix P]`` lists subjects, versions, ids and levels;
``python -m ops.register diff SUBJECT V1 V2`` prints the field-level diff of two versions.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import get_args

from confluent_kafka import KafkaException

from clients.registry import Registry, RegistryError
from codegen.compat import check_pair
from codegen.errors import SchemaError
from codegen.model import Record
from codegen.parse import parse_document
from config import Settings, load_settings
from config.settings import CompatibilityLevel
from contract.catalog import UnknownContractError, requested
from ops.contract_files import SCHEMAS_DIR, ContractFile, discover_contracts
from ops.rule_publication import RulePublication, confirm
from ops.schema_diff import FieldChange, diff_schemas
from ops.topics import ensure_contract_topics

LEVELS = frozenset(get_args(CompatibilityLevel))


class Outcome(StrEnum):
    UNCHANGED = "unchanged"
    REGISTERED = "registered"
    WOULD_REGISTER = "would register"
    INCOMPATIBLE = "incompatible"


@dataclass
class RegistrationResult:
    """What happened (or would happen) to one contract."""

    contract: ContractFile
    outcome: Outcome
    level: str
    version: int | None = None
    schema_id: int | None = None
    against_version: int | None = None
    reasons: list[str] = field(default_factory=list)
    diff: list[FieldChange] = field(default_factory=list)
    rules: RulePublication | None = None
    """What became of the contract's rules in Confluent's form (None: nothing to say)."""

    def lines(self) -> list[str]:
        subject = self.contract.subject
        if self.outcome is Outcome.UNCHANGED:
            head = f"{subject}: unchanged, version {self.version} (id {self.schema_id})"
        elif self.outcome is Outcome.REGISTERED:
            head = f"{subject}: registered version {self.version} (id {self.schema_id})"
        elif self.outcome is Outcome.WOULD_REGISTER:
            base = f"version {self.against_version}" if self.against_version else "a new subject"
            head = f"{subject}: would register a new version over {base} (dry run)"
        else:
            head = (
                f"{subject}: {self.contract.path} is not compatible with version "
                f"{self.against_version} under {self.level}; nothing registered"
            )
        return [
            f"{head} [compatibility {self.level}]",
            *(f"    {change}" for change in self.diff),
            *(f"    reason: {reason}" for reason in self.reasons),
            *(f"    {line}" for line in (self.rules.lines() if self.rules else [])),
        ]


def _ensure_level(registry: Registry, subject: str, level: str) -> None:
    if registry.compatibility_level(subject) != level:
        registry.set_compatibility_level(subject, level)


def register_contract(
    registry: Registry, contract: ContractFile, level: str, *, dry_run: bool = False
) -> RegistrationResult:
    """Register one contract if it is new and compatible; see the module docstring."""
    subject = contract.subject
    versions = registry.versions(subject)
    existing = registry.lookup(subject, contract.schema) if versions else None
    if existing is not None:
        rules = None
        if not dry_run:
            _ensure_level(registry, subject, level)
            rules = confirm(registry, existing, contract.confluent, sent=False)
        return RegistrationResult(
            contract, Outcome.UNCHANGED, level, existing.version, existing.schema_id, rules=rules
        )
    result = RegistrationResult(contract, Outcome.WOULD_REGISTER, level)
    latest = registry.latest(subject) if versions else None
    if latest is not None:
        previous = parse_document(json.loads(latest.schema), f"{subject} version {latest.version}")
        result.against_version = latest.version
        result.diff = diff_schemas(previous, contract.record)
        if not dry_run:
            _ensure_level(registry, subject, level)
        result.reasons = _reasons_against(registry, subject, contract, previous)
        if result.reasons:
            result.outcome = Outcome.INCOMPATIBLE
            return result
    else:
        result.diff = diff_schemas(None, contract.record)
    if dry_run:
        result.rules = RulePublication(contract.confluent)
        return result
    confluent = contract.confluent
    registered = registry.register(
        subject, contract.schema, rule_set=confluent.rule_set, metadata=confluent.metadata
    )
    _ensure_level(registry, subject, level)
    result.outcome = Outcome.REGISTERED
    result.version, result.schema_id = registered.version, registered.schema_id
    result.rules = confirm(registry, registered, confluent, sent=True)
    return result


def _reasons_against(
    registry: Registry, subject: str, contract: ContractFile, previous: Record
) -> list[str]:
    verdict = registry.check_compatibility(subject, contract.schema)
    reasons = [] if verdict.compatible else [f"registry: {m}" for m in verdict.messages]
    if not verdict.compatible and not reasons:
        reasons.append("registry: refused, without details (the offline reasons say why)")
    offline = check_pair(previous, contract.record)
    return reasons + [f"offline check: {error}" for error in offline.errors]


def register_all(
    registry: Registry,
    contracts: Sequence[ContractFile],
    default_level: str,
    overrides: dict[str, str] | None = None,
    *,
    dry_run: bool = False,
) -> list[RegistrationResult]:
    """Every contract, each at its subject's level; stops at nothing, so all verdicts show."""
    overrides = overrides or {}
    return [
        register_contract(registry, c, overrides.get(c.subject, default_level), dry_run=dry_run)
        for c in contracts
    ]


def diff_versions(registry: Registry, subject: str, old: int, new: int) -> list[FieldChange]:
    """Field-level changes from version ``old`` to version ``new`` of ``subject``."""
    records = [
        parse_document(json.loads(registry.version(subject, v).schema), f"{subject} version {v}")
        for v in (old, new)
    ]
    return diff_schemas(records[0], records[1])


def _level_overrides(pairs: Sequence[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        subject, _, level = pair.partition("=")
        if not subject or level.upper() not in LEVELS:
            raise ValueError(
                f"--compatibility {pair!r}: expected SUBJECT=LEVEL with LEVEL one "
                f"of {', '.join(sorted(LEVELS))}"
            )
        overrides[subject] = level.upper()
    return overrides


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ops.register",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--dry-run", action="store_true", help="change nothing, print the diff")
    parser.add_argument("--contract", help="only these contracts (comma-separated; default all)")
    parser.add_argument(
        "--compatibility",
        action="append",
        default=[],
        metavar="SUBJECT=LEVEL",
        help="per-subject compatibility level (repeatable)",
    )
    parser.add_argument("--schemas", type=Path, default=SCHEMAS_DIR, help="contracts directory")
    commands = parser.add_subparsers(dest="command")
    listing = commands.add_parser("list", help="subjects, versions, ids and compatibility levels")
    listing.add_argument("--prefix", default="", help="only subjects starting with this")
    diff = commands.add_parser("diff", help="field-level diff between two versions")
    diff.add_argument("subject")
    diff.add_argument("old", type=int)
    diff.add_argument("new", type=int)
    return parser


def run(argv: Sequence[str], settings: Settings) -> int:
    """The CLI, on explicit settings; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        with Registry(settings.registry) as registry:
            if args.command == "list":
                for listing in registry.list_subjects(args.prefix):
                    versions = ", ".join(f"v{v} (id {i})" for v, i in listing.versions)
                    print(f"{listing.subject} [{listing.level or 'global level'}]: {versions}")
                return 0
            if args.command == "diff":
                changes = diff_versions(registry, args.subject, args.old, args.new)
                for change in changes:
                    print(change)
                if not changes:
                    print(f"{args.subject}: no field changes from v{args.old} to v{args.new}")
                return 0
            contracts = discover_contracts(settings, args.schemas, requested(args.contract))
            results = register_all(
                registry,
                contracts,
                settings.registry.default_compatibility,
                _level_overrides(args.compatibility),
                dry_run=args.dry_run,
            )
    except (RegistryError, SchemaError, ValueError, UnknownContractError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for result in results:
        stream = sys.stderr if result.outcome is Outcome.INCOMPATIBLE else sys.stdout
        print("\n".join(result.lines()), file=stream)
    if any(r.outcome is Outcome.INCOMPATIBLE for r in results):
        return 1
    if args.dry_run:
        return 0
    return _topics(settings, contracts)


def _topics(settings: Settings, contracts: Sequence[ContractFile]) -> int:
    """Create the registered contracts' topics (``ops.topics``)."""
    try:
        report = ensure_contract_topics(settings, [c.stream for c in contracts])
    except (RuntimeError, KafkaException) as exc:
        print(f"error: topics: {exc}", file=sys.stderr)
        return 2
    print("\n".join(report.lines()))
    return 0


def main() -> None:
    sys.exit(run(sys.argv[1:], load_settings()))


if __name__ == "__main__":
    main()
