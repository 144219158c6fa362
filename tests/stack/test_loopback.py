"""Every process the local stack starts listens on 127.0.0.1 only (read from /proc).

Here: Kafka, the registry, Cassandra (with their JMX exporters, once started with them),
Prometheus and the Pushgateway of the shared stack, and the offline source run as ``make
offline-source`` does. The Spark job's driver, UI and block manager are checked where a job
runs, in ``tests/security/test_secured_pipeline.py`` (the binding code is the same for both
profiles); the secured stack's services are checked there too. The job's and its supervisor's
metrics endpoints are checked in ``tests/metrics/test_pipeline_metrics.py``, and a private
stack's JMX exporters in ``tests/stack/test_lifecycle.py``.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from config import Settings
from config.settings import REPO_ROOT
from spark.session import loopback_environment
from stack.control import running_pid, services
from stack.ports import ListeningSocket, listening_sockets_of, port_accepts
from stack.procs import process_tree
from tests.fixtures.loopback import assert_listens_on_loopback_only
from tests.fixtures.private_stack import free_port


def test_stack_services_listen_on_loopback_only(local_stack: Settings) -> None:
    pids = {name: running_pid(service) for name, service in services(local_stack).items()}
    assert None not in pids.values(), f"a service of the shared stack is not running: {pids}"
    assert_listens_on_loopback_only(
        {name: process_tree(pid) for name, pid in pids.items() if pid is not None}
    )


@pytest.fixture
def offline_source_process() -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "stack.offline_source", "--port", str(port)],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not port_accepts(port) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    yield proc, port
    proc.terminate()
    proc.wait(10)


def test_offline_source_listens_on_loopback_only(
    offline_source_process: tuple[subprocess.Popen[bytes], int],
) -> None:
    proc, port = offline_source_process
    assert [s.port for s in listening_sockets_of({proc.pid})] == [port]
    assert_listens_on_loopback_only({"offline source": {proc.pid}})


def test_a_socket_on_every_interface_is_reported() -> None:
    """The check itself: a socket bound to 0.0.0.0 by this process is found and flagged."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("0.0.0.0", 0))
        sock.listen()
        port = sock.getsockname()[1]
        mine = [s for s in listening_sockets_of({os.getpid()}) if s.port == port]
        assert [str(s) for s in mine] == [f"0.0.0.0:{port}"]
        assert not mine[0].is_loopback
        with pytest.raises(AssertionError, match=f"0.0.0.0:{port}"):
            assert_listens_on_loopback_only({"this test": {os.getpid()}})


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.1.1", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("::ffff:10.0.0.5", False),
        ("192.168.1.2", False),
    ],
)
def test_loopback_addresses(address: str, loopback: bool) -> None:
    assert ListeningSocket(ipaddress.ip_address(address), 1, "0").is_loopback is loopback


def test_a_local_spark_driver_gets_a_loopback_ui() -> None:
    """Spark 3.5's UI binds to SPARK_LOCAL_IP (else every interface): set for local masters."""
    assert loopback_environment("local[2]") == {"SPARK_LOCAL_IP": "127.0.0.1"}
    assert loopback_environment("spark://master:7077") == {}
