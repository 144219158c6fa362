"""The offline source: the shipped contracts' JSON sources, served on loopback, deterministic,
with fault injection.

Each shipped contract's source has its path here: a contract's offline endpoint is its declared
URL with this server's address (``url_for``). ``/api/1.4/`` is randomuser's (below);
``/fdsnws/event/1/query`` is the USGS earthquake feed (``stack.offline_quakes``).

It answers ``GET /api/1.4/?results=N&seed=S&page=P&nat=US,DE`` (also ``/api/``) with the JSON
shape of the real API, including the shapes that break naive code: numeric and string
postcodes, string coordinates, ``"+9:30"`` offsets, ISO dates with milliseconds, ``null``
``id.value`` with an empty ``id.name``, names in several scripts, and credentials (which the
producer must drop). ``login.uuid`` is derived from (seed, page, index), so a page is the same
users every time.

Faults come from the server's ``Faults`` and can be overridden per request by query parameters
of the same names (so a base URL like ``http://127.0.0.1:8765/?error_rate=0.5`` injects them
through an unmodified client). Rates are applied deterministically over the server's request
counter: with rate r, request n is faulted when ``floor(n*r) > floor((n-1)*r)``, so 0.5 fails
every other request and 1.0 every request.

Run standalone: ``python -m stack.offline_source --port 8765``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from stack import offline_quakes

DEFAULT_PORT = 8765
"""Where ``make offline-source`` serves (``PORT=`` another); tests take a free port."""
MAX_RESULTS = 5000
USER_NAMESPACE = uuid.UUID("6f0b7a52-2d7e-4b8e-9b1a-4c1d2e3f4a5b")
BAD_USER_KINDS = ("missing_field", "bad_date", "bad_coordinate")
HOSTILE_KINDS = (
    "surrogate",  # a lone surrogate in location.city (valid JSON, not encodable as UTF-8)
    "huge_int",  # street.number of 5,000 digits (over Python's int conversion limit)
    "deep",  # name.title nested 100,000 arrays deep (RecursionError in json.loads)
    "oversized",  # a time-zone description of 2 MiB (a record over the broker's message limit)
    "not_object",  # the user is a number, not an object
    "not_uuid",  # login.uuid is not a UUID
)
_PLACEHOLDER = "\u0000hostile:{kind}\u0000"
SERVED_PATHS = ("/api", "/api/1.4", offline_quakes.PATH)


@dataclass(frozen=True)
class Faults:
    """Fault injection knobs; every rate is a fraction of requests (or of users for bad users)."""

    error_rate: float = 0.0
    error_status: int = 503
    rate_limit_rate: float = 0.0
    retry_after: int = 1
    delay: float = 0.0
    malformed_rate: float = 0.0
    truncated_rate: float = 0.0
    error_body_rate: float = 0.0
    bad_user_rate: float = 0.0
    down_after: int = -1  # serve this many requests, then answer error_status for good
    reject_page: int = 0  # answer 400 to every request for this page (a non-retryable error)
    hostile: str = ""  # comma-separated HOSTILE_KINDS, given to users 1, 2, ... of each page
    drip: float = 0.0  # seconds between 1 KiB pieces of the body (a slow drip)
    gzip_bomb: int = 0  # MiB of zeros sent gzip-compressed (a few KiB on the wire)
    huge_body: int = 0  # MiB of body, streamed without a Content-Length

    def merged(self, query: dict[str, list[str]]) -> Faults:
        """These faults overridden by the query parameters of the same names."""
        overrides: dict[str, Any] = {}
        for f in fields(self):
            if f.name in query:
                overrides[f.name] = type(getattr(self, f.name))(query[f.name][0])
        return replace(self, **overrides)


@dataclass(frozen=True)
class Names:
    """The titles and first names of one gender: a user's title, name and gender agree."""

    titles: tuple[str, ...]
    first: tuple[str, ...]


@dataclass(frozen=True)
class Nationality:
    """Name, place and format data of one nationality, in its own script."""

    code: str
    country: str
    female: Names
    male: Names
    last_names: tuple[str, ...]
    streets: tuple[str, ...]
    cities: tuple[tuple[str, str], ...]  # (city, state)
    id_name: str
    numeric_postcode: bool
    postcode_format: str  # used when not numeric: '#' digit, 'A' letter
    phone_format: str


NATIONALITIES: dict[str, Nationality] = {
    n.code: n
    for n in (
        Nationality(
            "US",
            "United States",
            Names(("Ms", "Mrs", "Miss"), ("Elena", "Ava")),
            Names(("Mr",), ("James", "Noah")),
            ("Marsh", "Carter", "Nguyen", "Lopez"),
            ("Harbor Lane", "Oak Street", "Pine Rd"),
            (("Duluth", "Minnesota"), ("Austin", "Texas")),
            "SSN",
            False,
            "#####",
            "(###) ###-####",
        ),
        Nationality(
            "DE",
            "Germany",
            Names(("Frau",), ("Märta",)),
            Names(("Herr",), ("Lukas", "Jürgen")),
            ("Brandt", "Müller", "Weiß"),
            ("Lindenstraße", "Schloßallee"),
            (("Görlitz", "Sachsen"), ("Köln", "Nordrhein-Westfalen")),
            "SVNR",
            True,
            "",
            "0###-#######",
        ),
        Nationality(
            "IR",
            "Iran",
            Names(("Miss", "Mrs"), ("نازنین", "زهرا")),
            Names(("Mr",), ("محمد",)),
            ("رضایی", "احمدی", "کریمی"),
            ("میدان انقلاب", "خیابان آزادی"),
            (("قزوین", "کرمانشاه"), ("تهران", "تهران")),
            "",
            True,
            "",
            "0##-########",
        ),
        Nationality(
            "UA",
            "Ukraine",
            Names(("Ms",), ("Марія",)),
            Names(("Mr",), ("Олександр", "Богдан")),
            ("Шевченко", "Коваленко", "Бондаренко"),
            ("вулиця Хрещатик", "Садова"),
            (("Київ", "Київська"), ("Львів", "Львівська")),
            "",
            True,
            "",
            "(0##) ###-####",
        ),
        Nationality(
            "IN",
            "India",
            Names(("Ms", "Mrs"), ("अनन्या",)),
            Names(("Mr",), ("आरव", "विवान")),
            ("शर्मा", "वर्मा", "पटेल"),
            ("गांधी मार्ग", "नेहरू रोड"),
            (("पुणे", "महाराष्ट्र"), ("जयपुर", "राजस्थान")),
            "UIDAI",
            True,
            "",
            "9#########",
        ),
        Nationality(
            "FR",
            "France",
            Names(("Madame", "Mademoiselle"), ("Chloé", "Léa")),
            Names(("Monsieur",), ("Noé",)),
            ("Lefèvre", "Dubois", "Gérard"),
            ("Rue Principale", "Place de l'Église"),
            (("Besançon", "Doubs"),),
            "INSEE",
            True,
            "",
            "0#-##-##-##-##",
        ),
        Nationality(
            "GB",
            "United Kingdom",
            Names(("Ms", "Dr"), ("Amelia",)),
            Names(("Mr", "Dr"), ("Oliver",)),
            ("Smith", "O'Brien"),
            ("Church Road", "High Street"),
            (("London", "Greater London"),),
            "NINO",
            False,
            "AA#A #AA",
            "0##-####-####",
        ),
        Nationality(
            "CA",
            "Canada",
            Names(("Mrs",), ("Chloé",)),
            Names(("Mr",), ("Liam",)),
            ("Tremblay", "Roy"),
            ("Maple Ave", "Rue Sainte-Catherine"),
            (("Edmonton", "Alberta"),),
            "SIN",
            False,
            "A#A #A#",
            "###-###-####",
        ),
    )
}


def _pattern(rng: random.Random, fmt: str) -> str:
    return "".join(
        str(rng.randrange(10))
        if ch == "#"
        else rng.choice("ABCDEHJKLMNPRSTVWXY")
        if ch == "A"
        else ch
        for ch in fmt
    )


def _iso_millis(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _years_between(earlier: datetime, later: datetime) -> int:
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


def _timezone(rng: random.Random) -> dict[str, str]:
    hours, minutes, description = rng.choice(
        [
            (9, 30, "Adelaide, Darwin"),
            (-3, 0, "Brazil, Buenos Aires, Georgetown"),
            (0, 0, "Western Europe Time, London, Lisbon, Casablanca"),
            (3, 30, "Tehran"),
            (5, 30, "Bombay, Calcutta, Madras, New Delhi"),
            (-6, 0, "Central Time (US & Canada)"),
            (1, 0, "Brussels, Copenhagen, Madrid, Paris"),
            (-3, 30, "Newfoundland"),
        ]
    )
    sign = "-" if hours < 0 else "+" if (hours, minutes) != (0, 0) else ""
    return {"offset": f"{sign}{abs(hours)}:{minutes:02d}", "description": description}


def make_user(
    seed: str, page: int, index: int, nats: tuple[str, ...], now: datetime
) -> dict[str, Any]:
    """The user at ``index`` of ``page`` for ``seed``: the same inputs give the same user."""
    key = f"{seed}/{page}/{index}"
    rng = random.Random(key)
    nat = NATIONALITIES[rng.choice(nats)]
    gender = rng.choice(("female", "male"))
    names = nat.female if gender == "female" else nat.male
    first, last = rng.choice(names.first), rng.choice(nat.last_names)
    city, state = rng.choice(nat.cities)
    dob = datetime(1950, 1, 1, tzinfo=UTC) + timedelta(
        milliseconds=rng.randrange(55 * 365 * 86400_000)
    )
    registered = datetime(2002, 1, 1, tzinfo=UTC) + timedelta(
        milliseconds=rng.randrange(20 * 365 * 86400_000)
    )
    adjective = rng.choice(("quiet", "tiny", "blue", "orange"))
    username = f"{adjective}{rng.choice(('otter', 'bear', 'goose'))}{rng.randrange(1000)}"
    password = rng.choice(("sunflower", "falcon", "matrix", "pepper"))
    salt = _pattern(rng, "AAAAAAAA")
    has_id = nat.id_name != "" and rng.random() > 0.1
    portrait = f"{'women' if gender == 'female' else 'men'}/{rng.randrange(100)}.jpg"
    return {
        "gender": gender,
        "name": {"title": rng.choice(names.titles), "first": first, "last": last},
        "location": {
            "street": {"number": rng.randrange(1, 10000), "name": rng.choice(nat.streets)},
            "city": city,
            "state": state,
            "country": nat.country,
            "postcode": rng.randrange(1000, 99999)
            if nat.numeric_postcode
            else _pattern(rng, nat.postcode_format),
            "coordinates": {
                "latitude": f"{rng.uniform(-90, 90):.4f}",
                "longitude": f"{rng.uniform(-180, 180):.4f}",
            },
            "timezone": _timezone(rng),
        },
        "email": f"{first.lower()}.{last.lower()}@example.com",
        "login": {
            "uuid": str(uuid.uuid5(USER_NAMESPACE, key)),
            "username": username,
            "password": password,
            "salt": salt,
            "md5": hashlib.md5((password + salt).encode()).hexdigest(),
            "sha1": hashlib.sha1((password + salt).encode()).hexdigest(),
            "sha256": hashlib.sha256((password + salt).encode()).hexdigest(),
        },
        "dob": {"date": _iso_millis(dob), "age": _years_between(dob, now)},
        "registered": {"date": _iso_millis(registered), "age": _years_between(registered, now)},
        "phone": _pattern(rng, nat.phone_format),
        "cell": _pattern(rng, nat.phone_format),
        "id": {"name": nat.id_name, "value": _pattern(rng, "###-##-####") if has_id else None},
        "picture": {
            "large": f"https://randomuser.me/api/portraits/{portrait}",
            "medium": f"https://randomuser.me/api/portraits/med/{portrait}",
            "thumbnail": f"https://randomuser.me/api/portraits/thumb/{portrait}",
        },
        "nat": nat.code,
    }


def spoil(user: dict[str, Any], key: str) -> str:
    """Make ``user`` invalid in one of three ways chosen by ``key``; returns the kind."""
    kind = BAD_USER_KINDS[int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(BAD_USER_KINDS)]
    if kind == "missing_field":
        del user["email"]
    elif kind == "bad_date":
        user["dob"]["date"] = "31/02/1990"
    else:
        user["location"]["coordinates"]["latitude"] = "123.4567"
    return kind


def is_bad(seed: str, page: int, index: int, rate: float) -> bool:
    """Whether the user at this position is spoiled at ``rate`` (stable per position)."""
    digest = hashlib.sha256(f"bad/{seed}/{page}/{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def make_page(
    seed: str, page: int, results: int, nats: tuple[str, ...], bad_user_rate: float = 0.0
) -> dict[str, Any]:
    """A whole response body in the API's shape."""
    now = datetime.now(UTC)
    users = []
    for index in range(results):
        user = make_user(seed, page, index, nats, now)
        if bad_user_rate and is_bad(seed, page, index, bad_user_rate):
            spoil(user, f"{seed}/{page}/{index}")
        users.append(user)
    return {
        "results": users,
        "info": {"seed": seed, "results": results, "page": page, "version": "1.4"},
    }


def hostile_body(payload: dict[str, Any], kinds: list[str]) -> bytes:
    """The page as bytes, users 1, 2, ... made hostile in the given ways (see HOSTILE_KINDS).

    Some of them cannot be written by ``json.dumps`` (a 5,000-digit number, 100,000 levels of
    nesting), so a placeholder string is written and replaced in the text.
    """
    users = payload["results"]
    splices: dict[str, str] = {}
    for index, kind in enumerate(kinds, start=1):
        if kind not in HOSTILE_KINDS:
            raise ValueError(f"unknown hostile kind {kind!r}; known: {', '.join(HOSTILE_KINDS)}")
        if index >= len(users):
            break
        user = users[index]
        placeholder = _PLACEHOLDER.format(kind=kind)
        if kind == "surrogate":
            user["location"]["city"] = "Lon\ud800don"
        elif kind == "huge_int":
            user["location"]["street"]["number"] = placeholder
            splices[json.dumps(placeholder)] = "9" * 5000
        elif kind == "deep":
            user["name"]["title"] = placeholder
            splices[json.dumps(placeholder)] = "[" * 100_000 + "]" * 100_000
        elif kind == "oversized":
            user["location"]["timezone"]["description"] = "x" * (2 * 1024 * 1024)
        elif kind == "not_object":
            users[index] = 42
        else:
            user["login"]["uuid"] = "not-a-uuid"
    text = json.dumps(payload, ensure_ascii=False)
    for placeholder, replacement in splices.items():
        text = text.replace(placeholder, replacement)
    return text.encode("utf-8", "backslashreplace")  # a lone surrogate stays a JSON escape


def _hits(counter: int, rate: float) -> bool:
    return rate > 0 and math.floor(counter * rate) > math.floor((counter - 1) * rate)


class OfflineSource(ThreadingHTTPServer):
    """The server; ``url`` is its base URL (``http://127.0.0.1:PORT/api/1.4/``)."""

    daemon_threads = True

    def __init__(self, port: int = 0, faults: Faults | None = None) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.faults = faults or Faults()
        self.requests = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The randomuser endpoint."""
        return f"http://127.0.0.1:{self.server_address[1]}/api/1.4/"

    def url_for(self, declared: str) -> str:
        """The offline endpoint of a source declared at ``declared`` (same path and query)."""
        parts = urlsplit(declared)
        if parts.path.rstrip("/") not in SERVED_PATHS:
            raise LookupError(
                f"the offline source serves no {parts.path} (it serves {', '.join(SERVED_PATHS)})"
            )
        query = f"?{parts.query}" if parts.query else ""
        return f"http://127.0.0.1:{self.server_address[1]}{parts.path}{query}"

    def next_request(self) -> int:
        with self._lock:
            self.requests += 1
            return self.requests

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (read timeout) is expected in fault tests: not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def start(self) -> OfflineSource:
        """Serve in a background daemon thread."""
        self._thread = threading.Thread(
            target=self.serve_forever, name="offline-source", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread:
            self._thread.join()

    def __enter__(self) -> OfflineSource:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    server: OfflineSource
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests and the CLI report what matters."""

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/")
        if path not in SERVED_PATHS:
            self._send_json(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint {parts.path}"})
            return
        query = parse_qs(parts.query)
        if path == offline_quakes.PATH:
            self._quakes(query)
            return
        try:
            faults = self.server.faults.merged(query)
            results = min(int(query.get("results", ["1"])[0]), MAX_RESULTS)
            page = int(query.get("page", ["1"])[0])
        except ValueError as exc:
            self._send_json(HTTPStatus.BAD_REQUEST, {"error": f"bad query parameter: {exc}"})
            return
        seed = query.get("seed", [uuid.uuid4().hex[:16]])[0]
        requested = tuple(query.get("nat", [""])[0].upper().split(","))
        nats = tuple(n for n in requested if n in NATIONALITIES) or tuple(NATIONALITIES)
        self._answer(self.server.next_request(), faults, seed, page, max(results, 1), nats)

    def _quakes(self, query: dict[str, list[str]]) -> None:
        try:
            faults = self.server.faults.merged(query)
            limit = min(int(query.get("limit", ["20"])[0]), offline_quakes.MAX_LIMIT)
            offset = int(query.get("offset", ["1"])[0])
            total = int(query["total"][0]) if "total" in query else None
        except ValueError as exc:
            self._send_json(HTTPStatus.BAD_REQUEST, {"error": f"bad query parameter: {exc}"})
            return
        if self._fault(self.server.next_request(), faults, offset):
            return
        payload = offline_quakes.make_collection(
            max(offset, 1), max(limit, 1), total, faults.bad_user_rate
        )
        self._send_bytes(HTTPStatus.OK, json.dumps(payload).encode(), drip=faults.drip)

    def _fault(self, n: int, faults: Faults, page: int) -> bool:
        """Answer with the fault request ``n`` gets, if any; returns whether it answered."""
        if faults.delay:
            time.sleep(faults.delay)
        if _hits(n, faults.error_rate) or 0 <= faults.down_after < n:
            self._send_json(faults.error_status, {"error": "Uh oh, something has gone wrong."})
        elif _hits(n, faults.rate_limit_rate):
            self._send_json(
                HTTPStatus.TOO_MANY_REQUESTS,
                {"error": "rate limited"},
                {"Retry-After": str(faults.retry_after)},
            )
        elif _hits(n, faults.error_body_rate):
            self._send_json(HTTPStatus.OK, {"error": "Uh oh, something has gone wrong."})
        elif page == faults.reject_page:
            self._send_json(HTTPStatus.BAD_REQUEST, {"error": f"page {page} is refused"})
        elif faults.gzip_bomb:
            self._send_gzip_bomb(faults.gzip_bomb)
        elif faults.huge_body:
            self._send_endless(faults.huge_body)
        else:
            return False
        return True

    def _answer(
        self, n: int, faults: Faults, seed: str, page: int, results: int, nats: tuple[str, ...]
    ) -> None:
        if self._fault(n, faults, page):
            return
        payload = make_page(seed, page, results, nats, faults.bad_user_rate)
        body = hostile_body(payload, [k for k in faults.hostile.split(",") if k])
        if _hits(n, faults.malformed_rate):
            body = body.replace(b'"results"', b"results", 1)
        elif _hits(n, faults.truncated_rate):
            body = body[: len(body) // 2]
        self._send_bytes(HTTPStatus.OK, body, drip=faults.drip)

    def _send_json(
        self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self._send_bytes(status, json.dumps(payload).encode(), headers)

    def _send_bytes(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
        drip: float = 0.0,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not drip:
            self.wfile.write(body)
            return
        for start in range(0, len(body), 1024):
            self.wfile.write(body[start : start + 1024])
            self.wfile.flush()
            time.sleep(drip)

    def _send_gzip_bomb(self, mebibytes: int) -> None:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
        zeros = bytes(1024 * 1024)
        body = b"".join(compressor.compress(zeros) for _ in range(mebibytes)) + compressor.flush()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_endless(self, mebibytes: int) -> None:
        """A body of ``mebibytes`` MiB in chunked encoding (no Content-Length to refuse early)."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        piece = b"[" * (1024 * 1024)
        for _ in range(mebibytes):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The offline source of the shipped contracts.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    for f in fields(Faults):
        default = getattr(Faults(), f.name)
        parser.add_argument(f"--{f.name.replace('_', '-')}", type=type(default), default=default)
    args = parser.parse_args(argv)
    faults = Faults(**{f.name: getattr(args, f.name) for f in fields(Faults)})
    server = OfflineSource(args.port, faults)
    print(
        f"offline source on {server.url} (randomuser) and {server.url_for(offline_quakes.PATH)}"
        " (USGS earthquakes)",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
