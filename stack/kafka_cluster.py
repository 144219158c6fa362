"""Apache Kafka at cluster shape (``stack.shape = "cluster"``): three KRaft nodes, each a broker
and a controller of one static quorum (``controller.quorum.voters``), on loopback.

Node ``n`` (1 to 3) lives in ``<stack.home>/kafka-<n>`` (its own log directory, configuration,
pid file and log), serves clients on the port of the ``n``-th of ``kafka.bootstrap_servers``,
its controller on the ``n``-th of ``stack.kafka_cluster_controller_ports`` and its JMX exporter
on the ``n``-th of ``stack.kafka_cluster_metrics_ports``. Topics are created with three replicas
of which two must hold a record before it is acknowledged (``acks=all``); the internal topics
(consumer offsets, transactions) too. The three log directories are formatted with one cluster
id, kept in ``<stack.home>/kafka-cluster.id``. Plain listeners only (no secured profile yet).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from clients.kafka import admin_client
from config import Settings
from config.settings import updated
from stack import kafka_broker
from stack.errors import StackError
from stack.owner_only import write_file
from stack.ports import port_accepts
from stack.service import LOOPBACK, Service, kafka_ports

NODES = 3
REPLICATION_FACTOR = 3
MIN_INSYNC_REPLICAS = 2


def node_names() -> tuple[str, ...]:
    """The services' names, in node order: ``kafka-1``, ``kafka-2``, ``kafka-3``."""
    return tuple(f"kafka-{n}" for n in range(1, NODES + 1))


def server_properties(settings: Settings, node: int, data_dir: Path) -> str:
    """Node ``node``'s configuration: loopback only, one of three voters, replication 3."""
    port = kafka_ports(settings)[node - 1]
    controllers = settings.stack.kafka_cluster_controller_ports
    ctl = controllers[node - 1]
    voters = ",".join(f"{n}@{LOOPBACK}:{c}" for n, c in enumerate(controllers, start=1))
    rf, isr = REPLICATION_FACTOR, MIN_INSYNC_REPLICAS
    return "\n".join(
        [
            "process.roles=broker,controller",
            f"node.id={node}",
            f"controller.quorum.voters={voters}",
            f"listeners=PLAINTEXT://{LOOPBACK}:{port},CONTROLLER://{LOOPBACK}:{ctl}",
            f"advertised.listeners=PLAINTEXT://{LOOPBACK}:{port}",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "controller.listener.names=CONTROLLER",
            f"log.dirs={data_dir}",
            "num.partitions=1",
            f"default.replication.factor={rf}",
            f"min.insync.replicas={isr}",
            f"offsets.topic.replication.factor={rf}",
            "offsets.topic.num.partitions=4",
            f"transaction.state.log.replication.factor={rf}",
            f"transaction.state.log.min.isr={isr}",
            f"share.coordinator.state.topic.replication.factor={rf}",
            f"share.coordinator.state.topic.min.isr={isr}",
            "group.initial.rebalance.delay.ms=0",
            # three JVMs on a small machine: fewer threads than Kafka's defaults (3 and 8)
            "num.network.threads=2",
            "num.io.threads=2",
            "background.threads=2",
            "",
        ]
    )


def _cluster_id(settings: Settings) -> str:
    """The cluster's id, chosen at the first node's first start and kept for the others."""
    path = settings.stack.home / "kafka-cluster.id"
    if not path.exists():
        write_file(path, kafka_broker.new_cluster_id() + "\n")
    return path.read_text().strip()


def _prepare(settings: Settings, java: Path, node: int, home: Path) -> None:
    conf_dir, data_dir = home / "conf", home / "data"
    kafka_broker.write_conf(conf_dir, server_properties(settings, node, data_dir))
    if not (data_dir / "meta.properties").exists():
        kafka_broker.format_storage(settings, java, conf_dir, data_dir, _cluster_id(settings))


def _healthy(settings: Settings, node: int) -> bool:
    """The node answers a metadata request itself, and lists itself among the brokers (it has
    joined the cluster: registered with the quorum's active controller)."""
    port = kafka_ports(settings)[node - 1]
    if not port_accepts(port):
        return False
    own = updated(settings, kafka={"bootstrap_servers": f"{LOOPBACK}:{port}"})
    admin = admin_client(own, log_level=0)
    try:
        metadata = admin.list_topics(timeout=3)
    except Exception:  # librdkafka raises KafkaException while the broker is starting
        return False
    return node in metadata.brokers


def services(settings: Settings, java: Path) -> dict[str, Service]:
    """The three Kafka nodes of the cluster shape, by service name, in node order."""
    if len(kafka_ports(settings)) != NODES:
        raise StackError(
            f"stack.shape=cluster runs {NODES} Kafka nodes: kafka.bootstrap_servers must list "
            f"{NODES} servers, one per node (it is {settings.kafka.bootstrap_servers!r})"
        )
    if settings.stack.secure:
        raise StackError("stack.shape=cluster does not run the secured profile (SECURE=1) yet")
    found = {}
    metrics = settings.stack.kafka_cluster_metrics_ports
    for node, name in enumerate(node_names(), start=1):
        home = settings.stack.home / name
        port = kafka_ports(settings)[node - 1]
        found[name] = Service(
            name=name,
            home=home,
            ports=(
                port,
                settings.stack.kafka_cluster_controller_ports[node - 1],
                metrics[node - 1],
            ),
            endpoint=f"{LOOPBACK}:{port}",
            command=kafka_broker.node_command(settings, java, home, metrics[node - 1]),
            healthy=partial(_healthy, settings, node),
            prepare=partial(_prepare, settings, java, node, home),
        )
    return found
