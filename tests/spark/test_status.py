"""The job's status file: merged, atomic updates; missing or torn files read as empty."""

from __future__ import annotations

from pathlib import Path

from spark.status import read_status, write_status


def test_updates_merge_into_the_recorded_fields(tmp_path: Path) -> None:
    path = tmp_path / "metrics" / "job_status.json"
    write_status(path, ui_url="http://127.0.0.1:4040", pid=10, started_at="t0")
    status = write_status(path, pid=11)
    assert (
        status
        == read_status(path)
        == {
            "ui_url": "http://127.0.0.1:4040",
            "pid": 11,
            "started_at": "t0",
        }
    )
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no temporary file is left"


def test_a_missing_or_unreadable_file_reads_as_empty(tmp_path: Path) -> None:
    assert read_status(tmp_path / "absent.json") == {}
    torn = tmp_path / "torn.json"
    torn.write_text('{"pid": 1')
    assert read_status(torn) == {}
    assert write_status(torn, pid=2) == {"pid": 2}, "a torn file is replaced, not merged"
