"""``python -m spark``: run the streaming job (``make stream``)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from config import load_settings
from spark.checkpoint import CheckpointMismatchError
from spark.contract import ReaderContract
from spark.job import JobOptions, run

CONFIGURATION_ERROR = 3
"""Exit status of a job that must not be restarted as it is (the supervisor gives up on it)."""


def main(argv: list[str] | None = None) -> int:
    """Parse the flags (defaults from the settings) and run the job."""
    parser = argparse.ArgumentParser(
        prog="python -m spark", description="Stream users from Kafka into Cassandra."
    )
    parser.add_argument("--master", help="Spark master, e.g. local[2] or spark://host:7077")
    parser.add_argument("--topic", help="Kafka topic to read")
    parser.add_argument("--dlq-topic", help="Kafka topic for rejected messages")
    parser.add_argument("--keyspace", help="Cassandra keyspace of the table")
    parser.add_argument("--checkpoint", help="checkpoint directory or URI")
    parser.add_argument("--trigger", help="micro-batch interval, e.g. '1 second'")
    parser.add_argument("--metrics-file", type=Path, help="JSON-lines file of batch figures")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = load_settings()
    options = JobOptions.from_settings(
        settings,
        ReaderContract.current(),
        topic=args.topic,
        dlq_topic=args.dlq_topic,
        keyspace=args.keyspace,
        checkpoint=args.checkpoint,
        trigger=args.trigger,
        metrics_file=args.metrics_file,
    )
    try:
        run(settings, options, args.master)
    except CheckpointMismatchError as exc:
        logging.getLogger("spark").error("%s", exc)
        return CONFIGURATION_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
