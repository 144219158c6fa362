"""One producer run: fetch ``count`` records of a contract page by page, publish them, account
for every one."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from config.settings import Settings
from contract.catalog import Contract
from producer.client import SourceClient
from producer.errors import BatchIncompleteError, SourceError, SourceUrlMissingError
from producer.publish import BatchCounts, Origin, RecordPublisher

Progress = Callable[[BatchCounts, int], None]


def source_url(settings: Settings, contract: Contract, override: str | None = None) -> str:
    """Where ``contract``'s records are read: ``override`` (``SOURCE_URL``, a DAG param), else
    ``source.urls[<contract>]`` of the settings (or its Airflow connection), else the URL its
    ``x-source`` declares."""
    declared = contract.source.url if contract.source else None
    url = override or settings.source.urls.get(contract.name) or declared
    if not url:
        raise SourceUrlMissingError(contract.name)
    return url


def run_batch(
    settings: Settings,
    contract: Contract,
    count: int,
    *,
    seed: str | None = None,
    url: str | None = None,
    params: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> BatchCounts:
    """Produce ``count`` records of ``contract``; every one must end delivered or in the DLQ.

    Whatever happens (the source giving up on a later page, a hostile payload, the broker
    refusing a record), what was queued is flushed and counted before this returns or raises:
    ``BatchIncompleteError`` (carrying the counts) when a record failed or the source gave up.

    Without a seed a random one is drawn, so the pages of one run are consistent; with a seed
    the run is reproducible where the source honours seeds, and re-produces the same keys
    (idempotent upserts downstream). ``params`` are extra query parameters of every request.
    """
    source = contract.source
    if source is None:
        raise SourceUrlMissingError(contract.name)
    seed = seed or secrets.token_hex(8)
    endpoint = source_url(settings, contract, url)
    publisher = RecordPublisher(settings, contract)  # fails fast first
    ingested_at = datetime.now(UTC)
    gave_up: SourceError | None = None
    with SourceClient.from_settings(settings.source, endpoint, source) as client:
        shown = client.display_url.split("?", 1)[0]
        try:
            for page in client.pages(count, seed, params):
                publisher.publish(page.records, Origin(shown, seed, page.page), ingested_at)
                if progress:
                    progress(publisher.counts, count)
        except SourceError as exc:
            gave_up = exc
        finally:
            counts = publisher.flush()
    summary = (
        f"{contract.name}: {counts.fetched} of {count} records fetched: {counts.produced} "
        f"produced, {counts.rejected} sent to the DLQ, {counts.failed} failed (seed {seed!r}; "
        "re-running it re-produces the same keys where the source honours seeds)"
    )
    if counts.warned_by_rule:
        warned = ", ".join(f"{rule} {n}" for rule, n in sorted(counts.warned_by_rule.items()))
        summary += f"; produced despite rules in warn mode: {warned}"
    if gave_up is not None:
        raise BatchIncompleteError(f"{gave_up}. {summary}", counts)
    if counts.failed or counts.unaccounted:
        raise BatchIncompleteError(f"{summary}: {'; '.join(publisher.errors)}", counts)
    return counts
