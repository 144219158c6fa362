"""Put the ``uv`` that ``uv.lock`` pins on this machine, with nothing but the standard library.

``make setup`` builds the virtual environment with uv. A newcomer's Python may have no pip, or
refuse ``pip install --user`` (PEP 668: Debian 12 and Ubuntu 24.04 mark their Python
externally managed), so this script neither needs nor touches pip: it reads uv's version and
the SHA-256 of each of its wheels from ``uv.lock`` (uv is a dev dependency, so the lock pins it
like every other package), downloads the wheel for this platform from PyPI, checks its hash,
and unpacks the ``uv`` binary to ``TARGET``. Run as a file, before any virtual environment
exists: ``python3 stack/uv_bootstrap.py TARGET``. An existing ``TARGET`` of the locked version
is kept.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import sys
import tempfile
import tomllib
import urllib.request
import zipfile
from pathlib import Path

LOCK_FILE = Path(__file__).resolve().parent.parent / "uv.lock"
TIMEOUT_S = 120
WHEEL_TAGS = {
    ("Linux", "x86_64"): ("manylinux_2_17_x86_64", "musllinux_1_1_x86_64"),
    ("Linux", "aarch64"): ("manylinux_2_28_aarch64", "manylinux_2_17_aarch64"),
    ("Darwin", "x86_64"): ("macosx_10_12_x86_64",),
    ("Darwin", "arm64"): ("macosx_11_0_arm64",),
}
"""The wheel tags tried for each platform, in order of preference."""


class BootstrapError(RuntimeError):
    """uv cannot be put in place; the message says why and what to do instead."""


def locked_uv(lock_file: Path = LOCK_FILE) -> tuple[str, list[dict[str, str]]]:
    """uv's locked version and its wheels (each with ``url`` and ``hash``)."""
    lock = tomllib.loads(lock_file.read_text(encoding="utf-8"))
    for package in lock.get("package", []):
        if package.get("name") == "uv":
            return str(package["version"]), list(package.get("wheels", []))
    raise BootstrapError(f"{lock_file}: uv is not locked (it belongs to the dev dependencies)")


def wheel_for(wheels: list[dict[str, str]], system: str, machine: str) -> dict[str, str]:
    """The wheel of ``wheels`` built for ``system``/``machine``."""
    for tag in WHEEL_TAGS.get((system, machine), ()):
        for wheel in wheels:
            if tag in wheel["url"].rsplit("/", 1)[-1]:
                return wheel
    raise BootstrapError(
        f"uv.lock has no uv wheel for {system} {machine}; install uv yourself "
        "(https://docs.astral.sh/uv/) and run `make setup UV=/path/to/uv`"
    )


def installed_version(binary: Path) -> str | None:
    """The version ``binary`` reports (``uv 0.13.8 (...)``), or None when it does not run."""
    try:
        out = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    words = out.split()
    return words[1] if len(words) > 1 else None


def fetch_wheel(wheel: dict[str, str], folder: Path) -> Path:
    """Download ``wheel`` into ``folder`` and check it against the lock's SHA-256."""
    algorithm, _, expected = wheel["hash"].partition(":")
    target = folder / wheel["url"].rsplit("/", 1)[-1]
    digest = hashlib.new(algorithm)
    with (
        urllib.request.urlopen(wheel["url"], timeout=TIMEOUT_S) as answer,
        target.open("wb") as out,
    ):
        while chunk := answer.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != expected:
        raise BootstrapError(
            f"{wheel['url']}: {algorithm} {digest.hexdigest()} is not the locked {expected}"
        )
    return target


def unpack_binary(wheel_file: Path, target: Path) -> None:
    """Write the wheel's ``uv`` executable to ``target`` (atomically, mode 0755)."""
    with zipfile.ZipFile(wheel_file) as wheel:
        member = next((n for n in wheel.namelist() if n.endswith(".data/scripts/uv")), None)
        if member is None:
            raise BootstrapError(f"{wheel_file.name}: no uv executable in the wheel")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_bytes(wheel.read(member))
    partial.chmod(0o755)
    partial.replace(target)


def ensure_uv(target: Path, lock_file: Path = LOCK_FILE) -> str:
    """Put the locked uv at ``target`` unless it is there already; returns what was done."""
    version, wheels = locked_uv(lock_file)
    if installed_version(target) == version:
        return f"uv {version} already at {target}"
    wheel = wheel_for(wheels, platform.system(), platform.machine())
    with tempfile.TemporaryDirectory() as folder:
        unpack_binary(fetch_wheel(wheel, Path(folder)), target)
    if installed_version(target) != version:
        raise BootstrapError(f"{target} does not run as uv {version} after unpacking")
    return f"uv {version} installed at {target} (from PyPI, SHA-256 checked against uv.lock)"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(f"usage: python3 {os.path.relpath(__file__)} TARGET", file=sys.stderr)
        return 2
    try:
        print(ensure_uv(Path(argv[0])))
    except (BootstrapError, OSError) as exc:
        print(f"uv bootstrap failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
