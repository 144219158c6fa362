"""The embedded local stack: Kafka (KRaft), Apicurio Registry, Cassandra, and Prometheus with
its Pushgateway, as processes.

Artifacts are fetched from Maven Central by ``stack/pom.xml`` into a cache outside the source
tree; data and logs live under ``settings.stack.home`` (``.stack/``). ``python -m stack`` is
the CLI; these functions are what it (and the test fixtures) call. ``client_settings`` turns
settings into those of a client of the stack (for a secured stack: its TLS files and logins).
"""

from stack.artifacts import fetch
from stack.control import UpResult, down, status, up
from stack.secure import client_settings

__all__ = ["UpResult", "client_settings", "down", "fetch", "status", "up"]
