"""Apache Cassandra at cluster shape (``stack.shape = "cluster"``): three nodes of one
datacenter, each on its own loopback address.

Node ``n`` (1 to 3) lives in ``<stack.home>/cassandra-<n>``, listens on the ``n``-th of
``stack.cassandra_cluster_addresses`` (``127.0.0.1`` to ``127.0.0.3``: Linux routes all of
127/8 to loopback) with the same CQL and storage ports as every other node, as hosts of a real
cluster do, and serves its JMX exporter on the ``n``-th of
``stack.cassandra_cluster_metrics_ports``. Every node is a seed, and each owns one third of the
token ring (``initial_token``), so the three boot together with no bootstrap streaming. The
contracts' keyspaces are replicated to all three (``cassandra.replication``:
``NetworkTopologyStrategy {'datacenter1': 3}``) and written at ``LOCAL_QUORUM``: two of three
replicas acknowledge each write, and a node that was down gets the rows it missed from the
others' hints when it returns (``max_hint_window``, 3 hours by default).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from config import Settings
from stack import cassandra_node
from stack.errors import StackError
from stack.service import Service

NODES = 3
_RING = 2**64
_FIRST_TOKEN = -(2**63)
"""Murmur3Partitioner's tokens run from -2**63 to 2**63 - 1."""


def node_names() -> tuple[str, ...]:
    """The services' names, in node order: ``cassandra-1``, ``cassandra-2``, ``cassandra-3``."""
    return tuple(f"cassandra-{n}" for n in range(1, NODES + 1))


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def initial_token(node: int) -> int:
    """Node ``node``'s token: the ring cut into equal thirds."""
    return _FIRST_TOKEN + (node - 1) * (_RING // NODES)


def placements(settings: Settings) -> list[cassandra_node.Placement]:
    """Where each node of the cluster sits, in node order."""
    addresses = settings.stack.cassandra_cluster_addresses
    if len(set(addresses)) != NODES or not all(_is_loopback(each) for each in addresses):
        raise StackError(
            f"stack.cassandra_cluster_addresses must name {NODES} different loopback addresses "
            f"(127.x.y.z), one per node; it is {addresses!r}"
        )
    return [
        cassandra_node.Placement(
            name=name,
            address=address,
            seeds=tuple(addresses),
            metrics_port=metrics,
            initial_token=initial_token(node),
        )
        for node, (name, address, metrics) in enumerate(
            zip(
                node_names(), addresses, settings.stack.cassandra_cluster_metrics_ports, strict=True
            ),
            start=1,
        )
    ]


def services(settings: Settings, java: Path) -> dict[str, Service]:
    """The three Cassandra nodes of the cluster shape, by service name, in node order."""
    return {
        place.name: cassandra_node.service(settings, java, place) for place in placements(settings)
    }
