"""The contracts in ``schemas/`` and the registry subject each one is registered under.

Subjects follow the TopicNameStrategy: ``<topic>-value``. A contract's topic is, in order:

1. its record property ``"x-kafka": {"topic": "..."}``, when present;
2. ``settings.kafka.topic`` for the pipeline's user contract (``schemas/user_created.avsc``),
   so moving the topic in configuration moves the subject with it;
3. otherwise the file stem.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from clients.registry import value_subject
from codegen.model import Record
from codegen.parse import load_json, parse_document
from config.settings import REPO_ROOT, Settings

SCHEMAS_DIR = REPO_ROOT / "schemas"
USER_CONTRACT_STEM = "user_created"


@dataclass(frozen=True)
class ContractFile:
    """A contract file, its parsed record, and the exact text registered for it."""

    path: Path
    subject: str
    schema: str
    record: Record


def schema_text(document: object) -> str:
    """The registered form of a schema: compact JSON, field order kept (deterministic)."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def topic_for(path: Path, document: dict[str, object], settings: Settings) -> str:
    x_kafka = document.get("x-kafka")
    if isinstance(x_kafka, dict) and isinstance(x_kafka.get("topic"), str):
        return str(x_kafka["topic"])
    if path.stem == USER_CONTRACT_STEM:
        return settings.kafka.topic
    return path.stem


def load_contract(path: Path, settings: Settings, subject_prefix: str = "") -> ContractFile:
    document = load_json(path, str(path))
    record = parse_document(document, str(path))
    subject = subject_prefix + value_subject(topic_for(path, document, settings))
    return ContractFile(path, subject, schema_text(document), record)


def discover_contracts(
    settings: Settings, schemas_dir: Path = SCHEMAS_DIR, subject_prefix: str = ""
) -> list[ContractFile]:
    """Every top-level ``.avsc`` in ``schemas_dir`` (not ``history/``), sorted by file name."""
    return [
        load_contract(path, settings, subject_prefix) for path in sorted(schemas_dir.glob("*.avsc"))
    ]
