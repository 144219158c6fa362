"""One producer run: fetch ``count`` users page by page, publish them, account for every one."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from config.settings import Settings
from producer.client import RandomUserClient
from producer.errors import BatchIncompleteError, SourceError
from producer.publish import BatchCounts, Origin, UserPublisher

Progress = Callable[[BatchCounts, int], None]


def run_batch(
    settings: Settings,
    count: int,
    *,
    seed: str | None = None,
    source_url: str | None = None,
    nat: str | None = None,
    topic: str | None = None,
    dlq_topic: str | None = None,
    progress: Progress | None = None,
) -> BatchCounts:
    """Produce ``count`` users; every one must end delivered or in the DLQ.

    Whatever happens (the source giving up on a later page, a hostile payload, the broker
    refusing a record), what was queued is flushed and counted before this returns or raises:
    ``BatchIncompleteError`` (carrying the counts) when a user failed or the source gave up.

    Without a seed a random one is drawn, so the pages of one run are consistent; with a seed the
    run is reproducible and re-produces the same ids (idempotent upserts downstream).
    """
    seed = seed or secrets.token_hex(8)
    publisher = UserPublisher(settings, topic=topic, dlq_topic=dlq_topic)  # fails fast first
    ingested_at = datetime.now(UTC)
    gave_up: SourceError | None = None
    with RandomUserClient.from_settings(settings.source, source_url) as client:
        source = client.display_url.split("?", 1)[0]
        try:
            for page in client.pages(count, seed, nat):
                publisher.publish(page.users, Origin(source, seed, page.page), ingested_at)
                if progress:
                    progress(publisher.counts, count)
        except SourceError as exc:
            gave_up = exc
        finally:
            counts = publisher.flush()
    summary = (
        f"{counts.fetched} of {count} users fetched: {counts.produced} produced, "
        f"{counts.rejected} sent to the DLQ, {counts.failed} failed (seed {seed!r}; re-running "
        "it re-produces the same ids)"
    )
    if gave_up is not None:
        raise BatchIncompleteError(f"{gave_up}. {summary}", counts)
    if counts.failed or counts.unaccounted:
        raise BatchIncompleteError(f"{summary}: {'; '.join(publisher.errors)}", counts)
    return counts
