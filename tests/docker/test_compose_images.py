"""Every image is pinned, and the pinned versions agree with the rest of the project."""

from __future__ import annotations

import re
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from tests.fixtures.compose import (
    COMPOSE_FILE,
    REPO_ROOT,
    build_target,
    dockerfiles,
    from_images,
    image_reference,
)
from tests.fixtures.dockerfile import (
    Copy,
    parser_directives,
    read_image,
    uv_export_arguments,
)

CONFLUENT_IMAGES = {
    "confluentinc/cp-kafka",
    "confluentinc/cp-schema-registry",
    "confluentinc/cp-enterprise-control-center",
}


def all_images(compose: dict[str, Any]) -> dict[str, str]:
    """Every image reference, from the services, the FROM lines of their Dockerfiles and the
    frontend images their ``# syntax=`` directives name."""
    images = {
        f"{COMPOSE_FILE.name}:{name}": service["image"]
        for name, service in compose["services"].items()
        if "image" in service
    }
    for service, dockerfile in dockerfiles(compose).items():
        where = f"{dockerfile.relative_to(REPO_ROOT)} (service {service})"
        for image in from_images(dockerfile):
            images[f"{where}: FROM {image}"] = image
        if syntax := parser_directives(dockerfile).get("syntax"):
            images[f"{where}: # syntax="] = syntax
    return images


_VERSION = re.compile(r"^v?\d+(?:\.\d+)+")
"""A tag that is a release: at least ``major.minor`` (``17.6``, ``v2.42.0``, ``12.12-slim``);
``1`` or ``3-python3`` move with every release of their line."""


def is_pinned(image: str) -> bool:
    """Whether an image reference names one image: a digest, or a release's version tag."""
    if "$" in image:
        return False
    if "@sha256:" in image:
        return True
    tag = image_reference(image)[1]
    return tag is not None and _VERSION.match(tag) is not None


def tags_of(compose: dict[str, Any], repository: str) -> set[str]:
    tags = set()
    for image in all_images(compose).values():
        repo, tag = image_reference(image)
        if repo == repository and tag is not None:
            tags.add(tag)
    return tags


def locked_version(package: str) -> str:
    lock = tomllib.loads((REPO_ROOT / "uv.lock").read_text(encoding="utf-8"))
    versions = [entry["version"] for entry in lock["package"] if entry["name"] == package]
    assert len(versions) == 1, f"uv.lock: expected one locked {package}, found {versions}"
    return str(versions[0])


def pom_property(pom: Path, name: str) -> str:
    namespace = {"m": "http://maven.apache.org/POM/4.0.0"}
    element = ET.parse(pom).getroot().find(f"m:properties/m:{name}", namespace)
    assert element is not None and element.text, f"{pom}: no <{name}> property"
    return element.text.strip()


def test_every_image_has_an_exact_tag(compose: dict[str, Any]) -> None:
    loose = {where: image for where, image in all_images(compose).items() if not is_pinned(image)}
    assert not loose, f"images without an exact version tag: {loose}"


def test_pinning_covers_floating_tags_and_the_syntax_frontend(tmp_path: Path) -> None:
    for image in ("cassandra", "x/y:latest", "docker/dockerfile:1", "spark:3-python3", "a:${V}"):
        assert not is_pinned(image), image
    for image in ("postgres:17.6", "docker/dockerfile:1.12.1", "prom/pushgateway:v1.5.1"):
        assert is_pinned(image), image
    assert is_pinned("debian@sha256:" + "0" * 64)
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("# syntax=docker/dockerfile:1\n# escape=`\n# a comment\nFROM x:1.2\n")
    assert parser_directives(dockerfile) == {"syntax": "docker/dockerfile:1", "escape": "`"}
    dockerfile.write_text("# a comment\n# syntax=docker/dockerfile:1\nFROM x:1.2\n")
    assert parser_directives(dockerfile) == {}, "a directive after a comment is a comment"


def test_image_reference_parsing() -> None:
    assert image_reference("localhost:5000/spark") == ("localhost:5000/spark", None)
    assert image_reference("apache/spark:3.5.9-python3") == ("apache/spark", "3.5.9-python3")
    assert image_reference("cassandra") == ("cassandra", None)


def installed(dockerfile: Path, target: str | None) -> dict[str, str]:
    """name -> version of what an image installs from ``uv.lock``: its ``uv export``, run."""
    arguments = uv_export_arguments(read_image(dockerfile, target))
    exported = subprocess.run(
        [str(REPO_ROOT / ".venv" / "bin" / "uv"), "export", *arguments, "--no-hashes"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert exported.returncode == 0, f"{dockerfile}: uv export {arguments}: {exported.stderr}"
    pins = [line.split(";")[0].strip() for line in exported.stdout.splitlines()]
    return dict(pin.split("==", 1) for pin in pins if "==" in pin and not pin.startswith("#"))


IMAGE_PACKAGES = {
    # service: (installed, as locked; not installed)
    "spark-job": ({"pyspark", "py4j", "cassandra-driver", "confluent-kafka"}, {"apache-airflow"}),
    "init": (
        {"cassandra-driver", "confluent-kafka", "fastavro"},
        {"pyspark", "py4j", "apache-airflow"},
    ),
    "airflow-scheduler": (
        {"apache-airflow", "confluent-kafka", "fastavro"},
        {"pyspark", "cassandra-driver"},
    ),
}


def test_each_image_installs_what_it_runs_from_the_lock_and_not_the_others(
    compose: dict[str, Any],
) -> None:
    files = dockerfiles(compose)
    for service, (wanted, unwanted) in IMAGE_PACKAGES.items():
        target = build_target(compose["services"][service])
        packages = installed(files[service], target)
        assert {p: packages.get(p) for p in wanted} == {p: locked_version(p) for p in wanted}, (
            f"{service}: the image does not install the locked {sorted(wanted)}"
        )
        assert not unwanted & set(packages), (
            f"{service} installs {sorted(unwanted & set(packages))}"
        )


def test_cassandra_image_is_the_version_of_the_local_stack(compose: dict[str, Any]) -> None:
    expected = pom_property(REPO_ROOT / "stack" / "pom.xml", "cassandra.version")
    assert tags_of(compose, "cassandra") == {expected}, (
        f"cassandra image tags {tags_of(compose, 'cassandra')} != stack/pom.xml {expected}"
    )


def test_confluent_images_share_one_release(compose: dict[str, Any]) -> None:
    used = {
        image_reference(image)
        for image in all_images(compose).values()
        if image_reference(image)[0].startswith("confluentinc/")
    }
    assert {repo for repo, _ in used} == CONFLUENT_IMAGES, f"Confluent images used: {used}"
    releases = {tag for _, tag in used}
    assert len(releases) == 1, f"Confluent images of different releases: {sorted(used)}"


def test_the_init_image_carries_no_spark(compose: dict[str, Any]) -> None:
    """``init`` runs ops.register and ops.migrate: no Java, no connector jars, no Spark stage
    (its Python packages: IMAGE_PACKAGES)."""
    dockerfile = dockerfiles(compose)["init"]
    image = read_image(dockerfile, build_target(compose["services"]["init"]))
    java = [run.command for run in image.runs if re.search(r"openjdk|\bjre\b", run.command)]
    assert not java, f"{dockerfile}: installs Java: {java}"
    copies = [step for step in image.steps if isinstance(step, Copy)]
    assert not [c for c in copies if c.stage is not None], f"{dockerfile}: copies a build stage"
    assert not [c for c in copies if "spark/" in c.sources], f"{dockerfile}: copies spark/"
