"""The offline source's earthquake feed: the USGS event service's GeoJSON, generated.

``GET /fdsnws/event/1/query?format=geojson&limit=N&offset=K`` answers events K .. K+N-1
(offset from 1, as the USGS counts): the same event for the same position every time, from a
network code, a magnitude (sometimes none), a place, epoch-millisecond times, a review status,
and GeoJSON coordinates ``[longitude, latitude, depth]``. ``total`` (a query parameter) ends the
catalogue after that many events, so a run can read past its end.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime
from typing import Any

PATH = "/fdsnws/event/1/query"
MAX_LIMIT = 20000
NETWORKS = ("nc", "ci", "us", "ak", "hv", "uw", "nn", "pr")
PLACES = (
    "Anchorage, Alaska",
    "Hilo, Hawaii",
    "Ridgecrest, CA",
    "Petrolia, CA",
    "Ponce, Puerto Rico",
    "Tokyo, Japan",
    "Valparaíso, Chile",
    "Reykjanes Ridge",
)
BAD_KINDS = ("missing_time", "bad_coordinate", "unknown_status")
_EPOCH_2024_MS = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1000)


def make_quake(index: int) -> dict[str, Any]:
    """The event at catalogue position ``index`` (from 1): the same inputs, the same event."""
    rng = random.Random(f"quake/{index}")
    network = rng.choice(NETWORKS)
    code = f"{10**7 + index:08d}"  # unique per position: a catalogue has no duplicate events
    occurred = _EPOCH_2024_MS + rng.randrange(0, 2 * 365 * 86_400_000)
    magnitude = None if rng.random() < 0.05 else round(rng.uniform(-1.0, 7.5), 2)
    place = f"{rng.randrange(1, 120)} km {rng.choice(('N', 'NE', 'SW', 'W'))} of "
    place += rng.choice(PLACES)
    return {
        "type": "Feature",
        "id": f"{network}{code}",
        "properties": {
            "mag": magnitude,
            "place": place,
            "time": occurred,
            "updated": occurred + rng.randrange(60_000, 86_400_000),
            "tz": None,
            "url": f"https://earthquake.usgs.gov/earthquakes/eventpage/{network}{code}",
            "felt": None,
            "status": rng.choice(("automatic", "reviewed")),
            "tsunami": 1 if rng.random() < 0.01 else 0,
            "sig": rng.randrange(0, 900),
            "net": network,
            "code": code,
            "magType": rng.choice(("ml", "md", "mb", "mww")),
            "type": "earthquake",
            "title": f"M {magnitude} - {place}",
        },
        "geometry": {
            "type": "Point",
            "coordinates": [
                round(rng.uniform(-180, 180), 4),
                round(rng.uniform(-90, 90), 4),
                round(rng.uniform(-3, 700), 2),
            ],
        },
    }


def spoil(quake: dict[str, Any], index: int) -> str:
    """Make ``quake`` invalid in one of the ``BAD_KINDS`` (chosen by its position)."""
    digest = hashlib.sha256(f"bad-quake/{index}".encode()).digest()
    kind = BAD_KINDS[digest[0] % len(BAD_KINDS)]
    if kind == "missing_time":
        del quake["properties"]["time"]
    elif kind == "bad_coordinate":
        quake["geometry"]["coordinates"][1] = 123.4
    else:
        quake["properties"]["status"] = "guessed"
    return kind


def is_bad(index: int, rate: float) -> bool:
    """Whether the event at ``index`` is spoiled at ``rate`` (stable per position)."""
    digest = hashlib.sha256(f"bad/quake/{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def make_collection(offset: int, limit: int, total: int | None, bad_rate: float) -> dict[str, Any]:
    """The GeoJSON answer of one request."""
    last = offset + limit - 1 if total is None else min(offset + limit - 1, total)
    features = []
    for index in range(offset, last + 1):
        quake = make_quake(index)
        if bad_rate and is_bad(index, bad_rate):
            spoil(quake, index)
        features.append(quake)
    return {
        "type": "FeatureCollection",
        "metadata": {"status": 200, "count": len(features), "title": "USGS Earthquakes"},
        "features": features,
    }
