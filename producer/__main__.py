"""``python -m producer --contract NAME --count N``: one batch of a contract, without Airflow.

Reads the contract's source (``--source-url``, else the settings' or the contract's own URL),
produces the records that pass to its topic and the others to its DLQ, prints the counts as
JSON. ``make produce`` runs it on the local stack (with the offline source when the real one
cannot be reached).
"""

from __future__ import annotations

import argparse
import json
import sys

from clients.kafka import KafkaUnavailableError
from clients.registry import RegistryError
from config import load_settings
from contract.catalog import UnknownContractError, contract
from producer.errors import BatchIncompleteError, ProducerError
from producer.publish import BatchCounts
from producer.run import run_batch

BAR_WIDTH = 30


def progress_bar(counts: BatchCounts, total: int) -> None:
    """A one-line progress bar on stderr, redrawn in place."""
    done = counts.fetched
    filled = BAR_WIDTH * min(done, total) // total
    bar = "#" * filled + "-" * (BAR_WIDTH - filled)
    print(f"\r[{bar}] {done}/{total} fetched", end="", file=sys.stderr, flush=True)


def _param(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=VALUE")
    return name, value


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m producer", description=__doc__)
    parser.add_argument("--contract", required=True, help="the contract (its .avsc file stem)")
    parser.add_argument("--count", type=int, required=True, help="records to produce")
    parser.add_argument("--source-url", help="the source endpoint (default: settings, contract)")
    parser.add_argument("--seed", help="reproducible run, where the source honours seeds")
    parser.add_argument(
        "--param",
        type=_param,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an extra query parameter of every request (repeatable), e.g. nat=US,DE",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.count < 1:
        parser().error("--count must be >= 1")
    try:
        counts = run_batch(
            load_settings(),
            contract(args.contract),
            args.count,
            seed=args.seed,
            url=args.source_url,
            params=dict(args.param),
            progress=progress_bar,
        )
    except BatchIncompleteError as exc:
        print(f"\nproducer failed: {exc}", file=sys.stderr)
        print(json.dumps(exc.counts.as_dict()))
        return 1
    except (ProducerError, RegistryError, KafkaUnavailableError, UnknownContractError) as exc:
        print(f"\nproducer failed before fetching anything: {exc}", file=sys.stderr)
        return 1
    print(file=sys.stderr)
    print(json.dumps({"contract": args.contract, **counts.as_dict()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
