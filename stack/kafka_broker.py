"""Apache Kafka as a single KRaft node (broker and controller in one process).

Plain: PLAINTEXT listeners. Secured (``stack.secure``): clients log in with SCRAM-SHA-512 over
TLS, and the controller listener accepts TLS connections with a certificate of the stack's CA.
"""

from __future__ import annotations

import base64
import subprocess
import uuid
from pathlib import Path

from clients.kafka import admin_client
from config import Settings
from stack import artifacts, jmx_exporter
from stack.errors import StackError
from stack.owner_only import write_file
from stack.ports import port_accepts
from stack.secure import (
    CLIENT_USER,
    KAFKA_BROKER_USER,
    SCRAM_MECHANISM,
    SecureStack,
    client_settings,
    scram_jaas,
)
from stack.secure import load as load_secure
from stack.service import LOOPBACK, Service, classpath, java_opts, kafka_port

_LOG4J2 = """\
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = INFO
"""


def server_properties(settings: Settings, data_dir: Path, secure: SecureStack | None = None) -> str:
    """The broker's configuration: loopback only, one node, replication factor one."""
    port = kafka_port(settings)
    ctl = settings.stack.kafka_controller_port
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@{LOOPBACK}:{ctl}",
            *(_secured_listeners(port, ctl, secure) if secure else _plain_listeners(port, ctl)),
            "controller.listener.names=CONTROLLER",
            f"log.dirs={data_dir}",
            "num.partitions=1",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=4",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "",
        ]
    )


def _plain_listeners(port: int, ctl: int) -> list[str]:
    return [
        f"listeners=PLAINTEXT://{LOOPBACK}:{port},CONTROLLER://{LOOPBACK}:{ctl}",
        f"advertised.listeners=PLAINTEXT://{LOOPBACK}:{port}",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    ]


def _secured_listeners(port: int, ctl: int, secure: SecureStack) -> list[str]:
    """Clients (and the broker itself) log in with SCRAM over TLS; the controller listener takes
    TLS connections with a certificate of the stack's CA only (the broker's own)."""
    broker_login = scram_jaas(KAFKA_BROKER_USER, secure.passwords.kafka_broker)
    return [
        f"listeners=SASL_SSL://{LOOPBACK}:{port},CONTROLLER://{LOOPBACK}:{ctl}",
        f"advertised.listeners=SASL_SSL://{LOOPBACK}:{port}",
        "inter.broker.listener.name=SASL_SSL",
        "listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL",
        f"sasl.enabled.mechanisms={SCRAM_MECHANISM}",
        f"sasl.mechanism.inter.broker.protocol={SCRAM_MECHANISM}",
        f"listener.name.sasl_ssl.{SCRAM_MECHANISM.lower()}.sasl.jaas.config={broker_login}",
        "listener.name.controller.ssl.client.auth=required",
        "ssl.keystore.type=PEM",
        f"ssl.keystore.location={secure.server_pem}",
        "ssl.truststore.type=PEM",
        f"ssl.truststore.location={secure.ca_file}",
    ]


def _scram_credentials(secure: SecureStack) -> list[str]:
    """``kafka-storage format`` arguments creating the SCRAM logins in the metadata log."""
    logins = (
        (KAFKA_BROKER_USER, secure.passwords.kafka_broker),
        (CLIENT_USER, secure.passwords.kafka_client),
    )
    return [
        f"--add-scram={SCRAM_MECHANISM}=[name={user},password={password.get_secret_value()}]"
        for user, password in logins
    ]


def _argfile_line(arg: str) -> str:
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _prepare(settings: Settings, java: Path, home: Path) -> None:
    """Write the configuration; format the log directory once, before the first start."""
    secure = load_secure(settings) if settings.stack.secure else None
    conf_dir, data_dir = home / "conf", home / "data"
    write_conf(conf_dir, server_properties(settings, data_dir, secure))
    if not (data_dir / "meta.properties").exists():
        format_storage(settings, java, conf_dir, data_dir, new_cluster_id(), secure)


def write_conf(conf_dir: Path, properties: str) -> None:
    """A node's ``server.properties`` (owner-only), log4j2 and JMX exporter configuration."""
    conf_dir.mkdir(parents=True, exist_ok=True)
    write_file(conf_dir / "server.properties", properties)
    (conf_dir / "log4j2.properties").write_text(_LOG4J2)
    jmx_exporter.write_config(conf_dir, jmx_exporter.KAFKA_RULES)


def new_cluster_id() -> str:
    """A random Kafka cluster id (a base64url UUID, as ``kafka-storage random-uuid`` prints)."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def format_storage(
    settings: Settings,
    java: Path,
    conf_dir: Path,
    data_dir: Path,
    cluster_id: str,
    secure: SecureStack | None = None,
) -> None:
    """Format a node's log directory for ``cluster_id``.

    The format command's arguments (SCRAM passwords, for a secured stack) go through an
    owner-only java argument file, so they never show in the process list.
    """
    args = [
        "kafka.tools.StorageTool",
        "format",
        f"--cluster-id={cluster_id}",  # an id may start with "-": keep it glued to its flag
        f"--config={conf_dir / 'server.properties'}",
        *(_scram_credentials(secure) if secure else []),
    ]
    argfile = write_file(conf_dir / "format.args", "\n".join(map(_argfile_line, args)) + "\n")
    cmd = [
        str(java),
        f"-Dlog4j2.configurationFile={conf_dir / 'log4j2.properties'}",
        "-cp",
        classpath(artifacts.kafka_libs(settings)),
        f"@{argfile}",
    ]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    finally:
        argfile.unlink()
    if result.returncode != 0:
        raise StackError(
            f"formatting Kafka's log directory {data_dir} failed:\n{result.stdout}{result.stderr}"
        )


def _healthy(settings: Settings) -> bool:
    """A real metadata request answered by the broker (over SASL_SSL on a secured stack)."""
    if not port_accepts(kafka_port(settings)):
        return False
    client = client_settings(settings)
    admin = admin_client(client, log_level=0)
    try:
        metadata = admin.list_topics(timeout=3)
    except Exception:  # librdkafka raises KafkaException while the broker is starting
        return False
    return bool(metadata.brokers)


def service(settings: Settings, java: Path) -> Service:
    """The Kafka service of this stack."""
    home = settings.stack.home / "kafka"
    return Service(
        name="kafka",
        home=home,
        ports=(
            kafka_port(settings),
            settings.stack.kafka_controller_port,
            settings.stack.kafka_metrics_port,
        ),
        endpoint=f"{LOOPBACK}:{kafka_port(settings)}",
        command=node_command(settings, java, home, settings.stack.kafka_metrics_port),
        healthy=lambda: _healthy(settings),
        prepare=lambda: _prepare(settings, java, home),
    )


def node_command(settings: Settings, java: Path, home: Path, metrics_port: int) -> tuple[str, ...]:
    """The command line of a Kafka node living in ``home`` (its configuration in ``conf/``)."""
    conf_dir = home / "conf"
    return (
        str(java),
        *java_opts(settings.stack.kafka_heap, home),
        "-XX:+UseG1GC",
        jmx_exporter.agent_option(settings, metrics_port, conf_dir),
        f"-Dlog4j2.configurationFile={conf_dir / 'log4j2.properties'}",
        f"-Dkafka.logs.dir={home / 'logs'}",
        "-cp",
        classpath(artifacts.kafka_libs(settings)),
        "kafka.Kafka",
        str(conf_dir / "server.properties"),
    )
