"""The browser tests: real Chromium on the real UIs (Airflow's, the streaming job's Spark UI)
of a pipeline running on the local stack. Fixtures live by concern in ``tests/fixtures``."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from tests.fixtures.airflow_ui import airflow_ui
from tests.fixtures.browser import browser, docs_screenshot, page
from tests.fixtures.pipeline import pipeline

__all__ = ["airflow_ui", "browser", "docs_screenshot", "page", "pipeline"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the test item, so the ``page`` fixture knows it failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
