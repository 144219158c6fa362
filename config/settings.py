"""Typed settings groups and their loader (see the package docstring for precedence)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = REPO_ROOT / "pipeline.toml"
M = TypeVar("M", bound=BaseModel)


class Group(BaseModel):
    """A group of settings: immutable; a changed copy is made by :func:`updated`, validated."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def updated(model: M, **changes: Any) -> M:
    """A validated copy of ``model`` with ``changes``; a change to a group may be a dict of its
    own changes (``updated(settings, kafka={"partitions": 6})``), merged into that group.

    Unlike pydantic's ``model_copy``, every value is validated (and normalized) as if it had
    been loaded, and a misspelt field is an error.
    """
    data = model.model_dump()
    for name, value in changes.items():
        if name not in type(model).model_fields:
            raise ValueError(f"{type(model).__name__} has no setting {name!r}")
        current = getattr(model, name)
        if isinstance(value, dict) and isinstance(current, BaseModel):
            value = updated(current, **value)
        data[name] = value
    return type(model).model_validate(data)


class TlsSettings(Group):
    """TLS towards one service: which CAs to trust, whether the certificate must name the host,
    and a client certificate for services that require one."""

    ca_file: Path | None = None
    """PEM bundle of the CAs that sign the service's certificate; unset: the system's CAs."""
    check_hostname: bool = True
    """The certificate must name the host connected to (DNS name or IP address)."""
    cert_file: Path | None = None
    """Client certificate chain (PEM), when the service asks for one; may also hold the key."""
    key_file: Path | None = None
    """The client certificate's private key (PEM), when it is not in ``cert_file``."""
    key_password: SecretStr | None = None
    """Password of an encrypted private key."""


class CassandraTlsSettings(TlsSettings):
    """TLS towards Cassandra. The Python driver reads the PEM files above; the Spark Cassandra
    Connector (Java) reads a JKS or PKCS#12 ``truststore`` / ``keystore`` instead."""

    enabled: bool = False
    truststore: Path | None = None
    """JKS or PKCS#12 file of the trusted CAs, for the Spark job; unset: the JVM's CAs."""
    truststore_password: SecretStr | None = None
    keystore: Path | None = None
    """JKS or PKCS#12 file with the client key and certificate, for the Spark job."""
    keystore_password: SecretStr | None = None


def _tls_files(tls: TlsSettings) -> dict[str, str]:
    """The ``ssl.*`` file settings librdkafka and confluent-kafka's registry client share."""
    conf = {}
    for key, path in (
        ("ssl.ca.location", tls.ca_file),
        ("ssl.certificate.location", tls.cert_file),
        ("ssl.key.location", tls.key_file),
    ):
        if path is not None:
            conf[key] = str(path)
    if tls.key_password:
        conf["ssl.key.password"] = tls.key_password.get_secret_value()
    return conf


class KafkaSettings(Group):
    """Where the broker is, and how the contracts' topics are named and created."""

    bootstrap_servers: str = "localhost:9092"
    topic_prefix: str = Field(default="", pattern=r"^[A-Za-z0-9._-]*$")
    """Prepended to every contract's topic and DLQ topic (an environment such as ``dev.``, a
    tenant, an isolated test run); subjects named after topics follow."""
    partitions: int = Field(default=3, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    min_insync_replicas: int = Field(default=1, ge=1)
    """Replicas that must have a record before the broker acknowledges it (``acks=all``)."""
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    tls: TlsSettings = TlsSettings()
    """Used when ``security_protocol`` is ``SSL`` or ``SASL_SSL``."""
    max_message_bytes: int = Field(default=1_000_000, ge=1024)
    """Largest value the producer sends (librdkafka's ``message.max.bytes`` default); a larger
    record is dead-lettered, not sent."""
    dlq_max_message_bytes: int = Field(default=2_097_152, ge=1024)
    """The DLQ topic's ``max.message.bytes``: room for a rejected record plus its error headers."""
    request_timeout_s: float = Field(default=30.0, gt=0)
    """Bound on each broker request (metadata, produce, fetch, admin)."""
    delivery_timeout_s: float = Field(default=120.0, gt=0)
    """Bound on a record's delivery, retries included (librdkafka ``message.timeout.ms``)."""
    log_level: int = Field(default=6, ge=0, le=7)
    """librdkafka's log level (syslog levels): 6 logs each failed connection to a broker as it
    happens; ``make inspect`` uses 2 and says in its own words what it could not reach."""

    @field_validator("security_protocol", mode="before")
    @classmethod
    def _protocol_upper_case(cls, value: object) -> object:
        """librdkafka takes the protocol in any case (an Airflow connection often writes it in
        lower case); kept in upper case, so ``uses_tls`` reads it right."""
        return value.upper() if isinstance(value, str) else value

    def client_config(self) -> dict[str, str | int | float | bool]:
        """The librdkafka settings shared by every producer, consumer and admin client."""
        conf: dict[str, str | int | float | bool] = {
            "bootstrap.servers": self.bootstrap_servers,
            "security.protocol": self.security_protocol,
            "socket.timeout.ms": int(self.request_timeout_s * 1000),
            "log_level": self.log_level,
        }
        if self.sasl_mechanism:
            conf["sasl.mechanism"] = self.sasl_mechanism
        if self.sasl_username:
            conf["sasl.username"] = self.sasl_username
        if self.sasl_password:
            conf["sasl.password"] = self.sasl_password.get_secret_value()
        if self.uses_tls:
            conf["ssl.endpoint.identification.algorithm"] = (
                "https" if self.tls.check_hostname else "none"
            )
            conf.update(_tls_files(self.tls))
        return conf

    @property
    def uses_tls(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")


CompatibilityLevel = Literal[
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
    "NONE",
]
"""The Schema Registry's compatibility levels."""


class RegistrySettings(Group):
    """The Confluent-compatible Schema Registry (Apicurio's ccompat API locally)."""

    url: str = "http://localhost:8081/apis/ccompat/v7"
    username: str | None = None
    password: SecretStr | None = None
    default_compatibility: CompatibilityLevel = "BACKWARD"
    timeout_s: float = Field(default=10.0, gt=0)
    """Bound on each registry request (connect and read); the client retries ``max_retries``
    times, so one call waits at most about ``(max_retries + 1) * timeout_s``."""
    max_retries: int = Field(default=2, ge=0)
    tls: TlsSettings = TlsSettings()
    """Used with an ``https://`` URL."""

    @model_validator(mode="after")
    def _hostname_is_always_checked(self) -> RegistrySettings:
        if not self.tls.check_hostname:
            raise ValueError(
                "registry.tls.check_hostname=false is not supported: the registry client "
                "always checks the registry's hostname; give the registry a certificate that "
                "names the host in registry.url"
            )
        return self

    @property
    def uses_tls(self) -> bool:
        return self.url.startswith("https://")


Consistency = Literal[
    "ANY",
    "ONE",
    "TWO",
    "THREE",
    "QUORUM",
    "ALL",
    "LOCAL_QUORUM",
    "EACH_QUORUM",
    "LOCAL_ONE",
]
"""Cassandra's consistency levels of reads and writes."""


class CassandraSettings(Group):
    """Contact points, credentials, replication and consistency for Cassandra."""

    contact_points: list[str] = ["127.0.0.1"]
    port: int = 9042
    local_dc: str = "datacenter1"
    keyspace: str | None = None
    """Overrides the keyspace the contracts' ``x-cassandra`` name (isolated runs, tenants)."""
    username: str | None = None
    password: SecretStr | None = None
    tls: CassandraTlsSettings = CassandraTlsSettings()
    replication: dict[str, str | int] = {"class": "SimpleStrategy", "replication_factor": 1}
    write_consistency: Consistency = "LOCAL_QUORUM"
    read_consistency: Consistency = "LOCAL_QUORUM"
    """Consistency of the project's own reads (``make demo``, ``make soak``, ``make inspect``,
    migrations): with writes at ``LOCAL_QUORUM`` too, a read sees every acknowledged row even
    while a replica that was down still waits for its hints."""
    concurrent_writes: int = Field(default=64, ge=1)
    """Writes each Spark task keeps in flight (the connector's default, 5, left the local node
    idle between round trips: ``docs/performance.md``). Rows are written one statement each,
    never as multi-partition batches."""
    connect_timeout_s: float = Field(default=10.0, gt=0)
    request_timeout_s: float = Field(default=15.0, gt=0)
    """Bound on each CQL request made by the project's tools (the job's connector has its own
    ``spark.cassandra.*`` timeouts, set from the same values)."""


class SparkSettings(Group):
    """The streaming job: master, checkpoint and trigger, and where its connector jars come from.

    ``jars`` (paths or URLs) and ``packages`` (Maven coordinates, resolved by Spark) name the
    Kafka, Avro and Cassandra connectors; when both are empty the job uses the jars that
    ``make setup`` fetched into ``<stack.cache_dir>/spark-jars``.
    """

    master: str = "local[2]"
    jars: list[str] = []
    packages: list[str] = []
    checkpoint_dir: str = str(REPO_ROOT / ".stack" / "checkpoints")
    """Each topic's query checkpoints in ``<checkpoint_dir>/<topic>``: a local folder, or a
    URI every executor reaches on a cluster (``hdfs://``, ``s3a://``)."""
    trigger_interval: str = "1 second"
    """How often a micro-batch starts when data waits: the floor of produce-to-queryable latency
    (``docs/performance.md``). A backlog runs its batches back to back."""
    max_offsets_per_trigger: int | None = Field(default=50_000, ge=1)
    """Bound on one micro-batch (also the first one after an outage); None: no bound."""
    restart_backoff_max_s: float = Field(default=60.0, gt=0)
    """Longest wait before restarting a failed query (the wait doubles per failure)."""
    live_reader: bool = True
    """Follow new registered versions of the contract without a restart (see
    ``spark/live_reader.py``); false reads with the generated contract only."""
    reader_poll_interval_s: float = Field(default=10.0, gt=0)
    """How often the live readers look for new versions (at once on an unseen writer id)."""
    discovery_interval_s: float = Field(default=30.0, gt=0)
    """How often the running job looks for contracts generated since it started."""
    stall_timeout_s: float = Field(default=600.0, gt=0)
    """A running query with no progress (no batch, no idle trigger) for this long is taken as
    hung; the local supervisor restarts its process."""
    shuffle_partitions: int = 4
    driver_memory: str = "2g"
    """Heap of the driver JVM; in local mode the executors run inside it."""
    metrics_file: Path = REPO_ROOT / ".stack" / "job" / "batches.jsonl"
    """JSON lines, one per micro-batch (rows read/written/rejected, latency); ``make inspect``."""
    status_file: Path = REPO_ROOT / ".stack" / "job" / "state.json"
    """The running job's state: pid, Spark UI URL, restarts, last failure; ``make inspect``.
    Its folder is the job's: a local job keeps its pid file and log beside it."""


class SourceSettings(Group):
    """The contracts' HTTP sources: where, when not where they declare, and how patiently."""

    urls: dict[str, str] = {}
    """Contract name -> the endpoint to read instead of the one its ``x-source`` declares
    (``PIPELINE_SOURCE__URLS='{"user_created": "http://127.0.0.1:8765/api/1.4/"}'``)."""
    schedules: dict[str, str] = {}
    """Contract name -> the schedule of its DAG instead of the one its ``x-source`` declares."""
    task_timeout_min: int = Field(default=30, ge=1)
    """Bound on one DAG run's task as a whole (each remote call has its own timeout)."""
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    max_attempts: int = Field(default=6, ge=1)
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    max_total_wait_s: float = 120.0
    """Deadline of one page: its retries, waits and download together (a slow drip included)."""
    max_body_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    """Largest answer accepted, counted after decompression (a gzip bomb fails fast)."""


class MetricsSettings(Group):
    """Prometheus metrics: where the streaming job and its supervisor serve theirs, and where
    each producer run pushes its own (``docs/metrics.md``; the names: ``contract.metrics``)."""

    host: str = "127.0.0.1"
    """Address the job's and the supervisor's endpoints bind to: loopback, unless a Prometheus
    elsewhere scrapes them (the Compose stack's job binds ``0.0.0.0`` in its container)."""
    job_port: int = Field(default=9464, ge=0, le=65535)
    """Port of the streaming job's ``/metrics`` (its driver process); 0: not served."""
    supervisor_port: int = Field(default=9465, ge=0, le=65535)
    """Port of the job supervisor's ``/metrics``: the job's restarts, counted by the process
    that outlives them; 0: not served."""
    pushgateway_url: str = "http://127.0.0.1:9091"
    """The Prometheus Pushgateway each producer run pushes its metrics to when it ends; empty:
    not pushed. The local stack runs one on this URL's port (none when it is empty)."""
    push_timeout_s: float = Field(default=5.0, gt=0)
    """Bound on one push: a gateway that does not answer delays the run's end by this much."""


class LineageSettings(Group):
    """OpenLineage events of the DAG runs and of the streaming job (``clients.lineage``;
    ``docs/see-what-flows.md``, *Lineage*)."""

    enabled: bool = True
    dir: Path | None = REPO_ROOT / ".stack" / "lineage"
    """Where each emitter appends its events as JSON lines (``airflow.jsonl``, ``job.jsonl``);
    None: no files."""
    url: str | None = None
    """An OpenLineage HTTP endpoint the events are also posted to (Marquez:
    ``http://marquez:5000``, which takes them on ``/api/v1/lineage``); unset or empty: none."""
    namespace: str = Field(default="userstream", min_length=1)
    """The namespace of the pipeline's jobs (each DAG's task, each query of the job)."""

    @field_validator("dir", "url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        """An empty variable is none (Compose passes an unset ``OPENLINEAGE_URL`` on as ``""``)."""
        return value or None


class StackSettings(Group):
    """The embedded local stack: where it keeps data, artifacts, and how big its heaps are.

    Listening ports are not repeated here: they are read from the client-facing settings
    (Kafka bootstrap, registry URL, Cassandra port) so there is one source of truth.
    """

    home: Path = REPO_ROOT / ".stack"
    cache_dir: Path = Path.home() / ".cache" / "userstream"
    kafka_controller_port: int = 9093
    cassandra_storage_port: int = 7000
    airflow_port: int = 8080
    """Port of the Airflow UI and API that ``make airflow`` serves on 127.0.0.1."""
    prometheus_port: int = 9090
    """Port of the stack's Prometheus server (UI and HTTP API) on 127.0.0.1."""
    kafka_metrics_port: int = 9404
    """Port of Kafka's JMX exporter agent (``/metrics``) on 127.0.0.1."""
    cassandra_metrics_port: int = 9405
    """Port of Cassandra's JMX exporter agent (``/metrics``) on 127.0.0.1."""
    kafka_heap: str = "512m"
    registry_heap: str = "384m"
    cassandra_heap: str = "1024m"
    startup_timeout_s: float = 180.0
    secure: bool = False
    """Start the secured profile: TLS everywhere, SASL/SCRAM on Kafka, passwords on Cassandra and
    the registry, with certificates and passwords generated under ``home`` (``make ... SECURE=1``
    uses the home ``.stack/secure``). Clients read them from ``<home>/secrets/client.env``."""
    shape: Literal["single", "cluster"] = "single"
    """``single``: one node of each service. ``cluster`` (``make ... SHAPE=cluster``, home
    ``.stack/cluster``): three Kafka nodes, each broker and controller of one KRaft quorum, on
    the ports of ``kafka.bootstrap_servers`` (three servers), ``kafka_cluster_controller_ports``
    and ``kafka_cluster_metrics_ports``; three Cassandra nodes on
    ``cassandra_cluster_addresses``; a Spark standalone master and two workers. Settings left at
    the single shape's defaults take the cluster's (:data:`CLUSTER_DEFAULTS`)."""
    kafka_cluster_controller_ports: tuple[int, int, int] = (9093, 9095, 9097)
    """The controller listener of each Kafka node of the cluster shape, in node order."""
    kafka_cluster_metrics_ports: tuple[int, int, int] = (9404, 9406, 9408)
    """The JMX exporter port of each Kafka node of the cluster shape, in node order."""
    cassandra_cluster_addresses: tuple[str, str, str] = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
    """The address each Cassandra node of the cluster shape listens on, in node order (Linux
    routes all of 127/8 to loopback): every node serves ``cassandra.port`` and
    ``cassandra_storage_port`` on its own address."""
    cassandra_cluster_metrics_ports: tuple[int, int, int] = (9405, 9407, 9409)
    """The JMX exporter port of each Cassandra node of the cluster shape, in node order."""
    spark_master_port: int = 7077
    """The cluster shape's Spark standalone master (``spark://127.0.0.1:<port>``)."""
    spark_master_ui_port: int = 8082
    """The web UI of the cluster shape's Spark master, on 127.0.0.1."""
    spark_worker_ui_ports: tuple[int, int] = (8083, 8084)
    """The web UI of each Spark worker of the cluster shape, in worker order."""
    spark_worker_cores: int = Field(default=1, ge=1)
    """Cores each Spark worker of the cluster shape offers its executor."""
    spark_worker_memory: str = "1g"
    """Memory each Spark worker of the cluster shape offers its executor."""


CLUSTER_DEFAULTS: dict[str, dict[str, Any]] = {
    "kafka": {
        "bootstrap_servers": "localhost:9092,localhost:9094,localhost:9096",
        "replication_factor": 3,
        "min_insync_replicas": 2,
    },
    "cassandra": {
        "contact_points": ["127.0.0.1", "127.0.0.2", "127.0.0.3"],
        "replication": {"class": "NetworkTopologyStrategy", "datacenter1": 3},
    },
    "spark": {"master": "spark://127.0.0.1:7077"},
    "stack": {"kafka_heap": "384m", "cassandra_heap": "768m"},
}
"""The settings of the local stack's cluster shape (``stack.shape``), by group: its three
brokers, topics every record of which two of the three replicas hold before it is acknowledged,
three Cassandra nodes holding every row (written at ``LOCAL_QUORUM``: two of three), the job
submitted to the Spark standalone master, and smaller heaps (nine JVMs on one machine)."""


class Settings(BaseSettings):
    """Every setting of the pipeline, grouped by the system it configures."""

    model_config = SettingsConfigDict(
        env_prefix="PIPELINE_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    profile: Literal["local", "docker", "cluster"] = "local"
    kafka: KafkaSettings = KafkaSettings()
    registry: RegistrySettings = RegistrySettings()
    cassandra: CassandraSettings = CassandraSettings()
    spark: SparkSettings = SparkSettings()
    source: SourceSettings = SourceSettings()
    metrics: MetricsSettings = MetricsSettings()
    lineage: LineageSettings = LineageSettings()
    stack: StackSettings = StackSettings()

    @model_validator(mode="before")
    @classmethod
    def _cluster_shape_defaults(cls, data: Any) -> Any:
        """In the cluster shape, a setting of :data:`CLUSTER_DEFAULTS` missing or at the single
        shape's default takes the cluster's (the shipped ``pipeline.toml`` names the single
        node's bootstrap server)."""
        if not isinstance(data, dict):
            return data
        stack = data.get("stack")
        shape = stack.get("shape") if isinstance(stack, dict) else getattr(stack, "shape", None)
        if shape != "cluster":
            return data
        data = dict(data)
        for group, defaults in CLUSTER_DEFAULTS.items():
            given = data.get(group)
            if isinstance(given, BaseModel):
                continue  # a validated group (``updated``): its values were chosen
            values = dict(given or {})
            fields = cls.model_fields[group].annotation.model_fields  # type: ignore[union-attr]
            for name, value in defaults.items():
                if values.get(name, fields[name].default) == fields[name].default:
                    values[name] = value
            data[group] = values
        return data

    @property
    def fetched_spark_jars_dir(self) -> Path:
        """Where ``make setup`` puts the Spark connector jars (the job's local default)."""
        return self.stack.cache_dir / "spark-jars"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_file = Path(os.environ.get("PIPELINE_CONFIG", DEFAULT_CONFIG_FILE))
        sources = [init_settings, env_settings]
        if env_file := os.environ.get("PIPELINE_ENV_FILE"):
            sources.append(DotEnvSettingsSource(settings_cls, env_file=Path(env_file)))
        sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)


def load_settings() -> Settings:
    """Load the settings once per process; callers pass the object on rather than reloading."""
    return Settings()
