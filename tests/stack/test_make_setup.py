"""What the Makefile's setup steps run on a fresh clone, read from ``make --dry-run``.

``make test-unit`` needs the Python environment alone (no Java, no Maven: the JVM artifacts are
fetched by ``make setup``), and ``make test`` names every missing tool before it fetches them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from config.settings import REPO_ROOT

FETCH = "-m stack fetch"
SYNC = "sync --frozen"


def _dry_run(clone: Path, target: str) -> list[str]:
    """The commands ``make <target>`` would run in ``clone``, one per line."""
    done = subprocess.run(
        ["make", "--dry-run", "--always-make", "--no-print-directory", target],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.splitlines()


def _fresh_clone(tmp_path: Path) -> Path:
    """The Makefile and the files its setup rules depend on, as a fresh clone has them."""
    clone = tmp_path / "clone"
    for name in ("Makefile", "pyproject.toml", "uv.lock", "stack/pom.xml"):
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / name, clone / name)
    return clone


def _index(commands: list[str], fragment: str) -> int:
    found = [i for i, line in enumerate(commands) if fragment in line]
    assert found, f"no command with {fragment!r} in:\n" + "\n".join(commands)
    return found[0]


def test_test_unit_syncs_the_python_environment_and_fetches_no_jvm_artifact(
    tmp_path: Path,
) -> None:
    commands = _dry_run(_fresh_clone(tmp_path), "test-unit")
    assert _index(commands, SYNC) < _index(commands, "--service-free")
    assert not [line for line in commands if FETCH in line or "requirements" in line], commands


def test_setup_checks_java_and_maven_before_it_fetches(tmp_path: Path) -> None:
    commands = _dry_run(_fresh_clone(tmp_path), "setup")
    assert _index(commands, "-m stack.requirements setup") < _index(commands, FETCH)


def test_test_names_what_it_lacks_before_any_download_of_jvm_artifacts(tmp_path: Path) -> None:
    commands = _dry_run(_fresh_clone(tmp_path), "test")
    assert _index(commands, "-m stack.requirements test") < _index(commands, FETCH)
    assert _index(commands, FETCH) < _index(commands, "-m pytest")
