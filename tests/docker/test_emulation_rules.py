"""The emulation of images and containers (``tests.fixtures.emulation``) refuses what it
cannot reproduce, and gives the image's user no more than the Dockerfile does."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from config import load_settings
from config.settings import updated
from tests.fixtures.compose import build_target, dockerfiles, interpolate
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


SETTINGS_IMAGE = """\
FROM debian:12.12-slim
RUN useradd --system --create-home --home-dir /home/app --shell /usr/sbin/nologin app
WORKDIR /opt/userstream
COPY pyproject.toml uv.lock ./
RUN python3.11 -m venv /opt/venv \\
    && /opt/venv/bin/pip install --no-cache-dir uv==0.13.8 \\
    && /opt/venv/bin/uv export --frozen --no-default-groups --no-emit-project \\
        --output-file /tmp/requirements.txt \\
    && /opt/venv/bin/uv pip install --python /opt/venv/bin/python --require-hashes \\
        -r /tmp/requirements.txt
COPY pipeline.toml ./
COPY config/ config/
RUN mkdir -p /var/lib/userstream/job && chown -R app:app /var/lib/userstream
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/opt/userstream
USER app
"""
WRITE_STATUS_FILE = [
    "python",
    "-c",
    "from config import load_settings; path = load_settings().spark.status_file; "
    "path.parent.mkdir(parents=True, exist_ok=True); path.write_text('{}')",
]


def test_a_variable_compose_does_not_set_is_not_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The container gets the image's ``ENV``, ``HOME``, ``HOSTNAME`` and Compose's
    ``environment``, nothing of the shell running the tests: a ``PIPELINE_*`` variable the
    command needs (here the state file, whose default is inside the root-owned copy of the
    repository) fails it when Compose lacks it, even though this shell sets it."""
    monkeypatch.setenv("PIPELINE_SPARK__STATUS_FILE", str(tmp_path / "state.json"))
    image = build(_planted(tmp_path, SETTINGS_IMAGE), None, load_settings())
    try:
        compose = {"PIPELINE_SPARK__STATUS_FILE": "/var/lib/userstream/job/state.json"}
        env = container_env(image, "app", compose, NO_MAPPING)
        assert set(env) == {"HOSTNAME", "HOME", "PATH", "PYTHONPATH", *compose}
        done = run(image, WRITE_STATUS_FILE, env, 120)
        assert done.returncode == 0, done.stderr
        assert image.path("/var/lib/userstream/job/state.json").is_file()

        lacking = container_env(image, "app", {}, NO_MAPPING)
        assert not [name for name in lacking if name.startswith("PIPELINE_")]
        done = run(image, WRITE_STATUS_FILE, lacking, 120)
        assert done.returncode != 0
        assert "PermissionError" in done.stderr
        assert str(image.path("/opt/userstream/.stack")) in done.stderr
        assert not (tmp_path / "state.json").exists(), "the shell's variable reached the container"
    finally:
        remove(image)


STATE_VARIABLES = (
    "PIPELINE_SPARK__STATUS_FILE",
    "PIPELINE_SPARK__METRICS_FILE",
    "PIPELINE_LINEAGE__DIR",
)
"""Where ``spark-job`` keeps its state, batch figures and lineage: the folder its image's user
owns (``/var/lib/userstream/job``)."""
JOB_PATHS = """\
import json
from config import load_settings
settings = load_settings()
found = {}
for name, path in (
    ("status_file", settings.spark.status_file),
    ("metrics_file", settings.spark.metrics_file),
    ("lineage", settings.lineage.dir / "job.jsonl"),
):
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.open("a").close()
        found[name] = [str(path), True]
    except PermissionError:
        found[name] = [str(path), False]
print(json.dumps(found))
"""


def without_lines(text: str, variables: tuple[str, ...]) -> str:
    """``compose.yaml`` with the lines setting ``variables`` removed."""
    lines = text.splitlines()
    kept = [
        line for line in lines if not line.strip().startswith(tuple(f"{v}:" for v in variables))
    ]
    assert len(lines) - len(kept) == len(variables), "compose.yaml does not set each of them once"
    return "\n".join(kept)


def test_the_job_state_is_writable_only_where_compose_puts_it(
    compose_text: str, env_example: dict[str, str], tmp_path: Path
) -> None:
    """``spark-job``'s image, emulated from its Dockerfile, with Compose's environment and with
    the state variables' lines taken out of a copy of ``compose.yaml``: the job's paths then
    fall back to the settings' defaults in the root-owned copy of the repository
    (``/opt/userstream/.stack``), and the supervisor, the service's real command, refuses to
    start (before Spark, so none runs here)."""
    full = yaml.safe_load(interpolate(compose_text, env_example))
    dropped = yaml.safe_load(interpolate(without_lines(compose_text, STATE_VARIABLES), env_example))
    service = full["services"]["spark-job"]
    (tmp_path / "spark-jars").mkdir()  # the connector jars: no Spark runs here
    settings = updated(load_settings(), stack={"cache_dir": tmp_path})
    image = build(dockerfiles(full)["spark-job"], build_target(service), settings)
    try:

        def job_env(compose: dict[str, Any]) -> dict[str, str]:
            environment = compose["services"]["spark-job"]["environment"]
            return container_env(
                image, "spark-job", {k: str(v) for k, v in environment.items()}, NO_MAPPING
            )

        def paths(compose: dict[str, Any]) -> dict[str, tuple[str, bool]]:
            done = run(image, ["python", "-c", JOB_PATHS], job_env(compose), 120)
            assert done.returncode == 0, done.stderr
            return {name: (path, ok) for name, (path, ok) in json.loads(done.stdout).items()}

        job_dir = str(image.path("/var/lib/userstream/job"))
        for name, (path, writable) in paths(full).items():
            assert path.startswith(job_dir) and writable, f"{name}: {path} (writable: {writable})"
        repository = str(image.path("/opt/userstream/.stack"))
        for name, (path, writable) in paths(dropped).items():
            assert path.startswith(repository) and not writable, f"{name}: {path}"

        done = run(image, service["command"], job_env(dropped), 120)
        assert "configuration error; not started: cannot write the job's state file" in done.stdout
        assert f"{repository}/job/state.json" in done.stdout, done.stdout
    finally:
        remove(image)
