"""The offline source serves the real API's shapes, deterministically, with injectable bad users."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from stack.offline_source import NATIONALITIES, OfflineSource, make_page

ISO_MILLIS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
OFFSET = re.compile(r"^[+-]?\d{1,2}:\d\d$")
CREDENTIALS = {"password", "salt", "md5", "sha1", "sha256"}


@pytest.fixture(scope="module")
def page() -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = make_page("shapes", 1, 400, tuple(NATIONALITIES))["results"]
    return users


def test_page_has_the_api_envelope(offline_source: OfflineSource) -> None:
    response = httpx.get(offline_source.url, params={"results": 3, "seed": "e", "page": 4})
    body = response.json()
    assert response.status_code == 200
    assert body["info"] == {"seed": "e", "results": 3, "page": 4, "version": "1.4"}
    assert len(body["results"]) == 3


def test_unknown_endpoint_answers_an_error_body(offline_source: OfflineSource) -> None:
    response = httpx.get(offline_source.url.replace("/api/1.4/", "/nope"))
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


def test_uuids_are_unique_and_stable_per_position() -> None:
    nats = tuple(NATIONALITIES)
    uuids = [u["login"]["uuid"] for p in (1, 2, 3) for u in make_page("u", p, 300, nats)["results"]]
    assert len(set(uuids)) == len(uuids)
    assert make_page("u", 2, 300, nats)["results"][5]["login"]["uuid"] == uuids[305]


def test_nat_filter(offline_source: OfflineSource) -> None:
    response = httpx.get(offline_source.url, params={"results": 50, "seed": "n", "nat": "de,ir"})
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
