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
from pyspark.sql import SparkSession

from clients.kafka import end_offsets
from clients.registry import RegistryUnavailableError, value_subject
from config import Settings
from producer.__main__ import main as producer_main
from spark.contract import ReaderContract
from spark.job import start_query
from stack.offline_source import OfflineSource
from tests.fixtures.private_stack import free_port
from tests.fixtures.producer import scratch_topics
from tests.fixtures.registry import produce_avro, register
from tests.fixtures.spark import StreamNames, job_options_for
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
        "PIPELINE_REGISTRY__URL": settings.registry.url,
        "PIPELINE_REGISTRY__TIMEOUT_S": "1",
        "PIPELINE_REGISTRY__MAX_RETRIES": "0",
        "PIPELINE_KAFKA__REQUEST_TIMEOUT_S": "3",
        **overrides,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def _produce(settings: Settings, source: OfflineSource) -> tuple[int, float]:
    args = ["--count", "20", "--source-url", source.url, "--topic", settings.kafka.topic]
    started = time.monotonic()
    code = producer_main([*args, "--dlq-topic", settings.kafka.dlq_topic])
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
        code, elapsed = _produce(settings, offline_source)
        error = capsys.readouterr().err
        assert code == 1
        assert f"schema registry {url}" in error
        assert elapsed < 10, f"took {elapsed:.1f}s: the registry timeout is 1 s"
        assert offline_source.requests == requests_before, "nothing is fetched"
        assert sum(end_offsets(settings, settings.kafka.topic).values()) == 0


def test_producer_without_a_broker_fails_fast(
    local_stack: Settings,
    offline_source: OfflineSource,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broker = f"127.0.0.1:{free_port()}"
    _env(monkeypatch, local_stack, PIPELINE_KAFKA__BOOTSTRAP_SERVERS=broker)
    code, elapsed = _produce(local_stack, offline_source)
    assert code == 1
    assert f"kafka {broker}: no broker answered within 3 s" in capsys.readouterr().err
    assert elapsed < 10


@pytest.mark.parametrize("live_reader", [True, False], ids=["live-reader", "static-reader"])
def test_the_job_fails_within_the_timeout_on_a_silent_registry(
    live_reader: bool,
    spark: SparkSession,
    settings: Settings,
    stream_names: StreamNames,
    silent_port: int,
    tmp_path: Path,
) -> None:
    """The registry hangs: the live reader's first look at the subject fails the query's
    start; without it, the batch that must look a writer schema id up fails (to be retried).
    Either way within the timeout, naming the registry, instead of waiting for ever."""
    contract = ReaderContract.current()
    register(settings, value_subject(stream_names.topic), contract.reader_schema)
    record = contract_record(
        make_users(1, seed="silent")[0], datetime.now(UTC).replace(microsecond=0)
    )
    produce_avro(settings, stream_names.topic, contract.reader_schema, [record])
    hung = settings.model_copy(
        update={
            "registry": settings.registry.model_copy(
                update={
                    "url": f"http://127.0.0.1:{silent_port}/apis/ccompat/v7",
                    "timeout_s": 2.0,
                    "max_retries": 0,
                }
            ),
            "spark": settings.spark.model_copy(update={"live_reader": live_reader}),
        }
    )
    options = job_options_for(hung, contract, stream_names, tmp_path)
    started = time.monotonic()
    failure: Any = None
    try:
        query = start_query(spark, hung, contract, options)
    except RegistryUnavailableError as exc:  # the live reader looks at the subject first
        failure = exc
    else:
        try:
            assert not query.awaitTermination(120), "the query must fail on the hung registry"
        except Exception as exc:  # awaitTermination raises the query's failure
            failure = exc
        finally:
            query.stop()
    elapsed = time.monotonic() - started
    assert isinstance(failure, RegistryUnavailableError) == live_reader
    text = str(failure)
    assert f"schema registry {hung.registry.url}" in text and "timed out" in text.lower(), text
    assert elapsed < 90, f"failed after {elapsed:.0f}s"
