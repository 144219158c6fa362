"""The streaming job's Spark UI, found the way ``make inspect`` finds it (the job's status file),
shows the running query and its input rate in the Structured Streaming tab."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from contract.catalog import all_contracts, contract
from ops.job_progress import JobStatus, job_status
from spark.metrics import MetricsLog
from stack.procs import log_tail
from stack.streaming_job import job_log
from tests.fixtures.browser import Shoot
from tests.fixtures.pipeline import Pipeline
from tests.fixtures.procfs import descendants
from tests.fixtures.users import make_users, publish

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.spark]

START_TIMEOUT_S = 240.0
USERS = 300
USER_CONTRACT = contract("user_created")


def _pause_or_give_up(pipeline: Pipeline, what: str, started: float) -> None:
    """Sleep a moment, or fail with the job's log once the start timeout has passed."""
    if time.monotonic() - started > START_TIMEOUT_S:
        raise AssertionError(
            f"the streaming job: {what} after {START_TIMEOUT_S:.0f} s; the end of its log:\n"
            + log_tail(job_log(pipeline.settings))
        )
    time.sleep(0.5)


def _running_status(pipeline: Pipeline) -> JobStatus:
    started = time.monotonic()
    while True:
        status = job_status(pipeline.settings)
        if (
            status.running
            and status.state.pid in descendants(pipeline.supervisor_pid)
            and status.ui_url
        ):
            return status
        _pause_or_give_up(pipeline, "no Spark UI recorded", started)


def _rows_written(pipeline: Pipeline, topic: str) -> int:
    batches = MetricsLog(pipeline.settings.spark.metrics_file).batches()
    return sum(b["rows_written"] for b in batches if b["topic"] == topic)


def test_the_structured_streaming_tab_shows_the_query_and_its_input_rate(
    pipeline: Pipeline, page: Page, docs_screenshot: Shoot
) -> None:
    status = _running_status(pipeline)
    port = urlsplit(status.ui_url).port
    assert port == pipeline.spark_ui_port
    ui = f"http://127.0.0.1:{port}"  # the job binds loopback, or every address: both answer here
    assert status.streaming_url == f"{str(status.ui_url).rstrip('/')}/StreamingQuery/"

    # Spark rates a batch's input against the batch before it, so the first batch has none:
    # the users go in once a first batch has completed.
    started = time.monotonic()
    while not MetricsLog(pipeline.settings.spark.metrics_file).batches():
        _pause_or_give_up(pipeline, "no micro-batch completed", started)
    topic = USER_CONTRACT.names(pipeline.settings).topic
    written_before = _rows_written(pipeline, topic)
    publish(pipeline.settings, make_users(USERS, uuid.uuid4().hex), datetime.now(UTC))
    started = time.monotonic()
    while _rows_written(pipeline, topic) < written_before + USERS:
        _pause_or_give_up(pipeline, f"{USERS} users not written", started)

    page.goto(f"{ui}/StreamingQuery/")
    # one query per contract topic, each named after its topic
    topics = sorted({c.names(pipeline.settings).topic for c in all_contracts()})
    expect(page.get_by_text(f"Active Streaming Queries ({len(topics)})")).to_be_visible()
    for each in topics:
        expect(page.get_by_role("row").filter(has_text=each)).to_contain_text("RUNNING")
    row = page.get_by_role("row").filter(has_text=topic)
    expect(row).to_contain_text("RUNNING")
    headers = [h.strip() for h in page.locator("thead th").all_inner_texts()]
    cells = row.locator("td").all_inner_texts()
    average_input = float(cells[headers.index("Avg Input /sec")].replace(",", ""))
    assert average_input > 0, dict(zip(headers, cells, strict=False))

    row.get_by_role("link").last.click()  # the run id opens the query's statistics
    expect(page.get_by_role("heading", name="Streaming Query Statistics")).to_be_visible()
    for chart in ("input-rate", "process-rate"):
        expect(page.locator(f"#{chart}-timeline svg")).to_be_visible()  # drawn by d3
    expect(page.locator("#stat-table strong", has_text="Input Rate")).to_be_visible()
    summary = page.get_by_text(re.compile(r"\(\d+ completed batches\)")).inner_text()
    completed = int(re.search(r"\((\d+) completed batches\)", summary).group(1))  # type: ignore[union-attr]
    assert completed >= 1
    docs_screenshot("spark-streaming")
