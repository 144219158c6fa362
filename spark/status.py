"""The running job's state, in one small JSON file that ``make inspect`` and the tests read.

Written by the job (pid, Spark UI URL, query state, restarts, last failure) and by the local
supervisor (restarts of the job process). Updates merge into the file atomically (write a
temporary file, then rename), so a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def read_status(path: Path) -> dict[str, Any]:
    """The recorded state, or an empty dict when nothing was recorded (or it is unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_status(path: Path, **fields: Any) -> dict[str, Any]:
    """Merge ``fields`` into the recorded state; returns the new state."""
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {**read_status(path), **fields}
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(state, out, indent=2, sort_keys=True, default=str)
    Path(temporary).replace(path)
    return state
