"""The dead-letter format, defined once: header names, stages, the rules a record can be rejected
by, and the topics beside each DLQ.

A DLQ entry keeps what was rejected (the producer: the source record minus what the contract
does not read, personal data masked; the job: the original key, value and headers) and says
why in headers: ``error`` (the message), ``error.rule``, ``error.field``, ``error.stage``, and
where it came from (``source.*``). The producer and the job reject with the same rule names,
so one rule has one name in both DLQs (``docs/dlq.md``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class DlqHeader(StrEnum):
    """The headers of a DLQ entry (and of a re-driven record)."""

    ERROR = "error"
    """The reason, in words (never a personal-data value)."""
    RULE = "error.rule"
    FIELD = "error.field"
    """The contract field path the rule is about; empty when it is about the whole message."""
    STAGE = "error.stage"
    BODY_TRUNCATED_FROM = "error.body_truncated_from"
    """The original length of a producer entry's body that was cut to fit the DLQ topic."""
    CONTRACT = "error.contract"
    """The contract the entry was checked against (its file stem)."""
    SOURCE_URL = "source.url"
    SOURCE_SEED = "source.seed"
    SOURCE_PAGE = "source.page"
    SOURCE_INDEX = "source.index"
    SOURCE_TOPIC = "source.topic"
    SOURCE_PARTITION = "source.partition"
    SOURCE_OFFSET = "source.offset"
    SOURCE_TIMESTAMP = "source.timestamp"
    """The rejected record's Kafka timestamp (ms), kept so a re-drive keeps its write order."""
    REDRIVE_FROM = "redrive.from"
    """On a re-driven record: ``<dlq topic>:<partition>:<offset>`` it was re-driven from."""


class Stage(StrEnum):
    """Where a record was rejected."""

    PRODUCER = "producer"
    JOB = "job"


class RejectRule(StrEnum):
    """The rules the pipeline itself rejects by, beside the contract's own (``x-rules``) and the
    checks codegen derives from its types (``type:uuid``, ``type:utf8`` ...)."""

    SOURCE_SHAPE = "source:shape"
    """A source record the contract's mapping cannot read (missing, wrong type, unparsable)."""
    AVRO_SERIALIZE = "avro:serialize"
    MAX_MESSAGE = "size:max-message"
    WIRE_FRAMING = "wire:framing"
    UNKNOWN_SCHEMA = "wire:unknown-schema"
    NOT_AVRO = "wire:not-avro"
    UNDECODABLE = "wire:undecodable"
    UNKNOWN_RECORD = "wire:unknown-record"
    """A writer schema of a record type no contract on the topic reads."""
    REFUSED_VERSION = "contract:refused-version"
    SINK_REJECTED = "sink:rejected"


REDRIVEN_SUFFIX = ".redriven"
DLQ_SUFFIX = ".dlq"


def default_dlq_topic(topic: str) -> str:
    """A topic's DLQ when its contract names none: ``<topic>.dlq``."""
    return topic + DLQ_SUFFIX


def redriven_topic(dlq_topic: str) -> str:
    """The compacted ledger of the DLQ positions already re-driven."""
    return dlq_topic + REDRIVEN_SUFFIX


@dataclass(frozen=True)
class Rejection:
    """Why a record goes to the DLQ: the rule, the field it is about, a message."""

    rule: str
    field: str
    message: str


class UnknownRuleError(ValueError):
    """A rule name that no contract and no stage rejects by (a typo, usually)."""

    def __init__(self, unknown: Iterable[str], known: Iterable[str]) -> None:
        self.unknown = sorted(unknown)
        self.known = sorted(known)
        super().__init__(
            f"unknown rule(s) {', '.join(self.unknown)}; the known rules are: "
            + ", ".join(self.known)
        )


def check_rules(requested: Iterable[str], contract_rules: Iterable[str]) -> list[str]:
    """``requested`` when every one is a pipeline or contract rule, else ``UnknownRuleError``."""
    wanted = list(requested)
    known = {str(rule) for rule in RejectRule} | set(contract_rules)
    unknown = [rule for rule in wanted if rule not in known]
    if unknown:
        raise UnknownRuleError(unknown, known)
    return wanted
