"""One producer run: fetch ``count`` records of a contract page by page, publish them, account
for every one, and push the run's metrics to the Pushgateway when it ends."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime

from config.settings import Settings
from contract.catalog import Contract
from contract.metrics import Outcome, ProducerMetrics
from producer.client import SourceClient, redact_url
from producer.errors import BatchIncompleteError, SourceError, SourceUrlMissingError
from producer.publish import BatchCounts, Origin, RecordPublisher

log = logging.getLogger(__name__)
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

    When it ends, however it ends, the run pushes its figures to ``metrics.pushgateway_url``
    (``push_metrics``).
    """
    started = time.monotonic()
    try:
        counts = _produce(settings, contract, count, seed, url, params, progress)
    except BatchIncompleteError as exc:
        push_metrics(settings, contract.name, exc.counts, time.monotonic() - started, False)
        raise
    except Exception:
        push_metrics(settings, contract.name, BatchCounts(), time.monotonic() - started, False)
        raise
    push_metrics(settings, contract.name, counts, time.monotonic() - started, True)
    return counts


def push_metrics(
    settings: Settings, contract: str, counts: BatchCounts, duration_s: float, succeeded: bool
) -> None:
    """Push one run's figures to the Pushgateway (``contract.metrics.ProducerMetrics``); no
    gateway configured, no push. A push that fails is a warning naming the gateway: the
    records are delivered whether or not their figures are."""
    gateway = settings.metrics.pushgateway_url
    if not gateway:
        return
    metrics = ProducerMetrics(contract)
    for outcome, records in (
        (Outcome.PRODUCED, counts.produced),
        (Outcome.REJECTED, counts.rejected),
        (Outcome.FAILED, counts.failed),
    ):
        metrics.records.labels(contract, outcome.value).inc(records)
    for rule, records in counts.rejected_by_rule.items():
        metrics.rejected.labels(contract, rule).inc(records)
    for rule, records in counts.warned_by_rule.items():
        metrics.warned.labels(contract, rule).inc(records)
    metrics.run_duration.labels(contract).set(duration_s)
    if succeeded:
        metrics.last_success.labels(contract).set_to_current_time()
    try:
        metrics.push(gateway, settings.metrics.push_timeout_s, succeeded)
    except Exception as exc:  # urllib raises URLError, HTTPError, timeouts: never the run's end
        log.warning(
            "%s: the run's metrics were not pushed to the Pushgateway %s: %s",
            contract,
            redact_url(gateway),
            getattr(exc, "reason", None) or exc,
        )


def _produce(
    settings: Settings,
    contract: Contract,
    count: int,
    seed: str | None,
    url: str | None,
    params: dict[str, str] | None,
    progress: Progress | None,
) -> BatchCounts:
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
