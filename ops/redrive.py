"""``make redrive``: send dead-lettered records back to their topic once their reason is gone.

A typical case: records whose writer schema id was unknown (the schema was registered after the
producer used it). ``redrive`` reads each contract's DLQ (``CONTRACT=`` names some; contracts
sharing a topic share its DLQ), optionally only some rules (``RULE=``, refused when no contract
or stage knows it) and a time range, checks each job-stage entry again against the current
registry and the contracts on its topic, and re-publishes those that now pass to the topic
they came from, with their original key, value and Kafka timestamp (so an older version never
overwrites a newer one in Cassandra). The rest stay where they are.

Re-driving is idempotent: every re-driven DLQ position is recorded in the compacted topic
``<dlq>.redriven`` and never re-driven again. Producer-stage entries are not re-driven: their
bodies are masked copies kept for diagnosis; re-run the batch with the same seed instead.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import fastavro
from confluent_kafka import Consumer, KafkaError, Message, Producer, TopicPartition

from clients.kafka import RangeMessage, consumer_config, producer_config, read_range, watermarks
from clients.registry import Registry, RegistryError, SchemaCache
from config import Settings, load_settings
from contract import wire
from contract.catalog import Contract, UnknownContractError, selected
from contract.dlq import DlqHeader, RejectRule, Stage, UnknownRuleError, check_rules
from ops.topics import ensure_contract_topics

IDEMPOTENT: dict[str, str | int | float | bool] = {"enable.idempotence": True, "acks": "all"}


@dataclass
class RedriveReport:
    """What one run did with the DLQ entries it looked at."""

    examined: int = 0
    redriven: int = 0
    already_redriven: int = 0
    not_selected: int = 0
    producer_stage: int = 0
    still_failing: Counter[str] = field(default_factory=Counter)

    def lines(self) -> list[str]:
        failing = sum(self.still_failing.values())
        out = [
            f"examined {self.examined} DLQ entries: {self.redriven} re-driven, "
            f"{self.already_redriven} already re-driven before, {failing} still failing, "
            f"{self.not_selected} not selected, {self.producer_stage} from the producer "
            "(not re-drivable: re-run their batch)"
        ]
        out += [
            f"  still failing: {n} x {reason}" for reason, n in self.still_failing.most_common()
        ]
        return out


class Checker:
    """Checks a framed value again, as the job would now: writer schema, contract, rules."""

    def __init__(self, registry: Registry, contracts: Sequence[Contract]) -> None:
        self._schemas = SchemaCache(registry)
        self._contracts = list(contracts)
        self._readers = {
            c.record_name: fastavro.parse_schema(json.loads(c.schema)) for c in contracts
        }

    def check(self, value: bytes | None, now: datetime) -> str | None:
        """Why a framed value would still be rejected, or None when it now passes."""
        try:
            schema_id, body = wire.unframe(value)
        except wire.FramingError:
            return RejectRule.WIRE_FRAMING
        found = self._schemas.get(schema_id)  # a registry outage raises: nothing is re-driven
        if found is None:
            return f"{RejectRule.UNKNOWN_SCHEMA} (id {schema_id})"
        if found.schema_type != "AVRO":
            return RejectRule.NOT_AVRO
        try:
            document = json.loads(found.text)
            contract = self._contract_for(document)
            if contract is None:
                return RejectRule.UNKNOWN_RECORD
            writer = fastavro.parse_schema(document)
            reader = self._readers[contract.record_name]
            decoded = fastavro.schemaless_reader(io.BytesIO(body), writer, reader)
            record = contract.record_class.from_avro(decoded)
        except Exception as exc:  # fastavro and the record classes raise many types
            return f"{RejectRule.UNDECODABLE} ({type(exc).__name__})"
        violation = record.violation(now)
        return None if violation is None else f"{violation.rule} ({violation.field})"

    def _contract_for(self, writer: Any) -> Contract | None:
        """The contract of the topic that reads the writer's record type (the one contract of a
        topic that carries one)."""
        if len(self._contracts) == 1:
            return self._contracts[0]
        name = writer.get("name", "") if isinstance(writer, dict) else ""
        namespace = writer.get("namespace") if isinstance(writer, dict) else None
        fullname = name if "." in name or not namespace else f"{namespace}.{name}"
        return next((c for c in self._contracts if c.record_name == fullname), None)


def redriven_positions(settings: Settings, ledger: str) -> set[str]:
    """Every DLQ position (``partition:offset``) re-driven so far, from the ledger topic."""
    marks = watermarks(settings, ledger)
    messages = read_range(
        settings,
        ledger,
        {p: low for p, (low, _) in marks.items()},
        {p: h for p, (_, h) in marks.items()},
    )
    return {m.key.decode() for m in messages if m.key}


def _start_offsets(settings: Settings, topic: str, since_ms: int | None) -> dict[int, int]:
    marks = watermarks(settings, topic)
    if since_ms is None:
        return {p: low for p, (low, _) in marks.items()}
    consumer = Consumer(consumer_config(settings))
    try:
        found = consumer.offsets_for_times(
            [TopicPartition(topic, p, since_ms) for p in marks],
            timeout=settings.kafka.request_timeout_s,
        )
    finally:
        consumer.close()
    return {tp.partition: tp.offset if tp.offset >= 0 else marks[tp.partition][1] for tp in found}


def redrive(
    settings: Settings,
    contracts: Sequence[Contract],
    *,
    rules: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    dry_run: bool = False,
) -> RedriveReport:
    """Re-publish the DLQ entries of ``contracts`` that now pass; see the module docstring.

    ``UnknownRuleError`` (before anything is read) when a rule is known to no contract and no
    stage of the pipeline.
    """
    check_rules(rules, {rule for c in contracts for rule in c.rule_names})
    ensure_contract_topics(settings, [c.stream for c in contracts])  # the ledgers, compacted
    report = RedriveReport()
    by_dlq: dict[str, list[Contract]] = {}
    for contract in contracts:
        by_dlq.setdefault(contract.names(settings).dlq_topic, []).append(contract)
    with Registry(settings.registry) as registry:
        for dlq, sharing in sorted(by_dlq.items()):
            _redrive_dlq(settings, registry, dlq, sharing, rules, since, until, dry_run, report)
    return report


def _redrive_dlq(
    settings: Settings,
    registry: Registry,
    dlq: str,
    contracts: list[Contract],
    rules: Sequence[str],
    since: datetime | None,
    until: datetime | None,
    dry_run: bool,
    report: RedriveReport,
) -> None:
    names = contracts[0].names(settings)
    since_ms = int(since.timestamp() * 1000) if since else None
    until_ms = int(until.timestamp() * 1000) if until else None
    start = _start_offsets(settings, dlq, since_ms)
    end = {p: high for p, (_, high) in watermarks(settings, dlq).items()}
    done = redriven_positions(settings, names.redriven_topic)
    now = datetime.now(UTC)
    checker = Checker(registry, contracts)
    producer = Producer(producer_config(settings, **IDEMPOTENT))
    failures: list[str] = []

    def delivered(err: KafkaError | None, _msg: Message) -> None:
        if err is not None:
            failures.append(err.str())

    to_mark: list[str] = []
    for message in read_range(settings, dlq, start, end):
        report.examined += 1
        if not _selected(message, rules, until_ms):
            report.not_selected += 1
            continue
        if message.header(DlqHeader.STAGE) != Stage.JOB:
            report.producer_stage += 1
            continue
        position = f"{message.partition}:{message.offset}"
        if position in done:
            report.already_redriven += 1
            continue
        reason = checker.check(message.value, now)
        if reason is not None:
            report.still_failing[reason] += 1
            continue
        report.redriven += 1
        if not dry_run:
            _republish(producer, dlq, names.topic, message, position, delivered)
            to_mark.append(position)
    _flush(producer, settings, failures)
    # marked only once the records are acknowledged: a crash in between re-drives them again,
    # which upserts the same rows with the same write time (harmless), never loses one
    for position in to_mark:
        record = {"redriven_at": now.isoformat(), "to": names.topic}
        producer.produce(
            names.redriven_topic,
            json.dumps(record).encode(),
            position.encode(),
            on_delivery=delivered,
        )
    _flush(producer, settings, failures)


def _flush(producer: Producer, settings: Settings, failures: list[str]) -> None:
    if producer.flush(settings.kafka.delivery_timeout_s + 10) or failures:
        raise RuntimeError(f"re-drive not acknowledged by Kafka: {failures[:3]}")


def _selected(message: RangeMessage, rules: Sequence[str], until_ms: int | None) -> bool:
    if rules and message.header(DlqHeader.RULE) not in rules:
        return False
    return until_ms is None or message.timestamp_ms <= until_ms


def _republish(
    producer: Producer,
    dlq: str,
    topic: str,
    message: RangeMessage,
    position: str,
    callback: Any,
) -> None:
    """The original record back on its topic, with its original Kafka timestamp."""
    timestamp = message.header(DlqHeader.SOURCE_TIMESTAMP)
    producer.produce(
        message.header(DlqHeader.SOURCE_TOPIC) or topic,
        message.value,
        message.key,
        headers=[(DlqHeader.REDRIVE_FROM.value, f"{dlq}:{position}".encode())],
        timestamp=int(timestamp) if timestamp.isdigit() else 0,
        on_delivery=callback,
    )
    producer.poll(0)


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ops.redrive",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--contract", help="only these contracts (comma-separated; default all)")
    parser.add_argument(
        "--rule", action="append", default=[], help="only this DLQ rule (repeatable)"
    )
    parser.add_argument("--since", type=_moment, help="only entries dead-lettered from (ISO time)")
    parser.add_argument("--until", type=_moment, help="only entries dead-lettered until (ISO time)")
    parser.add_argument("--dry-run", action="store_true", help="check, re-publish nothing")
    args = parser.parse_args(argv)
    try:
        report = redrive(
            load_settings(),
            selected(args.contract),
            rules=args.rule,
            since=args.since,
            until=args.until,
            dry_run=args.dry_run,
        )
    except (UnknownRuleError, UnknownContractError) as exc:
        print(f"redrive refused: {exc}", file=sys.stderr)
        return 2
    except (RegistryError, RuntimeError) as exc:
        print(
            f"redrive failed, nothing marked re-driven that was not delivered: {exc}",
            file=sys.stderr,
        )
        return 1
    print("\n".join(report.lines()) + (" (dry run)" if args.dry_run else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
