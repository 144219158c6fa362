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

pytest_plugins = [
    "tests.fixtures.local_stack",
    "tests.fixtures.kafka",
    "tests.fixtures.registry",
    "tests.fixtures.cassandra",
    "tests.fixtures.spark",
    "tests.fixtures.users",
    "tests.fixtures.producer",
    "tests.fixtures.pipeline",
    "tests.fixtures.airflow_ui",
    "tests.fixtures.browser",
]

FIXTURE_MARKERS: dict[str, tuple[str, ...]] = {
    "local_stack": ("stack",),
    "private_stack": ("stack",),
    "secured": ("stack",),
    "outage_base": ("stack", "outage"),
    "spark": ("spark",),
    "pipeline": ("spark",),
    "supervised_job": ("spark",),
    "secured_job": ("spark",),
    "airflow_db": ("airflow",),
    "airflow_ui": ("airflow",),
    "browser": ("browser",),
}
"""The markers a fixture implies (its dependents' too: ``spark`` needs ``local_stack``)."""
MARKER_IMPLIES = {"outage": "stack", "restarts_stack": "stack"}
UNREACHABLE = {
    "PIPELINE_KAFKA__BOOTSTRAP_SERVERS": "127.0.0.1:1",
    "PIPELINE_REGISTRY__URL": "http://127.0.0.1:1",
    "PIPELINE_CASSANDRA__PORT": "1",
    "SPARK_HOME": "/nonexistent/spark-home-of-the-service-free-tests",
}
"""Where ``--service-free`` points the services (port 1 refuses), and a Spark that cannot start."""


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


def derived_markers(item: pytest.Item) -> set[str]:
    """The markers ``item`` gets from the fixtures it uses and from the markers it has."""
    names = {
        marker
        for fixture in getattr(item, "fixturenames", ())
        for marker in FIXTURE_MARKERS.get(fixture, ())
    }
    names |= {m.name for m in item.iter_markers()}
    return names | {MARKER_IMPLIES[name] for name in names if name in MARKER_IMPLIES}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test from its fixtures; with ``--service-free`` keep the unmarked ones only.

    The `make demo` test runs last: it takes the shared stack down and brings it back up, which
    the other tests' session-wide clients should not have to live through.
    """
    services = service_markers(config)
    for item in items:
        for name in sorted(derived_markers(item) - {m.name for m in item.iter_markers()}):
            item.add_marker(name)
    if config.getoption("--service-free"):
        needing = [i for i in items if {m.name for m in i.iter_markers()} & services]
        if needing:
            config.hook.pytest_deselected(items=needing)
            items[:] = [i for i in items if i not in set(needing)]
    items.sort(key=lambda item: item.get_closest_marker("restarts_stack") is not None)
