"""A node that requires TLS (certificates made here, by a CA made here) and passwords
(PasswordAuthenticator), on both drivers, sync and async: the right CA and credentials
connect, and the server says the connection is encrypted and whose it is; a wrong
password, a wrong CA and plaintext to the TLS port each fail clearly, at connect time."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cassandra.auth import PlainTextAuthProvider
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

import coodie.aio
import coodie.sync
from coodie.exceptions import AuthenticationError, Unavailable
from coodie.registry import unregister_driver
from tests.faults.conftest import DRIVERS, REQUEST_TIMEOUT, SECURE_HOST, Node, write_model

KEYSTORE_PASSWORD = "keystore-secret"


def _cert(
    subject: str, key: Any, issuer: x509.Name | None, issuer_key: Any, ca: bool, ip: str | None
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = dt.datetime.now(dt.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ip:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def make_certificates(where: Path) -> dict[str, Path]:
    """A CA, the node's key and certificate signed by it (in a PKCS12 keystore, for the
    node), and a second CA that signed nothing (the wrong one)."""
    pem = serialization.Encoding.PEM
    out: dict[str, Path] = {}
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("coodie test CA", ca_key, None, ca_key, True, None)
    node_key = ec.generate_private_key(ec.SECP256R1())
    node_cert = _cert(SECURE_HOST, node_key, ca.subject, ca_key, False, SECURE_HOST)
    other_key = ec.generate_private_key(ec.SECP256R1())
    other_ca = _cert("some other CA", other_key, None, other_key, True, None)
    for name, cert in (("ca", ca), ("wrong_ca", other_ca)):
        out[name] = where / f"{name}.pem"
        out[name].write_bytes(cert.public_bytes(pem))
    out["keystore"] = where / "node.p12"
    out["keystore"].write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"node",
            node_key,
            node_cert,
            [ca],
            serialization.BestAvailableEncryption(KEYSTORE_PASSWORD.encode()),
        )
    )
    return out


@pytest.fixture(scope="module")
def secure(tmp_path_factory: pytest.TempPathFactory, node: Node) -> Iterator[dict[str, Path]]:
    """The TLS and password node (the other fault node is stopped first: two cores)."""
    node.stop()
    certs = make_certificates(tmp_path_factory.mktemp("certs"))
    secure_node = Node(
        SECURE_HOST,
        tmp_path_factory.mktemp("secure-node"),
        extra_yaml="authenticator: PasswordAuthenticator\n"
        "client_encryption_options: {enabled: true, optional: false, "
        f"keystore: {certs['keystore']}, keystore_password: {KEYSTORE_PASSWORD}, "
        "store_type: PKCS12}",
    )
    try:
        secure_node.up()
    except Exception as e:  # a node that does not start is a failure, never a skip
        pytest.fail(f"the TLS test node did not start: {e}", pytrace=False)
    try:
        yield certs
    finally:
        secure_node.stop()


def options(driver_type: str, ca: Path | None, user: str, password: str) -> dict[str, Any]:
    """init_coodie() options for TLS (trusting `ca`; None: plaintext) and credentials."""
    out: dict[str, Any] = {
        "hosts": [SECURE_HOST],
        "keyspace": "faults_secure",
        "driver_type": driver_type,
        "request_timeout": REQUEST_TIMEOUT,
    }
    if driver_type == "acsylla":
        out.update(username=user, password=password, connect_timeout=REQUEST_TIMEOUT)
        if ca is not None:
            out.update(ssl_enabled=True, ssl_trusted_cert=ca.read_text())
    else:
        out.update(
            auth_provider=PlainTextAuthProvider(user, password), connect_timeout=REQUEST_TIMEOUT
        )
        if ca is not None:
            context = ssl.create_default_context(cafile=str(ca))
            context.check_hostname = False  # the certificate names the node by IP
            out["ssl_context"] = context
    return out


CLIENTS = "SELECT username, ssl_enabled FROM system_views.clients"


def connect(is_async: bool, name: str, opts: dict[str, Any]) -> tuple[list[Any], str]:
    """Connect (the blocking driver otherwise connects on first use), ask the server who is
    connected, write and read a row with a model; shut the driver down."""
    Write = write_model(coodie.aio if is_async else coodie.sync, name, "secure_writes")
    if is_async:

        async def go() -> tuple[list[Any], str]:
            driver = await coodie.aio.init_coodie(name=name, **opts)
            try:
                clients = await coodie.aio.execute_raw(CLIENTS, driver=name)
                await coodie.aio.create_keyspace("faults_secure", driver=name)
                await Write.sync_table()
                await Write(id=2, client="aio").save()
                return clients, (await Write.get(id=2)).client
            finally:
                unregister_driver(name)
                await driver.shutdown_async()

        return asyncio.run(go())
    driver = coodie.sync.init_coodie(name=name, **opts)
    try:
        driver.connect()
        clients = coodie.sync.execute_raw(CLIENTS, driver=name)
        coodie.sync.create_keyspace("faults_secure", driver=name)
        Write.sync_table()
        Write(id=1, client="sync").save()
        return clients, Write.get(id=1).client
    finally:
        unregister_driver(name)
        driver.shutdown()


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "aio"])
@pytest.mark.parametrize("driver_type", DRIVERS)
def test_tls_and_password(secure: dict[str, Path], driver_type: str, is_async: bool) -> None:
    name = f"faults_secure_{driver_type}"
    right = options(driver_type, secure["ca"], "cassandra", "cassandra")

    # what the server says of our connections: encrypted, logged in as cassandra; and
    # coodie's models work over them
    clients, written = connect(is_async, name, right)
    assert clients and all(r["username"] == "cassandra" and r["ssl_enabled"] for r in clients)
    assert written == ("aio" if is_async else "sync")

    with pytest.raises(AuthenticationError, match="refused the credentials"):
        connect(is_async, name, options(driver_type, secure["ca"], "cassandra", "wrong"))
    # the same error on both drivers, saying what is wrong
    with pytest.raises(Unavailable, match="not signed by a CA this client trusts"):
        connect(is_async, name, options(driver_type, secure["wrong_ca"], "cassandra", "cassandra"))
    with pytest.raises(Unavailable, match="if its CQL port requires TLS"):
        connect(is_async, name, options(driver_type, None, "cassandra", "cassandra"))
