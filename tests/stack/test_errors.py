"""The stack's failure messages name what is wrong and what to do about it."""

from __future__ import annotations

import os
import signal
import socket
import stat
from pathlib import Path

import pytest

from config import Settings
from config.settings import updated
from stack.artifacts import fetch
from stack.errors import ArtifactFetchError, JavaError, PortInUseError, ServiceUnhealthyError
from stack.health import wait_healthy
from stack.javacheck import require_java
from stack.ports import require_free_port
from stack.procs import start_detached
from stack.service import Service, marker_for


def _fake_java(tmp_path: Path, version_line: str) -> Path:
    """A JAVA_HOME whose bin/java prints ``version_line`` like ``java -version`` does."""
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    return java.parent.parent


def test_java_too_old_names_version_and_install_hint(tmp_path: Path) -> None:
    home = _fake_java(tmp_path, 'openjdk version "11.0.22" 2024-01-16')
    with pytest.raises(JavaError) as err:
        require_java({"JAVA_HOME": str(home), "PATH": ""})
    message = str(err.value)
    assert "Java 11" in message and "17" in message
    assert "apt-get install openjdk-17-jdk-headless" in message


def test_java_8_style_version_is_too_old(tmp_path: Path) -> None:
    home = _fake_java(tmp_path, 'java version "1.8.0_392"')
    with pytest.raises(JavaError, match="Java 8"):
        require_java({"JAVA_HOME": str(home), "PATH": ""})


def test_java_missing_says_so(tmp_path: Path) -> None:
    with pytest.raises(JavaError, match=r"Java not found.*openjdk-17-jdk-headless"):
        require_java({"PATH": str(tmp_path)})


def test_java_17_is_accepted(tmp_path: Path) -> None:
    home = _fake_java(tmp_path, 'openjdk version "17.0.15" 2025-04-15')
    assert require_java({"JAVA_HOME": str(home)}) == home / "bin" / "java"


def test_port_in_use_names_port_and_holder() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(PortInUseError) as err:
            require_free_port("kafka", port)
    assert err.value.port == port
    assert f"port {port}" in str(err.value) and "kafka" in str(err.value)
    assert err.value.holder is not None and f"pid {os.getpid()} " in err.value.holder
    require_free_port("kafka", port)  # free again once the socket is closed


def test_unfetchable_artifact_is_named(settings: Settings, tmp_path: Path) -> None:
    own = updated(settings, stack={"cache_dir": tmp_path / "cache"})
    with pytest.raises(ArtifactFetchError) as err:
        fetch(own, overrides={"kafka.version": "0.0.404"})
    assert any("org.apache.kafka:kafka_2.13" in a and "0.0.404" in a for a in err.value.artifacts)
    assert "org.apache.kafka:kafka_2.13" in str(err.value)
    assert "BUILD FAILURE" in err.value.output_tail


def _sh_service(tmp_path: Path, script: str) -> Service:
    """A Service whose process is a shell script tagged with the stack marker."""
    home = tmp_path / "svc"
    home.mkdir()
    return Service(
        name="fakesvc",
        home=home,
        ports=(),
        endpoint="-",
        command=("sh", "-c", script, marker_for(home)),
        healthy=lambda: False,
    )


def _start(service: Service) -> int:
    return start_detached(
        service.command, cwd=service.home, log_path=service.log_path, pid_file=service.pid_file
    )


def test_service_that_exits_reports_its_log_tail(tmp_path: Path) -> None:
    service = _sh_service(tmp_path, "echo starting; echo 'fatal: bad config x=1'; exit 3")
    pid = _start(service)
    with pytest.raises(ServiceUnhealthyError) as err:
        wait_healthy(service, pid, timeout_s=30, progress=lambda _: None)
    assert f"pid {pid}) exited" in str(err.value)
    assert "fatal: bad config x=1" in err.value.log_tail
    assert str(service.log_path) in str(err.value)


def test_service_never_healthy_times_out_with_log_tail(tmp_path: Path) -> None:
    service = _sh_service(tmp_path, "echo 'waiting for nothing'; sleep 60")
    pid = _start(service)
    try:
        with pytest.raises(ServiceUnhealthyError) as err:
            wait_healthy(service, pid, timeout_s=1, progress=lambda _: None)
        assert "no healthy answer within 1 s" in str(err.value)
        assert "waiting for nothing" in err.value.log_tail
    finally:
        os.kill(pid, signal.SIGKILL)
