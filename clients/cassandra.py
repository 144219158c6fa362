"""Cassandra sessions, opened one way from the settings (local DC, credentials, TLS, timeouts),
and the keyspace a contract's table is in."""

from __future__ import annotations

import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from cassandra import ConsistencyLevel
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import (
    DCAwareRoundRobinPolicy,
    LoadBalancingPolicy,
    WhiteListRoundRobinPolicy,
)

from config import Settings
from config.settings import CassandraTlsSettings


def table_keyspace(settings: Settings, contract_keyspace: str) -> str:
    """The keyspace a contract's table is in: ``cassandra.keyspace`` when it is set (an isolated
    run, a tenant), else the one the contract's ``x-cassandra`` names."""
    return settings.cassandra.keyspace or contract_keyspace


def ssl_context(tls: CassandraTlsSettings) -> ssl.SSLContext | None:
    """The driver's TLS context when TLS is enabled: the CA file (else the system's CAs),
    hostname checking (the driver checks the contact point's address), a client certificate."""
    if not tls.enabled:
        return None
    context = ssl.create_default_context(cafile=str(tls.ca_file) if tls.ca_file else None)
    context.check_hostname = tls.check_hostname
    if tls.cert_file:
        context.load_cert_chain(
            tls.cert_file,
            tls.key_file,
            tls.key_password.get_secret_value() if tls.key_password else None,
        )
    return context


def cluster(settings: Settings, only_hosts: Sequence[str] = ()) -> Cluster:
    """A driver ``Cluster`` for the configured contact points; the caller shuts it down.

    ``only_hosts`` routes every request to those nodes alone (a node's own health check, a
    read of what one replica holds); by default requests go to any node of the local DC."""
    cfg = settings.cassandra
    balancing: LoadBalancingPolicy = (
        WhiteListRoundRobinPolicy(list(only_hosts))
        if only_hosts
        else DCAwareRoundRobinPolicy(local_dc=cfg.local_dc)
    )
    auth = (
        PlainTextAuthProvider(cfg.username, cfg.password.get_secret_value())
        if cfg.username and cfg.password
        else None
    )
    profile = ExecutionProfile(
        load_balancing_policy=balancing,
        consistency_level=ConsistencyLevel.name_to_value[cfg.read_consistency],
        request_timeout=cfg.request_timeout_s,
    )
    return Cluster(
        contact_points=list(only_hosts) or cfg.contact_points,
        port=cfg.port,
        auth_provider=auth,
        ssl_context=ssl_context(cfg.tls),
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        protocol_version=5,
        connect_timeout=cfg.connect_timeout_s,
        control_connection_timeout=cfg.connect_timeout_s,
    )


@contextmanager
def connect(
    settings: Settings, keyspace: str | None = None, only_hosts: Sequence[str] = ()
) -> Iterator[Any]:
    """A session on the configured cluster (on ``only_hosts`` alone, when given: see
    :func:`cluster`), closed when the block ends."""
    driver_cluster = cluster(settings, only_hosts)
    try:
        yield driver_cluster.connect(keyspace)
    finally:
        driver_cluster.shutdown()


def probe(settings: Settings) -> str | None:
    """Why Cassandra does not answer a trivial query right now, or None when it does."""
    try:
        with connect(settings) as session:
            session.execute("SELECT release_version FROM system.local")
    except Exception as exc:  # the driver raises many types; any of them means "not now"
        return f"{type(exc).__name__}: {exc}"
    return None
