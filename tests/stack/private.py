"""A second, private stack on free ports in a temporary home: for tests that stop, restart or
secure a stack without disturbing the shared one."""

from __future__ import annotations

import socket
from pathlib import Path

from config import Settings


def free_port() -> int:
    """A port nothing listens on right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def private_settings(settings: Settings, home: Path) -> Settings:
    """``settings`` moved to free ports, a private home and small heaps (same artifact cache)."""
    kafka, registry, cassandra = free_port(), free_port(), free_port()
    return settings.model_copy(
        update={
            "kafka": settings.kafka.model_copy(update={"bootstrap_servers": f"127.0.0.1:{kafka}"}),
            "registry": settings.registry.model_copy(
                update={"url": f"http://127.0.0.1:{registry}/apis/ccompat/v7"}
            ),
            "cassandra": settings.cassandra.model_copy(update={"port": cassandra}),
            "stack": settings.stack.model_copy(
                update={
                    "home": home,
                    "kafka_controller_port": free_port(),
                    "cassandra_storage_port": free_port(),
                    "kafka_heap": "256m",
                    "registry_heap": "256m",
                    "cassandra_heap": "512m",
                }
            ),
        }
    )
