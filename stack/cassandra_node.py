"""Apache Cassandra as one node, configured by a minimal cassandra.yaml of our own."""

from __future__ import annotations

import json
from pathlib import Path

from cassandra.cluster import Cluster

from config import Settings
from stack import artifacts
from stack.ports import port_accepts
from stack.service import LOOPBACK, Service, classpath, java_opts

# From Cassandra 5.0's conf/jvm17-server.options: the JDK internals it reaches into.
_JVM17_OPTIONS = (
    "-Djdk.attach.allowAttachSelf=true",
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
    "--add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED",
    "--add-exports=java.sql/java.sql=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.module=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.math=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.module=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED",
    "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.math=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
)
# One node needs no gossip settling nor ring delay: skipping them saves most of the boot time.
_FAST_START = (
    "-Dcassandra.skip_wait_for_gossip_to_settle=0",
    "-Dcassandra.ring_delay_ms=100",
    "-Dcassandra.load_ring_state=false",
)
_LOGBACK = """\
<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="STDOUT"/></root>
</configuration>
"""


def cassandra_yaml(settings: Settings, home: Path) -> str:
    """A minimal single-node configuration (JSON is valid YAML), loopback only."""
    data = home / "data"
    config = {
        "cluster_name": "userstream-local",
        "num_tokens": 1,
        "partitioner": "org.apache.cassandra.dht.Murmur3Partitioner",
        "data_file_directories": [str(data / "data")],
        "commitlog_directory": str(data / "commitlog"),
        "saved_caches_directory": str(data / "saved_caches"),
        "hints_directory": str(data / "hints"),
        "cdc_raw_directory": str(data / "cdc_raw"),
        "commitlog_sync": "periodic",
        "commitlog_sync_period": "10000ms",
        "seed_provider": [
            {
                "class_name": "org.apache.cassandra.locator.SimpleSeedProvider",
                "parameters": [{"seeds": f"{LOOPBACK}:{settings.stack.cassandra_storage_port}"}],
            }
        ],
        "listen_address": LOOPBACK,
        "rpc_address": LOOPBACK,
        "storage_port": settings.stack.cassandra_storage_port,
        "native_transport_port": settings.cassandra.port,
        "start_native_transport": True,
        "endpoint_snitch": "SimpleSnitch",
        "auto_snapshot": False,
        "snapshot_on_duplicate_row_detection": False,
        "concurrent_compactors": 1,
        "dynamic_snitch": False,
    }
    return json.dumps(config, indent=2) + "\n"


def _prepare(settings: Settings, home: Path) -> None:
    conf = home / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "cassandra.yaml").write_text(cassandra_yaml(settings, home))
    (conf / "logback.xml").write_text(_LOGBACK)


def _healthy(settings: Settings) -> bool:
    """A CQL query answered: ``SELECT release_version FROM system.local``."""
    if not port_accepts(settings.cassandra.port):
        return False
    cluster = Cluster(
        [LOOPBACK], port=settings.cassandra.port, connect_timeout=3, protocol_version=5
    )
    try:
        session = cluster.connect()
        row = session.execute("SELECT release_version FROM system.local").one()
        return row is not None
    except Exception:  # the driver raises NoHostAvailable and friends while booting
        return False
    finally:
        cluster.shutdown()


def service(settings: Settings, java: Path) -> Service:
    """The Cassandra service of this stack."""
    home = settings.stack.home / "cassandra"
    conf = home / "conf"
    libs = artifacts.cassandra_libs(settings)
    jamm = next(iter(sorted(libs.glob("jamm-*.jar"))), None)
    return Service(
        name="cassandra",
        home=home,
        ports=(settings.cassandra.port, settings.stack.cassandra_storage_port),
        endpoint=f"{LOOPBACK}:{settings.cassandra.port}",
        command=(
            str(java),
            *java_opts(settings.stack.cassandra_heap, home),
            "-Xss512k",
            "-XX:+UseG1GC",
            *([f"-javaagent:{jamm}"] if jamm else []),
            *_JVM17_OPTIONS,
            *_FAST_START,
            f"-Dcassandra.config=file://{conf / 'cassandra.yaml'}",
            f"-Dlogback.configurationFile={conf / 'logback.xml'}",
            f"-Dcassandra.logdir={home / 'logs'}",
            f"-Dcassandra.storagedir={home / 'data'}",
            "-Dcassandra-foreground=yes",
            "-cp",
            classpath(libs, conf),
            "org.apache.cassandra.service.CassandraDaemon",
        ),
        healthy=lambda: _healthy(settings),
        prepare=lambda: _prepare(settings, home),
    )
