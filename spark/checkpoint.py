"""What a Structured Streaming checkpoint says about Kafka offsets, and whether it still fits
the topic (a topic recreated by ``make stack-reset`` is behind an old checkpoint)."""

from __future__ import annotations

import json
from pathlib import Path

from clients.kafka import Offsets
from config import Settings


def checkpoint_location(settings: Settings, topic: str) -> str:
    """Where the query of ``topic`` checkpoints: ``<spark.checkpoint_dir>/<topic>``."""
    root = settings.spark.checkpoint_dir
    if "://" in root:
        return f"{root.rstrip('/')}/{topic}"
    return str(Path(root) / topic)


class CheckpointMismatchError(RuntimeError):
    """The checkpoint points past the end of the topic: the topic was recreated or truncated."""


def _batches(folder: Path) -> list[int]:
    if not folder.is_dir():
        return []
    return sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit())


def written_offsets(checkpoint: Path, topic: str) -> Offsets:
    """Offsets up to which the job has written ``topic``: those of its newest *committed* batch.

    A batch's ``offsets/<id>`` file is written when the batch is planned, its ``commits/<id>``
    file once its output is written, so the newest offsets file is the batch in progress. An
    offsets file holds a version line, a metadata line, then one JSON line per source; for
    the Kafka source it maps topic -> partition -> next offset to read.
    """
    committed = _batches(checkpoint / "commits")
    if not committed:
        return {}
    lines = (checkpoint / "offsets" / str(committed[-1])).read_text(encoding="utf-8").splitlines()
    for line in lines[2:]:
        source = json.loads(line)
        if isinstance(source, dict) and topic in source:
            return {int(p): int(o) for p, o in source[topic].items()}
    return {}


def check_fits(checkpoint: Path, topic: str, end: Offsets) -> None:
    """Raise ``CheckpointMismatchError`` when the checkpoint is ahead of the topic's end."""
    ahead = {
        p: (offset, end.get(p, 0))
        for p, offset in written_offsets(checkpoint, topic).items()
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
