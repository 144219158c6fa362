"""Port checks: is a port free, and if not, which process holds it (from /proc)."""

from __future__ import annotations

import socket
from pathlib import Path

from stack.errors import PortInUseError

_LISTEN = "0A"


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes listening on ``port`` (any address), read from /proc/net/tcp{,6}."""
    inodes: set[str] = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        try:
            lines = table.read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == _LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    return inodes


def port_holder(port: int) -> str | None:
    """``pid N (command line)`` of a process listening on ``port``, when /proc tells."""
    targets = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
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


def require_free_port(service: str, port: int) -> None:
    """Raise :class:`PortInUseError` naming the holder when ``port`` is taken."""
    if not port_is_free(port):
        raise PortInUseError(service, port, port_holder(port))


def port_accepts(port: int, host: str = "127.0.0.1", timeout: float = 1.0) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
