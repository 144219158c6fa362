"""The Prometheus Pushgateway: Debian's ``prometheus-pushgateway``, run as a process of the stack.

Each producer run pushes its figures to it when it ends (``producer.run.push_metrics``), and
the stack's Prometheus scrapes them from it. It listens on loopback, on the port of
``metrics.pushgateway_url`` (the stack runs none when that is empty), and keeps what was pushed
in a file under the stack's home, so the last runs' figures survive its restart.
"""

from __future__ import annotations

import shutil

import requests

from config import Settings
from stack.service import LOOPBACK, Service, pushgateway_port


def _healthy(url: str) -> bool:
    """``/-/ready`` answered."""
    try:
        return requests.get(f"{url}/-/ready", timeout=3).status_code == 200
    except requests.RequestException:
        return False


def service(settings: Settings) -> Service | None:
    """The Pushgateway of this stack; None when no producer pushes to one."""
    port = pushgateway_port(settings)
    if port is None:
        return None
    home = settings.stack.home / "pushgateway"
    store = f"--persistence.file={home / 'metrics.db'}"
    url = f"http://{LOOPBACK}:{port}"
    return Service(
        name="pushgateway",
        home=home,
        ports=(port,),
        endpoint=url,
        command=(
            shutil.which("prometheus-pushgateway") or "prometheus-pushgateway",
            f"--web.listen-address={LOOPBACK}:{port}",
            store,
        ),
        healthy=lambda: _healthy(url),
        own_marker=store,
    )
