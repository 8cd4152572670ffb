"""Security in memory: token parsing, constant-time lookup, bearer headers, the role table, config checks."""

from __future__ import annotations

import hmac
import logging
from pathlib import Path

import pytest

from scheduleflow.server.config import Config
from scheduleflow.server.core.errors import InvalidInput, Unauthenticated
from scheduleflow.server.rpc import security
from scheduleflow.server.rpc.security import (
    METHOD_ROLES,
    OPEN_PREFIXES,
    Role,
    bearer_token,
    parse_tokens,
    required_role,
)
from scheduleflow.server.rpc.service import SERVICE_NAME
from scheduleflow.v1 import service_pb2 as spb

WRITE = "write-token-0123456789abcdef"
READ = "read-token-0123456789abcdef"
OTHER = "other-token-0123456789abcdef"


def _tokens() -> security.Tokens:
    return parse_tokens(f"write {WRITE}\nread {READ}\n", "tokens")


# -- constant-time lookup ----------------------------------------------------------


def test_a_token_maps_to_its_role_and_an_unknown_one_to_none() -> None:
    tokens = _tokens()
    assert tokens.role_of(WRITE) is Role.WRITE
    assert tokens.role_of(READ) is Role.READ
    assert tokens.role_of(OTHER) is None
    assert tokens.role_of(WRITE[:-1]) is None
    assert tokens.role_of("") is None


def test_lookup_compares_equal_length_digests_with_every_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    entries = parse_tokens(f"write {WRITE}\nread {READ}\nread {OTHER}\n", "tokens").entries
    calls: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", counting)
    # The first entry matches, yet all three are compared: no early exit.
    assert security.constant_time_lookup(WRITE, entries) is Role.WRITE
    assert calls == [(32, 32)] * 3
    calls.clear()
    assert security.constant_time_lookup("x", entries) is None
    assert calls == [(32, 32)] * 3


def test_tokens_are_held_only_as_digests() -> None:
    tokens = _tokens()
    assert WRITE not in repr(tokens)
    assert all(WRITE.encode() not in digest for digest, _ in tokens.entries)
    assert repr(tokens) == "Tokens(2 tokens)"


def test_write_implies_read() -> None:
    assert Role.WRITE >= Role.READ


# -- the tokens file -----------------------------------------------------------------


def test_comments_blank_lines_and_spacing_are_allowed() -> None:
    tokens = parse_tokens(f"# who may do what\n\n  write\t{WRITE}  \nREAD {READ}\n   # indented comment\n", "f")
    assert [role for _, role in tokens.entries] == [Role.WRITE, Role.READ]
    assert (tokens.count(Role.WRITE), tokens.count(Role.READ)) == (1, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"write {WRITE} extra\n", "f line 1: expected 'ROLE TOKEN' (two words), found 3"),
        (f"# ok\nwrite\n{READ} read\n", "f line 2: expected 'ROLE TOKEN' (two words), found 1"),
        (f"\n{WRITE} write\n", "f line 2: the first word must be the role, read or write"),
        (f"admin {WRITE}\n", "f line 1: the first word must be the role, read or write"),
        ("read short\n", "f line 1: the token is shorter than 16 characters"),
        (f"read {WRITE}é\n", "f line 1: the token must be printable ASCII"),
        (f"write {WRITE}\n\nread {WRITE}\n", "f line 3: the same token as line 1"),
    ],
)
def test_errors_name_the_line_and_never_the_token(text: str, expected: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_tokens(text, "f")
    assert expected in caught.value.message
    assert WRITE not in caught.value.message and READ not in caught.value.message


def test_every_bad_line_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_tokens(f"admin {WRITE}\nread short\nwrite {READ}\n", "f")
    assert "line 1" in caught.value.message and "line 2" in caught.value.message
    assert "line 3" not in caught.value.message


@pytest.mark.parametrize("text", ["", "# nothing yet\n\n"])
def test_a_file_without_tokens_is_an_error(text: str) -> None:
    with pytest.raises(InvalidInput, match="no tokens"):
        parse_tokens(text, "f")


def test_load_warns_when_others_can_read_the_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "tokens"
    path.write_text(f"read {READ}\n")
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, "scheduleflow.security"):
        assert security.load_tokens(str(path)).role_of(READ) is Role.READ
    assert "chmod 600" in caplog.text
    caplog.clear()
    path.chmod(0o600)
    with caplog.at_level(logging.WARNING, "scheduleflow.security"):
        security.load_tokens(str(path))
    assert not caplog.text


# -- the authorization header ----------------------------------------------------------


def test_the_bearer_token_is_read_from_the_header() -> None:
    assert bearer_token([("user-agent", "x"), ("authorization", f"Bearer {READ}")]) == READ
    assert bearer_token([("authorization", f"bearer  {READ}")]) == READ


@pytest.mark.parametrize(
    "metadata",
    [
        [],
        [("user-agent", "grpc")],
        [("authorization", f"Basic {READ}")],
        [("authorization", "Bearer")],
        [("authorization", "Bearer ")],
        [("authorization", f"Bearer {READ} {READ}")],
        [("authorization", f"Bearer {READ}"), ("authorization", f"Bearer {WRITE}")],
    ],
)
def test_a_missing_or_malformed_header_is_unauthenticated(metadata: list[tuple[str, str]]) -> None:
    with pytest.raises(Unauthenticated) as caught:
        bearer_token(metadata)
    assert "'authorization: Bearer <token>'" in caught.value.message
    assert READ not in caught.value.message


def test_an_unknown_token_is_unauthenticated() -> None:
    with pytest.raises(Unauthenticated, match="not valid"):
        _tokens().authenticate([("authorization", f"Bearer {OTHER}")])
    assert _tokens().authenticate([("authorization", f"Bearer {WRITE}")]) is Role.WRITE


# -- the role table ----------------------------------------------------------------


def test_every_rpc_of_the_service_has_a_role() -> None:
    methods = {m.name for m in spb.DESCRIPTOR.services_by_name["ScheduleFlowService"].methods}
    assert methods - set(METHOD_ROLES) == set(), "a new RPC needs its role in security.METHOD_ROLES"
    assert set(METHOD_ROLES) - methods == set(), "a role for an RPC the service does not have"


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("Export", Role.READ),
        ("Validate", Role.READ),
        ("WatchSchedule", Role.READ),
        ("GetStats", Role.READ),
        ("ListChannels", Role.READ),
        ("GetChannel", Role.READ),
        ("ListEvents", Role.READ),
        ("Schedule", Role.READ),
        ("Import", Role.WRITE),
        ("UpsertChannel", Role.WRITE),
        ("DeleteChannel", Role.WRITE),
        ("SomethingNew", Role.WRITE),
    ],
)
def test_the_role_each_method_needs(name: str, role: Role) -> None:
    assert required_role(f"/{SERVICE_NAME}/{name}") is role


def test_health_and_reflection_are_open_and_other_services_need_a_token() -> None:
    for method in (
        "/grpc.health.v1.Health/Check",
        "/grpc.health.v1.Health/Watch",
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    ):
        assert method.startswith(OPEN_PREFIXES)
    assert not f"/{SERVICE_NAME}/GetStats".startswith(OPEN_PREFIXES)
    assert required_role("/some.Other/Method") is Role.READ


def test_a_schedule_commit_needs_write_and_a_preview_read() -> None:
    role_of, what = security._REQUEST_ROLES["Schedule"]
    assert what == "with commit"
    assert role_of(spb.ScheduleRequest(channel_id="c", commit=True).SerializeToString()) is Role.WRITE
    assert role_of(spb.ScheduleRequest(channel_id="c").SerializeToString()) is Role.READ
    with pytest.raises(InvalidInput):
        role_of(b"\xff\xff\xff")


# -- configuration -----------------------------------------------------------------


def _file(tmp_path: Path, name: str, text: str = "x") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_cert_and_key_go_together(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="tls_cert and tls_key go together"):
        Config(tls_cert=_file(tmp_path, "cert.pem"))
    with pytest.raises(InvalidInput, match="tls_cert and tls_key go together"):
        Config(tls_key=_file(tmp_path, "key.pem"))


def test_mutual_tls_needs_tls(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"tls_client_ca \(mutual TLS\) needs TLS"):
        Config(tls_client_ca=_file(tmp_path, "ca.pem"))


def test_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        Config(tls_cert=str(tmp_path / "nope.pem"), tls_key=_file(tmp_path, "key.pem"), tokens_file="absent")
    assert "tls_cert" in caught.value.message and "nope.pem" in caught.value.message
    assert "tokens_file 'absent': no such file" in caught.value.message


def test_unreadable_pem_stops_start_up_naming_the_files(tmp_path: Path) -> None:
    config = Config(tls_cert=_file(tmp_path, "cert.pem"), tls_key=_file(tmp_path, "key.pem"))
    with pytest.raises(InvalidInput) as caught:
        security.server_credentials(config)
    assert "cert.pem" in caught.value.message and "key.pem" in caught.value.message


def test_no_tls_and_no_tokens_mean_no_credentials_and_no_interceptor() -> None:
    config = Config()
    assert security.server_credentials(config) is None
    assert security.interceptors(config) == []


def test_a_tokens_file_installs_the_interceptor(tmp_path: Path) -> None:
    path = _file(tmp_path, "tokens", f"read {READ}\n")
    [interceptor] = security.interceptors(Config(tokens_file=path))
    assert isinstance(interceptor, security.AuthInterceptor)
