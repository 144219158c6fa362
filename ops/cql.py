"""``make cql``: a real ``cqlsh`` on the configured Cassandra, logged in as the pipeline is.

``python -m ops.cql [--execute STATEMENT]`` is a local command (cqlsh comes with the ``dev``
dependency group). It writes a cqlshrc for the settings under ``<stack.home>/cqlsh/`` and runs
cqlsh with it: the first of ``cassandra.contact_points`` and ``cassandra.port``, TLS as
``cassandra.tls`` says, the login ``cassandra.username`` / ``cassandra.password`` through
cqlsh's credentials file, and the contracts' keyspace as the default one (none, with a note,
while that keyspace does not exist: cqlsh would refuse to start in it). With ``--execute``
it runs one statement and exits with cqlsh's status (2 for a statement that failed); without
it, cqlsh is interactive.

The folder is 0700 and its files 0600; the password is in the credentials file only, never
on the command line (any ``ps`` shows that) and never printed. The cqlshrc works on its own
too: ``cqlsh --cqlshrc <stack.home>/cqlsh/cqlshrc``.

Two limits are cqlsh's: it checks the node's certificate against the CA file but not the host
name it names (its ``[ssl]`` options have no such check), and it cannot read an encrypted
client key.
"""

from __future__ import annotations

import argparse
import configparser
import io
import json
import math
import os
import ssl
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from cassandra.cluster import NoHostAvailable

from clients.cassandra import connect
from codegen.parse import parse_document
from codegen.table import tables_for
from config import Settings, load_settings
from config.settings import CassandraTlsSettings
from contract.catalog import all_contracts

CQLSH = Path(sys.executable).with_name("cqlsh")
"""The cqlsh console script of this environment (``.venv/bin/cqlsh``)."""
OVERRIDING_VARIABLES = frozenset(
    {"CQLSH_HOST", "CQLSH_PORT", "SSL_CERTFILE", "SSL_VALIDATE", "SSL_VERSION"}
)
"""Variables cqlsh prefers to its cqlshrc: left out of its environment, so that the settings
alone say where it connects and whom it trusts."""
HEADER = "# Written by `make cql` (python -m ops.cql) from the pipeline's settings, each run.\n"


class CqlshConfigError(ValueError):
    """Settings cqlsh cannot be given (an encrypted client key, no CA file to trust)."""


class CqlCommand(NamedTuple):
    """How to run cqlsh: its argv and environment, and the files to write first (owner-only)."""

    argv: list[str]
    env: dict[str, str]
    files: dict[Path, str]


def cqlsh_dir(settings: Settings) -> Path:
    """Where ``make cql`` keeps cqlsh's files: its cqlshrc, credentials and history."""
    return settings.stack.home / "cqlsh"


def default_keyspace(settings: Settings) -> str | None:
    """``cassandra.keyspace`` when set, else the keyspace the contracts' tables are in when they
    share one (``clients.cassandra.table_keyspace``); None: cqlsh starts in no keyspace."""
    if settings.cassandra.keyspace:
        return settings.cassandra.keyspace
    keyspaces = {
        table.keyspace
        for each in all_contracts()
        for table in tables_for(parse_document(json.loads(each.schema), each.name))
    }
    return keyspaces.pop() if len(keyspaces) == 1 else None


def keyspace_missing(settings: Settings, keyspace: str) -> bool:
    """Whether Cassandra answers and has no ``keyspace`` (before ``make migrate``). When it
    cannot be reached this says False: cqlsh then tells why, in its own words."""
    try:
        with connect(settings) as session:
            return keyspace not in session.cluster.metadata.keyspaces
    except (NoHostAvailable, OSError):  # OSError: the TLS files (ssl.SSLError among them)
        return False


def _ssl_section(tls: CassandraTlsSettings) -> dict[str, str]:
    """cqlsh's ``[ssl]``: it always validates against a CA file, so "the system's CAs" (no
    ``ca_file``) is the system's bundle file."""
    if tls.key_password:
        raise CqlshConfigError(
            "cqlsh cannot read an encrypted client key (cassandra.tls.key_password is set); "
            "give it an owner-only, unencrypted key"
        )
    ca_file = tls.ca_file or ssl.get_default_verify_paths().cafile
    if ca_file is None:
        raise CqlshConfigError(
            "this system has no CA bundle file for cqlsh to trust; set cassandra.tls.ca_file"
        )
    section = {"certfile": str(ca_file), "validate": "true"}
    if tls.cert_file:
        section["usercert"] = str(tls.cert_file)
    if tls.key_file:
        section["userkey"] = str(tls.key_file)
    return section


def _ini(sections: Mapping[str, Mapping[str, str]]) -> str:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_dict(sections)
    text = io.StringIO()
    parser.write(text)
    return text.getvalue()


def cql_command(settings: Settings, statement: str | None, keyspace: str | None) -> CqlCommand:
    """cqlsh on the Cassandra of ``settings``, in ``keyspace`` (None: in none): one
    ``statement``, or interactive when None."""
    cassandra = settings.cassandra
    folder = cqlsh_dir(settings)
    cqlshrc, credentials = folder / "cqlshrc", folder / "credentials"
    authentication = {"credentials": str(credentials)}
    if keyspace:
        authentication["keyspace"] = keyspace
    sections: dict[str, dict[str, str]] = {
        "connection": {
            "hostname": cassandra.contact_points[0],
            "port": str(cassandra.port),
            "ssl": str(cassandra.tls.enabled).lower(),
            "timeout": str(math.ceil(cassandra.connect_timeout_s)),
            "request_timeout": str(math.ceil(cassandra.request_timeout_s)),
        },
        "authentication": authentication,
    }
    if cassandra.tls.enabled:
        sections["ssl"] = _ssl_section(cassandra.tls)
    # Always written, empty without a login: cqlsh would otherwise read a credentials file
    # beside its cqlshrc, left there by an earlier run on other settings.
    login: dict[str, dict[str, str]] = {}
    if cassandra.username and cassandra.password:
        login["plain_text_auth"] = {
            "username": cassandra.username,
            "password": cassandra.password.get_secret_value(),
        }
    argv = [str(CQLSH), "--cqlshrc", str(cqlshrc)]
    if statement is not None:
        argv += ["--execute", statement]
    env = {k: v for k, v in os.environ.items() if k not in OVERRIDING_VARIABLES}
    env["CQL_HISTORY"] = str(folder / "history")
    return CqlCommand(argv, env, {cqlshrc: HEADER + _ini(sections), credentials: _ini(login)})


def write_owner_only(files: Mapping[Path, str]) -> None:
    """Write each file 0600, in a 0700 folder, and whole: the text goes to a temporary file of
    this process, made 0600 before it holds anything, which then replaces the file (a cqlsh
    starting beside this one never reads half a file, a password never sits in a wider one)."""
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            os.fchmod(out.fileno(), 0o600)  # a leftover file keeps its mode through os.open
            out.write(text)
        tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ops.cql",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "-e",
        "--execute",
        metavar="STATEMENT",
        help="run one statement and exit with cqlsh's status (default: the interactive shell)",
    )
    args = parser.parse_args(argv)
    settings = load_settings()
    keyspace = default_keyspace(settings)
    if keyspace and keyspace_missing(settings, keyspace):
        print(
            f"note: keyspace {keyspace} does not exist yet (`make migrate` creates it); "
            "cqlsh starts in no keyspace",
            file=sys.stderr,
        )
        keyspace = None
    try:
        command = cql_command(settings, args.execute, keyspace)
    except CqlshConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    write_owner_only(command.files)
    try:
        # cqlsh replaces this process: its exit status, its terminal and its Ctrl-C handling.
        os.execve(command.argv[0], command.argv, command.env)
    except FileNotFoundError:
        print(f"error: no cqlsh at {CQLSH}; `make setup` installs it", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
