"""What a Structured Streaming checkpoint says about Kafka offsets, and whether it still fits
the topic (a topic recreated by ``make stack-reset`` is behind an old checkpoint)."""

from __future__ import annotations

import json
from pathlib import Path

from clients.kafka import Offsets


class CheckpointMismatchError(RuntimeError):
    """The checkpoint points past the end of the topic: the topic was recreated or truncated."""


def committed_offsets(checkpoint: Path, topic: str) -> Offsets:
    """Offsets of the newest batch in a checkpoint, for ``topic`` (empty when none).

    Each ``offsets/<batch>`` file holds a version line, a metadata line, then one JSON line
    per source; for the Kafka source it maps topic -> partition -> next offset to read.
    """
    offsets_dir = checkpoint / "offsets"
    if not offsets_dir.is_dir():
        return {}
    batches = sorted(int(p.name) for p in offsets_dir.iterdir() if p.name.isdigit())
    if not batches:
        return {}
    lines = (offsets_dir / str(batches[-1])).read_text(encoding="utf-8").splitlines()
    for line in lines[2:]:
        source = json.loads(line)
        if isinstance(source, dict) and topic in source:
            return {int(p): int(o) for p, o in source[topic].items()}
    return {}


def check_fits(checkpoint: Path, topic: str, end: Offsets) -> None:
    """Raise ``CheckpointMismatchError`` when the checkpoint is ahead of the topic's end."""
    ahead = {
        p: (offset, end.get(p, 0))
        for p, offset in committed_offsets(checkpoint, topic).items()
        if offset > end.get(p, 0)
    }
    if ahead:
        detail = ", ".join(f"partition {p}: {o} > end {e}" for p, (o, e) in sorted(ahead.items()))
        raise CheckpointMismatchError(
            f"checkpoint {checkpoint} is ahead of topic {topic} ({detail}): the topic was "
            "recreated or truncated since the job last ran. Start from the topic's beginning "
            f"by removing the checkpoint (`make stack-reset` locally, or delete {checkpoint}); "
            "rows already in Cassandra stay, and replayed records upsert the same keys."
        )
