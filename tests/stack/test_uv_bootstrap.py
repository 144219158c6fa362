"""The uv bootstrap takes uv's version and hashes from uv.lock and refuses a wheel that differs.

The wheels here are built in the test and served as ``file://`` URLs (``urllib`` reads them
like PyPI's), so the download, hash check and unpacking run for real without the network.
"""

from __future__ import annotations

import hashlib
import stat
import zipfile
from pathlib import Path

import pytest

from stack.uv_bootstrap import (
    LOCK_FILE,
    BootstrapError,
    fetch_wheel,
    locked_uv,
    unpack_binary,
    wheel_for,
)

FAKE_UV = b"#!/bin/sh\necho 'uv 9.9.9 (test)'\n"


def _wheel(folder: Path, name: str = "uv-9.9.9-py3-none-manylinux_2_17_x86_64.whl") -> Path:
    """A wheel laid out like uv's: the executable under ``*.data/scripts/uv``."""
    path = folder / name
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("uv-9.9.9.data/scripts/uv", FAKE_UV)
        wheel.writestr("uv-9.9.9.dist-info/METADATA", "Name: uv\n")
    return path


def _entry(wheel: Path, digest: str | None = None) -> dict[str, str]:
    sha = digest or hashlib.sha256(wheel.read_bytes()).hexdigest()
    return {"url": wheel.as_uri(), "hash": f"sha256:{sha}"}


def test_the_project_lock_pins_uv_with_a_wheel_for_linux_x86_64() -> None:
    version, wheels = locked_uv(LOCK_FILE)
    assert version.count(".") == 2, version
    wheel = wheel_for(wheels, "Linux", "x86_64")
    assert f"uv-{version}-" in wheel["url"]
    assert wheel["hash"].startswith("sha256:")


def test_a_lock_without_uv_names_the_lock_file(tmp_path: Path) -> None:
    lock = tmp_path / "uv.lock"
    lock.write_text('version = 1\n[[package]]\nname = "requests"\nversion = "2.0.0"\n')
    with pytest.raises(BootstrapError, match=r"uv\.lock: uv is not locked"):
        locked_uv(lock)


def test_an_unknown_platform_says_how_to_bring_uv_yourself() -> None:
    with pytest.raises(BootstrapError, match=r"no uv wheel for Plan9 mips.*UV=/path/to/uv"):
        wheel_for(
            [{"url": "https://x/uv-1-manylinux_2_17_x86_64.whl", "hash": "a:b"}], "Plan9", "mips"
        )


def test_a_wheel_matching_the_lock_is_unpacked_executable(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    fetched = fetch_wheel(_entry(wheel), downloads)
    target = tmp_path / "bin" / "uv"
    unpack_binary(fetched, target)
    assert target.read_bytes() == FAKE_UV
    assert target.stat().st_mode & stat.S_IXUSR
    assert not target.with_name("uv.partial").exists()


def test_a_wheel_that_differs_from_the_lock_is_refused(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with pytest.raises(BootstrapError, match=r"sha256 [0-9a-f]{64} is not the locked 0{64}"):
        fetch_wheel(_entry(wheel, digest="0" * 64), downloads)


def test_a_wheel_without_the_executable_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / "uv-9.9.9-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("uv/__init__.py", "")
    with pytest.raises(BootstrapError, match=r"uv-9\.9\.9-py3-none-any\.whl: no uv executable"):
        unpack_binary(wheel, tmp_path / "uv")
