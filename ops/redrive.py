"""``make redrive``: send dead-lettered records back to the main topic once their reason is gone.

A typical case: records whose writer schema id was unknown (the schema was registered after the
producer used it). ``redrive`` reads the DLQ (optionally only some rules and a time range), checks
each job-stage entry again against the current registry and contract, and re-publishes those
that now pass to the main topic, with their original key, value and Kafka timestamp (so an
older version never overwrites a newer one in Cassandra). The rest stay where they are.

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

from clients.kafka import (
    RangeMessage,
    consumer_config,
    ensure_topics,
    producer_config,
    read_range,
    watermarks,
)
from clients.registry import Registry, RegistryError
from config import Settings, load_settings
from generated.python.user_created import AVRO_SCHEMA, UserCreated

REDRIVEN_SUFFIX = ".redriven"
JOB_STAGE = "job"
_READER = fastavro.parse_schema(json.loads(AVRO_SCHEMA))
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


def check(registry: Registry, value: bytes | None, now: datetime) -> str | None:
    """Why a framed value would still be rejected, or None when it now passes."""
    if value is None or len(value) < 5 or value[0] != 0:
        return "wire:framing"
    schema_id = int.from_bytes(value[1:5], "big")
    found = registry.schema_by_id(schema_id)  # a registry outage raises: nothing is re-driven
    if found is None:
        return f"wire:unknown-schema (id {schema_id})"
    schema_type, text = found
    if schema_type != "AVRO":
        return "wire:not-avro"
    try:
        writer = fastavro.parse_schema(json.loads(text))
        decoded = fastavro.schemaless_reader(io.BytesIO(value[5:]), writer, _READER)
        record = UserCreated.from_avro(decoded)  # type: ignore[arg-type]
    except Exception as exc:  # fastavro and the record class raise many types
        return f"wire:undecodable ({type(exc).__name__})"
    violation = record.violation(now)
    return None if violation is None else f"{violation.rule} ({violation.field})"


def redriven_positions(settings: Settings) -> set[str]:
    """Every DLQ position (``partition:offset``) re-driven so far."""
    topic = settings.kafka.dlq_topic + REDRIVEN_SUFFIX
    marks = watermarks(settings, topic)
    messages = read_range(
        settings,
        topic,
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
    *,
    rules: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    dry_run: bool = False,
) -> RedriveReport:
    """Re-publish the DLQ entries that now pass; see the module docstring."""
    dlq = settings.kafka.dlq_topic
    ensure_topics(settings, dlq + REDRIVEN_SUFFIX)
    since_ms = int(since.timestamp() * 1000) if since else None
    until_ms = int(until.timestamp() * 1000) if until else None
    start = _start_offsets(settings, dlq, since_ms)
    end = {p: high for p, (_, high) in watermarks(settings, dlq).items()}
    done = redriven_positions(settings)
    report = RedriveReport()
    now = datetime.now(UTC)
    producer = Producer(producer_config(settings, **IDEMPOTENT))
    failures: list[str] = []

    def delivered(err: KafkaError | None, _msg: Message) -> None:
        if err is not None:
            failures.append(err.str())

    to_mark: list[str] = []
    with Registry(settings.registry) as registry:
        for message in read_range(settings, dlq, start, end):
            report.examined += 1
            if not _selected(message, rules, until_ms):
                report.not_selected += 1
                continue
            if message.header("error.stage") != JOB_STAGE:
                report.producer_stage += 1
                continue
            position = f"{message.partition}:{message.offset}"
            if position in done:
                report.already_redriven += 1
                continue
            reason = check(registry, message.value, now)
            if reason is not None:
                report.still_failing[reason] += 1
                continue
            report.redriven += 1
            if not dry_run:
                _republish(producer, settings, message, position, delivered)
                to_mark.append(position)
    _flush(producer, settings, failures)
    # marked only once the records are acknowledged: a crash in between re-drives them again,
    # which upserts the same rows with the same write time (harmless), never loses one
    for position in to_mark:
        record = {"redriven_at": now.isoformat(), "to": settings.kafka.topic}
        producer.produce(
            dlq + REDRIVEN_SUFFIX,
            json.dumps(record).encode(),
            position.encode(),
            on_delivery=delivered,
        )
    _flush(producer, settings, failures)
    return report


def _flush(producer: Producer, settings: Settings, failures: list[str]) -> None:
    if producer.flush(settings.kafka.delivery_timeout_s + 10) or failures:
        raise RuntimeError(f"re-drive not acknowledged by Kafka: {failures[:3]}")


def _selected(message: RangeMessage, rules: Sequence[str], until_ms: int | None) -> bool:
    if rules and message.header("error.rule") not in rules:
        return False
    return until_ms is None or message.timestamp_ms <= until_ms


def _republish(
    producer: Producer, settings: Settings, message: RangeMessage, position: str, callback: Any
) -> None:
    """The original record back on the main topic, with its original Kafka timestamp."""
    timestamp = message.header("source.timestamp")
    origin = f"{settings.kafka.dlq_topic}:{position}"
    producer.produce(
        settings.kafka.topic,
        message.value,
        message.key,
        headers=[("redrive.from", origin.encode())],
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
            rules=args.rule,
            since=args.since,
            until=args.until,
            dry_run=args.dry_run,
        )
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
