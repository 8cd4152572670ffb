"""TLS, mutual TLS and bearer tokens with roles, end to end: real server, real client, real CLI.

The certificates are made here: a CA, a server certificate for 127.0.0.1 and
localhost, a client certificate from the same CA, and a CA (with its own client
certificate) the server has never heard of.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from scheduleflow.client import Client, PermissionDenied, ScheduleFlowError, Unauthenticated, Unavailable, cli
from scheduleflow.client._playlist import load_playlist
from tests.serverproc import ServerProcess, launch, start_server

# One worker runs this module: its module-scoped server starts once (pytest-xdist --dist loadgroup).
pytestmark = pytest.mark.xdist_group("security")

WRITE_TOKEN = "w-" + uuid.uuid4().hex
READ_TOKEN = "r-" + uuid.uuid4().hex
DAY = (dt.datetime(2025, 11, 22, tzinfo=dt.UTC), dt.datetime(2025, 11, 23, tzinfo=dt.UTC))
DOCUMENT = json.dumps(
    {
        "scheduleflow": 1,
        "channel": {"id": "sec.example", "time_zone": "UTC"},
        "events": [
            {"id": "e1", "start": "2025-11-22T09:30:00Z", "duration": "PT30M", "asset_id": "A1", "title": "News"},
        ],
    }
).encode()
PLAYLIST = {
    "items": [{"id": f"song{i}", "duration": "PT3M"} for i in range(20)],
    "filler": [{"id": "jingle", "duration": "PT5S"}],
}


# -- a small PKI --------------------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path
    rogue_cert: Path
    rogue_key: Path

    def credentials(
        self, *, ca: Path | None = None, client: tuple[Path, Path] | None = None
    ) -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(
            root_certificates=(ca or self.ca).read_bytes(),
            private_key=client[1].read_bytes() if client else None,
            certificate_chain=client[0].read_bytes() if client else None,
        )


_Key = ec.EllipticCurvePrivateKey


def _ca(name: str) -> tuple[x509.Certificate, _Key]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
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
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _leaf(issuer: tuple[x509.Certificate, _Key], name: str, *, server: bool) -> tuple[x509.Certificate, _Key]:
    ca_cert, ca_key = issuer
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(IPv4Address("127.0.0.1"))]),
            critical=False,
        )
    return builder.sign(ca_key, hashes.SHA256()), key


def _write(folder: Path, stem: str, pair: tuple[x509.Certificate, _Key]) -> tuple[Path, Path]:
    cert, key = pair
    cert_path, key_path = folder / f"{stem}.pem", folder / f"{stem}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    return cert_path, key_path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca, other = _ca("ScheduleFlow test CA"), _ca("Somebody else's CA")
    ca_path, _ = _write(folder, "ca", ca)
    other_path, _ = _write(folder, "other-ca", other)
    server_cert, server_key = _write(folder, "server", _leaf(ca, "scheduleflow-server", server=True))
    client_cert, client_key = _write(folder, "client", _leaf(ca, "playout-1", server=False))
    rogue_cert, rogue_key = _write(folder, "rogue", _leaf(other, "playout-1", server=False))
    return Pki(ca_path, server_cert, server_key, client_cert, client_key, other_path, rogue_cert, rogue_key)


@pytest.fixture(scope="module")
def tokens_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tokens") / "tokens"
    path.write_text(f"# role token\nwrite {WRITE_TOKEN}\n\nread  {READ_TOKEN}\n")
    path.chmod(0o600)
    return path


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory, pki: Pki, tokens_file: Path) -> Iterator[ServerProcess]:
    """TLS (no client certificates) and tokens."""
    args = ["--workers", "1", "--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key)]
    with start_server(tmp_path_factory.mktemp("tls"), *args, "--tokens-file", str(tokens_file)) as server:
        yield server


@pytest.fixture(scope="module")
def mtls_server(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Iterator[ServerProcess]:
    """Mutual TLS, no tokens."""
    args = ["--workers", "1", "--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key)]
    with start_server(tmp_path_factory.mktemp("mtls"), *args, "--tls-client-ca", str(pki.ca)) as server:
        yield server


def _client(
    server: ServerProcess,
    pki: Pki,
    token: str | None = None,
    *,
    ca: Path | None = None,
    client: tuple[Path, Path] | None = None,
) -> Client:
    metadata = [("authorization", f"Bearer {token}")] if token else []
    return Client(server.address, timeout=30, credentials=pki.credentials(ca=ca, client=client), metadata=metadata)


# -- TLS -------------------------------------------------------------------------


def test_tls_a_client_trusting_the_ca_connects(tls_server: ServerProcess, pki: Pki) -> None:
    with _client(tls_server, pki, WRITE_TOKEN) as client:
        assert client.health() == "SERVING"
        assert client.get_stats().version


def test_tls_a_plaintext_client_is_refused(tls_server: ServerProcess) -> None:
    metadata = [("authorization", f"Bearer {WRITE_TOKEN}")]
    with Client(tls_server.address, timeout=5, metadata=metadata) as client, pytest.raises(Unavailable):
        client.get_stats()


def test_tls_a_client_trusting_another_ca_is_refused(tls_server: ServerProcess, pki: Pki) -> None:
    with _client(tls_server, pki, WRITE_TOKEN, ca=pki.other_ca) as client, pytest.raises(Unavailable):
        client.get_stats(timeout=5)


# -- mutual TLS --------------------------------------------------------------------


def test_mtls_a_client_certificate_from_the_ca_works(mtls_server: ServerProcess, pki: Pki) -> None:
    with _client(mtls_server, pki, client=(pki.client_cert, pki.client_key)) as client:
        assert client.get_stats().version
        # No tokens file on this server: a TLS-authenticated client may write.
        assert client.import_document("", DOCUMENT, format="json").added == 1


def test_mtls_a_client_without_a_certificate_is_refused(mtls_server: ServerProcess, pki: Pki) -> None:
    with _client(mtls_server, pki) as client, pytest.raises(Unavailable):
        client.get_stats(timeout=5)


def test_mtls_a_certificate_from_another_ca_is_refused(mtls_server: ServerProcess, pki: Pki) -> None:
    with _client(mtls_server, pki, client=(pki.rogue_cert, pki.rogue_key)) as client, pytest.raises(Unavailable):
        client.get_stats(timeout=5)


# -- tokens and roles ----------------------------------------------------------------


def test_no_token_is_unauthenticated_and_says_what_to_send(tls_server: ServerProcess, pki: Pki) -> None:
    with _client(tls_server, pki) as client, pytest.raises(Unauthenticated) as caught:
        client.validate(document=DOCUMENT)
    assert "authorization: Bearer <token>" in caught.value.message


@pytest.mark.parametrize(
    "header",
    [f"Basic {READ_TOKEN}", "Bearer", "Bearer ", f"Bearer {READ_TOKEN} extra", f"bearer x{READ_TOKEN}", READ_TOKEN],
    # Ids without the random token: parallel workers (pytest-xdist) must collect the same names.
    ids=["basic", "bearer-alone", "bearer-space", "extra-word", "lowercase-unknown", "no-scheme"],
)
def test_a_malformed_header_or_unknown_token_is_unauthenticated(
    tls_server: ServerProcess, pki: Pki, header: str
) -> None:
    credentials = pki.credentials()
    with (
        Client(tls_server.address, timeout=30, credentials=credentials, metadata=[("authorization", header)]) as client,
        pytest.raises(Unauthenticated) as caught,
    ):
        client.validate(document=DOCUMENT)
    assert "authorization: Bearer <token>" in caught.value.message
    assert READ_TOKEN not in caught.value.message


def test_the_scheme_is_case_insensitive(tls_server: ServerProcess, pki: Pki) -> None:
    metadata = [("authorization", f"bearer {READ_TOKEN}")]
    with Client(tls_server.address, timeout=30, credentials=pki.credentials(), metadata=metadata) as client:
        assert client.validate(document=DOCUMENT).valid


def test_a_read_token_validates_but_may_not_import(tls_server: ServerProcess, pki: Pki) -> None:
    with _client(tls_server, pki, READ_TOKEN) as client:
        assert client.validate(document=DOCUMENT).valid
        assert client.get_stats().version
        with pytest.raises(PermissionDenied) as caught:
            client.import_document("", DOCUMENT, format="json")
        assert "write role" in caught.value.message
        with pytest.raises(PermissionDenied):
            client.upsert_channel("sec-read.example")
        with pytest.raises(PermissionDenied):
            client.delete_channel("sec.example")


def test_a_write_token_imports(tls_server: ServerProcess, pki: Pki) -> None:
    with _client(tls_server, pki, WRITE_TOKEN) as client:
        result = client.import_document("", DOCUMENT, format="json")
        assert result.channel_id == "sec.example"
        assert client.validate(document=DOCUMENT).valid  # write implies read


def test_schedule_previews_with_read_and_commits_only_with_write(tls_server: ServerProcess, pki: Pki) -> None:
    playlist, rules = load_playlist(PLAYLIST)
    with _client(tls_server, pki, READ_TOKEN) as reader:
        preview = reader.schedule("sec-sched.example", playlist, window=DAY, rules=rules)
        assert preview.events and not preview.committed
        with pytest.raises(PermissionDenied) as caught:
            reader.schedule("sec-sched.example", playlist, window=DAY, rules=rules, commit=True)
        assert (
            caught.value.message == "Schedule with commit needs a token with the write role; this one has the read role"
        )
    with _client(tls_server, pki, WRITE_TOKEN) as writer:
        assert writer.schedule("sec-sched.example", playlist, window=DAY, rules=rules, commit=True).committed


def test_watch_needs_a_token_and_read_is_enough(tls_server: ServerProcess, pki: Pki) -> None:
    with _client(tls_server, pki) as anonymous, pytest.raises(Unauthenticated):
        next(iter(anonymous.watch_schedule("sec.example", timeout=10)))
    with _client(tls_server, pki, READ_TOKEN) as reader:
        first = next(iter(reader.watch_schedule("sec.example", timeout=10)))
        assert first.HasField("snapshot")


def test_a_large_request_without_a_token_is_refused_without_being_read(tls_server: ServerProcess, pki: Pki) -> None:
    huge = b"x" * (40 * 1024 * 1024)
    with _client(tls_server, pki) as client, pytest.raises(Unauthenticated):
        client.validate(document=huge)


def test_health_and_reflection_need_no_token(tls_server: ServerProcess, pki: Pki) -> None:
    with _client(tls_server, pki) as client:
        assert client.health() == "SERVING"
    with grpc.secure_channel(tls_server.address, pki.credentials()) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        [answer] = stub.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10
        )
    services = {s.name for s in answer.list_services_response.service}
    assert "scheduleflow.v1.ScheduleFlowService" in services


def test_refused_calls_are_counted_and_tokens_never_logged(tls_server: ServerProcess, pki: Pki) -> None:
    with _client(tls_server, pki) as anonymous, pytest.raises(Unauthenticated):
        anonymous.get_channel("sec.example")
    with _client(tls_server, pki, READ_TOKEN) as client:
        stats = client.get_stats()
    [rpc] = [r for r in stats.rpcs if r.method.endswith("/GetChannel")]
    assert rpc.codes["UNAUTHENTICATED"] >= 1
    log = tls_server.log()
    assert "authentication on: 1 write and 1 read tokens" in log
    assert WRITE_TOKEN not in log and READ_TOKEN not in log


# -- the CLI -------------------------------------------------------------------------


def test_cli_with_a_token_and_the_ca(tls_server: ServerProcess, pki: Pki, capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(["--server", tls_server.address, "--tls-ca", str(pki.ca), "--token", READ_TOKEN, "stats"])
    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    assert "version" in out.lower()


def test_cli_without_a_token_exits_2_with_unauthenticated(
    tls_server: ServerProcess, pki: Pki, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCHEDULEFLOW_TOKEN", raising=False)
    status = cli.main(["--server", tls_server.address, "--tls-ca", str(pki.ca), "stats"])
    _, err = capsys.readouterr()
    assert status == 2
    assert "UNAUTHENTICATED" in err
    assert "authorization: Bearer <token>" in err


def test_cli_read_token_may_not_import(
    tls_server: ServerProcess, pki: Pki, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    document = tmp_path / "day.json"
    document.write_bytes(DOCUMENT)
    argv = ["--server", tls_server.address, "--tls-ca", str(pki.ca), "--token", READ_TOKEN]
    status = cli.main([*argv, "import", str(document)])
    _, err = capsys.readouterr()
    assert status == 2
    assert "PERMISSION_DENIED" in err


def test_cli_takes_its_security_from_the_environment(tls_server: ServerProcess, pki: Pki) -> None:
    env = {**os.environ, "SCHEDULEFLOW_TLS_CA": str(pki.ca), "SCHEDULEFLOW_TOKEN": READ_TOKEN}
    done = subprocess.run(
        [sys.executable, "-m", "scheduleflow.client.cli", "--server", tls_server.address, "--json", "stats"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["version"]


def test_cli_with_a_client_certificate(
    mtls_server: ServerProcess, pki: Pki, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--server", mtls_server.address, "--tls-ca", str(pki.ca)]
    client_cert = ["--tls-cert", str(pki.client_cert), "--tls-key", str(pki.client_key)]
    assert cli.main([*argv, *client_cert, "stats"]) == 0
    assert cli.main([*argv, "--timeout", "5", "stats"]) == 2
    _, err = capsys.readouterr()
    assert "UNAVAILABLE" in err


def test_cli_needs_cert_and_key_together(pki: Pki, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--server", "127.0.0.1:1", "--tls-cert", str(pki.client_cert), "stats"])
    assert exited.value.code == 2
    assert "--tls-cert and --tls-key go together" in capsys.readouterr().err


# -- start-up errors ---------------------------------------------------------------


def _start_fails(tmp_path: Path, *args: str) -> str:
    with pytest.raises(RuntimeError) as caught:
        launch(tmp_path, "--workers", "1", *args, ready_timeout=60).terminate()
    return str(caught.value)


def test_a_key_that_does_not_match_the_certificate_stops_the_server(tmp_path: Path, pki: Pki) -> None:
    log = _start_fails(tmp_path, "--tls-cert", str(pki.server_cert), "--tls-key", str(pki.client_key))
    assert "tls_cert" in log and "client.key" in log


def test_a_certificate_without_a_key_stops_the_server(tmp_path: Path, pki: Pki) -> None:
    log = _start_fails(tmp_path, "--tls-cert", str(pki.server_cert))
    assert "tls_cert and tls_key go together" in log


def test_a_bad_tokens_file_stops_the_server_naming_the_line_not_the_token(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    secret = "s-" + uuid.uuid4().hex
    tokens.write_text(f"write {secret}\n{secret} read\n")
    started = time.monotonic()
    log = _start_fails(tmp_path, "--tokens-file", str(tokens))
    assert "line 2" in log
    assert secret not in log
    assert time.monotonic() - started < 60


def test_refusals_name_no_file_and_no_token(tls_server: ServerProcess, pki: Pki, tokens_file: Path) -> None:
    with _client(tls_server, pki, "unknown-" + WRITE_TOKEN) as client, pytest.raises(ScheduleFlowError) as caught:
        client.import_document("", DOCUMENT, format="json")
    text = str(caught.value)
    for secret in (str(tokens_file), tokens_file.name, WRITE_TOKEN, str(pki.server_key)):
        assert secret not in text
