"""The fixtures of the contract acceptance tests: a copy of the repository to work in
(``tests.fixtures.repo_copy``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.repo_copy import copy_repository


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The repository's files copied into ``tmp_path / "repo"``, its venv linked."""
    return copy_repository(tmp_path / "repo")
