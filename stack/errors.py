"""Typed errors of the local stack; each message tells the user what to do next."""

from __future__ import annotations


class StackError(RuntimeError):
    """Base of every error the local stack raises on purpose."""


class JavaError(StackError):
    """No usable Java runtime (missing, or older than the services need)."""


class PortInUseError(StackError):
    """A port a service needs is already taken by another process."""

    def __init__(
        self, service: str, port: int, holder: str | None, host: str = "127.0.0.1"
    ) -> None:
        self.service = service
        self.port = port
        self.holder = holder
        who = f" by {holder}" if holder else " by another process"
        super().__init__(
            f"{service} cannot start: port {port} on {host} is already in use{who}. "
            f"Stop that process, or move {service} to a free port in pipeline.toml "
            "(or the matching PIPELINE_* environment variable)."
        )


class ArtifactFetchError(StackError):
    """Maven could not fetch a pinned JVM artifact."""

    def __init__(self, artifacts: list[str], output_tail: str) -> None:
        self.artifacts = artifacts
        self.output_tail = output_tail
        names = ", ".join(artifacts) if artifacts else "(see Maven's output below)"
        super().__init__(
            f"could not fetch JVM artifact(s) {names} from Maven Central. "
            f"Check the network and the versions in stack/pom.xml.\n"
            f"--- tail of Maven's output ---\n{output_tail}"
        )


class ServiceUnhealthyError(StackError):
    """A service exited or did not answer its health check in time."""

    def __init__(self, service: str, reason: str, log_path: str, log_tail: str) -> None:
        self.service = service
        self.reason = reason
        self.log_path = log_path
        self.log_tail = log_tail
        super().__init__(
            f"{service} did not become healthy: {reason}.\n"
            f"--- last lines of {log_path} ---\n{log_tail}"
        )


class SecretsMissingError(StackError):
    """A secured stack home has no generated certificates and passwords yet (never started)."""
