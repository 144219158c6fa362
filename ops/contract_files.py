"""The contract files of ``schemas/`` as the registry sees them: the exact text registered for
each, and the subject it is registered under (its declared subject strategy, after
``kafka.topic_prefix``; ``contract.streams.subject_name``).

The registered text is codegen's self-contained form of the schema (``codegen.avro_json``), the
``AVRO_SCHEMA`` of the generated module: producers look their schema up by that exact text.
Registered with it: the contract's rules and tags in Confluent's form
(``codegen.confluent_rules``), dead-lettering to the deployment's DLQ topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codegen.avro_json import schema_json
from codegen.confluent_rules import ConfluentRules, confluent_rule_set
from codegen.declarations import stream_of
from codegen.model import Record
from codegen.parse import load_json, parse_document
from config.settings import REPO_ROOT, Settings
from contract.catalog import UnknownContractError
from contract.streams import Stream, subject_name

SCHEMAS_DIR = REPO_ROOT / "schemas"


@dataclass(frozen=True)
class ContractFile:
    """A contract file, its parsed record, its stream, the exact text registered for it and
    its Confluent data contract."""

    path: Path
    subject: str
    schema: str
    record: Record
    stream: Stream
    confluent: ConfluentRules

    @property
    def name(self) -> str:
        return self.path.stem


def load_contract(path: Path, settings: Settings) -> ContractFile:
    document = load_json(path, str(path))
    record = parse_document(document, str(path))
    stream = stream_of(record)
    topic = settings.kafka.topic_prefix + stream.topic
    subject = subject_name(stream.subject_strategy, topic, record.fullname)
    confluent = confluent_rule_set(record, settings.kafka.topic_prefix + stream.dlq_topic)
    return ContractFile(path, subject, schema_json(record), record, stream, confluent)


def discover_contracts(
    settings: Settings, schemas_dir: Path = SCHEMAS_DIR, names: list[str] | None = None
) -> list[ContractFile]:
    """Every top-level ``.avsc`` in ``schemas_dir`` (not ``history/``), sorted by file name;
    only those of ``names`` when given (``UnknownContractError`` names the missing ones)."""
    paths = sorted(schemas_dir.glob("*.avsc"))
    missing = set(names or ()) - {p.stem for p in paths}
    if missing:
        raise UnknownContractError(missing, [p.stem for p in paths])
    return [load_contract(path, settings) for path in paths if not names or path.stem in names]
