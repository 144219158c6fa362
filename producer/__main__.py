"""``python -m producer --count N [--source-url URL] [--seed S]``: one batch without Airflow."""

from __future__ import annotations

import argparse
import json
import sys

from clients.kafka import KafkaUnavailableError
from clients.registry import RegistryError
from config import load_settings
from producer.errors import BatchIncompleteError, ProducerError
from producer.publish import BatchCounts
from producer.run import run_batch

BAR_WIDTH = 30


def _progress(counts: BatchCounts, total: int) -> None:
    done = counts.fetched
    filled = BAR_WIDTH * done // total
    bar = "#" * filled + "-" * (BAR_WIDTH - filled)
    print(f"\r[{bar}] {done}/{total} fetched", end="", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m producer", description=__doc__)
    parser.add_argument("--count", type=int, required=True, help="users to produce")
    parser.add_argument("--source-url", help="randomuser-compatible base URL (default: settings)")
    parser.add_argument("--seed", help="reproducible run: same seed, same users and ids")
    parser.add_argument("--nat", help="nationalities, e.g. US,DE")
    parser.add_argument("--topic", help="topic (default: settings.kafka.topic)")
    parser.add_argument("--dlq-topic", help="DLQ topic (default: settings.kafka.dlq_topic)")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be >= 1")
    try:
        counts = run_batch(
            load_settings(),
            args.count,
            seed=args.seed,
            source_url=args.source_url,
            nat=args.nat,
            topic=args.topic,
            dlq_topic=args.dlq_topic,
            progress=_progress,
        )
    except BatchIncompleteError as exc:
        print(f"\nproducer failed: {exc}", file=sys.stderr)
        print(json.dumps(exc.counts.as_dict()))
        return 1
    except (ProducerError, RegistryError, KafkaUnavailableError) as exc:
        print(f"\nproducer failed before fetching anything: {exc}", file=sys.stderr)
        return 1
    print(file=sys.stderr)
    print(json.dumps(counts.as_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
