"""The browser tests: real Chromium on the real UIs (Airflow's, the streaming job's Spark UI,
Prometheus's) of a pipeline running on the local stack. Their fixtures live by concern in
``tests/fixtures`` (``browser``, ``airflow_ui``, ``pipeline``, ``prometheus``)."""

from __future__ import annotations

from collections.abc import Generator

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the test item, so the ``page`` fixture knows it failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
