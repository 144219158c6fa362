"""One way to open a cassandra-driver session from the settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from config import Settings


@contextmanager
def connect(settings: Settings, keyspace: str | None = None) -> Iterator[Any]:
    """A session on the configured cluster (local DC aware, credentials from the settings)."""
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster
    from cassandra.policies import DCAwareRoundRobinPolicy

    cfg = settings.cassandra
    auth = (
        PlainTextAuthProvider(cfg.username, cfg.password.get_secret_value())
        if cfg.username and cfg.password
        else None
    )
    cluster = Cluster(
        contact_points=cfg.contact_points,
        port=cfg.port,
        auth_provider=auth,
        load_balancing_policy=DCAwareRoundRobinPolicy(local_dc=cfg.local_dc),
        protocol_version=5,
        connect_timeout=10,
    )
    try:
        yield cluster.connect(keyspace)
    finally:
        cluster.shutdown()
