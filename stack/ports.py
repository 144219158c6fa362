"""Port checks from /proc: is a port free, which process holds it, where a process listens."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from pathlib import Path

from stack.errors import PortInUseError

_LISTEN = "0A"


@dataclass(frozen=True)
class ListeningSocket:
    """A TCP socket in the LISTEN state: its address, port and socket inode."""

    address: ipaddress.IPv4Address | ipaddress.IPv6Address
    port: int
    inode: str

    @property
    def is_loopback(self) -> bool:
        """Reachable from this host only (``127.0.0.0/8``, ``::1`` or ``::ffff:127.x.y.z``)."""
        mapped = getattr(self.address, "ipv4_mapped", None)
        return (mapped or self.address).is_loopback

    def __str__(self) -> str:
        mapped = getattr(self.address, "ipv4_mapped", None)
        return f"{mapped or self.address}:{self.port}"


def _hex_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An address of /proc/net/tcp{,6}: 32-bit words in host (little-endian) byte order."""
    raw = bytes.fromhex(text)
    host_order = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return ipaddress.ip_address(host_order)


def listening_sockets() -> list[ListeningSocket]:
    """Every listening TCP socket of this network namespace, from /proc/net/tcp{,6}."""
    found = []
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        try:
            lines = table.read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == _LISTEN:
                address, port = local.rsplit(":", 1)
                found.append(ListeningSocket(_hex_address(address), int(port, 16), inode))
    return found


def listening_sockets_of(pids: set[int]) -> list[ListeningSocket]:
    """The listening TCP sockets the processes ``pids`` hold open (their /proc/<pid>/fd)."""
    targets: set[str] = set()
    for pid in pids:
        targets |= _fd_links(Path(f"/proc/{pid}"))
    return [s for s in listening_sockets() if f"socket:[{s.inode}]" in targets]


def port_holder(port: int) -> str | None:
    """``pid N (command line)`` of a process listening on ``port``, when /proc tells."""
    targets = {f"socket:[{s.inode}]" for s in listening_sockets() if s.port == port}
    if not targets:
        return None
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and _fd_links(proc) & targets:
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            return f"pid {proc.name} ({cmdline.strip()[:200]})"
    return None


def _fd_links(proc: Path) -> set[str]:
    """Targets of a process's open file descriptors (those we may read, still open)."""
    links: set[str] = set()
    try:
        fds = list((proc / "fd").iterdir())
    except OSError:
        return links
    for fd in fds:
        try:
            links.add(str(fd.readlink()))
        except OSError:
            continue
    return links


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when a listening socket could be bound to ``host:port`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def require_free_port(service: str, port: int, host: str = "127.0.0.1") -> None:
    """Raise :class:`PortInUseError` naming the holder when ``host:port`` is taken."""
    if not port_is_free(port, host):
        raise PortInUseError(service, port, port_holder(port), host)


def port_accepts(port: int, host: str = "127.0.0.1", timeout: float = 1.0) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
