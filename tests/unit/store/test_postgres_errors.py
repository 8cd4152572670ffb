"""The one "database unavailable" classifier shared by the PostgreSQL store and
the change listener (store/postgres_errors.py): no database needed."""

from __future__ import annotations

import pytest

from scheduleflow.server.core.errors import Unavailable

asyncpg = pytest.importorskip("asyncpg")

from scheduleflow.server.store import postgres_errors  # noqa: E402 - needs asyncpg


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError("refused"),
        TimeoutError(),
        asyncpg.exceptions.ConnectionDoesNotExistError("gone"),
        asyncpg.exceptions.AdminShutdownError("shutdown"),
        asyncpg.exceptions.TooManyConnectionsError("full"),
        asyncpg.exceptions.LockNotAvailableError("lock timeout"),
        asyncpg.exceptions.SerializationError("serialisation"),
        asyncpg.InterfaceError("pool is closing"),
    ],
    ids=type,
)
def test_outages_are_unavailable_and_retryable(exc: BaseException) -> None:
    assert postgres_errors.outage(exc)
    assert postgres_errors.connect_failure(exc)
    mapped = postgres_errors.unavailable(exc)
    assert isinstance(mapped, Unavailable)
    assert mapped.retry_after_s == 1.0
    assert type(exc).__name__ in mapped.message


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.exceptions.UndefinedTableError("no such table"),
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
        asyncpg.exceptions.DataError("bad value"),  # an InterfaceError subclass: ours
        asyncpg.exceptions.InvalidCatalogNameError("no such database"),
    ],
    ids=type,
)
def test_bugs_are_not_outages_except_while_connecting(exc: BaseException) -> None:
    assert not postgres_errors.outage(exc)
    assert postgres_errors.unavailable(exc) is None
    # At connection time no statement of ours has run: a wrong database name
    # is as fatal as a refused connection.
    mapped = postgres_errors.unavailable(exc, connecting=True, doing="cannot listen for changes")
    assert mapped is not None and mapped.message.startswith("cannot listen for changes: ")


def test_only_a_vanished_connection_is_worth_another_try() -> None:
    assert postgres_errors.lost_connection(asyncpg.exceptions.ConnectionDoesNotExistError("gone"))
    assert postgres_errors.lost_connection(ConnectionResetError())
    assert postgres_errors.lost_connection(asyncpg.InterfaceError("connection is closed"))
    assert not postgres_errors.lost_connection(asyncpg.exceptions.LockNotAvailableError("lock timeout"))
    assert not postgres_errors.lost_connection(ValueError("ours"))
    assert not postgres_errors.outage(ValueError("ours"))


# What asyncpg raises on a connection whose server said goodbye (a FATAL
# "terminating connection due to administrator command") while it sat idle,
# before the close itself was read: the drill's INTERNAL of issue 12, once as
# the call's statement, once as the pool's reset when the call gave it back.
_WEDGED = [
    "cannot switch to state 12; another operation (2) is in progress",
    "cannot switch to state 15; another operation (2) is in progress",
    'cannot switch to state 12; protocol is in the "failed" state',
    'cannot switch to "idle" state; protocol is in the "failed" state',
    "not connected",
]


@pytest.mark.parametrize("message", _WEDGED)
def test_a_connection_the_server_said_goodbye_to_is_lost(message: str) -> None:
    exc = asyncpg.exceptions.InternalClientError(message)
    assert postgres_errors.outage(exc)
    assert postgres_errors.lost_connection(exc)  # the statement was never sent: worth one more try
    mapped = postgres_errors.unavailable(exc)
    assert isinstance(mapped, Unavailable)
    assert "InternalClientError" in mapped.message


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.exceptions.InternalClientError("unknown error in protocol implementation"),  # asyncpg's bug
        asyncpg.exceptions.OutdatedSchemaCacheError("cached statement plan is invalid"),  # a schema change
        asyncpg.exceptions.ProtocolError("cannot switch to state 12; another operation (2) is in progress"),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_other_client_errors_are_not_outages(exc: BaseException) -> None:
    assert not postgres_errors.outage(exc)
    assert not postgres_errors.lost_connection(exc)
    assert postgres_errors.unavailable(exc) is None
