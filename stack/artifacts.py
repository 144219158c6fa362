"""Fetch the pinned JVM artifacts with Maven (stack/pom.xml) and locate them in the cache."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path

from config import Settings
from stack.errors import ArtifactFetchError, StackError

POM = Path(__file__).resolve().parent / "pom.xml"
_POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}
_TAIL_LINES = 25
# Maven names a missing artifact as group:artifact[:type[:classifier]]:version, either after
# "Could not find artifact" / "could not be resolved:" or before "was not found in".
_COORD = r"[\w.\-]+:[\w.\-]+(?::[\w.\-]+){1,3}"
_MISSING_RES = (
    re.compile(rf"(?:Could not find artifact|Failure to find)\s+({_COORD})"),
    re.compile(rf"could not be resolved:\s+((?:{_COORD})(?:,\s*{_COORD})*)"),
    re.compile(rf"({_COORD}) was not found in"),
)


def pom_property(name: str) -> str:
    """A ``<properties>`` value of stack/pom.xml (the single place versions are pinned)."""
    node = ET.parse(POM).getroot().find(f"m:properties/m:{name}", _POM_NS)
    if node is None or not node.text:
        raise KeyError(f"{POM} has no property {name}")
    return node.text.strip()


def _pom_digest() -> str:
    """A digest of every pom of the Maven project: a changed pin means a new fetch."""
    digest = hashlib.sha256()
    for pom in sorted(POM.parent.rglob("pom.xml")):
        if "target" not in pom.parts:
            digest.update(pom.read_bytes())
    return digest.hexdigest()[:16]


def _stamp(settings: Settings) -> Path:
    return settings.stack.cache_dir / f".fetched-{_pom_digest()}"


def is_fetched(settings: Settings) -> bool:
    """True when the cache holds the artifacts of the current poms."""
    return _stamp(settings).exists()


def missing_artifacts(maven_output: str) -> list[str]:
    """The artifact coordinates Maven's output says it could not fetch, in order, unique."""
    found: list[str] = []
    for pattern in _MISSING_RES:
        for match in pattern.finditer(maven_output):
            for coord in match.group(1).split(","):
                if coord.strip() not in found:
                    found.append(coord.strip())
    return found


def fetch(settings: Settings, overrides: Mapping[str, str] | None = None) -> Path:
    """Run Maven on stack/pom.xml to fill ``settings.stack.cache_dir``; return that dir.

    ``overrides`` sets pom properties (``-Dkafka.version=...``). Maven verifies checksums
    (``-C``: a mismatch fails the fetch). Raises :class:`ArtifactFetchError` naming what
    could not be fetched.
    """
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError(
            "Maven (mvn) not found; it fetches the stack's JVM artifacts. "
            "Install it (Debian/Ubuntu: `sudo apt-get install maven`)."
        )
    cache = settings.stack.cache_dir
    cache.mkdir(parents=True, exist_ok=True)
    props = {"userstream.cache": str(cache), **(overrides or {})}
    cmd = [mvn, "-B", "-C", "-f", str(POM), *(f"-D{k}={v}" for k, v in props.items())]
    result = subprocess.run(
        [*cmd, "generate-resources"], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        output = result.stdout + result.stderr
        tail = "\n".join(output.strip().splitlines()[-_TAIL_LINES:])
        raise ArtifactFetchError(missing_artifacts(output), tail)
    if not overrides:
        for old in cache.glob(".fetched-*"):
            old.unlink()
        _stamp(settings).touch()
    return cache


def ensure_fetched(settings: Settings) -> None:
    """Fetch unless the cache already matches the poms."""
    if not is_fetched(settings):
        print(f"stack: fetching JVM artifacts into {settings.stack.cache_dir} (Maven) ...")
        fetch(settings)


def kafka_libs(settings: Settings) -> Path:
    """The directory of the Kafka broker's jars."""
    return settings.stack.cache_dir / "kafka" / "libs"


def cassandra_libs(settings: Settings) -> Path:
    """The directory of Cassandra's jars."""
    return settings.stack.cache_dir / "cassandra" / "lib"


def registry_jar(settings: Settings) -> Path:
    """The runnable jar of the unpacked Apicurio Registry distribution.

    Quarkus "fast-jar" builds ship ``quarkus-run.jar``; "uber/legacy-jar" builds (Apicurio
    3.0.x) ship ``apicurio-registry-app-<version>-runner.jar``.
    """
    version = pom_property("apicurio.version")
    home = settings.stack.cache_dir / "registry" / version
    fast_jar = home / "quarkus-run.jar"
    return fast_jar if fast_jar.exists() else home / f"apicurio-registry-app-{version}-runner.jar"


def spark_jars_dir(settings: Settings) -> Path:
    """The directory of the Spark connector jars and their dependencies."""
    return settings.fetched_spark_jars_dir
