"""The Docker path proven without a Docker engine: the project's own Compose services run the
way their containers would (``tests.fixtures.emulation``) against the running local stack, and
users travel from the DAG's task through the job into Cassandra.

Each of ``init``, ``airflow-init``, ``spark-job`` and the DAG's task (what ``airflow-scheduler``
runs) runs its Compose command from an emulated image (exactly the files its Dockerfile
copies, owned as there, its Python environment from the image's own ``uv export``), as an
unprivileged user, with exactly the environment Compose gives it, except what ``mapping``
lists with its reason: the Compose network's addresses become the local stack's, the topics
and keyspace carry a scratch name (the user's own stay as they were), the driver
runs in local mode (there is no standalone master here), and Airflow's metadata database is
SQLite (Postgres is not part of the local stack). The DAG run is triggered with a run
configuration naming the offline source (this machine has no internet), as a user can from
Airflow's UI.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clients.cassandra import connect, table_keyspace
from clients.kafka import describe_topics, end_offsets, read_range
from config import Settings, load_settings
from config.settings import REPO_ROOT
from contract.catalog import all_contracts, contract
from ops.topics import wanted_topics
from spark.metrics import MetricsLog
from spark.state import JobPhase, JobStateFile
from stack.demo import KeyLookup
from stack.offline_source import OfflineSource
from tests.fixtures.compose import build_target, dockerfiles
from tests.fixtures.emulation import (
    EmulatedImage,
    Mapping,
    build,
    container_env,
    remove,
    run,
    started,
)
from tests.fixtures.names import scratch_name
from tests.fixtures.polling import wait_for
from tests.fixtures.spark import isolated

pytestmark = [pytest.mark.stack, pytest.mark.spark, pytest.mark.airflow]

DAG_CONTRACT = "user_created"
USERS = 25
COMMAND_TIMEOUT_S = 600
STREAMING_TIMEOUT_S = 300.0
ROWS_TIMEOUT_S = 240.0
FIGURES_TIMEOUT_S = 30.0


def service_env(compose: dict[str, Any], name: str) -> dict[str, str]:
    """A service's ``environment`` as Compose resolves it (``.env.example``'s values)."""
    return {k: str(v) for k, v in (compose["services"][name].get("environment") or {}).items()}


def mapping_for(settings: Settings, compose: dict[str, Any], airflow_db: str) -> Mapping:
    """The Compose network's view of each address, as the host sees the local stack."""
    return Mapping(
        hosts={
            "kafka:29092": settings.kafka.bootstrap_servers,
            "http://schema-registry:8081": settings.registry.url,
            '["cassandra"]': json.dumps(settings.cassandra.contact_points),
            "spark://spark-master:7077": settings.spark.master,
            "spark.driver.host=spark-job": "spark.driver.host=127.0.0.1",
            "spark.driver.bindAddress=0.0.0.0": "spark.driver.bindAddress=127.0.0.1",
            "http://airflow-apiserver:8080": "http://127.0.0.1:18080",
            "http://pushgateway:9091": settings.metrics.pushgateway_url,
        },
        replaced={
            "PIPELINE_CASSANDRA__PORT": (str(settings.cassandra.port), "the local Cassandra"),
            "PIPELINE_METRICS__HOST": ("127.0.0.1", "no Prometheus in another container"),
        },
        removed={
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD": "Postgres is not part of the local stack",
        },
        added={
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": (airflow_db, "SQLite instead of Postgres"),
            **{
                variable: (
                    value,
                    "a deployment of its own: the user's topics and tables stay clean",
                )
                for variable, value in (
                    ("PIPELINE_KAFKA__TOPIC_PREFIX", settings.kafka.topic_prefix),
                    ("PIPELINE_CASSANDRA__KEYSPACE", str(settings.cassandra.keyspace)),
                )
            },
        },
        service_hosts=frozenset(compose["services"]),
    )


def compose_secrets() -> dict[str, str]:
    """Fresh values for the secrets Compose hands the containers (docker/make-env.sh's kind)."""
    return {
        "postgres_password": secrets.token_urlsafe(24),
        "airflow_fernet_key": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "airflow_jwt_secret": secrets.token_urlsafe(32),
    }


@pytest.fixture(scope="module")
def images(local_stack: Settings, compose: dict[str, Any]) -> Iterator[dict[str, EmulatedImage]]:
    """The images of ``init``, ``spark-job`` and the Airflow services, emulated."""
    files = dockerfiles(compose)
    built: dict[str, EmulatedImage] = {}
    try:
        for service in ("init", "spark-job", "airflow-scheduler"):
            target = build_target(compose["services"][service])
            built[service] = build(files[service], target, local_stack)
        built["airflow-scheduler"].add_secrets(compose_secrets())
        yield built
    finally:
        for image in built.values():
            remove(image)


def job_file(image: EmulatedImage, env: dict[str, str], field: str) -> Path:
    """Where the emulated job keeps its ``spark.<field>``: as its environment sets it, else
    the settings' default (inside the image's copy of the repository's files)."""
    if value := env.get(f"PIPELINE_SPARK__{field}"):
        return Path(value)
    default = getattr(load_settings().spark, field.lower())
    return image.path(image.image.workdir) / Path(default).relative_to(REPO_ROOT)


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def test_the_compose_services_deliver_users_end_to_end(
    local_stack: Settings,
    resolved_compose: dict[str, Any],
    images: dict[str, EmulatedImage],
    tmp_path: Path,
) -> None:
    # the services' topics, subjects and keyspace carry a scratch name, swept after the session
    settings, compose = isolated(local_stack, scratch_name("emulated")), resolved_compose
    airflow = images["airflow-scheduler"]
    db = f"sqlite:///{airflow.path('/opt/airflow/state')}/airflow.db"
    mapping = mapping_for(settings, compose, db)

    def env(image: EmulatedImage, service: str) -> dict[str, str]:
        return container_env(image, service, service_env(compose, service), mapping)

    # init: every contract's subject, topics (as configured, not broker defaults) and tables
    init = images["init"]
    done = run(init, compose["services"]["init"]["command"], env(init, "init"), COMMAND_TIMEOUT_S)
    assert done.returncode == 0, (
        f"init exited {done.returncode}:\n{_tail(done.stdout + done.stderr)}"
    )
    wanted = wanted_topics(settings, [c.stream for c in all_contracts()])
    found = describe_topics(settings, [spec.name for spec in wanted])
    for spec in wanted:
        assert found[spec.name].partitions == spec.partitions, spec.name
        for key, value in spec.config.items():
            assert found[spec.name].config.get(key) == value, f"{spec.name}: {key}"

    # airflow-init: Airflow's metadata database
    command = compose["services"]["airflow-init"]["command"]
    migrated = run(airflow, command, env(airflow, "airflow-init"), COMMAND_TIMEOUT_S)
    assert migrated.returncode == 0, _tail(migrated.stdout + migrated.stderr)

    # spark-job: the supervisor, its job streaming every contract's topic
    job = images["spark-job"]
    job_env = env(job, "spark-job")
    state = JobStateFile(job_file(job, job_env, "STATUS_FILE"))
    log = tmp_path / "spark-job.log"
    topics = {c.names(settings).topic for c in all_contracts()}
    with started(job, compose["services"]["spark-job"]["command"], job_env, log) as supervisor:

        def streaming() -> bool:
            assert supervisor.poll() is None, f"the supervisor exited:\n{_tail(log.read_text())}"
            current = state.read()
            assert current.phase != JobPhase.FAILED, (
                f"{current.last_failure}\n{_tail(log.read_text())}"
            )
            return current.phase == JobPhase.RUNNING and set(current.queries) >= topics

        wait_for(streaming, STREAMING_TIMEOUT_S, f"the emulated job streaming {sorted(topics)}")

        # the DAG's task, as the scheduler runs it, on the offline source
        chosen = contract(DAG_CONTRACT)
        names = chosen.names(settings)
        before = end_offsets(settings, names.topic)
        with OfflineSource() as source:
            assert chosen.source is not None and chosen.source.url is not None
            conf = {
                "batch_size": USERS,
                "seed": secrets.token_hex(4),
                "source_url": source.url_for(chosen.source.url),
            }
            dag = run(
                airflow,
                ["airflow", "dags", "test", DAG_CONTRACT, "-c", json.dumps(conf)],
                env(airflow, "airflow-scheduler"),
                COMMAND_TIMEOUT_S,
            )
        assert dag.returncode == 0, f"the DAG run failed:\n{_tail(dag.stdout + dag.stderr, 60)}"
        produced = read_range(settings, names.topic, before, end_offsets(settings, names.topic))
        keys = [m.key.decode() for m in produced if m.key]
        assert len(keys) == USERS, f"the DAG's task produced {len(keys)} of {USERS} users"

        # the users land, written by the emulated job
        lookup = KeyLookup.of(chosen)
        keyspace = table_keyspace(settings, lookup.table.keyspace)
        with connect(settings) as session:

            def landed() -> int | None:
                assert supervisor.poll() is None, (
                    f"the supervisor exited:\n{_tail(log.read_text())}"
                )
                rows = {lookup.key_of(r) for r in lookup.select(session, keyspace, [], keys)}
                return len(rows) if len(rows) == len(keys) else None

            wait_for(landed, ROWS_TIMEOUT_S, f"{USERS} users in {keyspace}.{lookup.table.name}")

        # a batch appends its figures after its rows are written: wait for them, job running
        figures = MetricsLog(job_file(job, job_env, "METRICS_FILE"))

        def counted() -> int | None:
            written = sum(b["rows_written"] for b in figures.batches() if b["topic"] == names.topic)
            return written if written >= USERS else None

        wait_for(counted, FIGURES_TIMEOUT_S, f"batch figures counting {USERS} rows written")
