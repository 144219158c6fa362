"""Typed settings groups and their loader (see the package docstring for precedence)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = REPO_ROOT / "pipeline.toml"


class TlsSettings(BaseModel):
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


class KafkaSettings(BaseModel):
    """Where the broker is and which topics the pipeline uses."""

    bootstrap_servers: str = "localhost:9092"
    topic: str = "users_created"
    dlq_topic: str = "users_created.dlq"
    partitions: int = Field(default=3, ge=1)
    replication_factor: int = Field(default=1, ge=1)
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

    def client_config(self) -> dict[str, str | int | float | bool]:
        """The librdkafka settings shared by every producer, consumer and admin client."""
        conf: dict[str, str | int | float | bool] = {
            "bootstrap.servers": self.bootstrap_servers,
            "security.protocol": self.security_protocol,
            "socket.timeout.ms": int(self.request_timeout_s * 1000),
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


class RegistrySettings(BaseModel):
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
                "registry.tls.check_hostname=false is not supported: confluent-kafka's "
                "SchemaRegistryClient always checks the registry's hostname; give the registry "
                "a certificate that names the host in registry.url"
            )
        return self

    def client_config(self) -> dict[str, str | int | float]:
        """The settings of confluent-kafka's ``SchemaRegistryClient``."""
        conf: dict[str, str | int | float] = {
            "url": self.url,
            "timeout": self.timeout_s,
            "max.retries": self.max_retries,
            "retries.wait.ms": 500,
            "retries.max.wait.ms": 2000,
        }
        if self.username and self.password:
            conf["basic.auth.user.info"] = f"{self.username}:{self.password.get_secret_value()}"
        if self.uses_tls:
            conf.update(_tls_files(self.tls))
        return conf

    @property
    def uses_tls(self) -> bool:
        return self.url.startswith("https://")


class CassandraSettings(BaseModel):
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
    write_consistency: str = "LOCAL_QUORUM"
    concurrent_writes: int = Field(default=64, ge=1)
    """Writes each Spark task keeps in flight (the connector's default, 5, left the local node
    idle between round trips: ``docs/performance.md``). Rows are written one statement each,
    never as multi-partition batches."""
    connect_timeout_s: float = Field(default=10.0, gt=0)
    request_timeout_s: float = Field(default=15.0, gt=0)
    """Bound on each CQL request made by the project's tools (the job's connector has its own
    ``spark.cassandra.*`` timeouts, set from the same values)."""


class SparkSettings(BaseModel):
    """The streaming job: master, checkpoint and trigger, and where its connector jars come from.

    ``jars`` (paths or URLs) and ``packages`` (Maven coordinates, resolved by Spark) name the
    Kafka, Avro and Cassandra connectors; when both are empty the job uses the jars that
    ``make setup`` fetched into ``<stack.cache_dir>/spark-jars``.
    """

    master: str = "local[2]"
    jars: list[str] = []
    packages: list[str] = []
    checkpoint_dir: Path = REPO_ROOT / ".stack" / "checkpoints" / "users_created"
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
    """How often the live reader looks for new versions (at once on an unseen writer id)."""
    stall_timeout_s: float = Field(default=600.0, gt=0)
    """A running query with no progress (no batch, no idle trigger) for this long is taken as
    hung; the local supervisor restarts its process."""
    shuffle_partitions: int = 4
    driver_memory: str = "2g"
    """Heap of the driver JVM; in local mode the executors run inside it."""
    metrics_file: Path = REPO_ROOT / ".stack" / "metrics" / "spark_batches.jsonl"
    """JSON lines, one per micro-batch (rows read/written/rejected, latency); ``make inspect``."""
    status_file: Path = REPO_ROOT / ".stack" / "metrics" / "job_status.json"
    """The running job's state: pid, Spark UI URL, restarts, last failure; ``make inspect``."""


class SourceSettings(BaseModel):
    """The randomuser-compatible HTTP source and how patiently it is called."""

    url: str = "https://randomuser.me/api/1.4/"
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    max_attempts: int = Field(default=6, ge=1)
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    max_total_wait_s: float = 120.0
    """Deadline of one page: its retries, waits and download together (a slow drip included)."""
    max_body_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    """Largest answer accepted, counted after decompression (a gzip bomb fails fast)."""


class StackSettings(BaseModel):
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
    kafka_heap: str = "512m"
    registry_heap: str = "384m"
    cassandra_heap: str = "1024m"
    startup_timeout_s: float = 180.0
    secure: bool = False
    """Start the secured profile: TLS everywhere, SASL/SCRAM on Kafka, passwords on Cassandra and
    the registry, with certificates and passwords generated under ``home`` (``make ... SECURE=1``
    uses the home ``.stack/secure``). Clients read them from ``<home>/secrets/client.env``."""


class Settings(BaseSettings):
    """Every setting of the pipeline, grouped by the system it configures."""

    model_config = SettingsConfigDict(
        env_prefix="PIPELINE_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    profile: Literal["local", "docker", "cluster"] = "local"
    kafka: KafkaSettings = KafkaSettings()
    registry: RegistrySettings = RegistrySettings()
    cassandra: CassandraSettings = CassandraSettings()
    spark: SparkSettings = SparkSettings()
    source: SourceSettings = SourceSettings()
    stack: StackSettings = StackSettings()

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
