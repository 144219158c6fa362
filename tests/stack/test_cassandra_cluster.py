"""The cluster shape's three Cassandra nodes, as configured (pure: no node is started; the
fault tests in ``tests/faults/test_cluster_faults.py`` run them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config import Settings, load_settings
from config.settings import updated
from stack import cassandra_cluster, cassandra_node
from stack.control import kind, services
from stack.errors import StackError


@pytest.fixture
def shaped(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.delenv("PIPELINE_CASSANDRA__CONTACT_POINTS", raising=False)
    monkeypatch.setenv("PIPELINE_STACK__SHAPE", "cluster")
    return load_settings()


def test_the_ring_is_cut_in_three_equal_parts() -> None:
    tokens = [cassandra_cluster.initial_token(n) for n in (1, 2, 3)]
    assert tokens[0] == -(2**63)
    assert tokens[1] - tokens[0] == tokens[2] - tokens[1] == 2**64 // 3
    assert tokens[2] < 2**63 - 2**64 // 3 + 1  # the last third ends inside the ring


def test_each_node_listens_on_its_own_loopback_address_and_every_node_is_a_seed(
    shaped: Settings, tmp_path: Path
) -> None:
    places = cassandra_cluster.placements(shaped)
    assert [p.address for p in places] == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    second = json.loads(cassandra_node.cassandra_yaml(shaped, tmp_path, placement=places[1]))
    assert (second["listen_address"], second["rpc_address"]) == ("127.0.0.2", "127.0.0.2")
    assert second["seed_provider"][0]["parameters"] == [
        {"seeds": "127.0.0.1:7000,127.0.0.2:7000,127.0.0.3:7000"}
    ]
    assert second["endpoint_snitch"] == "GossipingPropertyFileSnitch"
    assert second["initial_token"] == str(cassandra_cluster.initial_token(2))
    svc = services(shaped)
    assert [svc[p.name].host for p in places] == [p.address for p in places]
    assert {kind(p.name) for p in places} == {"cassandra"}


def test_the_single_node_keeps_its_snitch_and_picks_its_own_token(tmp_path: Path) -> None:
    single = json.loads(cassandra_node.cassandra_yaml(load_settings(), tmp_path))
    assert single["endpoint_snitch"] == "SimpleSnitch"
    assert "initial_token" not in single
    assert single["listen_address"] == "127.0.0.1"


@pytest.mark.parametrize(
    "addresses",
    [("127.0.0.1", "127.0.0.1", "127.0.0.3"), ("127.0.0.1", "10.0.0.2", "127.0.0.3")],
)
def test_node_addresses_must_be_three_distinct_loopback_addresses(
    shaped: Settings, addresses: tuple[str, str, str]
) -> None:
    wrong = updated(shaped, stack={"cassandra_cluster_addresses": addresses})
    with pytest.raises(StackError, match=r"stack\.cassandra_cluster_addresses"):
        cassandra_cluster.placements(wrong)
