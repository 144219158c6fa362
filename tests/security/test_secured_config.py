"""The secured profile's generated material and configuration, without starting services:
certificates, owner-only files, the client file, and each service's secured settings."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.verification import PolicyBuilder, Store

from config import Settings, load_settings
from config.settings import updated
from stack import secure, tls
from stack.apicurio_registry import secured_properties
from stack.cassandra_node import cassandra_yaml
from stack.kafka_broker import server_properties
from stack.owner_only import DIR_MODE, FILE_MODE


@pytest.fixture
def secured_settings(settings: Settings, tmp_path: Path) -> Settings:
    """The session's settings as a secured stack in a temporary home (nothing started)."""
    return updated(settings, stack={"home": tmp_path, "secure": True})


def test_server_certificate_is_valid_for_localhost_and_127_0_0_1() -> None:
    material = tls.issue_server_tls()
    ca = x509.load_pem_x509_certificate(material.ca_cert)
    leaf, *chain = x509.load_pem_x509_certificates(material.server_chain)
    assert chain == [ca]
    store = Store([ca])
    names = (x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    for name in names:
        verifier = PolicyBuilder().store(store).build_server_verifier(name)
        assert verifier.verify(leaf, []) is not None
    other = x509.DNSName("example.com")
    with pytest.raises(x509.verification.VerificationError):
        PolicyBuilder().store(store).build_server_verifier(other).verify(leaf, [])


def test_java_truststore_holds_the_ca() -> None:
    material = tls.issue_server_tls()
    store = pkcs12.load_pkcs12(tls.java_truststore(material.ca_cert, "pw"), b"pw")
    assert [c.certificate for c in store.additional_certs] == [
        x509.load_pem_x509_certificate(material.ca_cert)
    ]


def test_provision_writes_owner_only_files_once(secured_settings: Settings) -> None:
    first = secure.provision(secured_settings)
    ca = first.ca_file.read_bytes()
    files = sorted(p.name for p in first.secrets_dir.iterdir())
    assert files == [
        "ca.pem",
        "client.env",
        "passwords.json",
        "server.crt",
        "server.key",
        "server.pem",
        "truststore.p12",
    ]
    assert first.secrets_dir.stat().st_mode & 0o777 == DIR_MODE
    assert secured_settings.stack.home.stat().st_mode & 0o777 == DIR_MODE
    assert {p.stat().st_mode & 0o777 for p in first.secrets_dir.iterdir()} == {FILE_MODE}

    again = secure.provision(secured_settings)
    assert again.passwords == first.passwords
    assert again.ca_file.read_bytes() == ca


def test_client_env_file_loads_as_the_client_settings(
    secured_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that gets only ``PIPELINE_ENV_FILE`` sees the settings the stack gives clients."""
    env_file = secure.provision(secured_settings).client_env
    expected = secure.client_settings(secured_settings)
    for name in [n for n in os.environ if n.startswith("PIPELINE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PIPELINE_ENV_FILE", str(env_file))
    loaded = load_settings()
    for group in ("kafka", "registry", "cassandra"):
        assert getattr(loaded, group) == getattr(expected, group), group
    assert (loaded.stack.home, loaded.stack.secure) == (secured_settings.stack.home, True)
    home = secured_settings.stack.home
    assert loaded.spark.checkpoint_dir == expected.spark.checkpoint_dir
    assert Path(loaded.spark.checkpoint_dir).is_relative_to(home)
    assert loaded.spark.metrics_file == expected.spark.metrics_file
    assert loaded.spark.status_file == expected.spark.status_file
    assert loaded.spark.status_file.is_relative_to(home)
    assert loaded.registry.url.startswith("https://")
    assert loaded.kafka.security_protocol == "SASL_SSL"
    assert loaded.cassandra.tls.enabled


def test_a_plain_stack_gives_clients_the_settings_unchanged(settings: Settings) -> None:
    assert not settings.stack.secure
    assert secure.client_settings(settings) is settings


def test_secured_kafka_logs_in_with_scram_over_tls(secured_settings: Settings) -> None:
    stack = secure.provision(secured_settings)
    props = dict(
        line.split("=", 1)
        for line in server_properties(secured_settings, Path("/data"), stack).splitlines()
        if line
    )
    assert props["listener.security.protocol.map"] == "SASL_SSL:SASL_SSL,CONTROLLER:SSL"
    assert props["listener.name.controller.ssl.client.auth"] == "required"
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert props["ssl.keystore.location"] == str(stack.server_pem)
    assert "PLAINTEXT" not in props["listeners"]


def test_secured_registry_serves_https_only_with_a_hashed_login(secured_settings: Settings) -> None:
    stack = secure.provision(secured_settings)
    props = dict(
        line.split("=", 1) for line in secured_properties(secured_settings, stack).splitlines()
    )
    password = stack.passwords.registry_client.get_secret_value()
    digest = hashlib.sha512(f"userstream:Quarkus:{password}".encode()).hexdigest()
    assert props["quarkus.http.insecure-requests"] == "disabled"
    assert props["quarkus.http.auth.basic"] == "true"
    assert props["quarkus.security.users.embedded.users.userstream"] == digest
    assert password not in props.values()
    assert props["apicurio.kafka.common.security.protocol"] == "SASL_SSL"


def test_secured_cassandra_wants_logins_and_tls(secured_settings: Settings, tmp_path: Path) -> None:
    stack = secure.provision(secured_settings)
    config = json.loads(cassandra_yaml(secured_settings, tmp_path, stack))
    assert config["authenticator"] == "PasswordAuthenticator"
    assert config["authorizer"] == "CassandraAuthorizer"
    encryption = config["client_encryption_options"]
    assert (encryption["enabled"], encryption["optional"]) == (True, False)
    assert encryption["keystore"] == str(stack.server_pem)
    plain = json.loads(cassandra_yaml(secured_settings, tmp_path))
    assert "client_encryption_options" not in plain and "authenticator" not in plain
