"""The test suite's set-up: the shared fixtures (``tests/fixtures``, one module per concern) and
the markers, which say which services a test needs and are derived from its fixtures.

A test that uses the shared stack, Spark, Airflow or a browser, directly or through another
fixture, gets that marker here: it cannot be forgotten. ``pytest --service-free`` (``make
test-unit``) runs only the tests without any of the markers, with the services' endpoints
pointed at a closed port: a test that reaches a service all the same fails there instead of
passing against a stack that happens to run.
"""

from __future__ import annotations

import os

import pytest

from tests.fixtures.markers import UNREACHABLE, derived_markers

pytest_plugins = [
    "tests.fixtures.local_stack",
    "tests.fixtures.kafka",
    "tests.fixtures.registry",
    "tests.fixtures.cassandra",
    "tests.fixtures.spark",
    "tests.fixtures.users",
    "tests.fixtures.producer",
    "tests.fixtures.pipeline",
    "tests.fixtures.prometheus",
    "tests.fixtures.airflow_ui",
    "tests.fixtures.browser",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--service-free",
        action="store_true",
        help="run only the tests that need no service (no marker of pyproject's list), "
        "with the services' endpoints pointed at a closed port",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--service-free"):
        os.environ.update(UNREACHABLE)


def service_markers(config: pytest.Config) -> set[str]:
    """Every marker pyproject.toml registers: each says a test needs a service."""
    return {line.split(":", 1)[0].strip() for line in config.getini("markers")}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test from its fixtures; with ``--service-free`` keep the unmarked ones only.

    The `make demo` test runs last: it takes the shared stack down and brings it back up, which
    the other tests' session-wide clients should not have to live through.
    """
    services = service_markers(config)
    for item in items:
        has = {m.name for m in item.iter_markers()}
        for name in sorted(derived_markers(getattr(item, "fixturenames", ()), has) - has):
            item.add_marker(name)
    if config.getoption("--service-free"):
        needing = [i for i in items if {m.name for m in i.iter_markers()} & services]
        if needing:
            config.hook.pytest_deselected(items=needing)
            items[:] = [i for i in items if not {m.name for m in i.iter_markers()} & services]
    items.sort(key=lambda item: item.get_closest_marker("restarts_stack") is not None)
