"""Store outages: which failures are one, and a log that stays quiet while it lasts.

Rules:

1. **Every failure that means "the store is unreachable" is ``Unavailable``**
   (UNAVAILABLE with a retry hint), wherever it surfaces: at connect, in a
   transaction, at commit, in a pool worker or in the server. ``unavailable``
   is the one classifier (PostgreSQL's rules are ``postgres_errors``'; for
   SQLite, a locked, busy or unreadable database file); the store adapters
   map what they see, and the job runner and the status translator use it
   as the net under them, so an outage never leaves as INTERNAL.
2. **An outage is two lines in the log**, not one per failed call or
   reconnect: a WARNING when the store goes away, an INFO when it is back,
   with how long it lasted and how many operations failed meanwhile. The
   failures in between, tracebacks included, are DEBUG. One ``OUTAGES`` per
   process: the store, the change listener and the health probe share it.
"""

from __future__ import annotations

import logging
import sqlite3
import time

from scheduleflow.server.core.errors import Unavailable
from scheduleflow.server.store import postgres_errors

log = logging.getLogger("scheduleflow.store")

#: SQLite errors that mean the file cannot be used now, not that a statement is wrong.
_SQLITE_OUTAGE_WORDS = ("locked", "busy", "disk i/o", "unable to open", "readonly", "no space")


def unavailable(exc: BaseException) -> Unavailable | None:
    """The ``Unavailable`` a store failure means, or ``None`` if it is not an outage (rule 1)."""
    if isinstance(exc, Unavailable):
        return exc
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        if any(word in text for word in _SQLITE_OUTAGE_WORDS):
            return Unavailable(f"the database is unavailable: {exc}", retry_after_s=0.5)
        return None
    return postgres_errors.unavailable(exc)


class OutageLog:
    """One WARNING when the store goes away, one INFO when it is back; the rest at DEBUG (rule 2)."""

    def __init__(self, logger: logging.Logger = log) -> None:
        self.log = logger
        self.down_since: float | None = None
        self.failures = 0
        #: Outages seen since start (for tests and figures).
        self.outages = 0

    def failed(self, exc: BaseException, doing: str = "a database operation") -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()
            self.failures = 1
            self.outages += 1
            self.log.warning(
                "the database is unreachable (%s failed: %s: %s); calls get UNAVAILABLE until it is back",
                doing,
                type(exc).__name__,
                exc,
            )
            self.log.debug("the failure in full", exc_info=exc)
            return
        self.failures += 1
        self.log.debug("still unreachable: %s failed", doing, exc_info=exc)

    def succeeded(self) -> None:
        if self.down_since is None:
            return
        self.log.info(
            "the database is reachable again after %.1f s; %d operations failed meanwhile",
            time.monotonic() - self.down_since,
            self.failures,
        )
        self.down_since = None
        self.failures = 0


#: This process's outage log (see rule 2).
OUTAGES = OutageLog()


class _QuietReconnects(logging.Filter):
    """asyncpg's pool logs a WARNING with a full traceback for every failed
    attempt to restore its connections while the database is away: that is
    DEBUG here (rule 2); the outage itself is ``OUTAGES``' two lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG and "connection floor" in record.getMessage():
            if not logging.getLogger().isEnabledFor(logging.DEBUG):
                return False
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


logging.getLogger("asyncpg.pool").addFilter(_QuietReconnects())
