"""The Prometheus JMX exporter, as a java agent of Kafka and of Cassandra.

Each JVM serves a few of its own MBeans, and the agent's JVM and process metrics, on
``http://127.0.0.1:<port>/metrics`` for the stack's Prometheus (``stack.kafka_metrics_port``,
``stack.cassandra_metrics_port``). The rules keep the scrape small: only the named MBeans are
read (``includeObjectNames``), and only what a rule matches is exported. The agent's
configuration is written beside the service's own, as JSON (which YAML reads).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from config import Settings
from stack.artifacts import pom_property
from stack.service import LOOPBACK

CONFIG_FILE = "jmx-exporter.yaml"

KAFKA_RULES: dict[str, Any] = {
    "lowercaseOutputName": True,
    "includeObjectNames": [
        "kafka.server:type=BrokerTopicMetrics,*",
        "kafka.server:type=ReplicaManager,*",
        "kafka.network:type=RequestMetrics,name=TotalTimeMs,*",
    ],
    "rules": [
        {
            "pattern": "kafka.server<type=BrokerTopicMetrics, name=(MessagesIn|BytesIn|BytesOut)"
            "PerSec, topic=(.+)><>Count",
            "name": "kafka_server_brokertopicmetrics_$1_total",
            "labels": {"topic": "$2"},
            "type": "COUNTER",
        },
        {
            "pattern": "kafka.server<type=BrokerTopicMetrics, name=(MessagesIn|BytesIn|BytesOut)"
            "PerSec><>Count",
            "name": "kafka_server_brokertopicmetrics_$1_total",
            "type": "COUNTER",
        },
        {
            "pattern": "kafka.server<type=ReplicaManager, name=(PartitionCount|"
            "UnderReplicatedPartitions|OfflineReplicaCount)><>Value",
            "name": "kafka_server_replicamanager_$1",
            "type": "GAUGE",
        },
        {
            "pattern": "kafka.network<type=RequestMetrics, name=TotalTimeMs, "
            "request=(Produce|Fetch)><>(50|99)thPercentile",
            "name": "kafka_network_request_total_time_seconds",
            "labels": {"request": "$1", "quantile": "0.$2"},
            "valueFactor": 0.001,
            "type": "GAUGE",
        },
    ],
}
"""Kafka: messages and bytes in and out (per topic and in all), partitions, and the time of
produce and fetch requests."""

CASSANDRA_RULES: dict[str, Any] = {
    "lowercaseOutputName": True,
    "includeObjectNames": [
        "org.apache.cassandra.metrics:type=ClientRequest,*",
        "org.apache.cassandra.metrics:type=Storage,*",
    ],
    "rules": [
        {
            "pattern": "org.apache.cassandra.metrics<type=ClientRequest, scope=(Read|Write), "
            "name=Latency><>Count",
            "name": "cassandra_clientrequest_$1_total",
            "type": "COUNTER",
        },
        {
            "pattern": "org.apache.cassandra.metrics<type=ClientRequest, scope=(Read|Write), "
            "name=Latency><>(50|99)thPercentile",
            "name": "cassandra_clientrequest_$1_latency_seconds",
            "labels": {"quantile": "0.$2"},
            "valueFactor": 0.000001,
            "type": "GAUGE",
        },
        {
            "pattern": "org.apache.cassandra.metrics<type=ClientRequest, scope=(Read|Write), "
            "name=(Timeouts|Unavailables|Failures)><>Count",
            "name": "cassandra_clientrequest_$1_$2_total",
            "type": "COUNTER",
        },
        {
            "pattern": "org.apache.cassandra.metrics<type=Storage, name=Load><>Count",
            "name": "cassandra_storage_load_bytes",
            "type": "GAUGE",
        },
    ],
}
"""Cassandra: reads and writes of clients (counts, latency, timeouts, failures), data size."""


def agent_jar(settings: Settings) -> Path:
    """The agent's jar, fetched by ``make setup`` (``stack/jvm/jmx-exporter``)."""
    version = pom_property("jmx.exporter.version")
    return settings.stack.cache_dir / "jmx-exporter" / f"jmx_prometheus_javaagent-{version}.jar"


def write_config(conf_dir: Path, rules: dict[str, Any]) -> Path:
    """Write the agent's configuration into ``conf_dir``; returns its path."""
    path = conf_dir / CONFIG_FILE
    path.write_text(json.dumps(rules, indent=2) + "\n")
    return path


def agent_option(settings: Settings, port: int, conf_dir: Path, host: str = LOOPBACK) -> str:
    """The JVM option that loads the agent, serving on ``host:port`` (a loopback address) with
    the configuration :func:`write_config` writes into ``conf_dir``."""
    return f"-javaagent:{agent_jar(settings)}={host}:{port}:{conf_dir / CONFIG_FILE}"
