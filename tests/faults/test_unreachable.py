"""Services that cannot be reached, or that never answer: the producer and the job fail within
their timeouts with a message that names the service, and nothing is produced or written."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pyspark.errors import StreamingQueryException
from pyspark.sql import SparkSession

from clients.kafka import end_offsets
from clients.registry import RegistryUnavailableError
from config import Settings
from config.settings import updated
from producer.__main__ import main as producer_main
from spark.state import JobStateFile
from spark.streams import TopicStreams, plan
from stack.offline_source import OfflineSource
from tests.fixtures.private_stack import free_port
from tests.fixtures.producer import scratch_topics, user_names
from tests.fixtures.registry import produce_avro, register
from tests.fixtures.spark import USER_CONTRACT, StreamNames
from tests.fixtures.users import contract_record, make_users

pytestmark = [pytest.mark.stack, pytest.mark.outage]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers (a hung registry)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


def _env(monkeypatch: pytest.MonkeyPatch, settings: Settings, **overrides: str) -> None:
    values = {
        "PIPELINE_KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "PIPELINE_KAFKA__TOPIC_PREFIX": settings.kafka.topic_prefix,
        "PIPELINE_REGISTRY__URL": settings.registry.url,
        "PIPELINE_REGISTRY__TIMEOUT_S": "1",
        "PIPELINE_REGISTRY__MAX_RETRIES": "0",
        "PIPELINE_KAFKA__REQUEST_TIMEOUT_S": "3",
        **overrides,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def _produce(source: OfflineSource) -> tuple[int, float]:
    """``python -m producer`` for the user contract (its topics from the environment)."""
    args = ["--contract", USER_CONTRACT, "--count", "20", "--source-url", source.url]
    started = time.monotonic()
    code = producer_main(args)
    return code, time.monotonic() - started


@pytest.mark.parametrize("registry", ["closed", "silent"])
def test_producer_without_a_registry_fails_fast_and_produces_nothing(
    registry: str,
    local_stack: Settings,
    offline_source: OfflineSource,
    silent_port: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = free_port() if registry == "closed" else silent_port
    with scratch_topics(local_stack) as settings:
        url = f"http://127.0.0.1:{port}/apis/ccompat/v7"
        _env(monkeypatch, settings, PIPELINE_REGISTRY__URL=url)
        requests_before = offline_source.requests
        code, elapsed = _produce(offline_source)
        error = capsys.readouterr().err
        assert code == 1
        assert f"schema registry {url}" in error
        assert elapsed < 10, f"took {elapsed:.1f}s: the registry timeout is 1 s"
        assert offline_source.requests == requests_before, "nothing is fetched"
        assert sum(end_offsets(settings, user_names(settings).topic).values()) == 0


def test_producer_without_a_broker_fails_fast(
    local_stack: Settings,
    offline_source: OfflineSource,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broker = f"127.0.0.1:{free_port()}"
    _env(monkeypatch, local_stack, PIPELINE_KAFKA__BOOTSTRAP_SERVERS=broker)
    code, elapsed = _produce(offline_source)
    assert code == 1
    assert f"kafka {broker}: no broker answered within 3 s" in capsys.readouterr().err
    assert elapsed < 10


@pytest.mark.parametrize("live_reader", [True, False], ids=["live-reader", "static-reader"])
def test_the_job_fails_within_the_timeout_on_a_silent_registry(
    live_reader: bool,
    spark: SparkSession,
    stream_names: StreamNames,
    silent_port: int,
    tmp_path: Path,
) -> None:
    """The registry hangs: the live reader's first look at the subject fails the query's
    start; without it, the batch that must look a writer schema id up fails (to be retried).
    Either way within the timeout, naming the registry, instead of waiting for ever."""
    own, topic = stream_names.settings, stream_names.topic
    schema = stream_names.contract.schema
    register(own, stream_names.subject, schema)
    record = contract_record(
        make_users(1, seed="silent")[0], datetime.now(UTC).replace(microsecond=0)
    )
    produce_avro(own, topic, schema, [record])
    hung = updated(
        stream_names.for_job(tmp_path, live_reader=live_reader),
        registry={
            "url": f"http://127.0.0.1:{silent_port}/apis/ccompat/v7",
            "timeout_s": 2.0,
            "max_retries": 0,
        },
    )
    streams = TopicStreams(spark, hung, JobStateFile(hung.spark.status_file), None)
    started = time.monotonic()
    failure: Any = None
    try:
        query = streams.start(plan(hung, [USER_CONTRACT])[topic])
    except RegistryUnavailableError as exc:  # the live reader looks at the subject first
        failure = exc
    else:
        try:
            assert not query.awaitTermination(120), "the query must fail on the hung registry"
        except StreamingQueryException as exc:  # awaitTermination raises the query's failure
            failure = exc
        finally:
            query.stop()
    elapsed = time.monotonic() - started
    assert isinstance(failure, RegistryUnavailableError) == live_reader
    text = str(failure)
    assert f"schema registry {hung.registry.url}" in text and "timed out" in text.lower(), text
    assert elapsed < 90, f"failed after {elapsed:.0f}s"
