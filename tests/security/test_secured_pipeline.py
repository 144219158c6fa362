"""The secured profile end to end, on real services: users flow through SASL_SSL Kafka, the HTTPS
registry with a login, and Cassandra over TLS with a login; a client without the right
credentials, CA or protocol is refused by each service; everything listens on loopback; no
secret lies in a file it does not belong in.
"""

from __future__ import annotations

import configparser
import re
import socket
import ssl
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import fields
from typing import Any

import pytest
import requests
from cassandra import AuthenticationFailed
from cassandra.cluster import NoHostAvailable
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.schema_registry.error import SchemaRegistryError
from pydantic import SecretStr

from clients.cassandra import connect, table_keyspace
from clients.kafka import admin_client, end_offsets, read_range
from clients.registry import Registry, RegistryError
from config import Settings
from config.settings import REPO_ROOT, RegistrySettings, updated
from contract.catalog import Contract, contract
from contract.streams import TableTarget
from ops.cql import cql_command
from producer.run import run_batch
from spark.reader_contract import spark_module
from stack.control import running_pid, services
from stack.offline_source import OfflineSource
from stack.owner_only import DIR_MODE, FILE_MODE
from stack.ports import listening_sockets_of
from stack.procs import process_tree
from stack.service import registry_port
from tests.fixtures.cassandra import SINGLE_REPLICA
from tests.fixtures.loopback import assert_listens_on_loopback_only
from tests.fixtures.names import scratch_name
from tests.fixtures.registry import confluent_client
from tests.fixtures.secured_stack import SecuredJob, SecuredStack, client_environment

USERS = 200
QUAKES = 50
WAIT_S = 180.0


def _first_table(chosen: Contract) -> TableTarget:
    """The contract's table keyed by its id alone (its first table)."""
    table: TableTarget = spark_module(chosen).TABLES[0]
    assert table.primary_key == ("id",), table
    return table


def _rows(client: Settings, chosen: Contract, ids: list[Any]) -> set[Any]:
    table = _first_table(chosen)
    keyspace = table_keyspace(client, table.keyspace)
    found: set[Any] = set()
    with connect(client) as session:
        for start in range(0, len(ids), 100):
            chunk = ids[start : start + 100]
            markers = ", ".join(["%s"] * len(chunk))
            query = f"SELECT id FROM {keyspace}.{table.name} WHERE id IN ({markers})"
            found |= {row.id for row in session.execute(query, chunk)}
    return found


def _produced_ids(
    secured: SecuredStack, chosen: Contract, count: int, url: str, key: Callable[[str], Any]
) -> list[Any]:
    """Produce ``count`` records of ``chosen`` from ``url`` on the secured stack; their ids."""
    client = secured.client
    topic = chosen.names(client).topic
    before = end_offsets(client, topic)
    counts = run_batch(client, chosen, count, seed="secured", url=url)
    assert (counts.produced, counts.rejected, counts.failed) == (count, 0, 0)
    produced = read_range(client, topic, before, end_offsets(client, topic))
    ids = sorted({key(m.key.decode()) for m in produced if m.key})
    assert len(ids) == count
    return ids


def _wait_for_rows(
    secured: SecuredStack, job: SecuredJob, chosen: Contract, ids: list[Any]
) -> None:
    deadline = time.monotonic() + WAIT_S
    written: set[Any] = set()
    while len(written) < len(ids) and time.monotonic() < deadline:
        assert job.process.poll() is None, f"the job exited:\n{job.log_tail()}"
        written = _rows(secured.client, chosen, ids)
        time.sleep(1)
    assert written == set(ids), (
        f"{chosen.name}: {len(written)}/{len(ids)} rows; job log:\n{job.log_tail()}"
    )


def test_users_reach_cassandra_through_the_secured_services(
    secured: SecuredStack, secured_job: SecuredJob
) -> None:
    users = contract("user_created")
    with OfflineSource() as source:
        ids = _produced_ids(secured, users, USERS, source.url, uuid.UUID)
    _wait_for_rows(secured, secured_job, users, ids)

    # the registry's REST compatibility check (requests, not confluent's client) over HTTPS
    with Registry(secured.client.registry) as registry:
        subject = users.names(secured.client).subject
        assert registry.check_compatibility(subject, users.schema).compatible


def test_quakes_reach_cassandra_through_the_same_job(
    secured: SecuredStack, secured_job: SecuredJob
) -> None:
    """The job streams every contract: the second one's topic has its own query."""
    quakes = contract("quake_reported")
    assert quakes.source is not None and quakes.source.url is not None
    with OfflineSource() as source:
        url = source.url_for(quakes.source.url)
        ids = _produced_ids(secured, quakes, QUAKES, url, str)
    _wait_for_rows(secured, secured_job, quakes, ids)


def test_every_process_listens_on_loopback_only(
    secured: SecuredStack, secured_job: SecuredJob
) -> None:
    pids = {name: running_pid(service) for name, service in services(secured.stack).items()}
    assert None not in pids.values(), f"a secured service is not running: {pids}"
    processes = {name: process_tree(pid) for name, pid in pids.items() if pid is not None}
    processes["streaming job (driver, UI, block manager)"] = process_tree(secured_job.process.pid)
    assert_listens_on_loopback_only(processes)


def test_the_secured_registry_opens_no_http_port(secured: SecuredStack) -> None:
    registry_pid = running_pid(services(secured.stack)["registry"])
    assert registry_pid is not None
    ports = {s.port for s in listening_sockets_of(process_tree(registry_pid))}
    assert ports == {registry_port(secured.stack)}


def _kafka_refusal(conf: dict[str, Any]) -> list[KafkaError]:
    """The errors a client reports when its metadata request fails (it must fail)."""
    errors: list[KafkaError] = []
    config: dict[str, Any] = {**conf, "error_cb": errors.append, "log_level": 0}
    admin = AdminClient(config)
    with pytest.raises(KafkaException):
        admin.list_topics(timeout=3)
    admin.poll(1)
    return errors


def test_kafka_refuses_clients_without_the_right_login_tls_or_ca(secured: SecuredStack) -> None:
    conf = secured.client.kafka.client_config()
    assert admin_client(secured.client).list_topics(timeout=10).brokers  # the right client

    wrong_password = _kafka_refusal({**conf, "sasl.password": "not-the-password"})
    assert KafkaError._AUTHENTICATION in {e.code() for e in wrong_password}, wrong_password
    hung_up = {KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN}
    plaintext = _kafka_refusal({"bootstrap.servers": conf["bootstrap.servers"]})
    assert hung_up & {e.code() for e in plaintext}, plaintext
    tls_without_login = {k: v for k, v in conf.items() if not str(k).startswith("sasl.")}
    no_login = _kafka_refusal({**tls_without_login, "security.protocol": "SSL"})
    assert hung_up & {e.code() for e in no_login}, no_login
    system_cas = {k: v for k, v in conf.items() if k != "ssl.ca.location"}
    untrusted = _kafka_refusal(system_cas)
    assert KafkaError._SSL in {e.code() for e in untrusted}, untrusted


def test_kafka_controller_listener_wants_a_certificate_of_the_stack_ca(
    secured: SecuredStack,
) -> None:
    secrets = secured.secrets
    port = secured.stack.stack.kafka_controller_port

    def exchange(context: ssl.SSLContext) -> bytes:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
        ):
            tls.sendall(b"\x00\x00\x00\x00")
            return tls.recv(1)

    anonymous = ssl.create_default_context(cafile=secrets.ca_file)
    with pytest.raises(ssl.SSLError, match="CERTIFICATE"):
        exchange(anonymous)
    with_cert = ssl.create_default_context(cafile=secrets.ca_file)
    with_cert.load_cert_chain(secrets.server_cert, secrets.server_key)
    assert exchange(with_cert) == b""  # accepted; the broker hangs up on the nonsense request


def _cassandra_refusal(client: Settings, **changes: Any) -> list[Exception]:
    """The per-host errors of a connection attempt with ``changes`` (it must fail)."""
    changed = updated(client, cassandra={"connect_timeout_s": 5.0, **changes})
    with pytest.raises(NoHostAvailable) as refused, connect(changed):
        pass
    return list(refused.value.errors.values())


def test_cassandra_refuses_clients_without_the_right_login_tls_or_ca(
    secured: SecuredStack,
) -> None:
    client = secured.client
    with connect(client) as session:  # the right client is served
        assert session.execute("SELECT release_version FROM system.local").one()

    kinds: dict[str, Callable[[Exception], bool]] = {
        "wrong password": lambda e: isinstance(e, AuthenticationFailed),
        "no login": lambda e: isinstance(e, AuthenticationFailed),
        "default superuser": lambda e: isinstance(e, AuthenticationFailed),
        "plaintext": lambda e: isinstance(e, ConnectionError),
        "system CAs": lambda e: "CERTIFICATE_VERIFY_FAILED" in str(e),
    }
    attempts: dict[str, dict[str, Any]] = {
        "wrong password": {"password": SecretStr("not-the-password")},
        "no login": {"username": None, "password": None},
        "default superuser": {"username": "cassandra", "password": SecretStr("cassandra")},
        "plaintext": {"tls": {"enabled": False}},
        "system CAs": {"tls": {"ca_file": None}},
    }
    for name, changes in attempts.items():
        errors = _cassandra_refusal(client, **changes)
        assert errors and all(kinds[name](e) for e in errors), f"{name}: {errors!r}"


def test_make_cql_logs_in_over_tls_without_the_password_in_sight(secured: SecuredStack) -> None:
    """``make cql SECURE=1`` as a user runs it, on this stack's home: cqlsh over TLS with the
    stack's CA and ``userstream``'s login, from owner-only files; the password in no argument
    and in nothing printed."""
    keyspace = scratch_name("cql", "secured")
    with connect(secured.client) as session:
        session.execute(f"CREATE KEYSPACE {keyspace} WITH replication = {SINGLE_REPLICA}")
        try:
            session.execute(f"CREATE TABLE {keyspace}.names (id int PRIMARY KEY)")
            for number in range(2):
                session.execute(f"INSERT INTO {keyspace}.names (id) VALUES (%s)", (number,))
            home, count = secured.stack.stack.home, f"SELECT count(*) FROM {keyspace}.names"
            result = subprocess.run(
                ["make", "--no-print-directory", "cql", "SECURE=1", f"Q={count}"],
                cwd=REPO_ROOT,
                env={**client_environment(secured), "PIPELINE_STACK__HOME": str(home)},
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
        finally:
            session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
    assert result.returncode == 0, result.stderr
    assert re.search(r"^\s*count\s*\n-+\n\s*2\s*$", result.stdout, re.MULTILINE), result.stdout
    password = secured.secrets.passwords.cassandra_client.get_secret_value()
    assert password not in result.stdout + result.stderr

    command = cql_command(secured.client, "SELECT 1", None)
    assert not [arg for arg in command.argv if password in arg]
    cqlshrc = configparser.RawConfigParser()
    cqlshrc.read(home / "cqlsh" / "cqlshrc")
    assert cqlshrc["connection"]["ssl"] == "true"
    assert cqlshrc["ssl"]["certfile"] == str(secured.secrets.ca_file)
    assert password in (home / "cqlsh" / "credentials").read_text()
    assert (home / "cqlsh").stat().st_mode & 0o777 == DIR_MODE
    for name in ("cqlshrc", "credentials"):
        assert (home / "cqlsh" / name).stat().st_mode & 0o777 == FILE_MODE, name


def test_registry_refuses_plain_http_and_requests_without_the_right_login(
    secured: SecuredStack,
) -> None:
    client = secured.client.registry
    assert confluent_client(client).get_subjects() is not None  # the right client

    def status_of(registry: RegistrySettings) -> int | None:
        try:
            confluent_client(registry).get_subjects()
        except SchemaRegistryError as exc:
            return int(exc.http_status_code)
        return None

    assert status_of(updated(client, username=None, password=None)) == 401
    assert status_of(updated(client, password=SecretStr("not-the-password"))) == 401

    # the project's own client (requests) likewise: served with the stack's CA and login only
    with Registry(client) as registry:
        assert registry.subjects() is not None
    refusals = {
        "no login": (updated(client, username=None, password=None), "HTTP 401"),
        "system CAs": (updated(client, tls={"ca_file": None}), "CERTIFICATE_VERIFY_FAILED"),
    }
    for settings, reason in refusals.values():
        with pytest.raises(RegistryError, match=reason), Registry(settings) as registry:
            registry.subjects()

    plain = f"http://127.0.0.1:{registry_port(secured.stack)}/apis/ccompat/v7/subjects"
    try:
        response = requests.get(plain, timeout=5)
    except requests.ConnectionError:
        pass  # the HTTPS port hangs up on plain HTTP
    else:
        pytest.fail(f"plain HTTP was answered: {response.status_code}")
    with pytest.raises(requests.exceptions.SSLError, match="CERTIFICATE_VERIFY_FAILED"):
        requests.get(client.url + "/subjects", timeout=5)  # the system CAs do not know the stack's


def test_secrets_are_owner_only_and_stay_in_their_files(
    secured: SecuredStack, secured_job: SecuredJob
) -> None:
    home = secured.stack.stack.home
    secrets = secured.secrets
    assert home.stat().st_mode & 0o777 == DIR_MODE
    assert secrets.secrets_dir.stat().st_mode & 0o777 == DIR_MODE
    holders = [
        *secrets.secrets_dir.iterdir(),
        home / "kafka" / "conf" / "server.properties",  # the broker's own SCRAM login
        home / "registry" / "config" / "application.properties",  # its Kafka login
        *(home / "cqlsh").glob("credentials"),  # `make cql`'s login, once it ran
    ]
    assert {p.name: p.stat().st_mode & 0o777 for p in holders} == {
        p.name: FILE_MODE for p in holders
    }

    passwords = [
        getattr(secrets.passwords, f.name).get_secret_value() for f in fields(secrets.passwords)
    ]
    leaks = [
        str(path)
        for path in home.rglob("*")
        if path.is_file() and path not in holders
        for password in passwords
        if password.encode() in path.read_bytes()
    ]
    assert leaks == [], "a password is written outside its owner-only files"
