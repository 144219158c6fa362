"""Prometheus's own web UI, watching the pipeline while users are produced the way ``make demo``
produces them: the rows-written rate of each table climbs on the graph, and the job, its
supervisor and the producer's Pushgateway are up targets.

The rate is summed by table, so the graph names the pipeline's real tables, not the test
pipeline's topics (whose names carry its scratch prefix).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from config import Settings
from contract.catalog import contract
from producer.run import run_batch
from spark.reader_contract import ReaderContract
from stack import prometheus_server
from stack.prometheus_server import ScrapeJob
from tests.fixtures.browser import Shoot
from tests.fixtures.polling import wait_for
from tests.fixtures.prometheus import query, wait_for_positive

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.spark]

USERS = contract("user_created")
START_TIMEOUT_S = 240.0
ROUNDS = 6
USERS_PER_ROUND = 150
ROUND_GAP_S = 6.0
"""A round a scrape or so apart: the graph's rate climbs as the rounds land."""
COUNTED_TIMEOUT_S = 120.0
RATE = "sum by (table) (rate(userstream_job_rows_written_total[1m]))"
GRAPH_RANGE = "2m"
TALL = ViewportSize(width=1280, height=1000)
UP_JOBS = (ScrapeJob.JOB, ScrapeJob.SUPERVISOR, ScrapeJob.PUSHGATEWAY)


def _rates(url: str) -> dict[str, float]:
    return {labels["table"]: value for labels, value in query(url, RATE)}


def _written(url: str, topic: str, table: str) -> float:
    """The rows of ``topic`` written to ``table`` as Prometheus last scraped them."""
    found = query(url, f'userstream_job_rows_written_total{{topic="{topic}",table="{table}"}}')
    return found[0][1] if found else 0.0


def _produce_rounds(observed: Settings) -> None:
    """Produce ``ROUNDS`` batches of users, ``ROUND_GAP_S`` apart."""
    for _ in range(ROUNDS):
        counts = run_batch(observed, USERS, USERS_PER_ROUND, url=observed.source.urls[USERS.name])
        assert counts.produced == USERS_PER_ROUND, counts
        time.sleep(ROUND_GAP_S)


def test_the_graph_shows_the_rows_written_rate_climbing(
    observed: Settings, page: Page, docs_screenshot: Shoot
) -> None:
    url = prometheus_server.url(observed)
    table = ReaderContract.generated(USERS).tables[0].name
    topic = USERS.names(observed).topic
    # the job's series exist from its query's start: the rounds go in once it streams
    wait_for(
        lambda: query(url, f'userstream_job_rows_written_total{{topic="{topic}"}}'),
        START_TIMEOUT_S,
        f"the job's rows-written series for {topic} in the Prometheus at {url}",
    )
    # a rate() right after earlier tests' rows is no baseline (the same job wrote them a
    # moment ago): Prometheus must count every row of the rounds, on top of what it had
    expected = _written(url, topic, table) + ROUNDS * USERS_PER_ROUND
    _produce_rounds(observed)
    wait_for(
        lambda: _written(url, topic, table) >= expected or None,
        COUNTED_TIMEOUT_S,
        f"Prometheus counting {expected:.0f} rows written to {table}",
    )
    tables = {t.name for t in ReaderContract.generated(USERS).tables}
    written = _rates(url)
    assert tables <= {t for t, rate in written.items() if rate > 0}, written

    graph = urlencode({"g0.expr": RATE, "g0.tab": "0", "g0.range_input": GRAPH_RANGE})
    page.set_viewport_size(TALL)  # the legend under the graph in the picture
    page.goto(f"{url}/graph?{graph}")
    for table in sorted(tables):  # the legend's entry of each user table
        expect(page.get_by_role("listitem").filter(has_text=f'table="{table}"')).to_be_visible()
    expect(page.get_by_text("Total time series: ")).to_be_visible()
    docs_screenshot("prometheus-rows-written")


def test_the_targets_page_shows_the_pipeline_up(
    observed: Settings, page: Page, docs_screenshot: Shoot
) -> None:
    url = prometheus_server.url(observed)
    for job in UP_JOBS:
        wait_for_positive(url, f'up{{job="{job}"}}')
    page.set_viewport_size(TALL)
    page.goto(f"{url}/graph")  # Debian's build serves the classic UI: its menu finds the page
    page.get_by_text("Status").click()
    page.get_by_role("link", name="Targets").click()
    for job in UP_JOBS:
        expect(page.get_by_text(f"{job} (1/1 up)")).to_be_visible()
    docs_screenshot("prometheus-targets")
