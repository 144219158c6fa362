"""Where a local run (``make demo``, ``make produce``) reads each contract: its own source, a
given endpoint, or the offline source at the contract's own path (no service needed)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

from config import Settings
from config.settings import updated
from contract.catalog import all_contracts
from stack.sources import OFFLINE, SourceChoiceError, chosen_sources

WITH_SOURCE = [c for c in all_contracts() if c.source is not None]


def test_offline_gives_each_contract_its_own_path_on_one_local_server(
    settings: Settings,
) -> None:
    said: list[str] = []
    with chosen_sources(settings, WITH_SOURCE, OFFLINE, said.append) as urls:
        assert set(urls) == {c.name for c in WITH_SOURCE}
        hosts = {urlsplit(url).netloc for url in urls.values()}
        assert len(hosts) == 1 and next(iter(hosts)).startswith("127.0.0.1:")
        for each in WITH_SOURCE:
            assert each.source is not None and each.source.url is not None
            assert urlsplit(urls[each.name]).path == urlsplit(each.source.url).path
            params = {"results": 1, "limit": 1}
            assert requests.get(urls[each.name], params=params, timeout=30).status_code == 200
    assert said == [f"  offline source on http://{next(iter(hosts))}"]
    with pytest.raises(requests.ConnectionError):  # stopped with the block
        requests.get(next(iter(urls.values())), timeout=2)


def test_an_endpoint_given_is_used_for_every_contract_without_any_server(
    settings: Settings,
) -> None:
    said: list[str] = []
    with chosen_sources(settings, WITH_SOURCE, "http://127.0.0.1:1/x", said.append) as urls:
        assert urls == {c.name: "http://127.0.0.1:1/x" for c in WITH_SOURCE}
    assert said == []


def test_a_source_the_offline_server_does_not_serve_is_refused_by_contract(
    settings: Settings,
) -> None:
    elsewhere = updated(settings, source={"urls": {"quake_reported": "https://example.com/v2/q"}})
    with (
        pytest.raises(SourceChoiceError, match=r"quake_reported: .*serves no /v2/q.*SOURCE_URL"),
        chosen_sources(elsewhere, WITH_SOURCE, OFFLINE, lambda _: None),
    ):
        pass
