"""The offline source serves the real APIs' shapes (randomuser, and the USGS quake feed of the
second contract), deterministically, with injectable bad records."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from contract.catalog import all_contracts
from contract.streams import Produced
from stack.offline_quakes import make_collection
from stack.offline_source import NATIONALITIES, OfflineSource, make_page

ISO_MILLIS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
OFFSET = re.compile(r"^[+-]?\d{1,2}:\d\d$")
CREDENTIALS = {"password", "salt", "md5", "sha1", "sha256"}


def _get(url: str, params: Mapping[str, str | int] | None = None) -> requests.Response:
    return requests.get(url, params=params, timeout=30)


@pytest.fixture(scope="module")
def page() -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = make_page("shapes", 1, 400, tuple(NATIONALITIES))["results"]
    return users


def test_page_has_the_api_envelope(offline_source: OfflineSource) -> None:
    response = _get(offline_source.url, {"results": 3, "seed": "e", "page": 4})
    body = response.json()
    assert response.status_code == 200
    assert body["info"] == {"seed": "e", "results": 3, "page": 4, "version": "1.4"}
    assert len(body["results"]) == 3


def test_unknown_endpoint_answers_an_error_body(offline_source: OfflineSource) -> None:
    response = requests.get(offline_source.url.replace("/api/1.4/", "/nope"), timeout=30)
    assert response.status_code == 404
    assert "error" in response.json()


def test_shapes_that_break_naive_code_are_all_served(page: list[dict[str, Any]]) -> None:
    postcodes = [u["location"]["postcode"] for u in page]
    assert any(isinstance(p, int) for p in postcodes)
    assert any(isinstance(p, str) and " " in p for p in postcodes)
    assert all(isinstance(u["location"]["coordinates"]["latitude"], str) for u in page)
    assert all(OFFSET.match(u["location"]["timezone"]["offset"]) for u in page)
    assert any(u["location"]["timezone"]["offset"].endswith(":30") for u in page)
    assert all(
        ISO_MILLIS.match(u["dob"]["date"]) and ISO_MILLIS.match(u["registered"]["date"])
        for u in page
    )
    assert any(u["id"]["value"] is None and u["id"]["name"] == "" for u in page)
    assert all(isinstance(u["location"]["street"]["number"], int) for u in page)
    scripts = {
        "\u0600": "\u06ff",
        "\u0400": "\u04ff",
        "\u0900": "\u097f",
    }  # Arabic, Cyrillic, Devanagari
    for low, high in scripts.items():
        assert any(low <= u["name"]["first"][0] <= high for u in page), f"no name in {low}..{high}"
    assert all(set(u["login"]) >= CREDENTIALS for u in page), "credentials are served like the API"


def test_ages_agree_with_dates(page: list[dict[str, Any]]) -> None:
    now = datetime.now(UTC)
    for user in page:
        born = datetime.fromisoformat(user["dob"]["date"])
        assert user["dob"]["age"] in (now.year - born.year, now.year - born.year - 1)


def test_title_and_first_name_agree_with_gender(page: list[dict[str, Any]]) -> None:
    for user in page:
        nat = NATIONALITIES[user["nat"]]
        names = nat.female if user["gender"] == "female" else nat.male
        assert user["name"]["title"] in names.titles, user
        assert user["name"]["first"] in names.first, user
    assert {u["gender"] for u in page} == {"female", "male"}


def test_uuids_are_unique_and_stable_per_position() -> None:
    nats = tuple(NATIONALITIES)
    uuids = [u["login"]["uuid"] for p in (1, 2, 3) for u in make_page("u", p, 300, nats)["results"]]
    assert len(set(uuids)) == len(uuids)
    assert make_page("u", 2, 300, nats)["results"][5]["login"]["uuid"] == uuids[305]


def test_nat_filter(offline_source: OfflineSource) -> None:
    response = _get(offline_source.url, {"results": 50, "seed": "n", "nat": "de,ir"})
    assert {u["nat"] for u in response.json()["results"]} == {"DE", "IR"}


def test_bad_users_are_spoiled_deterministically_in_three_ways() -> None:
    nats = tuple(NATIONALITIES)
    clean = make_page("b", 1, 300, nats)["results"]
    spoiled = make_page("b", 1, 300, nats, bad_user_rate=0.2)["results"]
    again = make_page("b", 1, 300, nats, bad_user_rate=0.2)["results"]
    changed = [i for i, (c, s) in enumerate(zip(clean, spoiled, strict=True)) if c != s]
    assert changed == [i for i, (c, s) in enumerate(zip(clean, again, strict=True)) if c != s]
    assert 30 < len(changed) < 90
    bad = [spoiled[i] for i in changed]
    assert any("email" not in u for u in bad)
    assert any(u["dob"]["date"] == "31/02/1990" for u in bad)
    assert any(u["location"]["coordinates"]["latitude"] == "123.4567" for u in bad)
    assert all(spoiled[i]["login"]["uuid"] == clean[i]["login"]["uuid"] for i in changed)


def test_each_contract_with_a_source_has_its_offline_endpoint(
    offline_source: OfflineSource,
) -> None:
    """``url_for`` moves a contract's declared URL to this server, and the page found there
    holds records where the contract's ``x-source.records`` says, which its generated mapping
    reads."""
    produced = Produced(datetime.now(UTC), "offline://tests")
    with_source = [c for c in all_contracts() if c.source is not None and c.source.url]
    assert {c.name for c in with_source} >= {"user_created", "quake_reported"}
    for each in with_source:
        assert each.source is not None and each.source.url is not None
        url = offline_source.url_for(each.source.url)
        assert url.startswith(f"http://127.0.0.1:{offline_source.server_address[1]}/")
        assert urlsplit(url).path == urlsplit(each.source.url).path
        paging = each.source.paging
        assert paging is not None
        params = {**dict(each.source.params), paging.size: "5"}
        response = _get(url, params)
        assert response.status_code == 200, each.name
        body: Any = response.json()
        for step in each.source.records:
            body = body[step]
        assert len(body) == 5, each.name
        records = [each.from_source(item, produced) for item in body]
        assert all(r.violation(datetime.now(UTC)) is None for r in records), each.name


def test_an_endpoint_it_does_not_serve_is_refused_by_name(offline_source: OfflineSource) -> None:
    with pytest.raises(LookupError, match=r"serves no /v2/things"):
        offline_source.url_for("https://example.com/v2/things")
    assert offline_source.url == offline_source.url_for("https://randomuser.me/api/1.4/")


def test_the_quake_feed_pages_by_offset_and_ends_at_its_total(
    offline_source: OfflineSource,
) -> None:
    url = offline_source.url_for("https://earthquake.usgs.gov/fdsnws/event/1/query")
    first = _get(url, {"format": "geojson", "limit": 10, "offset": 1}).json()
    again = _get(url, {"limit": 5, "offset": 6}).json()
    assert first["type"] == "FeatureCollection"
    assert [f["id"] for f in first["features"][5:]] == [f["id"] for f in again["features"]]
    ids = [f["id"] for f in first["features"]]
    assert len(set(ids)) == 10
    for feature in first["features"]:
        longitude, latitude, depth = feature["geometry"]["coordinates"]
        assert -180 <= longitude <= 180 and -90 <= latitude <= 90 and -3 <= depth <= 700
        assert feature["id"] == feature["properties"]["net"] + feature["properties"]["code"]
        assert isinstance(feature["properties"]["time"], int)
    last = _get(url, {"limit": 10, "offset": 8, "total": 12}).json()
    assert len(last["features"]) == 5
    past = _get(url, {"limit": 10, "offset": 13, "total": 12}).json()
    assert past["features"] == []


def test_bad_quakes_are_spoiled_deterministically() -> None:
    clean = make_collection(1, 300, None, 0.0)["features"]
    spoiled = make_collection(1, 300, None, 0.2)["features"]
    again = make_collection(1, 300, None, 0.2)["features"]
    changed = [i for i, (c, s) in enumerate(zip(clean, spoiled, strict=True)) if c != s]
    assert changed == [i for i, (c, s) in enumerate(zip(clean, again, strict=True)) if c != s]
    assert 30 < len(changed) < 90
    bad = [spoiled[i] for i in changed]
    assert any("time" not in q["properties"] for q in bad)
    assert any(q["geometry"]["coordinates"][1] == 123.4 for q in bad)
    assert any(q["properties"]["status"] == "guessed" for q in bad)
    assert all(spoiled[i]["id"] == clean[i]["id"] for i in changed)
