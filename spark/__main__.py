"""``python -m spark``: run the streaming job (``make stream``); every contract with a table.

Flags override the settings for this run (validated like the settings themselves); without
them the job runs as ``pipeline.toml`` and ``PIPELINE_*`` say.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from config import load_settings
from config.settings import updated
from contract.catalog import UnknownContractError, selected
from spark.checkpoint import CheckpointMismatchError
from spark.job import run
from spark.restarts import CONFIGURATION_ERROR
from spark.state import JobStateFile, now


def main(argv: list[str] | None = None) -> int:
    """Parse the flags (defaults from the settings) and run the job."""
    parser = argparse.ArgumentParser(
        prog="python -m spark", description="Stream every contract from Kafka into Cassandra."
    )
    parser.add_argument("--master", help="Spark master, e.g. local[2] or spark://host:7077")
    parser.add_argument("--contract", help="only these contracts (comma-separated; default all)")
    parser.add_argument("--keyspace", help="Cassandra keyspace of every table")
    parser.add_argument("--checkpoint", help="checkpoint root directory or URI")
    parser.add_argument("--trigger", help="micro-batch interval, e.g. '1 second'")
    parser.add_argument("--metrics-file", help="JSON-lines file of batch figures")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    spark: dict[str, Any] = {
        key: value
        for key, value in (
            ("checkpoint_dir", args.checkpoint),
            ("trigger_interval", args.trigger),
            ("metrics_file", args.metrics_file),
        )
        if value
    }
    cassandra = {"keyspace": args.keyspace} if args.keyspace else {}
    try:
        settings = updated(load_settings(), spark=spark, cassandra=cassandra)
        only = [c.name for c in selected(args.contract)] if args.contract else []
    except (ValueError, UnknownContractError) as exc:
        return _configuration_error(exc, _state_file())
    try:
        run(settings, args.master, only)
    except CheckpointMismatchError as exc:
        return _configuration_error(exc, settings.spark.status_file)
    return 0


def _state_file() -> Path | None:
    """Where to record a refused start: the settings' state file, when they load at all."""
    try:
        return load_settings().spark.status_file
    except ValueError:
        return None


def _configuration_error(exc: Exception, state_file: Path | None) -> int:
    """Log the error and record it as the job's last failure (``make inspect`` and the
    supervisor show it); the job's exit status says it is not worth a restart."""
    log = logging.getLogger("spark")
    log.error("%s", exc)
    if state_file is not None:
        try:
            JobStateFile(state_file).update(last_failure=str(exc), last_failure_at=now())
        except OSError as unwritable:
            log.error("the job's state file %s: %s", state_file, unwritable)
    return CONFIGURATION_ERROR


if __name__ == "__main__":
    sys.exit(main())
