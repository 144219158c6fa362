"""Apache Cassandra nodes, each configured by a minimal cassandra.yaml of our own: the single
shape's one node, or one of the cluster shape's (``stack.cassandra_cluster``).

Plain: no authentication, plain CQL. Secured (``stack.secure``): CQL over TLS only, password
logins and permissions (``PasswordAuthenticator``, ``CassandraAuthorizer``). At its first boot
the node's default superuser ``cassandra``/``cassandra`` is replaced by the stack's roles before
the node counts as healthy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from clients.cassandra import connect
from config import Settings
from config.settings import updated
from stack import artifacts, jmx_exporter
from stack.ports import port_accepts
from stack.secure import CASSANDRA_ADMIN_USER, CLIENT_USER, SecureStack, client_settings
from stack.secure import load as load_secure
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
# A secured node creates its default superuser at once, not 10 s after boot.
_SECURED_START = ("-Dcassandra.superuser_setup_delay_ms=0",)
_DEFAULT_SUPERUSER = "cassandra"
_ROLES_READY = "roles.ready"
"""Marker file in the node's home: the first-boot role setup is done."""
_LOGBACK = """\
<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="STDOUT"/></root>
</configuration>
"""


_RACK_DC = "dc={dc}\nrack=rack1\n"
"""``cassandra-rackdc.properties`` of a cluster node: every node in the one datacenter."""


@dataclass(frozen=True)
class Placement:
    """Where one node sits: its service name, the loopback address it listens on, the seeds it
    gossips with (addresses), its JMX exporter port, and its token (None: Cassandra picks)."""

    name: str
    address: str
    seeds: tuple[str, ...]
    metrics_port: int
    initial_token: int | None = None

    @property
    def clustered(self) -> bool:
        """One of several nodes: it names its datacenter and rack itself (the snitch)."""
        return len(self.seeds) > 1


def single(settings: Settings) -> Placement:
    """The single shape's one node, on loopback."""
    return Placement("cassandra", LOOPBACK, (LOOPBACK,), settings.stack.cassandra_metrics_port)


def cassandra_yaml(
    settings: Settings,
    home: Path,
    secure: SecureStack | None = None,
    placement: Placement | None = None,
) -> str:
    """A minimal configuration (JSON is valid YAML) of the node at ``placement`` (default: the
    single shape's), on its loopback address only.

    A cluster node reads its datacenter and rack from ``cassandra-rackdc.properties``
    (``GossipingPropertyFileSnitch``, as on real clusters), which also makes a node prefer
    itself as the replica of a read it coordinates."""
    place = placement or single(settings)
    storage = settings.stack.cassandra_storage_port
    data = home / "data"
    config: dict[str, Any] = {
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
                "parameters": [{"seeds": ",".join(f"{s}:{storage}" for s in place.seeds)}],
            }
        ],
        "listen_address": place.address,
        "rpc_address": place.address,
        "storage_port": storage,
        "native_transport_port": settings.cassandra.port,
        "start_native_transport": True,
        "endpoint_snitch": ("GossipingPropertyFileSnitch" if place.clustered else "SimpleSnitch"),
        "auto_snapshot": False,
        "snapshot_on_duplicate_row_detection": False,
        "concurrent_compactors": 1,
        "dynamic_snitch": False,
    }
    if place.initial_token is not None:
        config["initial_token"] = str(place.initial_token)
    if secure:
        config |= _secured(secure)
    return json.dumps(config, indent=2) + "\n"


def _secured(secure: SecureStack) -> dict[str, Any]:
    """Password logins, permissions, and CQL over TLS only (the PEM key and chain)."""
    return {
        "authenticator": "PasswordAuthenticator",
        "authorizer": "CassandraAuthorizer",
        "role_manager": "CassandraRoleManager",
        "client_encryption_options": {
            "enabled": True,
            "optional": False,
            "ssl_context_factory": {
                "class_name": "org.apache.cassandra.security.PEMBasedSslContextFactory"
            },
            "keystore": str(secure.server_pem),
            "truststore": str(secure.ca_file),
            "require_client_auth": False,
        },
    }


def _prepare(settings: Settings, home: Path, place: Placement) -> None:
    conf = home / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    secure = load_secure(settings) if settings.stack.secure else None
    (conf / "cassandra.yaml").write_text(cassandra_yaml(settings, home, secure, place))
    (conf / "logback.xml").write_text(_LOGBACK)
    if place.clustered:
        dc = settings.cassandra.local_dc
        (conf / "cassandra-rackdc.properties").write_text(_RACK_DC.format(dc=dc))
    jmx_exporter.write_config(conf, jmx_exporter.CASSANDRA_RULES)


def _on_node(
    settings: Settings, login: tuple[str, SecretStr] | None = None, address: str = LOOPBACK
) -> Settings:
    """Client settings for the node at ``address`` with short timeouts, as ``login`` if given."""
    update: dict[str, Any] = {
        "contact_points": [address],
        "connect_timeout_s": 3.0,
        "request_timeout_s": 10.0,
    }
    if login:
        update |= {"username": login[0], "password": login[1]}
    return updated(settings, cassandra=update)


def _answers(settings: Settings, address: str | None = None, peers: int = 0) -> bool:
    """``SELECT release_version FROM system.local`` answered (by the node at ``address``
    itself, when given), and the node knows at least ``peers`` other members of its ring."""
    try:
        with connect(settings, only_hosts=[address] if address else ()) as session:
            if session.execute("SELECT release_version FROM system.local").one() is None:
                return False
            return (
                peers == 0 or len(list(session.execute("SELECT peer FROM system.peers"))) >= peers
            )
    except Exception:  # the driver raises NoHostAvailable and friends while booting
        return False


def _setup_roles(client: Settings, secure: SecureStack) -> bool:
    """First boot of a secured node: create the stack's superuser with the default one, then,
    as that superuser, the client role (every permission on keyspaces, none on roles) and drop
    the default. Each step is idempotent, so a setup cut short is completed by the next call.
    Returns False while the node cannot do it yet (booting, default role not created yet)."""
    passwords = secure.passwords
    admin = _on_node(client, (CASSANDRA_ADMIN_USER, passwords.cassandra_admin))
    default = _on_node(client, (_DEFAULT_SUPERUSER, SecretStr(_DEFAULT_SUPERUSER)))
    steps: list[tuple[Settings, str, list[str]]] = [
        (
            default,
            f"CREATE ROLE IF NOT EXISTS {CASSANDRA_ADMIN_USER} "
            "WITH SUPERUSER = true AND LOGIN = true AND PASSWORD = %s",
            [passwords.cassandra_admin.get_secret_value()],
        ),
        (
            admin,
            f"CREATE ROLE IF NOT EXISTS {CLIENT_USER} WITH LOGIN = true AND PASSWORD = %s",
            [passwords.cassandra_client.get_secret_value()],
        ),
        (admin, f"GRANT ALL PERMISSIONS ON ALL KEYSPACES TO {CLIENT_USER}", []),
        (admin, f"DROP ROLE IF EXISTS {_DEFAULT_SUPERUSER}", []),
    ]
    if _answers(admin):  # the superuser exists already; the default login may be gone
        steps = steps[1:]
    try:
        for login, statement, values in steps:
            with connect(login) as session:
                session.execute(statement, values)
    except Exception:  # not up yet, or the default role not created yet: try again later
        return False
    return True


def _healthy(settings: Settings, home: Path, place: Placement) -> bool:
    """A CQL query answered by the node itself (over TLS, as the client role, on a secured
    node whose first-boot role setup is done); a cluster's node has joined the others."""
    address = place.address
    if not port_accepts(settings.cassandra.port, address):
        return False
    client = client_settings(settings)
    ready = home / _ROLES_READY
    if settings.stack.secure and not ready.exists():
        if not _setup_roles(client, load_secure(settings)):
            return False
        ready.touch()
    return _answers(_on_node(client, address=address), address, len(place.seeds) - 1)


def service(settings: Settings, java: Path, placement: Placement | None = None) -> Service:
    """The Cassandra node at ``placement`` (default: the single shape's)."""
    place = placement or single(settings)
    home = settings.stack.home / place.name
    conf = home / "conf"
    libs = artifacts.cassandra_libs(settings)
    jamm = next(iter(sorted(libs.glob("jamm-*.jar"))), None)
    return Service(
        name=place.name,
        home=home,
        ports=(settings.cassandra.port, settings.stack.cassandra_storage_port, place.metrics_port),
        endpoint=f"{place.address}:{settings.cassandra.port}",
        host=place.address,
        command=(
            str(java),
            *java_opts(settings.stack.cassandra_heap, home),
            "-Xss512k",
            "-XX:+UseG1GC",
            *([f"-javaagent:{jamm}"] if jamm else []),
            jmx_exporter.agent_option(settings, place.metrics_port, conf, place.address),
            *_JVM17_OPTIONS,
            *_FAST_START,
            *(_SECURED_START if settings.stack.secure else ()),
            f"-Dcassandra.config=file://{conf / 'cassandra.yaml'}",
            f"-Dlogback.configurationFile={conf / 'logback.xml'}",
            f"-Dcassandra.logdir={home / 'logs'}",
            f"-Dcassandra.storagedir={home / 'data'}",
            "-Dcassandra-foreground=yes",
            "-cp",
            classpath(libs, conf),
            "org.apache.cassandra.service.CassandraDaemon",
        ),
        healthy=lambda: _healthy(settings, home, place),
        prepare=lambda: _prepare(settings, home, place),
    )
