"""What a make target needs from the machine, checked before it starts, each with its install.

``python -m stack.requirements test`` (the first step of ``make test``, before the JVM artifacts
are fetched) prints every missing tool with the command that installs it and exits 1, instead of
failing minutes later in the middle of the suite. ``setup`` checks what ``make setup`` needs to
fetch the JVM artifacts, which every target of the local stack (``make demo`` included) runs
first: Java and Maven. Without Prometheus and its Pushgateway the stack runs unobserved, and
says so.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from stack.errors import JavaError
from stack.javacheck import require_java
from stack.prometheus_server import INSTALL as INSTALL_PROMETHEUS

CHROMIUM = Path(os.environ.get("USERSTREAM_CHROMIUM", "/usr/bin/chromium"))
"""The Chromium the browser tests drive (Debian's package; ``USERSTREAM_CHROMIUM`` overrides)."""


@dataclass(frozen=True)
class Missing:
    """A tool the target needs and does not find, why it is needed and how to install it."""

    tool: str
    needed_for: str
    install: str
    detail: str = ""


def _java() -> Missing | None:
    try:
        require_java()
    except JavaError as exc:
        return Missing(
            "java 17+",
            "the local stack (Kafka, the registry, Cassandra, Spark)",
            "sudo apt-get install openjdk-17-jdk-headless",
            str(exc),
        )
    return None


def _maven() -> Missing | None:
    if shutil.which("mvn"):
        return None
    return Missing(
        "maven", "fetching the JVM artifacts from Maven Central", "sudo apt-get install maven"
    )


def _prometheus() -> Missing | None:
    absent = [tool for tool in ("prometheus", "prometheus-pushgateway") if not shutil.which(tool)]
    if not absent:
        return None
    return Missing(
        " and ".join(absent),
        "the local stack's metrics (Prometheus and its Pushgateway, run on loopback)",
        INSTALL_PROMETHEUS,
        "Debian's prometheus package also enables a systemd service on every interface: "
        "`sudo systemctl disable --now prometheus` (docs/metrics.md)",
    )


def _chromium() -> Missing | None:
    if CHROMIUM.is_file():
        return None
    return Missing(
        "chromium",
        "the browser tests (tests/browser: the Airflow and Spark UIs)",
        "sudo apt-get install chromium",
        f"not at {CHROMIUM} (USERSTREAM_CHROMIUM names another)",
    )


def _compose_cli() -> Missing | None:
    """The `docker` client with its compose plugin, or Go to build the plugin."""
    docker = shutil.which("docker")
    if docker is None:
        return Missing(
            "docker client",
            "validating docker/compose.yaml with `docker compose config` (no engine needed)",
            "sudo apt-get install docker.io (or docker-ce-cli)",
        )
    plugin = subprocess.run(
        [docker, "compose", "version"], capture_output=True, check=False, timeout=60
    )
    if plugin.returncode == 0 or shutil.which("go"):
        return None  # docker/install-compose.sh builds the plugin with Go
    return Missing(
        "go",
        "building the docker compose plugin (docker/install-compose.sh)",
        "Go 1.21 or newer from https://go.dev/dl/ (it fetches the pinned toolchain itself)",
    )


Check = Callable[[], Missing | None]
TARGETS: dict[str, tuple[Check, ...]] = {
    "setup": (_java, _maven),
    "test": (_java, _maven, _prometheus, _chromium, _compose_cli),
}


def missing(target: str) -> list[Missing]:
    """What ``target`` needs and the machine lacks."""
    return [found for check in TARGETS[target] if (found := check()) is not None]


def report(target: str, gaps: Sequence[Missing]) -> str:
    """A short text naming each missing tool, what needs it and how to install it."""
    lines = [f"`make {target}` needs {len(gaps)} tool(s) this machine lacks:"]
    for gap in gaps:
        lines.append(f"  - {gap.tool}: for {gap.needed_for}")
        if gap.detail:
            lines.append(f"      {gap.detail}")
        lines.append(f"      install: {gap.install}")
    lines.append("(.ci/run installs all of them on a Debian machine)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack.requirements", description=__doc__)
    parser.add_argument("target", choices=sorted(TARGETS))
    args = parser.parse_args(argv)
    gaps = missing(args.target)
    if gaps:
        print(report(args.target, gaps), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
