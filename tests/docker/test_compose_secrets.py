"""Credentials reach containers as Compose secrets (files under /run/secrets): no container has
one in its environment, no URL carries a password, and every secret a container reads is
mounted into it."""

from __future__ import annotations

import re
from typing import Any

from tests.fixtures.compose import ENV_EXAMPLE, read_env_file

CREDENTIALS = ("POSTGRES_PASSWORD", "AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET")
_SECRET_PATH = re.compile(r"/run/secrets/(?P<name>[a-z_]+)")
_URL_PASSWORD = re.compile(r"://[^/\s:@]+:(?!%s@)[^/\s@]+@")
"""A URL with a password in it (a printf ``%s`` placeholder filled from a secret file is not)."""


def _environment(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {key: str(value) for key, value in environment.items()}


def test_credentials_are_secrets_read_from_the_env_file(compose: dict[str, Any]) -> None:
    sources = {spec.get("environment") for spec in compose["secrets"].values()}
    assert set(CREDENTIALS) <= sources


def test_no_container_gets_a_credential_in_its_environment(
    resolved_compose: dict[str, Any],
) -> None:
    values = {read_env_file(ENV_EXAMPLE)[name] for name in CREDENTIALS}
    leaks = {
        f"{name}.{key}"
        for name, service in resolved_compose["services"].items()
        for key, value in _environment(service).items()
        if any(secret in value for secret in values) or _URL_PASSWORD.search(value)
    }
    assert not leaks, f"credentials in container environments: {sorted(leaks)}"


def test_containers_mount_every_secret_they_read(compose: dict[str, Any]) -> None:
    missing = []
    for name, service in compose["services"].items():
        mounted = {s if isinstance(s, str) else s["source"] for s in service.get("secrets", [])}
        read = {
            match.group("name")
            for value in _environment(service).values()
            for match in _SECRET_PATH.finditer(value)
        }
        missing += [f"{name}: {secret}" for secret in sorted(read - mounted)]
        assert mounted <= set(compose["secrets"]), f"{name} mounts an undeclared secret"
    assert not missing, f"secrets read but not mounted: {missing}"
