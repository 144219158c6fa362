"""Fixtures of the static Docker Compose checks (tests/docker): the parsed Compose file,
its variables from .env.example, and the ``docker compose`` client. Nothing here needs a Docker
engine; the client is an installed tool (``make test`` installs its plugin with
docker/install-compose.sh, ``make test-unit`` does not), so a test using it is marked
``compose_cli`` (``tests/fixtures/markers.py``) and ``--service-free`` leaves it out."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest
import yaml

from tests.fixtures.compose import COMPOSE_FILE, ENV_EXAMPLE, interpolate, read_env_file


@pytest.fixture(scope="session")
def compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def compose(compose_text: str) -> dict[str, Any]:
    """The Compose file as YAML (anchors and merge keys resolved by the YAML loader)."""
    loaded = yaml.safe_load(compose_text)
    assert isinstance(loaded, dict), f"{COMPOSE_FILE}: not a YAML mapping"
    return loaded


@pytest.fixture(scope="session")
def env_example() -> dict[str, str]:
    return read_env_file(ENV_EXAMPLE)


@pytest.fixture(scope="session")
def resolved_compose(compose_text: str, env_example: dict[str, str]) -> dict[str, Any]:
    """The Compose file with its variables taken from .env.example, as `make up` would."""
    loaded = yaml.safe_load(interpolate(compose_text, env_example))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="session")
def compose_cli() -> str:
    """The ``docker`` client with its ``compose`` plugin (the test fails, saying how to install
    it, when either is missing)."""
    docker = shutil.which("docker")
    assert docker, "the `docker` client is not installed: cannot run `docker compose`"
    version = subprocess.run(
        [docker, "compose", "version"], capture_output=True, text=True, check=False
    )
    assert version.returncode == 0, (
        "the `docker compose` plugin is missing (install it with docker/install-compose.sh): "
        f"{version.stderr.strip() or version.stdout.strip()}"
    )
    return docker
