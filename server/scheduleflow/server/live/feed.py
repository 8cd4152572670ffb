"""Background duties of a server: the database feed of the update hub and the
store's health.

``PostgresFeed``: with several replicas sharing PostgreSQL, a commit made on
any replica must reach the watchers on every replica. Notifications carry
``(channel, revision)`` keys; the feed reads the changes themselves from the
change log (``changes_since``) and publishes them to the local hub, which
drops what it has already seen (this replica's own commits arrive both ways).
After the listener reconnects it yields ``CATCH_UP``: the feed then reads the
log of every watched channel from the newest revision the hub has, so nothing
committed during the outage is missed. Streams fill any remaining hole from
the log themselves (see ``service.watch_schedule``).

``StoreHealth``: pings the store every few seconds; while it cannot be
reached the service reports NOT_SERVING (readiness: take this replica out of
rotation) and calls fail with UNAVAILABLE; the server itself ("") stays
SERVING so liveness probes do not restart a process that will recover by
itself when the database returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from scheduleflow.server.core.errors import NotFound, ScheduleFlowError
from scheduleflow.server.live.hub import UpdateHub
from scheduleflow.server.live.notify import PostgresChangeListener
from scheduleflow.server.store import Store
from scheduleflow.server.store.outages import OUTAGES
from scheduleflow.server.store.postgres_notify import CATCH_UP

log = logging.getLogger("scheduleflow.feed")


class PostgresFeed:
    """Publishes every replica's commits to this replica's hub."""

    def __init__(self, url: str, store: Store, hub: UpdateHub, *, channel: str | None = None) -> None:
        self.listener = PostgresChangeListener(url) if channel is None else PostgresChangeListener(url, channel=channel)
        self.store = store
        self.hub = hub
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.listener.__aenter__()
        self._task = asyncio.create_task(self._run(), name="postgres-feed")

    async def close(self) -> None:
        await self.listener.close()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        async for channel_id, revision in self.listener.changes():
            try:
                if (channel_id, revision) == CATCH_UP:
                    for watched in self.hub.watched_channels():
                        await self._publish_from(watched, self.hub.newest(watched))
                elif revision > self.hub.newest(channel_id):
                    # A channel this replica has not published yet: start from the
                    # notified revision, not from the beginning of its history.
                    since = self.hub.newest(channel_id) or revision - 1
                    await self._publish_from(channel_id, since)
            except ScheduleFlowError as exc:
                # The database is away; the listener will reconnect and say CATCH_UP.
                OUTAGES.failed(exc, "the feed's read of the change log")
            except Exception:
                log.exception("feed failed to publish a change; watchers will catch up from the log")

    async def _publish_from(self, channel_id: str, since: int) -> None:
        if since <= 0:
            with contextlib.suppress(NotFound):
                since = max(0, (await self.store.get_channel(channel_id)).revision - 1)
        while True:
            try:
                changes = await self.store.changes_since(channel_id, since)
            except NotFound:
                return
            if not changes:
                return
            for change in changes:
                self.hub.publish(change)
            since = changes[-1].revision


class StoreHealth:
    """Pings the store and reports whether it answers."""

    def __init__(self, store: Store, on_change: Callable[[bool], Awaitable[None]], *, interval_s: float = 2.0) -> None:
        self.store = store
        self.on_change = on_change
        self.interval_s = interval_s
        self.healthy = True
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="store-health")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await asyncio.wait_for(self.store.ping(), self.interval_s * 2)
                healthy = True
            except (ScheduleFlowError, TimeoutError) as exc:
                healthy = False
                # The outage's two lines are OUTAGES' (store.outages rule 2).
                OUTAGES.failed(exc, "the health probe")
            if healthy != self.healthy:
                self.healthy = healthy
                if healthy:
                    OUTAGES.succeeded()
                log.debug(
                    "store %s: reporting %s", *(("reachable", "SERVING") if healthy else ("unreachable", "NOT_SERVING"))
                )
                await self.on_change(healthy)
