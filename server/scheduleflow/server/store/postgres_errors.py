"""When a PostgreSQL error means "the database is unavailable": one answer for
every part of the server that talks to PostgreSQL (the store's pool and the
change listener's own connection).

Rules:

1. **An outage is retryable, a bug is not.** Connection failures, shutdowns,
   exhausted connections, lock timeouts and serialisation failures are
   outages: the caller gets ``Unavailable`` (UNAVAILABLE, health
   NOT_SERVING) and may try again. Any other database error is a bug of ours
   (a bad statement, a constraint we broke) and surfaces as one.
2. **At connection time every database error is an outage.** A wrong
   database name, role or password is as fatal as a refused connection:
   either way there is no database to serve from, and a bug in our own
   statements cannot have run yet.
3. **A lost connection is worth one more try** when the call cannot have
   taken effect (the store decides when that is).
4. **A connection the server has said goodbye to is lost**, even before its
   socket closes. PostgreSQL sends a FATAL ("terminating connection due to
   administrator command") and then closes; when the FATAL reaches an idle
   connection, asyncpg's protocol waits for a sync point that never comes,
   and until it reads the close, the pool hands the connection out and every
   operation on it fails with a bare ``InternalClientError`` ("cannot switch
   to state 12; another operation (2) is in progress"). That is the outage,
   not a bug of ours.
"""

from __future__ import annotations

import asyncpg

from scheduleflow.server.core.errors import Unavailable

__all__ = ["connect_failure", "lost_connection", "outage", "unavailable"]

# Connection-level trouble: the database is down, restarting, failing over,
# full or too busy.
_OUTAGES: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable
    TimeoutError,  # connect or acquire timeout
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08, incl. ConnectionDoesNotExistError
    asyncpg.exceptions.OperatorInterventionError,  # 57: admin shutdown, cannot connect now, canceled
    asyncpg.exceptions.InsufficientResourcesError,  # 53: too many connections, disk full
    asyncpg.exceptions.LockNotAvailableError,  # 55P03: lock_timeout expired
    asyncpg.exceptions.TransactionRollbackError,  # 40: serialisation failure, deadlock
    asyncpg.exceptions.ReadOnlySQLTransactionError,  # 25006: a standby, mid-failover
    asyncpg.exceptions.InvalidAuthorizationSpecificationError,  # 28: a reconnect refused (password rotated)
)
# The connection went away under a call (rule 3).
_LOST_CONNECTION: tuple[type[BaseException], ...] = (
    ConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
)


def _closed(exc: BaseException) -> bool:
    # asyncpg raises the bare InterfaceError for "pool is closing" and
    # "connection is closed"; its subclasses (DataError...) are our bugs.
    return type(exc) is asyncpg.InterfaceError or _wedged(exc)


def _wedged(exc: BaseException) -> bool:
    """Whether asyncpg refused an operation because the connection's protocol
    is stuck or failed (rule 4). Its messages are the only mark: the bare
    class also covers its own bugs ("unknown error in protocol
    implementation"), and the subclasses (a stale schema cache, a server of
    the wrong role) are not outages."""
    if type(exc) is not asyncpg.exceptions.InternalClientError:
        return False
    text = str(exc)
    # asyncpg's _set_state and _ensure_connected (protocol/coreproto.pyx).
    return text.startswith("cannot switch to ") or text == "not connected"


def outage(exc: BaseException) -> bool:
    """Whether ``exc``, raised by a call on a working connection, is an outage (rule 1)."""
    return isinstance(exc, _OUTAGES) or _closed(exc)


def connect_failure(exc: BaseException) -> bool:
    """Whether ``exc``, raised while connecting or setting a connection up, is an outage (rule 2)."""
    return outage(exc) or isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError)


def lost_connection(exc: BaseException) -> bool:
    """Whether the connection went away under the call (rule 3)."""
    return isinstance(exc, _LOST_CONNECTION) or _closed(exc)


def unavailable(exc: BaseException, *, connecting: bool = False, doing: str = "") -> Unavailable | None:
    """The ``Unavailable`` that ``exc`` means, or ``None`` if it is not an outage.

    ``connecting`` applies rule 2; ``doing`` says what failed (``"cannot
    listen for changes"``), by default that the database is unavailable.
    """
    if not (connect_failure(exc) if connecting else outage(exc)):
        return None
    return Unavailable(f"{doing or 'the database is unavailable'}: {type(exc).__name__}: {exc}", retry_after_s=1.0)
