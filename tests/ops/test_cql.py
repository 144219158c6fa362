"""``make cql``: the cqlsh command built from the settings (unit tests), then real cqlsh runs
of ``make cql Q=...`` on the shared stack's Cassandra (the tests that use ``unique_keyspace``,
marked ``stack`` by it). The secured profile's run is in ``tests/security``."""

from __future__ import annotations

import configparser
import json
import math
import os
import re
import ssl
import subprocess
from pathlib import Path

import pytest
from cassandra.cluster import Session
from pydantic import SecretStr

from config import Settings
from config.settings import REPO_ROOT, updated
from contract.catalog import contract
from ops.cql import (
    CQLSH,
    OVERRIDING_VARIABLES,
    CqlCommand,
    CqlshConfigError,
    cql_command,
    default_keyspace,
    write_owner_only,
)
from tests.fixtures.names import scratch_name
from tests.fixtures.spark import USER_CONTRACT

PASSWORD = "not-a-real-password-4e1f"
CA = Path("/etc/userstream/cassandra-ca.pem")
CERT = Path("/etc/userstream/client.pem")
KEY = Path("/etc/userstream/client.key")


def _ini(text: str) -> dict[str, dict[str, str]]:
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    return {name: dict(parser[name]) for name in parser.sections()}


def _files(command: CqlCommand, home: Path) -> tuple[dict[str, dict[str, str]], str]:
    """The command's cqlshrc, parsed, and its credentials file's text."""
    assert set(command.files) == {home / "cqlsh" / "cqlshrc", home / "cqlsh" / "credentials"}
    rc = _ini(command.files[home / "cqlsh" / "cqlshrc"])
    assert rc["authentication"]["credentials"] == str(home / "cqlsh" / "credentials")
    return rc, command.files[home / "cqlsh" / "credentials"]


def test_plain_settings_connect_without_tls_or_login(settings: Settings, tmp_path: Path) -> None:
    plain = updated(
        settings,
        cassandra={"contact_points": ["10.0.0.7", "10.0.0.8"], "port": 19042, "keyspace": None},
        stack={"home": tmp_path},
    )
    declared = json.loads(contract(USER_CONTRACT).schema)["x-cassandra"]["keyspace"]
    assert default_keyspace(plain) == declared  # the contracts' keyspace
    command = cql_command(plain, "SELECT count(*) FROM created_users", declared)

    cqlshrc = str(tmp_path / "cqlsh" / "cqlshrc")
    assert command.argv == [
        str(CQLSH),
        *("--cqlshrc", cqlshrc),
        *("--execute", "SELECT count(*) FROM created_users"),
    ]
    assert cql_command(plain, None, None).argv == [str(CQLSH), "--cqlshrc", cqlshrc]
    rc, credentials = _files(command, tmp_path)
    assert rc["connection"] == {
        "hostname": "10.0.0.7",
        "port": "19042",
        "ssl": "false",
        "timeout": str(math.ceil(settings.cassandra.connect_timeout_s)),
        "request_timeout": str(math.ceil(settings.cassandra.request_timeout_s)),
    }
    assert rc["authentication"]["keyspace"] == declared
    assert "ssl" not in rc
    assert credentials == ""  # an empty file: no earlier run's login is picked up
    assert command.env["CQL_HISTORY"] == str(tmp_path / "cqlsh" / "history")


def test_secured_settings_give_tls_and_a_login_kept_off_the_command_line(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in OVERRIDING_VARIABLES:  # cqlsh would prefer these to the cqlshrc
        monkeypatch.setenv(name, "elsewhere")
    secured = updated(
        settings,
        cassandra={
            "keyspace": "tenant_a",
            "username": "userstream",
            "password": SecretStr(PASSWORD),
            "tls": {"enabled": True, "ca_file": CA, "cert_file": CERT, "key_file": KEY},
        },
        stack={"home": tmp_path},
    )
    assert default_keyspace(secured) == "tenant_a"
    command = cql_command(secured, "SELECT * FROM t", "tenant_a")

    assert not [arg for arg in command.argv if PASSWORD in arg or "userstream" in arg]
    rc, credentials = _files(command, tmp_path)
    assert PASSWORD not in command.files[tmp_path / "cqlsh" / "cqlshrc"]
    assert rc["connection"]["ssl"] == "true"
    assert rc["authentication"]["keyspace"] == "tenant_a"
    assert rc["ssl"] == {
        "certfile": str(CA),
        "validate": "true",
        "usercert": str(CERT),
        "userkey": str(KEY),
    }
    assert _ini(credentials) == {
        "plain_text_auth": {"username": "userstream", "password": PASSWORD}
    }
    assert not OVERRIDING_VARIABLES & set(command.env)


def test_tls_without_a_ca_file_trusts_the_system_bundle(settings: Settings) -> None:
    system = updated(settings, cassandra={"tls": {"enabled": True}})
    rc = _ini(cql_command(system, None, None).files[system.stack.home / "cqlsh" / "cqlshrc"])
    assert rc["ssl"] == {"certfile": ssl.get_default_verify_paths().cafile, "validate": "true"}


def test_an_encrypted_client_key_is_refused(settings: Settings) -> None:
    encrypted = updated(
        settings,
        cassandra={"tls": {"enabled": True, "ca_file": CA, "key_password": SecretStr("k")}},
    )
    with pytest.raises(CqlshConfigError, match="encrypted client key"):
        cql_command(encrypted, None, None)


def test_files_are_written_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "cqlsh"
    folder.mkdir(mode=0o755)
    old = folder / "credentials"
    old.write_text("[plain_text_auth]\nusername = someone\n")
    old.chmod(0o644)

    write_owner_only({folder / "cqlshrc": "[connection]\n", old: ""})

    assert folder.stat().st_mode & 0o777 == 0o700
    assert {p.name: p.stat().st_mode & 0o777 for p in folder.iterdir()} == {
        "cqlshrc": 0o600,
        "credentials": 0o600,
    }
    assert old.read_text() == ""


def _make_cql(statement: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``make cql Q=statement`` from the repository root, its files kept under ``tmp_path``."""
    return subprocess.run(
        ["make", "--no-print-directory", "cql", f"Q={statement}"],
        cwd=REPO_ROOT,
        env={**os.environ, "PIPELINE_STACK__HOME": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _count(output: str) -> int:
    """The value cqlsh prints for ``SELECT count(*)``: the line under its ``count`` header."""
    found = re.search(r"^\s*count\s*\n-+\n\s*(\d+)\s*$", output, re.MULTILINE)
    assert found, output
    return int(found.group(1))


@pytest.fixture
def three_rows(cassandra_session: Session, unique_keyspace: str) -> str:
    """``<unique keyspace>.names`` holding three rows."""
    table = f"{unique_keyspace}.names"
    cassandra_session.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, name text)")
    for number, name in enumerate(("ada", "grace", "edsger")):
        cassandra_session.execute(f"INSERT INTO {table} (id, name) VALUES (%s, %s)", (number, name))
    return table


def test_make_cql_runs_a_statement_and_prints_its_rows(three_rows: str, tmp_path: Path) -> None:
    result = _make_cql(f"SELECT count(*) FROM {three_rows}", tmp_path)
    assert result.returncode == 0, result.stderr
    assert _count(result.stdout) == 3

    quoted = _make_cql(
        f"SELECT name FROM {three_rows} WHERE id = 1 AND name = 'grace' ALLOW FILTERING", tmp_path
    )
    assert quoted.returncode == 0, quoted.stderr
    assert re.search(r"^\s*grace\s*$", quoted.stdout, re.MULTILINE), quoted.stdout


def test_make_cql_starts_in_the_configured_keyspace(three_rows: str, tmp_path: Path) -> None:
    keyspace, table = three_rows.split(".")
    result = _make_cql(
        f"SELECT count(*) FROM {table}", tmp_path, PIPELINE_CASSANDRA__KEYSPACE=keyspace
    )
    assert result.returncode == 0, result.stderr
    assert _count(result.stdout) == 3


def test_make_cql_starts_in_no_keyspace_while_the_configured_one_is_missing(
    three_rows: str, tmp_path: Path
) -> None:
    missing = scratch_name("cql", "missing")
    result = _make_cql(
        f"SELECT count(*) FROM {three_rows}", tmp_path, PIPELINE_CASSANDRA__KEYSPACE=missing
    )
    assert result.returncode == 0, result.stderr
    assert f"keyspace {missing} does not exist yet" in result.stderr
    assert _count(result.stdout) == 3


def test_make_cql_fails_with_cqlshs_error(unique_keyspace: str, tmp_path: Path) -> None:
    result = _make_cql(f"SELECT * FROM {unique_keyspace}.nowhere", tmp_path)
    assert result.returncode != 0
    assert "InvalidRequest" in result.stderr
    assert "table nowhere does not exist" in result.stderr
