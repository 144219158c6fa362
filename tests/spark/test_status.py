"""The job's state file: merged, atomic, checked updates; missing or torn files read as empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from spark.state import JobPhase, JobState, JobStateFile, ReaderState


def test_updates_merge_into_the_recorded_fields(tmp_path: Path) -> None:
    path = tmp_path / "job" / "state.json"
    state = JobStateFile(path)
    state.update(ui_url="http://127.0.0.1:4040", pid=10, started_at="t0")
    updated = state.update(pid=11, phase=JobPhase.RUNNING)
    assert (
        updated
        == state.read()
        == JobState(ui_url="http://127.0.0.1:4040", pid=11, started_at="t0", phase=JobPhase.RUNNING)
    )
    # beside the file only its lock: no temporary file is left
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name, f"{path.name}.lock"]


def test_counters_and_readers_merge_too(tmp_path: Path) -> None:
    state = JobStateFile(tmp_path / "state.json")
    state.update(last_failure="before")
    state.count("query_restarts", last_failure="Kafka down")
    state.update_reader("users-value", version=2, writer_versions={"7": 1})
    after = state.update_reader("users-value", switched_at="t1")
    assert after.query_restarts == 1 and after.last_failure == "Kafka down"
    assert after.readers == {
        "users-value": ReaderState(version=2, switched_at="t1", writer_versions={"7": 1})
    }


def test_an_unknown_field_or_a_non_counter_is_refused(tmp_path: Path) -> None:
    state = JobStateFile(tmp_path / "state.json")
    with pytest.raises(TypeError, match="no field"):
        state.update(reader_version=2)
    with pytest.raises(TypeError, match="not a counter"):
        state.count("last_failure")
    assert state.read() == JobState(), "nothing was written"


def test_a_missing_or_unreadable_file_reads_as_empty(tmp_path: Path) -> None:
    assert JobStateFile(tmp_path / "absent.json").read() == JobState()
    torn = tmp_path / "torn.json"
    torn.write_text('{"pid": 1')
    assert JobStateFile(torn).read() == JobState()
    assert JobStateFile(torn).update(pid=2) == JobState(pid=2), "a torn file is replaced"
