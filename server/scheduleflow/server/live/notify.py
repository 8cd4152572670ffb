"""Commits across replicas: PostgreSQL ``LISTEN``/``NOTIFY`` of change-log keys.

Several servers share one PostgreSQL database; a commit made through one must
reach the watchers connected to the others. The change log is the truth, the
notification only a doorbell.

Rules of this module:

1. **Keys, not rows.** The PostgreSQL adapter sends ``NOTIFY
   scheduleflow_changes, '<channel_id>:<revision>'`` inside the commit's own
   transaction: PostgreSQL delivers it on commit only, in commit order, and
   never for a rollback. A listener reads the records with ``changes_since``.
   The payload's format is the store's
   (:mod:`~scheduleflow.server.store.postgres_notify`).
2. **A gap is announced, never hidden.** Notifications are not queued while
   nobody listens: whatever is committed while the listening connection is
   down is lost to it. So after reconnecting (``LISTEN`` is active again) the
   listener yields :data:`CATCH_UP` once; the consumer then calls
   ``changes_since`` for every channel it follows, from the revision it last
   applied. Notifications after the marker overlap what that catch-up reads;
   the consumer skips revisions it already has (revisions only go forward).
   The same marker replaces the backlog when the consumer falls more than
   ``max_pending`` notifications behind.
3. **The listener heals itself.** A dropped connection (server restart,
   ``pg_terminate_backend``, a failover) is noticed at once through asyncpg's
   termination callback; a silently dead one (a network partition) by a
   periodic ``SELECT 1``. It reconnects with capped, jittered exponential
   backoff until it succeeds or is closed.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator
from types import TracebackType

import asyncpg

from scheduleflow.server.store import postgres_errors
from scheduleflow.server.store.outages import OUTAGES
from scheduleflow.server.store.postgres_notify import CATCH_UP, DEFAULT_CHANNEL, decode_payload

__all__ = ["PostgresChangeListener"]

_log = logging.getLogger(__name__)


class PostgresChangeListener:
    """Yields ``(channel_id, revision)`` for every commit notified on ``channel``.

    ``async with`` connects and starts listening (``Unavailable`` if the
    database cannot be reached then); from then on the listener reconnects by
    itself (see the module's rules). One consumer iterates :meth:`changes`;
    the iteration ends when the listener is closed.
    """

    def __init__(
        self,
        url: str,
        *,
        channel: str = DEFAULT_CHANNEL,
        application_name: str = "scheduleflow-listener",
        connect_timeout_s: float = 5.0,
        min_backoff_s: float = 0.1,
        max_backoff_s: float = 5.0,
        ping_interval_s: float = 15.0,
        max_pending: int = 10_000,
    ) -> None:
        if max_pending < 1:
            raise ValueError("max_pending must be positive")
        self._url = url
        self._channel = channel
        self._application_name = application_name
        self._connect_timeout_s = connect_timeout_s
        self._min_backoff_s = min_backoff_s
        self._max_backoff_s = max_backoff_s
        self._ping_interval_s = ping_interval_s
        self._max_pending = max_pending
        # Unbounded on purpose: the bound is enforced in _offer, which swaps
        # the backlog for CATCH_UP instead of dropping the newest silently.
        self._queue: asyncio.Queue[tuple[str, int] | None] = asyncio.Queue()
        self._conn: asyncpg.Connection | None = None
        self._lost = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._closed = False
        #: How many times the connection was re-established (for stats and tests).
        self.reconnects = 0

    def __repr__(self) -> str:
        return f"PostgresChangeListener(channel={self._channel!r})"

    async def __aenter__(self) -> PostgresChangeListener:
        if self._closed or self._supervisor is not None:
            raise RuntimeError("a listener is entered once")
        self._conn = await self._connect()
        self._supervisor = asyncio.create_task(self._supervise(), name=f"listen-{self._channel}")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop listening, release the connection and end :meth:`changes`."""
        if self._closed:
            return
        self._closed = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            await asyncio.gather(self._supervisor, return_exceptions=True)
        await self._drop()
        self._queue.put_nowait(None)

    async def changes(self) -> AsyncIterator[tuple[str, int]]:
        """``(channel_id, revision)`` per notified commit, in commit order, and
        :data:`CATCH_UP` where some may have been missed."""
        while True:
            item = await self._queue.get()
            if item is None:
                self._queue.put_nowait(None)  # any later call ends at once too
                return
            yield item

    # -- the connection ------------------------------------------------------

    async def _connect(self) -> asyncpg.Connection:
        try:
            conn = await asyncpg.connect(
                self._url,
                timeout=self._connect_timeout_s,
                server_settings={"application_name": self._application_name},
            )
        except Exception as exc:
            _raise_unavailable(exc)
            raise
        try:
            conn.add_termination_listener(self._on_terminated)
            await conn.add_listener(self._channel, self._on_notification)
        except BaseException as exc:
            conn.terminate()
            if isinstance(exc, Exception):
                _raise_unavailable(exc)
            raise
        self._lost.clear()
        return conn

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        conn.remove_termination_listener(self._on_terminated)
        if conn.is_closed():
            return
        try:
            await asyncio.wait_for(conn.close(), self._connect_timeout_s)
        except Exception:  # whatever went wrong, the connection is cut instead
            conn.terminate()

    def _on_terminated(self, conn: object) -> None:
        if conn is self._conn and not self._closed:
            _log.debug("lost the connection listening on %r; reconnecting", self._channel)
            self._lost.set()

    def _on_notification(self, conn: object, pid: int, channel: str, payload: object) -> None:
        self._offer(decode_payload(str(payload)))

    def _offer(self, item: tuple[str, int]) -> None:
        if self._queue.qsize() >= self._max_pending:
            _log.warning("change listener fell %d notifications behind; asking for a catch-up", self._max_pending)
            while not self._queue.empty():
                self._queue.get_nowait()
            item = CATCH_UP
        self._queue.put_nowait(item)

    async def _supervise(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._lost.wait(), self._ping_interval_s)
            except TimeoutError:
                if await self._alive():
                    continue
                _log.warning("the connection listening on %r stopped answering; reconnecting", self._channel)
            await self._drop()
            self._conn = await self._reconnect()
            self.reconnects += 1
            _log.debug("listening on %r again; consumers catch up from the change log", self._channel)
            OUTAGES.succeeded()
            self._offer(CATCH_UP)

    async def _alive(self) -> bool:
        conn = self._conn
        if conn is None or conn.is_closed():
            return False
        try:
            await asyncio.wait_for(conn.fetchval("SELECT 1"), self._connect_timeout_s)
        except Exception as exc:
            if postgres_errors.connect_failure(exc):
                return False
            raise
        return True

    async def _reconnect(self) -> asyncpg.Connection:
        delay = self._min_backoff_s
        while True:
            # Full jitter on the upper half: replicas that lost the database
            # together do not all come back in the same millisecond.
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            try:
                return await self._connect()
            except Exception as exc:  # whatever it is, giving up would leave consumers waiting forever
                OUTAGES.failed(exc, f"listening on {self._channel!r}")
            delay = min(delay * 2, self._max_backoff_s)


def _raise_unavailable(exc: Exception) -> None:
    """Raise ``Unavailable`` if failing to connect and listen with ``exc`` is an
    outage (the shared rules of ``store.postgres_errors``); return otherwise."""
    mapped = postgres_errors.unavailable(exc, connecting=True, doing="cannot listen for changes")
    if mapped is not None:
        raise mapped from exc
