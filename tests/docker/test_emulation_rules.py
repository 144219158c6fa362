"""The emulation of images and containers (``tests.fixtures.emulation``) refuses what it
cannot reproduce, and gives the image's user no more than the Dockerfile does."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from config import load_settings
from tests.fixtures.emulation import EmulationError, Mapping, build, container_env, remove, run

PLANTED = """\
FROM debian:12.12-slim
RUN useradd --system --create-home --home-dir /home/app --shell /usr/sbin/nologin app
WORKDIR /opt/userstream
COPY config/ config/
RUN mkdir -p /var/lib/userstream/job{chown}
USER app
"""
WRITE_STATE = ["python3.11", "-c", "open('/var/lib/userstream/job/state.json', 'w').write('{}')"]
NO_MAPPING = Mapping(hosts={})


def _planted(tmp_path: Path, text: str) -> Path:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(textwrap.dedent(text))
    return dockerfile


def test_the_image_user_writes_only_where_the_dockerfile_gives_it(tmp_path: Path) -> None:
    for chown, allowed in (" && chown -R app:app /var/lib/userstream", True), ("", False):
        image = build(_planted(tmp_path, PLANTED.format(chown=chown)), None, load_settings())
        try:
            done = run(image, WRITE_STATE, container_env(image, "app", {}, NO_MAPPING), 60)
            assert (done.returncode == 0) is allowed, done.stderr
            if not allowed:
                assert "PermissionError" in done.stderr
        finally:
            remove(image)


def test_a_step_the_emulation_does_not_know_is_an_error_naming_its_line(tmp_path: Path) -> None:
    dockerfile = _planted(
        tmp_path, "FROM debian:12.12-slim\nRUN curl -fsS https://x.invalid | sh\n"
    )
    with pytest.raises(
        EmulationError, match=r"Dockerfile:2: `curl .*`: a RUN step the emulation does not know"
    ):
        build(dockerfile, None, load_settings())


def test_a_file_the_build_context_lacks_is_an_error(tmp_path: Path) -> None:
    dockerfile = _planted(tmp_path, "FROM debian:12.12-slim\nCOPY no_such_folder/ x/\n")
    with pytest.raises(EmulationError, match="COPY no_such_folder/: no such file"):
        build(dockerfile, None, load_settings())


def test_an_address_left_unmapped_is_an_error(tmp_path: Path) -> None:
    image = build(_planted(tmp_path, "FROM debian:12.12-slim\n"), None, load_settings())
    try:
        mapping = Mapping(hosts={}, service_hosts=frozenset({"postgres", "kafka"}))
        with pytest.raises(EmulationError, match="PIPELINE_KAFKA__BOOTSTRAP_SERVERS"):
            container_env(image, "x", {"PIPELINE_KAFKA__BOOTSTRAP_SERVERS": "kafka:29092"}, mapping)
        allowed = {"AIRFLOW_CONN_KAFKA_DEFAULT": '{"conn_type": "kafka"}'}
        assert container_env(image, "x", allowed, mapping)["AIRFLOW_CONN_KAFKA_DEFAULT"]
    finally:
        remove(image)
