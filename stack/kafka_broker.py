"""Apache Kafka as a single KRaft node (broker and controller in one process)."""

from __future__ import annotations

import base64
import subprocess
import uuid
from pathlib import Path

from confluent_kafka.admin import AdminClient

from config import Settings
from stack import artifacts
from stack.errors import StackError
from stack.ports import port_accepts
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


def server_properties(settings: Settings, data_dir: Path) -> str:
    """The broker's configuration: loopback only, one node, replication factor one."""
    port = kafka_port(settings)
    ctl = settings.stack.kafka_controller_port
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@{LOOPBACK}:{ctl}",
            f"listeners=PLAINTEXT://{LOOPBACK}:{port},CONTROLLER://{LOOPBACK}:{ctl}",
            f"advertised.listeners=PLAINTEXT://{LOOPBACK}:{port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
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


def _prepare(settings: Settings, java: Path, home: Path) -> None:
    """Write the configuration; format the log directory once, before the first start."""
    conf_dir, data_dir = home / "conf", home / "data"
    conf_dir.mkdir(parents=True, exist_ok=True)
    (conf_dir / "server.properties").write_text(server_properties(settings, data_dir))
    (conf_dir / "log4j2.properties").write_text(_LOG4J2)
    if (data_dir / "meta.properties").exists():
        return
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    cmd = [
        str(java),
        f"-Dlog4j2.configurationFile={conf_dir / 'log4j2.properties'}",
        "-cp",
        classpath(artifacts.kafka_libs(settings)),
        "kafka.tools.StorageTool",
        "format",
        f"--cluster-id={cluster_id}",  # an id may start with "-": keep it glued to its flag
        f"--config={conf_dir / 'server.properties'}",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StackError(
            f"formatting Kafka's log directory {data_dir} failed:\n{result.stdout}{result.stderr}"
        )


def _healthy(settings: Settings) -> bool:
    """A real metadata request answered by the broker."""
    if not port_accepts(kafka_port(settings)):
        return False
    admin = AdminClient({**settings.kafka.client_config(), "log_level": 0})
    try:
        metadata = admin.list_topics(timeout=3)
    except Exception:  # librdkafka raises KafkaException while the broker is starting
        return False
    return bool(metadata.brokers)


def service(settings: Settings, java: Path) -> Service:
    """The Kafka service of this stack."""
    home = settings.stack.home / "kafka"
    conf_dir = home / "conf"
    return Service(
        name="kafka",
        home=home,
        ports=(kafka_port(settings), settings.stack.kafka_controller_port),
        endpoint=f"{LOOPBACK}:{kafka_port(settings)}",
        command=(
            str(java),
            *java_opts(settings.stack.kafka_heap, home),
            "-XX:+UseG1GC",
            f"-Dlog4j2.configurationFile={conf_dir / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={home / 'logs'}",
            "-cp",
            classpath(artifacts.kafka_libs(settings)),
            "kafka.Kafka",
            str(conf_dir / "server.properties"),
        ),
        healthy=lambda: _healthy(settings),
        prepare=lambda: _prepare(settings, java, home),
    )
