"""One producer batch on the real broker and registry: DLQ, fail-fast, idempotent keys."""

from __future__ import annotations

import json

import pytest

from config import Settings
from config.settings import updated
from contract.catalog import contract
from producer.__main__ import main
from producer.errors import BatchIncompleteError, SubjectNotRegisteredError
from producer.run import run_batch
from stack.offline_source import Faults, OfflineSource
from tests.fixtures.producer import (
    assert_no_credentials,
    consume_decoded,
    credentials_of,
    user_names,
)
from tests.fixtures.spark import USER_CONTRACT
from tests.fixtures.users import source_users

pytestmark = pytest.mark.stack

USERS = contract(USER_CONTRACT)


def _env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Put the CLI (which loads its own settings) on the deployment of ``settings``."""
    monkeypatch.setenv("PIPELINE_REGISTRY__URL", settings.registry.url)
    monkeypatch.setenv("PIPELINE_KAFKA__BOOTSTRAP_SERVERS", settings.kafka.bootstrap_servers)
    monkeypatch.setenv("PIPELINE_KAFKA__TOPIC_PREFIX", settings.kafka.topic_prefix)


def test_bad_users_go_to_the_dlq_with_reasons_and_counts_add_up(
    topics: Settings, offline_source: OfflineSource
) -> None:
    names = user_names(topics)
    url = f"{offline_source.url}?bad_user_rate=0.2"
    counts = run_batch(topics, USERS, 200, seed="dlq", url=url)
    users = source_users(offline_source.url, 200, "dlq", "&bad_user_rate=0.2")
    assert counts.fetched == 200
    assert counts.produced + counts.rejected == 200
    assert 10 < counts.rejected < 80
    assert counts.failed == 0

    dlq = consume_decoded(topics, names.dlq_topic, counts.rejected)
    produced = consume_decoded(topics, names.topic, counts.produced)
    assert len(dlq) == counts.rejected
    assert len(produced) == counts.produced
    reasons = {(m.headers["error.rule"], m.headers["error.field"]) for m in dlq}
    assert reasons == {
        (b"source:shape", b"email"),
        (b"source:shape", b"dob.date"),
        (b"latitude_in_range", b"location.coordinates.latitude"),
    }
    for message in dlq:
        index = int(message.headers["source.index"])
        original = users[index]
        assert message.key == original["login"]["uuid"].encode()
        assert message.decoded["login"] == {"uuid": original["login"]["uuid"], "username": "***"}
        assert message.headers["error.stage"] == b"producer"
        assert message.headers["source.url"] == offline_source.url.encode()
        assert message.headers["source.seed"] == b"dlq"
        # personal data is masked in the DLQ body, the rest kept as the API sent it
        assert message.decoded.get("email", "***") == "***"  # absent in the missing-field kind
        assert message.decoded["name"]["first"] == "***"
        assert message.decoded["gender"] == original["gender"]
    dlq_keys = {m.key for m in dlq}
    produced_keys = {m.key for m in produced}
    assert dlq_keys.isdisjoint(produced_keys)
    assert dlq_keys | produced_keys == {u["login"]["uuid"].encode() for u in users}
    assert_no_credentials(dlq + produced, credentials_of(users))


def test_unregistered_subject_fails_fast_before_fetching(
    unregistered_topics: Settings, offline_source: OfflineSource
) -> None:
    before = offline_source.requests
    with pytest.raises(SubjectNotRegisteredError, match="run `make register`") as err:
        run_batch(unregistered_topics, USERS, 10, seed="x", url=offline_source.url)
    assert err.value.subject == user_names(unregistered_topics).subject
    assert err.value.subject == f"{user_names(unregistered_topics).topic}-value"
    assert offline_source.requests == before


def test_source_down_midway_says_what_was_produced(topics: Settings) -> None:
    settings = updated(topics, source={"max_attempts": 2})
    with (
        OfflineSource(faults=Faults(down_after=1)) as failing,
        pytest.raises(BatchIncompleteError) as err,
    ):
        run_batch(settings, USERS, 5001, seed="midway", url=failing.url)
    message = str(err.value)
    assert "unavailable after 2 attempt(s)" in message
    assert "HTTP 503" in message
    assert (
        f"{USER_CONTRACT}: 5000 of 5001 records fetched: 5000 produced, 0 sent to the DLQ, "
        "0 failed" in message
    )
    assert err.value.counts.as_dict() == {
        "fetched": 5000,
        "produced": 5000,
        "rejected": 0,
        "failed": 0,
    }
    assert len(consume_decoded(settings, user_names(settings).topic, 5000)) == 5000


def test_cli_runs_one_batch_twice_with_the_same_keys(
    topics: Settings,
    offline_source: OfflineSource,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _env(monkeypatch, topics)
    args = ["--contract", USER_CONTRACT, "--count", "25", "--seed", "twice"]
    args += ["--source-url", offline_source.url]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    assert (
        json.loads(capsys.readouterr().out)
        == first
        == {"contract": USER_CONTRACT, "fetched": 25, "produced": 25, "rejected": 0, "failed": 0}
    )
    messages = consume_decoded(topics, user_names(topics).topic, 50)
    keys = [m.key for m in messages]
    assert len(keys) == 50
    assert len(set(keys)) == 25  # the second run re-produced exactly the same ids
    assert {k.decode() for k in keys if k} == {
        u["login"]["uuid"] for u in source_users(offline_source.url, 25, "twice")
    }


def test_cli_reports_failure_with_exit_code(
    unregistered_topics: Settings,
    offline_source: OfflineSource,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _env(monkeypatch, unregistered_topics)
    code = main(["--contract", USER_CONTRACT, "--count", "5", "--source-url", offline_source.url])
    assert code == 1
    err = capsys.readouterr().err
    assert "make register" in err
    assert user_names(unregistered_topics).subject in err

    assert main(["--contract", "user_creatd", "--count", "5"]) == 1
    err = capsys.readouterr().err
    assert "no contract named user_creatd" in err and USER_CONTRACT in err


def test_hostile_payloads_each_end_clearly_and_good_users_are_delivered(
    topics: Settings, offline_source: OfflineSource
) -> None:
    """One user per hostile kind on each page, and the API refusing the second page: every
    user ends produced or in the DLQ with its reason, the counts add up, the run says why it is
    incomplete, and every good user of the run is on the topic."""
    kinds = "surrogate,huge_int,deep,oversized,not_object,not_uuid"
    url = f"{offline_source.url}?hostile={kinds}&reject_page=2"
    names = user_names(topics)
    with pytest.raises(BatchIncompleteError, match="HTTP 400") as err:
        run_batch(topics, USERS, 5030, seed="hostile", url=url)
    counts = err.value.counts
    assert counts.as_dict() == {"fetched": 5000, "produced": 4994, "rejected": 6, "failed": 0}
    dlq = consume_decoded(topics, names.dlq_topic, 6)
    by_index = {int(m.headers["source.index"]): m for m in dlq}
    expected = {
        1: (b"type:utf8", b"location.city"),
        2: (b"source:shape", b"location.street.number"),
        3: (b"source:shape", b"<record>"),
        4: (b"size:max-message", b"<record>"),
        5: (b"source:shape", b"<record>"),
        6: (b"type:uuid", b"id"),
    }
    assert {
        i: (m.headers["error.rule"], m.headers["error.field"]) for i, m in by_index.items()
    } == (expected)
    assert b"5000 digits" in by_index[2].headers["error"]
    assert b"nested deeper" in by_index[3].headers["error"]
    assert len(by_index[4].value) < topics.kafka.dlq_max_message_bytes
    assert by_index[4].headers["error.body_truncated_from"]
    assert b"\\ud800" in by_index[1].value  # the lone surrogate kept as its JSON escape
    produced = consume_decoded(topics, names.topic, counts.produced)
    good = source_users(offline_source.url, 5000, "hostile")
    hostile_ids = {good[i]["login"]["uuid"].encode() for i in expected}
    assert {m.key for m in produced} == {u["login"]["uuid"].encode() for u in good} - hostile_ids
