"""Fixtures of the stack's own tests: a private stack on other ports, in a temporary home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import stack
from config import Settings
from tests.fixtures.private_stack import private_settings


@pytest.fixture
def private_stack(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """Settings of a second, private stack (not started): tests may stop and restart it
    without disturbing the shared stack others are using. Wiped afterwards."""
    own = private_settings(settings, tmp_path / "stack")
    yield own
    stack.down(own, fresh=True)
