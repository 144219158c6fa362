"""The tests' scratch names carry their session's token; a session's start sweeps the names of
sessions that are gone (killed ones) and keeps those of sessions still running beside it."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cassandra.cluster import Session
from confluent_kafka import Consumer, TopicPartition

from clients.kafka import (
    TopicSpec,
    consumer_config,
    delete_consumer_groups,
    ensure_topics,
    list_consumer_groups,
    list_topics,
)
from clients.registry import Registry
from config import Settings
from contract.catalog import all_contracts
from tests.fixtures.cassandra import SINGLE_REPLICA
from tests.fixtures.names import (
    ISSUED,
    LEGACY,
    SessionProcess,
    Sessions,
    claim,
    protected_names,
    read_sessions,
    remove_topics,
    scratch_name,
    scratch_of,
    session_token,
    sessions_dir,
    sessions_of,
    stale,
    sweep_stale,
)
from tests.fixtures.polling import wait_for


@contextmanager
def running() -> Iterator[subprocess.Popen[bytes]]:
    """A process that runs until the block ends."""
    process = subprocess.Popen(["sleep", "600"])
    try:
        yield process
    finally:
        process.kill()
        process.wait()


def gone_process() -> SessionProcess:
    """What a session file of a process that has ended says."""
    with running() as process:
        found = SessionProcess.of(process.pid)
    assert found is not None
    return found


# --- names ----------------------------------------------------------------------------------


def test_a_scratch_name_carries_the_session_token_and_is_unique() -> None:
    names = [scratch_name("unit", "The same Hint!") for _ in range(300)]
    assert len(set(names)) == len(names)
    for name in names:
        assert name.startswith("tunit_the_same_hint_")
        assert scratch_of(name) == name
        assert name[-8:-4] == session_token()
        assert len(name) <= 48
    assert set(names) <= set(ISSUED)


@pytest.mark.parametrize(
    ("name", "anywhere", "scratch"),
    [
        ("tspark_rows_1a2b3c4d", False, "tspark_rows_1a2b3c4d"),
        ("tdemo_46dc5cab.users_created.dlq.redriven", False, "tdemo_46dc5cab"),
        ("tprod_ab12cd34-value", False, "tprod_ab12cd34"),
        ("tops_x_y_ab12cd34.Account", False, "tops_x_y_ab12cd34"),
        ("io.test.tops_x_ab12cd34.Account", False, None),
        ("io.test.tops_x_ab12cd34.Account", True, "tops_x_ab12cd34"),
        ("tspark_rows_1a2b3c4d5e", False, None),  # 10 hex: not the scheme
        ("users_created", False, None),
        ("test_users_0123456789", False, None),
        ("xtspark_rows_1a2b3c4d", True, None),
    ],
)
def test_scratch_of_finds_the_scratch_name_a_name_is_made_of(
    name: str, anywhere: bool, scratch: str | None
) -> None:
    assert scratch_of(name, anywhere=anywhere) == scratch


@pytest.mark.parametrize(
    ("name", "legacy"),
    [
        ("demo_ccd947d2fc", True),
        ("spark_records_wi_8749b22b7f.dlq.redriven", True),
        ("spark_the_same_r_a959f35301.producer-dlq", True),
        ("spark_records_wi_8749b22b7f-late-value", True),
        ("test_users_0123456789.dlq", True),
        ("tests-3d21101c155648c482efc41eaaa4487a", True),
        ("tests-3d21101c", False),
        ("spark_streams", False),
        ("users_created", False),
        ("demo_ccd947d2fc0", False),
        ("tdemo_46dc5cab", False),
    ],
)
def test_legacy_names_are_those_of_the_scheme_before_scratch_name(name: str, legacy: bool) -> None:
    assert (LEGACY.match(name) is not None) == legacy


# --- which names are stale ------------------------------------------------------------------

LIVE, GONE, OWN, NONE = "aaaa", "bbbb", "cccc", "dddd"


def _names(token: str) -> list[str]:
    return [f"tx_{token}0001", f"tx_{token}0001.dlq"]


@pytest.mark.parametrize("all_registered", [True, False])
def test_only_names_no_live_session_owns_are_stale(all_registered: bool) -> None:
    sessions = Sessions(frozenset({LIVE, OWN}), frozenset({GONE}), all_registered)
    issued = [f"tx_{OWN}0001"]
    names = [
        *_names(LIVE),
        *_names(GONE),
        *_names(OWN),  # issued by this session
        f"tx_{OWN}0002",  # this session's token, not issued by it: an older session's
        *_names(NONE),  # a token no file registers
        "demo_ccd947d2fc",
        "users_created",
        "users_created.dlq",
    ]
    found = stale(names, sessions, own=OWN, issued=issued, protected=["users_created"])
    unattributed = [f"tx_{OWN}0002", *_names(NONE), "demo_ccd947d2fc"]
    assert found == [*_names(GONE), *(unattributed if all_registered else [])]


def test_what_a_contract_names_is_never_stale() -> None:
    sessions = Sessions(frozenset(), frozenset({GONE}), True)
    protected = [f"tx_{GONE}0001", "demo_ccd947d2fc"]
    names = [f"tx_{GONE}0001", f"tx_{GONE}0001.dlq", f"tx_{GONE}0001-value", "demo_ccd947d2fc"]
    assert stale(names, sessions, own=OWN, issued=[], protected=protected) == []


def test_record_named_subjects_are_stale_with_the_scratch_name_they_contain() -> None:
    sessions = Sessions(frozenset({LIVE}), frozenset({GONE}), False)
    subjects = [f"io.t.tx_{GONE}0001.Account", f"io.t.tx_{LIVE}0001.Account", "io.t.Account"]
    found = stale(subjects, sessions, own=OWN, issued=[], anywhere=True)
    assert found == [f"io.t.tx_{GONE}0001.Account"]


# --- sessions -------------------------------------------------------------------------------


def test_a_session_process_is_alive_while_the_very_process_runs() -> None:
    own = SessionProcess.of(os.getpid())
    assert own is not None and own.alive()
    assert SessionProcess.parse(own.text()) == own
    assert not gone_process().alive()
    reused = SessionProcess(own.pid, own.start + 1, own.boot)  # the pid, another process
    assert not reused.alive()
    rebooted = SessionProcess(own.pid, own.start, "another boot")
    assert not rebooted.alive()
    assert SessionProcess.parse("not json") is None
    assert SessionProcess.parse('{"pid": 1}') is None


def test_a_token_is_claimed_once(tmp_path: Path) -> None:
    own = SessionProcess.of(os.getpid())
    assert own is not None
    assert claim(tmp_path, "abcd", own) is True
    assert claim(tmp_path, "abcd", gone_process()) is False
    assert read_sessions(tmp_path) == {"abcd": own}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["abcd"]  # no draft left


def test_sessions_of_a_home_tell_live_from_gone(tmp_path: Path) -> None:
    directory = sessions_dir(tmp_path)
    own = SessionProcess.of(os.getpid())
    assert own is not None
    gone = gone_process()
    assert claim(directory, LIVE, own) and claim(directory, GONE, gone)
    (directory / NONE).write_text("half a")
    (tmp_path / "leases").mkdir()
    (tmp_path / "leases" / str(os.getpid())).touch()
    (tmp_path / "leases" / str(gone.pid)).touch()  # a lease left by a session that is gone
    sessions, files = sessions_of(tmp_path)
    assert sessions == Sessions(frozenset({LIVE}), frozenset({GONE, NONE}), True)
    assert files == {GONE: gone, NONE: None}
    with running() as unregistered:  # a live session with a lease and no file (older code)
        (tmp_path / "leases" / str(unregistered.pid)).touch()
        assert sessions_of(tmp_path)[0].all_registered is False


# --- on the stack ---------------------------------------------------------------------------


def _claimed(directory: Path, process: SessionProcess) -> str:
    """A token no session has, registered for ``process``."""
    while True:
        token = secrets.token_hex(2)
        if token != session_token() and claim(directory, token, process):
            return token


def _plant(settings: Settings, session: Session, name: str) -> None:
    """A topic and its DLQ, a value subject, a keyspace and a consumer group named ``name``."""
    ensure_topics(settings, [TopicSpec(name, 1, 1), TopicSpec(f"{name}.dlq", 1, 1)])
    with Registry(settings.registry) as registry:
        registry.register(f"{name}-value", all_contracts()[0].schema)
    session.execute(f"CREATE KEYSPACE IF NOT EXISTS {name} WITH replication = {SINGLE_REPLICA}")
    consumer = Consumer(consumer_config(settings, group_id=name))
    try:  # a group with a committed offset outlives its consumer
        consumer.commit(offsets=[TopicPartition(name, 0, 0)], asynchronous=False)
    finally:
        consumer.close()


def _present(settings: Settings, session: Session, name: str) -> set[tuple[str, str]]:
    """Which of the things ``_plant`` names ``name`` the stack has, by kind."""
    with Registry(settings.registry) as registry:
        subjects = registry.subjects(name)
    rows = session.execute("SELECT keyspace_name FROM system_schema.keyspaces")
    found = {("topic", t) for t in list_topics(settings)} | {("subject", s) for s in subjects}
    found |= {("keyspace", r.keyspace_name) for r in rows}
    found |= {("group", g) for g in list_consumer_groups(settings)}
    return found & _planted(name)


def _planted(name: str) -> set[tuple[str, str]]:
    return {
        ("topic", name),
        ("topic", f"{name}.dlq"),
        ("subject", f"{name}-value"),
        ("keyspace", name),
        ("group", name),
    }


def test_the_start_sweep_removes_the_names_of_gone_sessions_only(
    stack_settings: Settings, cassandra_session: Session
) -> None:
    settings, session = stack_settings, cassandra_session
    directory = sessions_dir(settings.stack.home)
    with running() as other:
        live_process = SessionProcess.of(other.pid)
        assert live_process is not None
        live_token, dead_token = (
            _claimed(directory, live_process),
            _claimed(directory, gone_process()),
        )
        live, dead = f"tsweep_live_{live_token}0001", f"tsweep_dead_{dead_token}0001"
        try:
            _plant(settings, session, live)
            _plant(settings, session, dead)
            removed = sweep_stale(settings, session)

            assert {dead, f"{dead}.dlq", f"{dead}-value"} <= set(removed)
            assert removed.count(dead) == 3, "its topic, keyspace and consumer group"
            assert not set(removed) & protected_names(settings)
            wait_for(lambda: not _present(settings, session, dead), 30, f"{dead} to be gone")
            assert dead_token not in read_sessions(directory)

            assert not any(live in name for name in removed)
            assert _present(settings, session, live) == _planted(live)
            assert read_sessions(directory)[live_token] == live_process
        finally:
            _unplant(settings, session, live)
            (directory / live_token).unlink(missing_ok=True)


def _unplant(settings: Settings, session: Session, name: str) -> None:
    remove_topics(settings, [name, f"{name}.dlq"])
    with Registry(settings.registry) as registry:
        registry.delete_subject(f"{name}-value")
    session.execute(f"DROP KEYSPACE IF EXISTS {name}")
    delete_consumer_groups(settings, [name])
