"""The Compose file is valid: against the Compose specification's JSON schema (as vendored by the
check-jsonschema package) and, through the real client, `docker compose config -q` (marked
``compose_cli`` by its fixture: the plugin is installed by `make test`, not `make test-unit`)."""

from __future__ import annotations

import json
import subprocess
from importlib import resources
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs in the lock

from tests.fixtures.compose import COMPOSE_FILE, ENV_EXAMPLE, REPO_ROOT


def compose_spec_schema() -> dict[str, Any]:
    """The Compose specification schema shipped inside check-jsonschema (a dev dependency)."""
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    schema: dict[str, Any] = json.loads(
        vendor.joinpath("compose-spec.json").read_text(encoding="utf-8")
    )
    assert schema.get("title") == "Compose Specification", "not the Compose spec schema"
    return schema


def test_compose_file_matches_the_compose_specification(compose: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(compose_spec_schema())
    errors = [
        f"{'/'.join(str(part) for part in error.absolute_path) or '<root>'}: {error.message}"
        for error in validator.iter_errors(compose)
    ]
    assert not errors, f"{COMPOSE_FILE} breaks the Compose specification:\n" + "\n".join(errors)


def test_compose_file_has_no_obsolete_version_key(compose: dict[str, Any]) -> None:
    assert "version" not in compose, f"{COMPOSE_FILE}: `version:` is obsolete in the Compose spec"


def test_schema_rejects_an_invalid_service() -> None:
    """The validation above is not vacuous: a misspelt service key is an error."""
    broken = {"services": {"kafka": {"image": "x:1", "helthcheck": {"test": ["CMD", "true"]}}}}
    errors = list(jsonschema.Draft202012Validator(compose_spec_schema()).iter_errors(broken))
    assert errors, "the Compose schema accepted an unknown service key"


def test_docker_compose_config_accepts_the_file(compose_cli: str) -> None:
    result = subprocess.run(
        [
            compose_cli,
            "compose",
            "-f",
            str(COMPOSE_FILE),
            "--env-file",
            str(ENV_EXAMPLE),
            "config",
            "-q",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, (
        f"`docker compose config -q` rejected {COMPOSE_FILE}:\n{result.stderr}{result.stdout}"
    )
