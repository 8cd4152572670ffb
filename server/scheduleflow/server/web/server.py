"""The HTTP port: the schedule page, its read-only JSON, live updates, and optionally /metrics.

Why aiohttp: it is an asyncio server, so it runs on the gRPC server's own
event loop and calls the same service object (store, pool, hub) directly,
with no second process or thread; it streams responses (server-sent events)
and serves static files from the package; and it is maintained and typed.

The endpoints (all GET, all read-only):

==========================================  ==========================================
``/``                                       the page (``static/index.html``)
``/api/channels``                           channels, with the store's health
``/api/channels/{id}``                      one channel
``/api/channels/{id}/view``                 a window's events and findings, and its time grid
``/api/channels/{id}/live``                 WatchSchedule as server-sent events (``live``)
``/metrics``                                Prometheus, with ``--http-metrics on``
``/login``                                  the sign-in form when tokens are on (``auth``)
==========================================  ==========================================

Errors are JSON ``{"error": message, "code": gRPC code name, "field": ...}``
with the HTTP status gRPC's own mapping gives the code (the gRPC-HTTP
mapping of ``google.rpc.Code``): bad input is 400 naming the parameter, an
unknown channel 404, a shed or draining server 503 with ``Retry-After``.
The status itself comes from ``rpc.status.to_status``, the one translator;
an unexpected error is logged there and leaves as 500 with a reference only.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import grpc
from aiohttp import web

from scheduleflow.server.config import Config
from scheduleflow.server.core.errors import InvalidInput, Overloaded, Unavailable
from scheduleflow.server.core.model import Channel
from scheduleflow.server.core.validate import Rules
from scheduleflow.server.messages.plain import plain
from scheduleflow.server.observe.metrics import Metrics
from scheduleflow.server.rpc import security
from scheduleflow.server.rpc.service import ScheduleFlowService
from scheduleflow.server.rpc.status import to_status
from scheduleflow.server.store import Store
from scheduleflow.server.version import VERSION
from scheduleflow.server.web import timeline
from scheduleflow.server.web.auth import Handler, PageAuth
from scheduleflow.server.web.live import LiveBridge

log = logging.getLogger("scheduleflow.web")

STATIC = Path(str(resources.files(__package__).joinpath("static")))

#: HTTP status for each gRPC code (the mapping of google/rpc/code.proto).
_HTTP_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
}
#: Views kept after they were made, for the pages that ask for them next
#: (a week is ~700 KiB of JSON and ~60 KiB gzipped).
VIEWS_KEPT = 8
#: Views larger than this go gzipped to browsers that accept it.
_COMPRESS_ABOVE = 32 * 1024
#: Channels per /api/channels page.
CHANNELS_PAGE = 500
#: Seconds a view may take before it is answered 504 (a week is well under one).
VIEW_TIMEOUT_S = 30.0
_HEADERS = {
    # Everything the page loads comes from this server; nothing runs inline.
    # Styles may be inline: the timeline places its blocks with style attributes.
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class WebServer:
    """The HTTP port of one server process."""

    def __init__(
        self,
        config: Config,
        service: ScheduleFlowService,
        *,
        metrics: Metrics | None = None,
        store_up: Callable[[], bool] = lambda: True,
    ) -> None:
        self.config = config
        self.service = service
        self.metrics = metrics if config.http_metrics == "on" else None
        self._observe = metrics.observe_http if metrics is not None else None
        self.store_up = store_up
        tokens = security.load_tokens(config.tokens_file) if config.tokens_file else None
        self.ssl = security.server_ssl_context(config)
        self.auth = PageAuth(tokens, secure=self.ssl is not None)
        self.live = LiveBridge(service, service.stats)
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._views: OrderedDict[tuple[Channel, timeline.Grid, Rules], asyncio.Future[tuple[bytes, bytes | None]]] = (
            OrderedDict()
        )

    @property
    def store(self) -> Store:
        return self.service.store

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._errors, self.auth.middleware])
        app.router.add_get("/", self.index)
        app.router.add_get("/login", self.auth.login_form)
        app.router.add_post("/login", self.auth.login)
        app.router.add_post("/logout", self.auth.logout)
        app.router.add_static("/static/", STATIC)
        app.router.add_get("/api/channels", self.channels)
        app.router.add_get("/api/channels/{channel_id}", self.channel)
        app.router.add_get("/api/channels/{channel_id}/view", self.view)
        app.router.add_get("/api/channels/{channel_id}/live", self.live.handle)
        if self.metrics is not None:
            app.router.add_get("/metrics", self.scrape)
        app.on_response_prepare.append(_security_headers)
        return app

    async def start(self) -> int:
        """Listen on ``http_listen``; returns the port (the one picked, for port 0)."""
        # handler_cancellation: a live page that closes ends its stream (and
        # its hub subscription) at once rather than at the next heartbeat.
        self._runner = web.AppRunner(
            self.app(), handler_cancellation=True, access_log=None, shutdown_timeout=self.config.grace_s
        )
        await self._runner.setup()
        host, _, port = self.config.http_listen.rpartition(":")
        site = web.TCPSite(self._runner, host.strip("[]"), int(port), ssl_context=self.ssl, reuse_port=False)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            raise InvalidInput.at(f"cannot listen on {self.config.http_listen}: {exc}", field="http_listen") from exc
        self.port = int(self._runner.addresses[0][1])  # the bound (host, port, ...): port 0 resolved
        return self.port

    @property
    def url(self) -> str:
        host = self.config.http_listen.rpartition(":")[0]
        if host in ("0.0.0.0", "[::]"):
            host = "localhost"
        return f"{'https' if self.ssl is not None else 'http'}://{host}:{self.port}/"

    async def stop(self) -> None:
        """Stop listening; requests in flight get ``grace_s`` (live streams have
        already ended: the hub closed when the drain began)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- middleware --------------------------------------------------------------------

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            if self.service.draining and request.path.startswith("/api/"):
                raise Unavailable("the server is shutting down: retry on another replica", retry_after_s=1)
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            if request.path.startswith("/api/") and exc.status >= 400:
                return _error(exc.status, exc.reason, "")
            raise
        except Exception as exc:
            translated = to_status(exc)  # logs an unexpected error, with a reference
            status = _HTTP_STATUS.get(translated.code, 500)
            response = _error(status, translated.details, translated.code.name, _field(exc))
            if isinstance(exc, Overloaded | Unavailable):
                response.headers["Retry-After"] = str(max(1, round(exc.retry_after_s)))
            return response
        finally:
            if self._observe is not None:
                route = request.match_info.route.resource
                name = route.canonical if route is not None else "other"
                self._observe(
                    name if name.startswith(("/api/", "/metrics", "/login")) else "page",
                    status,
                    time.perf_counter() - started,
                )

    # -- handlers ----------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def channels(self, request: web.Request) -> web.Response:
        token = request.query.get("page_token", "")
        channels, next_token = await self.store.list_channels(page_size=CHANNELS_PAGE, page_token=token)
        return web.json_response(
            {
                "channels": [_channel_json(c) for c in channels],
                "next_page_token": next_token,
                "store": {"kind": self.store.kind, "healthy": self.store_up()},
                "version": VERSION,
            }
        )

    async def channel(self, request: web.Request) -> web.Response:
        channel = await self.store.get_channel(request.match_info["channel_id"])
        return web.json_response(_channel_json(channel))

    async def view(self, request: web.Request) -> web.Response:
        """A window of a channel: the Validate of its stored events with the
        events returned, the channel, and the grid to draw them on."""
        channel = await self.store.get_channel(request.match_info["channel_id"])
        grid = timeline.view_grid(request.query, channel.time_zone)
        rules = timeline.view_rules(request.query, self.config.max_findings)
        body, gzipped = await self._shared_view(channel, grid, rules)
        if gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
            return web.Response(
                body=gzipped,
                headers={
                    "Content-Type": "application/json; charset=utf-8",
                    "Content-Encoding": "gzip",
                    "Vary": "Accept-Encoding",
                },
            )
        return web.Response(body=body, content_type="application/json", headers={"Vary": "Accept-Encoding"})

    async def _shared_view(self, channel: Channel, grid: timeline.Grid, rules: Rules) -> tuple[bytes, bytes | None]:
        """A view, made once for every page asking for the same window of the
        same revision of the channel.

        After a commit every live page showing the channel asks for its view
        again at once: a hundred pages on one week would be a hundred
        validations (and compressions) of the same events. Keyed by the
        channel as read before the events (its revision), an entry can only
        hold that revision or a later one: a commit in between is announced to
        the pages, which then ask again under the new key. A request that goes
        away does not cancel the shared work.
        """
        key = (channel, grid, rules)
        task = self._views.get(key)
        if task is None:
            task = asyncio.ensure_future(self._make_view(channel, grid, rules))
            self._views[key] = task

            def forget_a_failure(done: asyncio.Future[tuple[bytes, bytes | None]]) -> None:
                # A failure is not kept: the next request tries again (and
                # reading the exception here marks it seen by someone).
                if (done.cancelled() or done.exception() is not None) and self._views.get(key) is done:
                    del self._views[key]

            task.add_done_callback(forget_a_failure)
            while len(self._views) > VIEWS_KEPT:
                self._views.popitem(last=False)
        else:
            self._views.move_to_end(key)
        return await asyncio.shield(task)

    async def _make_view(self, channel: Channel, grid: timeline.Grid, rules: Rules) -> tuple[bytes, bytes | None]:
        """The view's JSON, and gzipped when it is big (a week: ~700 KiB, ~60 KiB gzipped)."""
        validation = await self.service.validate_channel(
            channel.id, grid.window, rules, return_events=True, timeout=VIEW_TIMEOUT_S, as_json=True
        )
        head = {
            "channel": _channel_json(channel),
            # The revision read before the events: the live stream resumes
            # from it, so a commit in between is announced (and redrawn), never lost.
            "revision": channel.revision,
            "zone": grid.zone,
            "window": {"start_ms": grid.window.start_us // 1000, "end_ms": grid.window.end_us // 1000},
            "days": [
                {
                    "date": d.date,
                    "label": d.label,
                    "start_ms": d.start_us // 1000,
                    "end_ms": d.end_us // 1000,
                    "hours": d.hours,
                }
                for d in grid.days
            ],
            "ticks": [{"ms": t.us // 1000, "label": t.label, "offset": t.offset, "shift": t.shift} for t in grid.ticks],
        }
        # The validation is JSON already (made in a worker for a big window):
        # spliced in, not parsed and dumped again.
        head_json = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode()
        body = head_json[:-1] + b',"validation":' + validation + b"}"
        if len(body) <= _COMPRESS_ABOVE:
            return body, None
        return body, await asyncio.to_thread(gzip.compress, body, 6)  # off the event loop

    async def scrape(self, request: web.Request) -> web.Response:
        assert self.metrics is not None
        text, content_type = self.metrics.exposition()
        return web.Response(body=text, headers={"Content-Type": content_type})


def _channel_json(channel: Channel) -> Any:
    return plain(channel)


def _field(exc: Exception) -> str:
    """The parameter a bad request should fix, for the page to point at."""
    if isinstance(exc, InvalidInput) and exc.violations:
        return exc.violations[0].where.field
    return ""


def _error(status: int, message: str, code: str, field: str = "") -> web.Response:
    return web.json_response({"error": message, "code": code, "field": field}, status=status)


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
