"""One producer run: fetch ``count`` users page by page, publish them, account for every one."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from config.settings import Settings
from producer.client import RandomUserClient
from producer.errors import BatchIncompleteError, SourceUnavailableError
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

    Raises ``BatchIncompleteError`` otherwise, or when the source gives up midway.

    Without a seed a random one is drawn, so the pages of one run are consistent; with a seed the
    run is reproducible and re-produces the same ids (idempotent upserts downstream).
    """
    seed = seed or secrets.token_hex(8)
    publisher = UserPublisher(settings, topic=topic, dlq_topic=dlq_topic)  # fails fast first
    ingested_at = datetime.now(UTC)
    with RandomUserClient.from_settings(settings.source, source_url) as client:
        source = client.url.split("?", 1)[0]
        try:
            for page in client.pages(count, seed, nat):
                publisher.publish(page.users, Origin(source, seed, page.page), ingested_at)
                if progress:
                    progress(publisher.counts, count)
        except SourceUnavailableError as exc:
            counts = publisher.flush()
            raise BatchIncompleteError(
                f"{exc}. Before giving up, {counts.fetched} of {count} users were fetched: "
                f"{counts.produced} produced, {counts.rejected} sent to the DLQ, "
                f"{counts.failed} failed (seed {seed!r}; re-running it re-produces the same ids)"
            ) from exc
    counts = publisher.flush()
    if counts.failed or counts.unaccounted:
        raise BatchIncompleteError(
            f"{counts.failed} record(s) not delivered and {counts.unaccounted} unaccounted of "
            f"{counts.fetched} fetched (seed {seed!r}): {'; '.join(publisher.errors)}"
        )
    return counts
