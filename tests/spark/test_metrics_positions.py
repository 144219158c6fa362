"""The offsets each micro-batch covered (``spark.metrics.BatchPosition``): taken from Spark's
query progress, recorded beside the batch's figures, and put on them when the file is read,
files written before positions existed read as before."""

from __future__ import annotations

import json
from pathlib import Path

from spark.metrics import BatchMetrics, BatchPosition, MetricsLog, progress_offsets

TOPIC = "users_created"


def _figures(batch_id: int, rows: int = 3) -> BatchMetrics:
    return BatchMetrics(batch_id, 1_000 * batch_id, 100, rows, rows, 0, topic=TOPIC)


def _position(batch_id: int, start: int, end: int) -> BatchPosition:
    return BatchPosition(TOPIC, batch_id, {"0": start}, {"0": end})


def test_a_progress_source_gives_one_position_per_topic() -> None:
    start = json.dumps({TOPIC: {"0": 5, "1": 7}})
    end = json.dumps({TOPIC: {"0": 9, "1": 7, "2": 1}})
    assert BatchPosition.of_progress(4, start, end) == [
        BatchPosition(TOPIC, 4, {"0": 5, "1": 7}, {"0": 9, "1": 7, "2": 1})
    ]


def test_a_first_batch_has_no_start_and_a_source_without_offsets_no_position() -> None:
    """PySpark passes a missing offset on as the text ``None``."""
    end = json.dumps({TOPIC: {"0": 3}})
    assert BatchPosition.of_progress(0, "None", end) == [BatchPosition(TOPIC, 0, {}, {"0": 3})]
    assert BatchPosition.of_progress(0, None, "None") == []
    assert progress_offsets("None") is None and progress_offsets("") is None


def test_positions_are_put_on_their_batches_figures(tmp_path: Path) -> None:
    metrics = MetricsLog(tmp_path / "batches.jsonl")
    metrics.record(_figures(0))
    metrics.record_position(_position(0, 0, 3))
    metrics.record(_figures(1))  # its position never came (the job was killed)
    batches = metrics.batches()
    assert [(b["batch_id"], b["start_offsets"], b["end_offsets"]) for b in batches] == [
        (0, {"0": 0}, {"0": 3}),
        (1, {}, {}),
    ]
    assert metrics.last_batch(TOPIC) == batches[-1]


def test_a_replayed_batch_gets_the_position_its_replay_committed(tmp_path: Path) -> None:
    metrics = MetricsLog(tmp_path / "batches.jsonl")
    metrics.record(_figures(1))  # written, then killed before the commit
    metrics.record(_figures(1))  # the replay after the restart, committed
    metrics.record_position(_position(1, 3, 6))
    metrics.record_position(_position(1, 3, 6))  # a second position line changes nothing
    assert [b["end_offsets"] for b in metrics.batches()] == [{}, {"0": 6}]


def test_a_file_written_before_positions_existed_reads_as_before(tmp_path: Path) -> None:
    path = tmp_path / "batches.jsonl"
    old = {"batch_id": 0, "topic": TOPIC, "rows_read": 2, "rows_written": 2, "rows_rejected": 0}
    path.write_text(json.dumps(old) + "\n", encoding="utf-8")
    assert MetricsLog(path).batches() == [old]
