"""The server process: configuration in, a serving gRPC server out, clean exit on SIGTERM.

Start-up order matters: the worker pool is created first (its fork server
forks before any gRPC thread exists), then the store is opened, then the gRPC
server starts and health turns SERVING. Shutdown runs the other way: health
NOT_SERVING and new calls refused with UNAVAILABLE, in-flight calls given
``grace_s`` to finish, streams ended, store closed, workers stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from scheduleflow.server.config import Config, load
from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.dispatch import native
from scheduleflow.server.dispatch.memory import configure_malloc
from scheduleflow.server.dispatch.pool import WorkerPool
from scheduleflow.server.live.feed import PostgresFeed, StoreHealth
from scheduleflow.server.live.hub import UpdateHub
from scheduleflow.server.observe import tracing
from scheduleflow.server.observe.metrics import Metrics
from scheduleflow.server.observe.stats import Stats
from scheduleflow.server.rpc import reflection, security
from scheduleflow.server.rpc.drain import DrainGate, DrainingHealth
from scheduleflow.server.rpc.service import SERVICE_NAME, ScheduleFlowService
from scheduleflow.server.rpc.shedding import Shedder
from scheduleflow.server.store import PostgresStore, Store
from scheduleflow.server.store.factory import open_store
from scheduleflow.server.version import VERSION
from scheduleflow.server.web import WebServer

log = logging.getLogger("scheduleflow.server")

#: The end of a drain (``rpc.drain``): new calls are held until none has
#: arrived for _SETTLE_S (well over the 0.1 s retry hint of the refusals, so
#: clients that honour it, or back off up to 0.25 s, are all waiting on a
#: held call), at most _SETTLE_MAX_S.
_SETTLE_S = 0.25
_SETTLE_MAX_S = 0.5
#: What gRPC's stop gives at least the calls it has accepted: held calls,
#: refused in microseconds once let through. The end of the grace is kept for
#: both, so that work still running is cut when the grace is over, not later.
_STOP_GRACE_S = 0.5
#: From the start of gRPC's stop (listener closed, GOAWAY queued on every
#: connection) to letting the held calls through: their refusals then follow
#: the GOAWAY on the wire, so a client that retries at once knows the
#: connection is going away.
_GOAWAY_LEAD_S = 0.02


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(config: Config) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if config.log_format == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S")
        )
    logging.Formatter.converter = time.gmtime
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(config.log_level.upper())


@contextlib.asynccontextmanager
async def running(config: Config, *, on_ready: Callable[[Server], None] | None = None) -> AsyncIterator[Server]:
    """A started server; on exit it drains and stops."""
    async with WorkerPool(config.workers, config.effective_queue_capacity, max_job_s=config.max_job_seconds) as pool:
        store = open_store(config.store)
        await store.open()
        try:
            server = Server(config, pool, store)
            await server.start()
            if on_ready is not None:
                on_ready(server)
            try:
                yield server
            finally:
                await server.stop()
        finally:
            await store.close()


class Server:
    """The gRPC server with its service, health and reflection."""

    def __init__(self, config: Config, pool: WorkerPool, store: Store) -> None:
        self.config = config
        self.stats = Stats()
        self.hub = UpdateHub(
            buffer=config.watch_buffer,
            buffer_bytes=config.watch_buffer_bytes,
            total_bytes=config.watch_buffer_total_bytes,
        )
        self.metrics: Metrics | None = None
        served_store = store
        if config.metrics_on:
            self.metrics = Metrics()
            self.metrics.watch(pool, self.hub, self.stats, store_up=self._store_up, ready=self._ready)
            self.stats.observers.append(self.metrics.observe_call)
            served_store = self.metrics.timed_store(store)
        self.metrics_port = 0
        self.service = ScheduleFlowService(config, pool, served_store, self.stats, self.hub)
        self.web: WebServer | None = None
        if config.http_listen:
            self.web = WebServer(config, self.service, metrics=self.metrics, store_up=self._store_up)
        limit = config.max_message_bytes
        age: list[tuple[str, int]] = []
        if config.max_connection_age_s > 0:
            # After the age, GOAWAY; in-flight calls get the grace to finish.
            age = [
                ("grpc.max_connection_age_ms", int(config.max_connection_age_s * 1000)),
                ("grpc.max_connection_age_grace_ms", int(config.grace_s * 1000)),
            ]
        # Far above --max-concurrent-rpcs: calls must reach the handlers to be
        # shed with RESOURCE_EXHAUSTED (a queued call costs gRPC a few KB).
        pending = max(100_000, 4 * config.max_concurrent_rpcs)
        self.credentials = security.server_credentials(config)
        self.gate = DrainGate()
        self.grpc = grpc.aio.server(
            # The drain's gate before all: at the stop, every call is held, even
            # one that another interceptor (or the shedder) would refuse. Then
            # authentication: a caller it refuses learns nothing of the load.
            interceptors=[self.gate, *security.interceptors(config, self.stats)],
            options=[
                *age,
                ("grpc.max_receive_message_length", limit),
                ("grpc.max_send_message_length", limit),
                # Let idle playout connections live for days; keepalive pings from
                # clients are welcome but not more often than every 10 s.
                ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
                ("grpc.keepalive_permit_without_calls", 1),
                ("grpc.so_reuseport", 0),
                # gRPC core cancels calls queued beyond these (defaults 1,000 and
                # 3,000): a burst would see CANCELLED, which clients do not retry.
                # Let every call reach the handlers, which shed with
                # RESOURCE_EXHAUSTED past --max-concurrent-rpcs.
                ("grpc.server.max_pending_requests", pending),
                ("grpc.server.max_pending_requests_hard_limit", pending),
            ],
        )
        # The shedder first: while the pool is saturated it answers work calls
        # before the service's handler (and gRPC) would read their requests.
        self.grpc.add_generic_rpc_handlers((Shedder(pool, self.stats), self.service.handler()))
        self.health = DrainingHealth()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.grpc)
        reflection.enable(self.grpc, [SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name])
        self.port = 0
        self.stopped = asyncio.Event()
        self.feed: PostgresFeed | None = None
        if isinstance(store, PostgresStore):
            self.feed = PostgresFeed(config.store, store, self.hub)
        self.store_health = StoreHealth(store, self._store_health_changed)

    def _store_up(self) -> bool:
        return self.store_health.healthy

    def _ready(self) -> bool:
        return self.store_health.healthy and not self.service.draining

    async def _store_health_changed(self, healthy: bool) -> None:
        if self.service.draining:
            return
        status = health_pb2.HealthCheckResponse.SERVING if healthy else health_pb2.HealthCheckResponse.NOT_SERVING
        await self.health.set(SERVICE_NAME, status)

    async def start(self) -> None:
        try:
            if self.credentials is None:
                self.port = self.grpc.add_insecure_port(self.config.listen)
            else:
                self.port = self.grpc.add_secure_port(self.config.listen, self.credentials)
        except RuntimeError as exc:
            raise InvalidInput.at(f"cannot listen on {self.config.listen}: {exc}", field="listen") from exc
        if self.feed is not None:
            await self.feed.start()
        if self.web is not None:
            await self.web.start()
            log.info("schedule page on %s", self.web.url)
        if self.config.metrics_listen and self.metrics is not None:
            self.metrics_port = self.metrics.serve(self.config.metrics_listen)
            log.info(
                "metrics on http://%s:%d/metrics", self.config.metrics_listen.rpartition(":")[0], self.metrics_port
            )
        await self.grpc.start()
        for name in ("", SERVICE_NAME):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        self.store_health.start()
        # Everything built so far lives as long as the server: keep the cyclic
        # collector from scanning it again on every collection.
        gc.collect()
        gc.freeze()
        log.info(
            "serving version %s on port %d with %d workers, store %s, Validate fast path %s",
            VERSION,
            self.port,
            self.config.workers,
            self.service.store.kind,
            "compiled" if self.service.validate_clean is not None else "off (Python only)",
        )

    async def stop(self) -> None:
        """Drain: refuse new calls, let in-flight ones finish within the grace period."""
        if self.service.draining:
            await self.stopped.wait()
            return
        self.service.draining = True
        await self.health.enter_graceful_shutdown()
        # Streams end now with UNAVAILABLE so playout systems reconnect elsewhere;
        # unary calls get the grace period.
        self.hub.close()
        await self.store_health.close()
        if self.metrics is not None:
            self.metrics.close()
        if self.feed is not None:
            await self.feed.close()
        log.info("draining: new calls get UNAVAILABLE; in-flight calls have %.1f s", self.config.grace_s)
        # Keep accepting while in-flight calls finish, so that calls arriving
        # now get our UNAVAILABLE ("retry elsewhere") at once rather than a
        # transport error. The moment the last one is done (or when only the
        # settling time is left of the grace), the gate holds new calls until
        # they stop coming, gRPC stops (listener closed, GOAWAY sent) with
        # nothing queued in it, and the held calls are let through to their
        # refusal. Only calls still running when the grace is over are cut.
        grace_end = time.monotonic() + self.config.grace_s
        idle = await self.service.drained(max(0.0, self.config.grace_s - _SETTLE_MAX_S - _STOP_GRACE_S))
        now = time.monotonic()
        await self.gate.close(settle_s=_SETTLE_S, until=min(now + _SETTLE_MAX_S, max(now, grace_end - _STOP_GRACE_S)))
        stop_grace = max(_STOP_GRACE_S, grace_end - time.monotonic())
        stopping = asyncio.ensure_future(self.grpc.stop(stop_grace))
        # gRPC cancels what still runs when its grace is over: say so then.
        cutting = asyncio.get_running_loop().call_later(stop_grace, self._cutting, stopping)
        await asyncio.sleep(_GOAWAY_LEAD_S)
        self.gate.release()
        self.health.end_watches()
        if not idle:
            log.info("%d calls still running: they have the rest of the grace", self.service.in_flight)
        await stopping
        cutting.cancel()
        log.info("gRPC stopped; %d calls that came as it stopped were held, then answered", self.gate.held)
        if self.web is not None:
            # Its live streams ended with the hub; JSON requests in flight finish.
            await self.web.stop()
        log.info("stopped")
        self.stopped.set()

    def _cutting(self, stopping: asyncio.Future[None]) -> None:
        if not stopping.done():
            log.warning(
                "grace period over: cutting the calls still running (%d unary calls, %d streams of the service)",
                self.service.in_flight,
                self.stats.open_streams,
            )


async def serve(config: Config) -> None:
    """Serve until SIGTERM or SIGINT, then drain and exit."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def ready(server: Server) -> None:
        host = config.listen.rpartition(":")[0]
        # One line on stdout that scripts and tests wait for (the port may have been 0).
        print(f"scheduleflow-server listening on {host}:{server.port}", flush=True)
        if server.web is not None:
            print(f"schedule page on {server.web.url}", flush=True)

    stop_tracing = tracing.setup(config.tracing)
    try:
        async with running(config, on_ready=ready):
            await stop.wait()
            log.info("signal received")
    finally:
        if stop_tracing is not None:
            stop_tracing()


def main(argv: Sequence[str] | None = None) -> int:
    try:
        config, show_version = load(argv)
    except InvalidInput as exc:
        print(f"scheduleflow-server: {exc.message}", file=sys.stderr)
        return 2
    if show_version:
        print(VERSION)
        return 0
    try:
        native.select(config.native)  # --native on without the extension: refuse before starting anything
    except InvalidInput as exc:
        print(f"scheduleflow-server: {exc.message}", file=sys.stderr)
        return 2
    configure_logging(config)
    configure_malloc()
    try:
        asyncio.run(serve(config))
    except InvalidInput as exc:
        log.error("%s", exc.message)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
