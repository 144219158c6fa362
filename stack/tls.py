"""TLS material of the secured local stack: a private CA and one server certificate, as PEM.

The CA signs a single certificate for ``localhost`` and ``127.0.0.1`` that every service of the
stack presents (the services all listen there). Its key is used once and never written, so
nothing can sign another certificate this stack's clients would trust. Keys are ECDSA P-256,
which librdkafka, Python's ``ssl``, and the JDK 17 services all accept.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SERVER_NAMES = ("localhost", "127.0.0.1")
VALID_DAYS = 825
"""Certificates outlive a development stack; ``make stack-reset SECURE=1`` issues new ones."""


@dataclass(frozen=True)
class ServerTls:
    """The CA certificate, and the server's certificate chain and private key (PEM)."""

    ca_cert: bytes
    server_chain: bytes
    """The server certificate followed by the CA certificate."""
    server_key: bytes
    """PKCS#8, unencrypted: it lives in an owner-only file."""


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "userstream local stack"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _san(names: tuple[str, ...]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def issue_server_tls(names: tuple[str, ...] = SERVER_NAMES) -> ServerTls:
    """A new CA and a server certificate for ``names`` (DNS names or IP addresses).

    The server certificate also allows client authentication: Kafka's broker presents it to its
    own controller listener, which requires a certificate signed by this CA.
    """
    now = datetime.datetime.now(datetime.UTC)
    until = now + datetime.timedelta(days=VALID_DAYS)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("userstream local CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(until)
        .add_extension(_san(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return ServerTls(
        ca_cert=ca_cert.public_bytes(pem),
        server_chain=cert.public_bytes(pem) + ca_cert.public_bytes(pem),
        server_key=key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )


def java_truststore(ca_cert: bytes, password: str) -> bytes:
    """A PKCS#12 truststore holding ``ca_cert`` as a trusted entry, for JVM clients that read
    no PEM (the Spark Cassandra Connector)."""
    cert = x509.load_pem_x509_certificate(ca_cert)
    return pkcs12.serialize_java_truststore(
        [pkcs12.PKCS12Certificate(cert, b"userstream-local-ca")],
        serialization.BestAvailableEncryption(password.encode()),
    )
