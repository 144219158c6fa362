"""Every contract's topics, created by the pipeline's own commands, never by a broker's defaults.

``python -m ops.topics`` (``make topics``; ``make register`` runs it too, and so do the Compose
``init`` service and ``make demo``) creates each contract's topic and DLQ topic, and each DLQ's
re-drive ledger, with the configured partitions, replication factor and
``min.insync.replicas`` (``kafka.*`` settings); a DLQ gets room for a rejected record plus its
headers (``kafka.dlq_max_message_bytes``), a ledger is compacted. A topic that exists with other
settings is reported, never changed: repartitioning or re-replicating a live topic is an
operator's decision.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from confluent_kafka import KafkaException

from clients.kafka import TopicSpec, describe_topics, ensure_topics
from config import Settings, load_settings
from contract.catalog import UnknownContractError, selected
from contract.dlq import redriven_topic
from contract.streams import Stream


@dataclass
class TopicReport:
    """What one run created, found as configured, and found configured otherwise."""

    created: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    differing: dict[str, list[str]] = field(default_factory=dict)
    """Topic -> each setting it has that differs from the configured one."""

    def lines(self) -> list[str]:
        out = [f"topic {name}: created" for name in self.created]
        out += [f"topic {name}: exists as configured" for name in self.present]
        for name, differences in self.differing.items():
            out.append(f"topic {name}: exists with other settings, left as it is:")
            out += [f"    {difference}" for difference in differences]
        return out


def wanted_topics(settings: Settings, streams: Sequence[Stream]) -> list[TopicSpec]:
    """The topics of ``streams``: each topic, its DLQ and the DLQ's re-drive ledger."""
    kafka = settings.kafka
    prefix = kafka.topic_prefix
    base = {"min.insync.replicas": str(kafka.min_insync_replicas)}
    specs: dict[str, TopicSpec] = {}
    for stream in streams:
        topic, dlq = prefix + stream.topic, prefix + stream.dlq_topic
        specs[topic] = TopicSpec(topic, kafka.partitions, kafka.replication_factor, base)
        specs[dlq] = TopicSpec(
            dlq,
            kafka.partitions,
            kafka.replication_factor,
            {**base, "max.message.bytes": str(kafka.dlq_max_message_bytes)},
        )
        ledger = redriven_topic(dlq)
        specs[ledger] = TopicSpec(
            ledger, 1, kafka.replication_factor, {**base, "cleanup.policy": "compact"}
        )
    return list(specs.values())


def ensure_contract_topics(settings: Settings, streams: Sequence[Stream]) -> TopicReport:
    """Create the topics ``streams`` need that do not exist; report the others."""
    wanted = wanted_topics(settings, streams)
    report = TopicReport(created=ensure_topics(settings, wanted))
    existing = describe_topics(settings, [s.name for s in wanted if s.name not in report.created])
    for spec in wanted:
        if spec.name in report.created:
            continue
        found = existing[spec.name]
        differences = []
        if found.partitions != spec.partitions:
            differences.append(f"partitions {found.partitions}, configured {spec.partitions}")
        if found.replication_factor != spec.replication_factor:
            differences.append(
                f"replication factor {found.replication_factor}, configured "
                f"{spec.replication_factor}"
            )
        for key, value in spec.config.items():
            if found.config.get(key) != value:
                differences.append(f"{key} {found.config.get(key)}, configured {value}")
        if differences:
            report.differing[spec.name] = differences
        else:
            report.present.append(spec.name)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.topics", description=__doc__)
    parser.add_argument("--contract", help="only these contracts (comma-separated; default all)")
    args = parser.parse_args(argv)
    settings = load_settings()
    try:
        streams = [contract.stream for contract in selected(args.contract)]
        report = ensure_contract_topics(settings, streams)
    except (UnknownContractError, KafkaException, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("\n".join(report.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
