"""The end of a drain: calls that arrive while gRPC stops are answered, never cut.

gRPC core turns two kinds of call into CANCELLED (which no client retries)
when a server stops (``grpc_server_shutdown_and_notify``, what
``grpc.aio.Server.stop`` calls first):

- calls it has accepted but not yet handed to Python (the aio server asks
  for one call at a time, so a burst queues in core): ``ZombifyPending``;
- calls that arrive after the stop began but before their client has read
  the GOAWAY the stop sends: ``StartNewRpc`` finds ``ShutdownCalled`` and
  kills them.

grpcio has no way to send the GOAWAY or close the listener without stopping,
so the drain arranges that no call is in either place when it stops. Once the
work is done, :class:`DrainGate` holds every call that arrives (handed to
Python, a held call is one that gRPC's stop lets finish) until none has
arrived for a moment. A client that makes one call at a time (ours, ghz,
almost every service) is then waiting on a held call and sends nothing, and
core's queue is empty: that is when gRPC stops. Only then are the held calls
let through, to their handlers' refusal (UNAVAILABLE; health answers
NOT_SERVING), behind the GOAWAY on their connection; a retry finds the
connection going away and the port closed, and fails UNAVAILABLE in the
client's own channel. A client whose backoff outlasts the settling moment
(``settle_s``) and ends within the instant after the stop could still be
cut; the settling moment is chosen longer than the retry hint the drain
gives (``RetryInfo`` 0.1 s).

:class:`DrainingHealth` ends health ``Watch`` streams at the same moment: the
reference servicer's never end, so gRPC's stop would wait for them until the
grace is over and then cut them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from grpc_health.v1 import health


class DrainGate(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Holds every new call from :meth:`close` until :meth:`release` (see the module).

    The first interceptor: a call is held whatever its method, and whatever
    the interceptors after it would answer.
    """

    def __init__(self) -> None:
        self._closed = False
        self._released = asyncio.Event()
        self._last_arrival = 0.0
        #: Calls held so far (figures for the drain's log line).
        self.held = 0

    async def intercept_service(self, continuation: Callable[[Any], Awaitable[Any]], handler_call_details: Any) -> Any:
        if self._closed and not self._released.is_set():
            self.held += 1
            self._last_arrival = time.monotonic()
            await self._released.wait()
        return await continuation(handler_call_details)

    async def close(self, *, settle_s: float, until: float) -> None:
        """Hold new calls from now on; return once none has arrived for ``settle_s``
        seconds, or at ``until`` (``time.monotonic()``), whichever is first."""
        self._closed = True
        self._last_arrival = time.monotonic()
        while True:
            # Each arrival moves the end: sleep to the end known now, then look again.
            wait = min(self._last_arrival + settle_s, until) - time.monotonic()
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    def release(self) -> None:
        """Let the held calls (and any later one) go on to their handlers."""
        self._released.set()


class DrainingHealth(health.aio.HealthServicer):  # type: ignore[misc]
    """The reference health servicer, whose ``Watch`` streams end with UNAVAILABLE
    at :meth:`end_watches` (they have said NOT_SERVING since the drain began)."""

    def __init__(self) -> None:
        super().__init__()
        self._ended = asyncio.Event()

    def end_watches(self) -> None:
        self._ended.set()

    async def Watch(self, request: Any, context: grpc.aio.ServicerContext) -> None:
        watch = asyncio.ensure_future(super().Watch(request, context))
        ended = asyncio.ensure_future(self._ended.wait())
        try:
            done, _ = await asyncio.wait((watch, ended), return_when=asyncio.FIRST_COMPLETED)
        finally:
            ended.cancel()
            if not watch.done():
                watch.cancel()
        if watch in done:
            await watch  # it ended by itself: its error, if any, is the call's
            return
        await context.abort(grpc.StatusCode.UNAVAILABLE, "the server is shutting down: watch another replica")
