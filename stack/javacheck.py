"""Find the Java runtime and check that it is recent enough for the services."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from stack.errors import JavaError

MIN_JAVA = 17
INSTALL_HINT = (
    "Install a JDK 17 (Debian/Ubuntu: `sudo apt-get install openjdk-17-jdk-headless`) "
    "or point JAVA_HOME at one."
)
_VERSION_RE = re.compile(r'version "(\d+)(?:\.(\d+))?')


def find_java(env: dict[str, str] | None = None) -> Path:
    """The ``java`` executable: ``$JAVA_HOME/bin/java`` when JAVA_HOME is set, else PATH."""
    env = dict(os.environ) if env is None else env
    java_home = env.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if not candidate.is_file():
            raise JavaError(f"JAVA_HOME={java_home} has no bin/java. {INSTALL_HINT}")
        return candidate
    found = shutil.which("java", path=env.get("PATH"))
    if found is None:
        raise JavaError(f"Java not found (no JAVA_HOME, no java on PATH). {INSTALL_HINT}")
    return Path(found)


def java_major_version(java: Path) -> int:
    """The major version ``java -version`` reports (``1.8`` counts as 8)."""
    try:
        result = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError as exc:
        raise JavaError(f"cannot run {java}: {exc}. {INSTALL_HINT}") from exc
    output = result.stderr + result.stdout
    match = _VERSION_RE.search(output)
    if match is None:
        raise JavaError(f"cannot read the version of {java} from: {output.strip()!r}")
    major = int(match.group(1))
    if major == 1 and match.group(2):
        major = int(match.group(2))
    return major


def require_java(env: dict[str, str] | None = None) -> Path:
    """The java executable, checked to be version 17 or newer."""
    java = find_java(env)
    major = java_major_version(java)
    if major < MIN_JAVA:
        raise JavaError(
            f"{java} is Java {major}; the local stack needs Java {MIN_JAVA} or newer. "
            f"{INSTALL_HINT}"
        )
    return java
