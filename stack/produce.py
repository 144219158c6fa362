"""``make produce``: one producer batch of each contract on the local stack, without Airflow.

``CONTRACT=`` names the contracts (default: every contract that declares a source), ``COUNT=``
the records of each, ``SOURCE=auto|offline|<url>`` where they are read (``stack.sources``:
the declared source, or the offline one when it cannot be reached), ``SEED=`` a reproducible
run. Each contract's counts print as one JSON line; the exit status is 1 when any record was
not accounted for.
"""

from __future__ import annotations

import argparse
import json
import sys

from clients.kafka import KafkaUnavailableError
from clients.registry import RegistryError
from config import Settings, load_settings
from contract.catalog import Contract, UnknownContractError, selected
from producer.__main__ import progress_bar
from producer.errors import BatchIncompleteError, ProducerError, SourceUrlMissingError
from producer.run import run_batch
from stack.sources import AUTO, SourceChoiceError, chosen_sources


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack.produce", description=__doc__)
    parser.add_argument(
        "--contract", help="comma-separated (default: every contract with a source)"
    )
    parser.add_argument("--count", type=int, default=1000, help="records of each contract")
    parser.add_argument("--source", default=AUTO, help="auto, offline, or the endpoint")
    parser.add_argument("--seed", help="a reproducible run, where the source honours seeds")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be >= 1")
    settings = load_settings()
    try:
        contracts = [c for c in selected(args.contract) if c.source is not None]
    except UnknownContractError as exc:
        _say(f"error: {exc}")
        return 2
    if not contracts:
        _say("no contract declares a source (x-source): nothing to produce")
        return 2
    try:
        with chosen_sources(settings, contracts, args.source, _say) as urls:
            return _produce(settings, contracts, urls, args)
    except (SourceChoiceError, SourceUrlMissingError) as exc:
        _say(f"error: {exc}")
        return 2


def _produce(
    settings: Settings, contracts: list[Contract], urls: dict[str, str], args: argparse.Namespace
) -> int:
    """One batch of each contract; 1 when any record was not accounted for."""
    status = 0
    for contract in contracts:
        _say(f"{contract.name}: {args.count} records from {urls[contract.name]}")
        try:
            counts = run_batch(
                settings,
                contract,
                args.count,
                seed=args.seed,
                url=urls[contract.name],
                progress=progress_bar,
            )
        except BatchIncompleteError as exc:
            _say(f"\n{contract.name}: producer failed: {exc}")
            counts, status = exc.counts, 1
        except (ProducerError, RegistryError, KafkaUnavailableError) as exc:
            _say(f"\n{contract.name}: producer failed before fetching anything: {exc}")
            status = 1
            continue
        _say("")
        print(json.dumps({"contract": contract.name, **counts.as_dict()}))
    return status


if __name__ == "__main__":
    sys.exit(main())
