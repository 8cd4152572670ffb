"""Security from configuration: TLS credentials, bearer tokens and their roles.

The rules:

1. TLS is on when ``tls_cert`` and ``tls_key`` are set; with ``tls_client_ca``
   too, a client must present a certificate that CA signed (mutual TLS). The
   files are read once at start; a bad one stops the server with a message
   naming it (the operator's error, so naming the path is fine).
2. Without ``tokens_file`` there is no authentication: every caller may read
   and write. That is for development and trusted networks only.
3. With it, every ScheduleFlowService call needs ``authorization: Bearer
   <token>``. A missing or malformed header, or a token the server does not
   know, is UNAUTHENTICATED; a known token whose role is too low is
   PERMISSION_DENIED. Health and reflection stay open: probes, grpcurl and ghz
   need no token, and neither reveals schedules.
4. Two roles, and ``write`` implies ``read``. :data:`METHOD_ROLES` names the
   role of every RPC; ``Schedule`` is the one whose role depends on the
   request (a preview reads, a commit writes), decided here and only here by
   the same light header parse the handler uses.
5. Tokens are held only as SHA-256 digests, and a presented token is compared
   with ``hmac.compare_digest`` against every configured digest, without
   stopping at a match: neither timing nor a log line tells which token (or
   how much of one) was right. No token ever appears in a log or an error.

Why an interceptor rather than a check in ``service._instrument``: it sees the
method name and metadata before any handler runs, so the whole policy sits in
this one module and the handlers know nothing of it; when authentication is
off it is not installed at all, so it costs nothing. A refused call is
answered by a request-streaming handler that aborts at once, so gRPC does not
receive and buffer a request (up to ``--max-message-mib``) from a caller it
is about to turn away.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import os
import ssl
import stat
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from scheduleflow.server.config import Config
from scheduleflow.server.core.errors import InvalidInput, PermissionDenied, ScheduleFlowError, Unauthenticated
from scheduleflow.server.observe.stats import Stats
from scheduleflow.server.rpc.headers import ScheduleHeader, header
from scheduleflow.server.rpc.service import SERVICE_NAME
from scheduleflow.server.rpc.status import to_status

log = logging.getLogger("scheduleflow.security")


class Role(enum.IntEnum):
    """What a token may do; a higher role includes the lower ones."""

    READ = 1
    WRITE = 2


#: The role each ScheduleFlowService RPC needs. A test checks that every RPC of
#: the service descriptor is here; one missing at run time needs WRITE.
METHOD_ROLES: Mapping[str, Role] = {
    "Validate": Role.READ,
    "Export": Role.READ,
    "WatchSchedule": Role.READ,
    "GetStats": Role.READ,
    "ListChannels": Role.READ,
    "GetChannel": Role.READ,
    "ListEvents": Role.READ,
    "GetPlayoutState": Role.READ,
    "ResetPlayoutState": Role.WRITE,
    "ExportAsRun": Role.READ,
    # A preview; _REQUEST_ROLES raises it to WRITE when the request commits.
    "Schedule": Role.READ,
    "Import": Role.WRITE,
    "UpsertChannel": Role.WRITE,
    "DeleteChannel": Role.WRITE,
    # Stores the log (a dry run only reads, but the log may be large: one role).
    "ReconcileAsRun": Role.WRITE,
}


def _schedule_role(raw: bytes) -> Role:
    return Role.WRITE if header(ScheduleHeader, raw).commit else Role.READ


#: RPCs whose role depends on the request (raw bytes: these handlers take no
#: deserializer), checked only for callers below WRITE, with the words that
#: name the request in a refusal.
_REQUEST_ROLES: Mapping[str, tuple[Callable[[bytes], Role], str]] = {"Schedule": (_schedule_role, "with commit")}

#: Services anyone may call: probes, grpcurl and ghz must work without a token.
OPEN_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.v1alpha.ServerReflection/", "/grpc.reflection.v1.")

_SERVICE_PREFIX = f"/{SERVICE_NAME}/"
_EXPECTED = "send the header 'authorization: Bearer <token>'"
MIN_TOKEN_LENGTH = 16
_MAKE_TOKEN = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"


def required_role(method: str) -> Role:
    """The role a call to ``method`` (``/package.Service/Method``) needs before its request is read."""
    if method.startswith(_SERVICE_PREFIX):
        return METHOD_ROLES.get(method[len(_SERVICE_PREFIX) :], Role.WRITE)
    # Not ours and not open: gRPC will answer UNIMPLEMENTED, but only to a known caller.
    return Role.READ


# -- tokens ----------------------------------------------------------------------


def _digest(token: str) -> bytes:
    # Equal-length digests keep compare_digest from leaking a token's length.
    return hashlib.sha256(token.encode()).digest()


def constant_time_lookup(presented: str, entries: Iterable[tuple[bytes, Role]]) -> Role | None:
    """The role of the entry whose digest matches ``presented``, or None.

    Every entry is compared, match or not, so the time taken does not depend
    on which entry (if any) matched.
    """
    wanted = _digest(presented)
    found: Role | None = None
    for digest, role in entries:
        if hmac.compare_digest(digest, wanted):
            found = role
    return found


@dataclass(frozen=True, repr=False)
class Tokens:
    """The configured tokens, as digests with their roles."""

    entries: tuple[tuple[bytes, Role], ...]

    def __repr__(self) -> str:
        return f"Tokens({len(self.entries)} tokens)"

    def role_of(self, token: str) -> Role | None:
        return constant_time_lookup(token, self.entries)

    def count(self, role: Role) -> int:
        return sum(1 for _, r in self.entries if r is role)

    def authenticate(self, metadata: Iterable[tuple[str, Any]]) -> Role:
        """The caller's role from its ``authorization`` header; raises Unauthenticated."""
        role = self.role_of(bearer_token(metadata))
        if role is None:
            raise Unauthenticated(f"the bearer token is not valid on this server; {_EXPECTED} with a valid token")
        return role


def bearer_token(metadata: Iterable[tuple[str, Any]]) -> str:
    """The token of the one ``authorization: Bearer <token>`` entry; raises Unauthenticated."""
    values = [value for key, value in metadata if key == "authorization"]
    if not values:
        raise Unauthenticated(f"this server requires authentication: {_EXPECTED}")
    if len(values) > 1:
        raise Unauthenticated(f"more than one authorization header: {_EXPECTED} once")
    value = values[0]
    scheme, _, token = value.partition(" ") if isinstance(value, str) else ("", "", "")
    token = token.strip(" ")
    if scheme.lower() != "bearer" or not token or " " in token:
        raise Unauthenticated(f"malformed authorization header: {_EXPECTED}")
    return token


def parse_tokens(text: str, source: str) -> Tokens:
    """Tokens from ``ROLE TOKEN`` lines; ``#`` starts a comment line, blank lines are skipped.

    Errors name ``source`` and the line, never the token.
    """
    entries: list[tuple[bytes, Role]] = []
    first_line: dict[bytes, int] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        where = f"{source} line {number}"
        if len(words) != 2:
            problems.append(f"{where}: expected 'ROLE TOKEN' (two words), found {len(words)}")
            continue
        role_name, token = words
        try:
            role = Role[role_name.upper()]
        except KeyError:
            # Not echoed: a line written "TOKEN ROLE" would put the token in the log.
            problems.append(f"{where}: the first word must be the role, read or write")
            continue
        if len(token) < MIN_TOKEN_LENGTH:
            problems.append(
                f"{where}: the token is shorter than {MIN_TOKEN_LENGTH} characters; make one with {_MAKE_TOKEN}"
            )
            continue
        if not all("!" <= ch <= "~" for ch in token):
            problems.append(f"{where}: the token must be printable ASCII (it travels in an HTTP/2 header)")
            continue
        digest = _digest(token)
        if digest in first_line:
            problems.append(f"{where}: the same token as line {first_line[digest]}; give each token one role")
            continue
        first_line[digest] = number
        entries.append((digest, role))
    if problems:
        raise InvalidInput("invalid tokens file: " + "; ".join(problems))
    if not entries:
        raise InvalidInput(
            f"{source}: no tokens; add 'ROLE TOKEN' lines, or leave tokens_file unset to turn authentication off"
        )
    return Tokens(tuple(entries))


def load_tokens(path: str) -> Tokens:
    """The tokens file, read once at start."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        mode = os.stat(path).st_mode
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"tokens_file {path!r}: cannot read it ({exc.__class__.__name__})") from exc
    tokens = parse_tokens(text, f"tokens_file {path!r}")
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("tokens_file %s can be read by other users: chmod 600 it", path)
    return tokens


# -- TLS -------------------------------------------------------------------------


def _read(path: str, name: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{name} {path!r}: cannot read it ({exc.strerror})") from exc


def _no_password() -> str:
    return ""


def server_ssl_context(config: Config) -> ssl.SSLContext | None:
    """The configuration's TLS as a standard ``ssl`` context, or None for plaintext.

    The HTTP port serves with it; gRPC's credentials are made from the same
    files after this context has checked them.
    """
    if not config.tls_cert:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(config.tls_cert, config.tls_key, password=_no_password)
    except (ssl.SSLError, OSError) as exc:
        raise InvalidInput(
            f"tls_cert {config.tls_cert!r} and tls_key {config.tls_key!r}: not a PEM certificate chain and "
            f"the unencrypted private key that matches it ({exc})"
        ) from exc
    if config.tls_client_ca:
        try:
            context.load_verify_locations(cafile=config.tls_client_ca)
        except (ssl.SSLError, OSError) as exc:
            raise InvalidInput(f"tls_client_ca {config.tls_client_ca!r}: not a PEM CA certificate ({exc})") from exc
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def server_credentials(config: Config) -> grpc.ServerCredentials | None:
    """TLS credentials from the configuration, or None for plaintext.

    The files are checked with the standard ``ssl`` module first
    (``server_ssl_context``), because gRPC accepts a bad PEM or a key that does
    not match its certificate and then fails every handshake without saying why.
    """
    if server_ssl_context(config) is None:
        return None
    client_ca = _read(config.tls_client_ca, "tls_client_ca") if config.tls_client_ca else None
    key, chain = _read(config.tls_key, "tls_key"), _read(config.tls_cert, "tls_cert")
    log.info("TLS on%s", ": client certificates required (mutual TLS)" if client_ca else "")
    return grpc.ssl_server_credentials([(key, chain)], root_certificates=client_ca, require_client_auth=bool(client_ca))


# -- the interceptor -----------------------------------------------------------------


def interceptors(config: Config, stats: Stats | None = None) -> list[Any]:
    """The server interceptors the configuration asks for: none when authentication is off."""
    if not config.tokens_file:
        log.warning("authentication off (no tokens_file): every caller may read and write; trusted networks only")
        return []
    tokens = load_tokens(config.tokens_file)
    log.info(
        "authentication on: %d write and %d read tokens; health and reflection stay open",
        tokens.count(Role.WRITE),
        tokens.count(Role.READ),
    )
    if not config.tls_cert:
        log.warning(
            "bearer tokens travel in clear text without TLS: set tls_cert and tls_key, or terminate TLS in front"
        )
    return [AuthInterceptor(tokens, stats)]


Behaviour = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]


class AuthInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Checks every ScheduleFlowService call's bearer token against its method's role."""

    def __init__(self, tokens: Tokens, stats: Stats | None = None) -> None:
        self.tokens = tokens
        self.stats = stats

    async def intercept_service(self, continuation: Callable[[Any], Awaitable[Any]], handler_call_details: Any) -> Any:
        method: str = handler_call_details.method
        if method.startswith(OPEN_PREFIXES):
            return await continuation(handler_call_details)
        started = time.perf_counter()
        try:
            granted = self.tokens.authenticate(handler_call_details.invocation_metadata or ())
            _check(method, granted, required_role(method))
        except ScheduleFlowError as exc:
            return self._refusal(method, exc, started)
        handler = await continuation(handler_call_details)
        by_request = _REQUEST_ROLES.get(method[len(_SERVICE_PREFIX) :]) if method.startswith(_SERVICE_PREFIX) else None
        if handler is None or by_request is None or granted >= Role.WRITE:
            return handler
        return handler._replace(unary_unary=self._checked(method, granted, *by_request, handler.unary_unary))

    def _checked(
        self, method: str, granted: Role, role_of: Callable[[bytes], Role], what: str, behaviour: Behaviour
    ) -> Behaviour:
        async def call(raw: bytes, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            try:
                _check(method, granted, role_of(raw), what=what)
            except ScheduleFlowError as exc:
                await self._abort(method, exc, started, context)
            return await behaviour(raw, context)

        return call

    def _refusal(self, method: str, exc: ScheduleFlowError, started: float) -> Any:
        # Request-streaming, whatever the method: the refusal is sent before
        # the request is received, and the wire does not know the difference.
        async def refuse(requests: Any, context: grpc.aio.ServicerContext) -> None:
            await self._abort(method, exc, started, context)

        return grpc.stream_unary_rpc_method_handler(refuse)

    async def _abort(
        self, method: str, exc: ScheduleFlowError, started: float, context: grpc.aio.ServicerContext
    ) -> None:
        status = to_status(exc)
        level = logging.INFO if isinstance(exc, PermissionDenied) else logging.DEBUG
        log.log(level, "%s refused for %s: %s", method, context.peer(), status.code.name)
        if (
            self.stats is not None
            and method.startswith(_SERVICE_PREFIX)
            and method[len(_SERVICE_PREFIX) :] in METHOD_ROLES
        ):
            # Only the service's own methods: a scanner's invented names must not grow the table.
            self.stats.record(method, status.code.name, time.perf_counter() - started)
        await context.abort_with_status(status)


def _check(method: str, granted: Role, needed: Role, *, what: str = "") -> None:
    if granted < needed:
        name = method.rsplit("/", 1)[-1]
        raise PermissionDenied(
            f"{name} {what}{' ' if what else ''}needs a token with the {needed.name.lower()} role; "
            f"this one has the {granted.name.lower()} role"
        )
