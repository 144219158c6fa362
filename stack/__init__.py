"""The embedded local stack: Kafka (KRaft), Apicurio Registry and Cassandra as processes.

Artifacts are fetched from Maven Central by ``stack/pom.xml`` into a cache outside the source
tree; data and logs live under ``settings.stack.home`` (``.stack/``). ``python -m stack`` is
the CLI; these functions are what it (and the test fixtures) call.
"""

from stack.artifacts import fetch
from stack.control import UpResult, down, status, up

__all__ = ["UpResult", "down", "fetch", "status", "up"]
