"""Files and folders only their owner can read: where the stack keeps keys and passwords."""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) and make it owner-only (0700), even if it existed."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(DIR_MODE)
    return path


def write_file(path: Path, data: bytes | str) -> Path:
    """Write ``path`` atomically with mode 0600: the content never sits in a wider-mode file.

    The data goes to a temporary file created 0600 in the same folder, then replaces ``path``.
    """
    content = data.encode() if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE), "wb") as out:
            os.fchmod(out.fileno(), FILE_MODE)  # a leftover temporary file may have another mode
            out.write(content)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return path
