"""``make airflow`` from a plain shell, used in a real browser, then stopped with Ctrl-C.

The tests run in file order on one ``make airflow`` (module fixture): its addresses, the login
and the DAG, a triggered run that produces to Kafka through the registry and succeeds, Ctrl-C
taking down every process it started, and last, a second start (same Airflow home) stopped by
SIGTERM to its wrapper while Airflow is still starting.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import Page, expect

from clients.kafka import end_offsets
from contract.catalog import all_contracts, contract
from ops.messages import latest_shown
from stack.sessions import session_members
from tests.fixtures.airflow_ui import (
    STOP_TIMEOUT_S,
    AirflowUI,
    start_make_airflow,
    stop_if_running,
    wait_for_line,
)
from tests.fixtures.browser import Shoot
from tests.fixtures.pipeline import Pipeline
from tests.fixtures.procfs import alive, descendants, listening_sockets, session_of

pytestmark = [pytest.mark.browser, pytest.mark.airflow, pytest.mark.stack, pytest.mark.spark]

RUN_TIMEOUT_MS = 240_000
USERS = contract("user_created")
BATCH_SIZE = 1000  # the user DAG's default batch_size param (its contract's x-source.batch_size)


def _sessions(ui: AirflowUI) -> set[int]:
    """The sessions of every process ``make airflow`` started, its own session excepted."""
    own = session_of(ui.make.pid)
    return {s for pid in descendants(ui.make.pid) if (s := session_of(pid)) not in (None, own)}


def _log_in(page: Page, ui: AirflowUI, path: str) -> None:
    page.goto(f"{ui.url}{path}")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(ui.password())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{ui.url}{path}")


def test_it_prints_where_to_go_and_listens_on_loopback_only(airflow_ui: AirflowUI) -> None:
    printed = airflow_ui.printed()
    assert f"Airflow UI  {airflow_ui.url}" in printed
    assert f"user admin, password in {airflow_ui.password_file}" in printed
    assert airflow_ui.password() not in printed, "the password itself is never printed"
    sessions = _sessions(airflow_ui)
    assert len(sessions) == 4, "api-server, scheduler, dag-processor, triggerer"
    sockets = listening_sockets(session_members(sessions))
    assert ("127.0.0.1", int(airflow_ui.url.rsplit(":", 1)[1])) in sockets
    assert {address for address, _ in sockets} == {"127.0.0.1"}, sockets


def test_log_in_with_the_generated_password_and_see_the_dag(
    airflow_ui: AirflowUI, page: Page, docs_screenshot: Shoot
) -> None:
    _log_in(page, airflow_ui, "/dags")
    with_source = sorted(c.name for c in all_contracts() if c.source is not None)
    assert with_source == ["quake_reported", "user_created"]
    expect(page.get_by_test_id("dag-id")).to_have_text(with_source)  # one DAG per contract
    for each in all_contracts():
        assert each.source is not None
        expect(page.get_by_text(each.source.schedule, exact=True)).to_be_visible()
    docs_screenshot("airflow-dags")


def test_trigger_a_run_and_see_it_succeed(
    airflow_ui: AirflowUI, pipeline: Pipeline, page: Page, docs_screenshot: Shoot
) -> None:
    assert USERS.source is not None and USERS.source.batch_size == BATCH_SIZE
    _log_in(page, airflow_ui, f"/dags/{USERS.name}")
    page.get_by_role("button", name="Trigger Dag").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text(f"Unpause {USERS.name} on trigger")).to_be_visible()
    dialog.get_by_role("button", name="Trigger", exact=True).click()
    page.wait_for_url(re.compile(rf".*/dags/{USERS.name}/runs/manual__.+"))
    run_id = unquote(urlsplit(page.url).path.rsplit("/", 1)[1])

    badge = page.locator(f"h2:text-is('{run_id}') ~ [data-testid='state-badge']")
    expect(badge).to_have_text(re.compile("Success|Failed"), timeout=RUN_TIMEOUT_MS)
    expect(badge).to_have_text("Success")
    expect(page.get_by_role("row", name=re.compile("produce.*Success"))).to_be_visible()
    docs_screenshot("airflow-run")

    settings = pipeline.settings
    topic = USERS.names(settings).topic
    assert sum(end_offsets(settings, topic).values()) >= BATCH_SIZE
    [latest] = latest_shown(settings, topic, 1)
    assert latest.payload.value is not None, latest.payload.preview
    offline = settings.source.urls[USERS.name]
    assert latest.payload.value["source"] == offline, "fetched from the offline source"


def _assert_all_stop(ui: AirflowUI, sessions: set[int], stop: Callable[[], None]) -> None:
    """``stop()`` ends ``make airflow``, its wrapper and every process of ``sessions``."""
    started = session_members(sessions)
    wrapper = descendants(ui.make.pid) - started
    stop()
    ui.make.wait(STOP_TIMEOUT_S)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while (left := alive(started | wrapper)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"processes {sorted(left)} survived"
    assert session_members(sessions) == set(), "nothing new was started in those sessions"
    assert "Airflow stopped" in ui.printed()


def test_ctrl_c_stops_airflow_and_every_process_it_started(airflow_ui: AirflowUI) -> None:
    sessions = _sessions(airflow_ui)
    assert len(session_members(sessions)) > len(sessions), "components have children (workers)"
    _assert_all_stop(airflow_ui, sessions, airflow_ui.interrupt)


def test_sigterm_to_it_while_starting_stops_every_process_it_started(
    airflow_ui: AirflowUI, pipeline: Pipeline
) -> None:
    stop_if_running(airflow_ui)  # its Airflow home is reused: the database is migrated already
    ui = start_make_airflow(pipeline, airflow_ui.output.parent)
    try:
        wait_for_line(ui, "[2/3] starting")
        [wrapper] = [
            pid
            for pid in descendants(ui.make.pid)
            if b"stack.airflow_ui" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while len(sessions := _sessions(ui)) < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(sessions) == 4
        _assert_all_stop(ui, sessions, lambda: os.kill(wrapper, signal.SIGTERM))
        assert ui.make.returncode == 0, "a requested stop is a clean exit"
    finally:
        stop_if_running(ui)
