"""Helpers of the static Docker Compose checks: paths, dotenv parsing, Compose variable
interpolation and the Dockerfiles a Compose file builds. Nothing here needs a Docker engine."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKER_DIR = REPO_ROOT / "docker"
COMPOSE_FILE = DOCKER_DIR / "compose.yaml"
ENV_EXAMPLE = DOCKER_DIR / ".env.example"

_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::?(?P<op>[-?])(?P<arg>[^}]*))?\}")


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines of a dotenv file, comments and blank lines skipped."""
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, value = stripped.partition("=")
        if not sep:
            raise ValueError(f"{path}:{number}: not a KEY=value line: {line!r}")
        values[key.strip()] = value.strip()
    return values


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}`` substitution (``$$`` is
    a literal ``$``); a required variable missing from ``env`` is an error naming it."""

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        if env.get(name):
            return env[name]
        if op == "-":
            return arg or ""
        if op == "?":
            raise KeyError(f"required variable {name} is not set: {arg}")
        return ""

    return "$".join(_VARIABLE.sub(substitute, part) for part in text.split("$$"))


def required_variables(text: str) -> set[str]:
    """The names of the ``${VAR:?...}`` variables: Compose refuses to start without them."""
    return {m.group("name") for m in _VARIABLE.finditer(text) if m.group("op") == "?"}


def dockerfiles(compose: dict[str, Any]) -> dict[str, Path]:
    """Each service's Dockerfile (resolved against its build context), by service name."""
    found: dict[str, Path] = {}
    for name, service in compose["services"].items():
        build = service.get("build")
        if build is None:
            continue
        context = (COMPOSE_FILE.parent / build["context"]).resolve()
        found[name] = context / build.get("dockerfile", "Dockerfile")
    return found


def image_reference(image: str) -> tuple[str, str | None]:
    """``(repository, tag)`` of an image reference; the tag is None when there is none."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" not in last:
        return name, None
    repository, tag = name.rsplit(":", 1)
    return repository, tag


def from_images(dockerfile: Path) -> list[str]:
    """The images of a Dockerfile's FROM lines that are not earlier build stages."""
    stages: set[str] = set()
    images: list[str] = []
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        words = line.split()
        if not words or words[0].upper() != "FROM":
            continue
        args = [word for word in words[1:] if not word.startswith("--")]
        if args[0] not in stages:
            images.append(args[0])
        if len(args) >= 3 and args[1].upper() == "AS":
            stages.add(args[2])
    return images


def copy_sources(dockerfile: Path) -> list[str]:
    """The build-context paths of a Dockerfile's COPY/ADD lines (``--from`` copies excluded)."""
    sources: list[str] = []
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        words = line.split()
        if not words or words[0].upper() not in {"COPY", "ADD"}:
            continue
        if any(word.startswith("--from") for word in words):
            continue
        paths = [word for word in words[1:] if not word.startswith("--")]
        sources.extend(paths[:-1])
    return sources
