"""Where a local run reads each contract's records: its real source, or the offline one.

``SOURCE=auto`` (the default of ``make demo`` and ``make produce``) tries the source the
contract declares and falls back to the offline source, with a one-line notice, when it cannot
be reached (this machine may have no internet); ``SOURCE=offline`` always uses the offline
source; any other value is the endpoint itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import requests

from config import Settings
from contract.catalog import Contract
from producer.run import source_url
from stack.control import Progress
from stack.offline_source import OfflineSource


class SourceChoiceError(RuntimeError):
    """No source to read a contract from: its own cannot be reached and the offline source
    serves nothing for it; the message says what to give instead."""


AUTO = "auto"
OFFLINE = "offline"
PROBE_TIMEOUT_S = 5.0


def reachable(url: str) -> str | None:
    """Why ``url`` cannot be reached right now (None when it answers at all)."""
    try:
        requests.get(url, timeout=PROBE_TIMEOUT_S, stream=True).close()
    except requests.RequestException as exc:
        return type(exc).__name__
    return None


@contextmanager
def chosen_sources(
    settings: Settings, contracts: list[Contract], choice: str, say: Progress
) -> Iterator[dict[str, str]]:
    """Contract name -> the endpoint to read, for ``choice`` (``auto``, ``offline`` or a URL);
    the offline source runs for the duration when any contract needs it."""
    urls: dict[str, str] = {}
    offline: list[Contract] = []
    for contract in contracts:
        if choice not in (AUTO, OFFLINE):
            urls[contract.name] = choice
            continue
        declared = source_url(settings, contract)
        why = reachable(declared) if choice == AUTO else OFFLINE
        if why is None:
            urls[contract.name] = declared
        else:
            if choice == AUTO:
                say(f"  {declared} cannot be reached ({why}): the offline source instead")
            offline.append(contract)
    if not offline:
        yield urls
        return
    with OfflineSource() as server:
        for contract in offline:
            try:
                urls[contract.name] = server.url_for(source_url(settings, contract))
            except LookupError as exc:
                raise SourceChoiceError(
                    f"{contract.name}: {exc}; give its endpoint with SOURCE_URL=..."
                ) from exc
        say(f"  offline source on {server.url.rsplit('/api/', 1)[0]}")
        yield urls
