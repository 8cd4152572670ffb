"""The ScheduleFlowService handlers: thin, and they parse nothing heavy.

Heavy RPCs (Validate, Import, Export, Schedule) are registered with no request
deserializer and no response serializer: the handler gets the request's raw
bytes and returns the response's bytes. A small request (at most
``inline_max_bytes``) runs its job right here on the event loop, because for
it the trip to a worker costs more CPU than the work (measured in
``bench/bench_service.py``); a larger one goes to the pool as bytes, untouched
by the event loop. Only the few header fields a handler needs (a channel id, a
flag) are read, through "light" message types that skip the payload fields.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from google.protobuf import message_factory
from google.protobuf.message import Message

from scheduleflow.server.config import Config
from scheduleflow.server.core.errors import InvalidInput, NotFound, Overloaded, Unavailable
from scheduleflow.server.core.model import ChannelInfo, Event, Window
from scheduleflow.server.core.playout_state import PlayoutState
from scheduleflow.server.core.validate import Rules
from scheduleflow.server.dispatch import jobs, native
from scheduleflow.server.dispatch.errors import DeadlineExpired
from scheduleflow.server.dispatch.memory import release_memory
from scheduleflow.server.dispatch.pool import WorkerPool
from scheduleflow.server.live.hub import CLOSED, Published, UpdateHub, is_overflow
from scheduleflow.server.messages import convert, wire
from scheduleflow.server.observe.stats import Stats
from scheduleflow.server.rpc import headers
from scheduleflow.server.rpc.status import to_status
from scheduleflow.server.store import ChangeRecord, CommitResult, Store
from scheduleflow.server.version import VERSION
from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb

SERVICE_NAME = spb.DESCRIPTOR.services_by_name["ScheduleFlowService"].full_name

log = logging.getLogger("scheduleflow.service")

Handler = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]


class ScheduleFlowService:
    """The handlers and what they share: config, pool, store, figures."""

    def __init__(self, config: Config, pool: WorkerPool, store: Store, stats: Stats, hub: UpdateHub) -> None:
        self.config = config
        self.hub = hub
        self.pool = pool
        self.store = store
        self.stats = stats
        self.started = time.time()
        self.draining = False
        #: Unary calls being handled; a drain waits for it to reach zero.
        self.in_flight = 0
        self._idle = asyncio.Event()
        self._trim_pending = False
        #: Called with every committed ChangeRecord: the hub, unless a database
        #: feed (PostgreSQL LISTEN/NOTIFY) publishes every replica's commits.
        self.on_change: Callable[[ChangeRecord], None] = hub.publish
        #: The compiled Validate fast path, unless --native off or not built.
        self.validate_clean = native.select(config.native)

    # -- plumbing -----------------------------------------------------------

    def handler(self) -> grpc.GenericRpcHandler:
        """The generic handler with every method of the service.

        No method has a request deserializer: gRPC would answer a request that
        is not valid protobuf with UNKNOWN and the exception's text, unseen by
        our stats. Small requests are parsed in ``_instrument`` (a parse error is
        INVALID_ARGUMENT naming the message); the heavy ones reach their handler
        as bytes, unparsed.
        """
        raw = {"Validate", "Import", "Export", "Schedule"}
        methods: dict[str, grpc.RpcMethodHandler] = {}
        for method in spb.DESCRIPTOR.services_by_name["ScheduleFlowService"].methods:
            name = method.name
            fn: Handler = getattr(self, _snake(name))
            full = f"/{SERVICE_NAME}/{name}"
            req_cls = None if name in raw else message_factory.GetMessageClass(method.input_type)
            resp_cls = message_factory.GetMessageClass(method.output_type)
            if method.server_streaming:
                # Streams yield bytes: a change is serialized once for all watchers.
                methods[name] = grpc.unary_stream_rpc_method_handler(
                    self._instrument_stream(full, fn, req_cls),
                    request_deserializer=None,
                    response_serializer=None,
                )
            else:
                methods[name] = grpc.unary_unary_rpc_method_handler(
                    self._instrument(full, fn, req_cls),
                    request_deserializer=None,
                    response_serializer=None if name in raw else resp_cls.SerializeToString,
                )
        return grpc.method_handlers_generic_handler(SERVICE_NAME, methods)

    def _instrument(self, method: str, fn: Handler, req_cls: type[Message] | None) -> Handler:
        async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            if self.draining:
                # Not in flight: a drain waits for the work, not for refusals
                # (retrying clients keep them coming until the listener closes).
                self.stats.record(method, "UNAVAILABLE", time.perf_counter() - started)
                await context.abort_with_status(to_status(_DRAINING))
            code = "OK"
            self.in_flight += 1
            try:
                if self.in_flight > self.config.max_concurrent_rpcs:
                    raise Overloaded(
                        f"the server is handling {self.config.max_concurrent_rpcs} calls, its limit: retry shortly",
                        retry_after_s=0.1,
                    )
                if req_cls is not None:
                    request = headers.parse_message(req_cls, request)
                elif len(request) > _BIG_REQUEST_BYTES:
                    self._trim_soon()
                result = await fn(request, context)
                if type(result) is bytes and len(result) > _BIG_REQUEST_BYTES:
                    self._trim_soon(_TRIM_AFTER_SEND_S)
                return result
            except asyncio.CancelledError:
                code = "CANCELLED"
                raise
            except Exception as exc:
                status = to_status(exc)
                code = status.code.name
                await context.abort_with_status(status)
            finally:
                self.in_flight -= 1
                if not self.in_flight:
                    self._idle.set()
                self.stats.record(method, code, time.perf_counter() - started)

        return call

    def _trim_soon(self, delay: float = 0.0) -> None:
        """Hand the heap that big messages used back to the OS, from a thread.

        gRPC assembles a received message from many small buffers and frees
        them once it is delivered; glibc keeps the freed pages (measured: a
        55 MB Import left the server 80 MB larger). Only one trim is pending
        at a time. ``delay`` lets gRPC finish sending a big response first.
        """
        if self._trim_pending:
            return
        self._trim_pending = True
        loop = asyncio.get_running_loop()

        def trim() -> None:
            self._trim_pending = False
            loop.run_in_executor(None, release_memory)

        loop.call_later(delay, trim)

    async def drained(self, timeout: float) -> bool:
        """Wait until no unary call is in flight (True), or ``timeout`` seconds (False).

        Calls refused while draining are not in flight: they are answered at
        once, so waiting for arrivals to stop (as this once did) waited out
        the whole grace under clients that retry. What arrives while gRPC
        stops is ``rpc.drain``'s part.
        """
        deadline = time.monotonic() + timeout
        while self.in_flight:
            self._idle.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), remaining)
        return True

    def _instrument_stream(self, method: str, fn: Handler, req_cls: type[Message] | None) -> Any:
        async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            code = "OK"
            self.stats.open_streams += 1
            try:
                if self.draining:
                    raise Unavailable("the server is shutting down: retry on another replica", retry_after_s=0.1)
                if req_cls is not None:
                    request = headers.parse_message(req_cls, request)
                async for item in fn(request, context):  # type: ignore[attr-defined]
                    yield item
            except asyncio.CancelledError:
                code = "CANCELLED"
                raise
            except Exception as exc:
                status = to_status(exc)
                code = status.code.name
                await context.abort_with_status(status)
            finally:
                self.stats.open_streams -= 1
                self.stats.record(method, code, time.perf_counter() - started)

        return call

    def _timeout(self, context: grpc.aio.ServicerContext) -> float | None:
        remaining = context.time_remaining()
        if remaining is None:
            return None
        if remaining <= 0:
            raise DeadlineExpired("the call's deadline had passed before its work could start")
        return float(remaining)

    async def _cpu(self, raw_size: int, context: grpc.aio.ServicerContext, name: str, *args: Any) -> Any:
        """Run job ``name`` inline when the request is small, else in the pool."""
        timeout = self._timeout(context)
        if raw_size <= self.config.inline_max_bytes:
            self.stats.inline += 1
            return jobs.run(name, *args)
        return await self.pool.run(name, *args, timeout=timeout)

    async def _zone_of(self, channel_id: str) -> str:
        if not channel_id:
            return ""
        try:
            return (await self.store.get_channel(channel_id)).time_zone
        except NotFound:
            return ""

    # -- the RPCs -------------------------------------------------------------

    async def validate(self, raw: bytes, context: grpc.aio.ServicerContext) -> bytes:
        validate_clean = self.validate_clean
        inline = len(raw) <= self.config.inline_max_bytes
        if validate_clean is not None and inline:
            # A clean schedule in instants needs neither the header nor the
            # channel's zone; anything else is None here and goes on below.
            answer = validate_clean(raw)
            if answer is not None:
                self.stats.inline += 1
                self.stats.validate_fast += 1
                return answer
        header = headers.header(headers.ValidateHeader, raw)
        if header.stored:
            # No payload to skip: the request is small, parse it whole.
            return await self._validate_stored(headers.parse_message(spb.ValidateRequest, raw), context)
        zone = "" if header.time_zone else await self._zone_of(header.channel_id)
        result: bytes = await self._cpu(
            len(raw),
            context,
            "validate_inline",
            raw,
            self.config.max_findings,
            zone,
            # Tried above for a request run inline; a worker tries it itself.
            validate_clean is not None and not inline,
        )
        return result

    async def _validate_stored(self, req: spb.ValidateRequest, context: grpc.aio.ServicerContext) -> bytes:
        if not req.channel_id:
            raise InvalidInput.at("name the channel whose stored schedule to validate", field="channel_id")
        window = convert.window_from_pb(req.window, "window") if req.HasField("window") else None
        rules = convert.rules_from_pb(req.rules, self.config.max_findings)
        return await self.validate_channel(
            req.channel_id, window, rules, return_events=req.return_events, timeout=self._timeout(context)
        )

    async def validate_channel(
        self,
        channel_id: str,
        window: Window | None,
        rules: Rules,
        *,
        return_events: bool,
        timeout: float | None,
        as_json: bool = False,
    ) -> bytes:
        """Validate a channel's stored events: a serialized ValidateResponse, or
        with ``as_json`` the page's JSON of the same report (the schedule page's
        view is this call)."""
        # Cost grows with the events read, not with the tiny request.
        if await self._inline_for_stored(channel_id):
            _, events = await self.store.read_events(channel_id, window)
            if as_json:
                return jobs.validate_stored_json(events, window, rules)
            return jobs.validate_stored(events, window, rules, return_events)
        result: bytes = await self.pool.run(
            "validate_from_store",
            self.config.store,
            channel_id,
            window,
            rules,
            return_events,
            as_json,
            timeout=timeout,
        )
        return result

    async def _inline_for_stored(self, channel_id: str) -> bool:
        """Whether work over a stored channel is small enough for the event loop.

        A bigger one runs in a worker that reads the events itself: reading them
        here and sending them over would hold them in both processes.
        """
        channel = await self.store.get_channel(channel_id)  # NotFound before any work
        if channel.event_count * _STORED_EVENT_BYTES <= self.config.inline_max_bytes:
            self.stats.inline += 1
            return True
        return False

    async def import_(self, raw: bytes, context: grpc.aio.ServicerContext) -> bytes:
        header = headers.header(headers.ImportHeader, raw)
        zone = await self._zone_of(header.channel_id)
        timeout = self._timeout(context)
        if len(raw) <= self.config.inline_max_bytes:
            self.stats.inline += 1
            prepared = jobs.prepare_import(raw, zone, self.config.max_findings)
            outcomes = await jobs.commit_import(self.store, prepared)
            response = jobs.import_response(prepared, outcomes)
            results = [r for r in outcomes if isinstance(r, CommitResult)]
        else:
            # The worker that parses the document commits it: its events never
            # come back here (see worker_store).
            # The document goes as a view of the received bytes, beside the
            # rest of the request: no copy here, one in the worker.
            cut = wire.cut_bytes_field(raw, headers.IMPORT_CONTENT)
            request, document = (raw, None) if cut is None else (cut[0], [cut[1]])
            done: jobs.ImportDone = await self.pool.run(
                "import_document", request, zone, self.config.max_findings, self.config.store, document, timeout=timeout
            )
            results, response = list(done.results), done.response
        # One change per channel, as each channel's own revision.
        for result in results:
            await self._announce(result)
        return response

    async def _announce(self, result: CommitResult) -> None:
        """Hand a commit's change to the watchers.

        A commit made here carries its change record. One a worker made does
        not (its events stay there); it is read back from the change log only
        when someone on this server watches the channel. A watcher that
        subscribes later takes its snapshot after this commit anyway.
        """
        if result.change is not None:
            self.on_change(result.change.settled())
            return
        channel = result.channel
        if result.dry_run or result.replayed or not (result.added or result.updated or result.removed):
            return
        if self.hub.watching(channel.id):
            for change in await self.store.changes_since(channel.id, channel.revision - 1, limit=1) or []:
                self.on_change(change)

    async def export(self, raw: bytes, context: grpc.aio.ServicerContext) -> bytes:
        req = headers.parse_message(spb.ExportRequest, raw)
        _require(req.channel_id, "channel_id")
        window = convert.window_from_pb(req.window, "window") if req.HasField("window") else None
        convert.format_from_pb(req.format)  # refuse an unknown format before reading anything
        max_bytes = self.config.max_message_bytes
        if await self._inline_for_stored(req.channel_id):
            channel, events = await self.store.read_events(req.channel_id, window)
            return jobs.render_export(req.format, channel, events, req.pretty, max_bytes, req.utc_times)
        result: bytes = await self.pool.run(
            "export_stored",
            self.config.store,
            req.channel_id,
            window,
            req.format,
            req.pretty,
            max_bytes,
            req.utc_times,
            timeout=self._timeout(context),
        )
        return result

    async def schedule(self, raw: bytes, context: grpc.aio.ServicerContext) -> bytes:
        header = headers.header(headers.ScheduleHeader, raw)
        zone, fixed = "", []
        if header.channel_id:
            zone = await self._zone_of(header.channel_id)
            if header.use_stored_fixed or header.commit:
                fixed = await self._kept_in_place(headers.parse_message(spb.ScheduleRequest, raw))
        # Always the pool: the cost grows with the window, not with the request
        # (a 15 KB playlist can ask for a year of events). The worker commits
        # too, so the generated events stay there (see worker_store).
        done: jobs.ScheduleDone = await self.pool.run(
            "schedule",
            raw,
            zone,
            fixed,
            self.config.max_message_bytes,
            self.config.store,
            timeout=self._timeout(context),
        )
        if done.result is not None:
            await self._announce(done.result)
        return done.response

    async def _kept_in_place(self, req: spb.ScheduleRequest) -> list[Event]:
        """Stored events a Schedule must keep: hard starts (with use_stored_fixed),
        and on commit every event that reaches outside the window, so that
        replacing the window changes nothing beyond it."""
        if not req.HasField("window"):
            return []
        window = convert.window_from_pb(req.window, "window")
        try:
            _, events = await self.store.read_events(req.channel_id, window)
        except NotFound:
            return []
        return [
            e
            for e in events
            if (req.use_stored_fixed and e.fixed_start)
            or (req.commit and (e.start_us < window.start_us or e.end_us > window.end_us))
        ]

    async def watch_schedule(
        self, request: spb.WatchScheduleRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[bytes]:
        """A snapshot (or the changes since the watcher's revisions), then every change.

        The subscription is taken before anything is read, so a change committed
        while the snapshot is read is either in the snapshot (and skipped when it
        arrives) or after it: nothing falls between the two.
        """
        channels = list(dict.fromkeys(request.channel_ids))
        if not channels:
            raise InvalidInput.at("name at least one channel to watch", field="channel_ids")
        if len(channels) > MAX_WATCHED_CHANNELS:
            raise InvalidInput.at(f"watch at most {MAX_WATCHED_CHANNELS} channels per stream", field="channel_ids")
        for i, ch in enumerate(channels):
            _require(ch, f"channel_ids[{i}]")
        window = convert.window_from_pb(request.window, "window") if request.HasField("window") else None
        heartbeat_s = DEFAULT_HEARTBEAT_S
        if request.HasField("heartbeat_interval"):
            heartbeat_us = convert.span_from_pb(request.heartbeat_interval, "heartbeat_interval")
            if heartbeat_us < MIN_HEARTBEAT_US:
                raise InvalidInput.at("heartbeat_interval must be at least 100 ms", field="heartbeat_interval")
            heartbeat_s = heartbeat_us / 1e6
        sub = self.hub.subscribe(channels)
        held: dict[str, int] = {}
        try:
            for ch in channels:
                if ch in request.from_revisions:
                    async for wire in self._catch_up(ch, request.from_revisions[ch], window, held):
                        yield wire
                else:
                    async for wire in self._snapshot(ch, window, held, resync=False):
                        yield wire
            while True:
                try:
                    item = await asyncio.wait_for(sub.next(), heartbeat_s)
                except TimeoutError:
                    yield _heartbeat(held)
                    continue
                if item is CLOSED or self.draining:
                    raise Unavailable("the server is shutting down: reconnect (to another replica) and resume")
                assert isinstance(item, Published)
                if is_overflow(item):
                    # Fell behind: the hub dropped the buffer when it overflowed
                    # (nothing stale comes first); a fresh snapshot replaces it.
                    sub.resynced()
                    for ch in channels:
                        async for wire in self._snapshot(ch, window, held, resync=True):
                            yield wire
                    continue
                have = held.get(item.channel_id, 0)
                if item.revision <= have:
                    continue
                if item.revision > have + 1:
                    # A hole (e.g. a notification lost while reconnecting): the log fills it.
                    async for wire in self._catch_up(item.channel_id, have, window, held):
                        yield wire
                    continue
                held[item.channel_id] = item.revision
                yield item.wire
        finally:
            self.hub.unsubscribe(sub)

    async def _snapshot(
        self, channel_id: str, window: Window | None, held: dict[str, int], *, resync: bool
    ) -> AsyncIterator[bytes]:
        try:
            channel, events = await self.store.read_events(channel_id, window)
            revision = channel.revision
        except NotFound:
            # Watching a channel before it exists is fine: it is empty at revision 0.
            revision, events = 0, []
        held[channel_id] = revision
        if resync:
            self.stats.resyncs += 1
        window_pb = convert.window_to_pb(window) if window is not None else None
        chunks = [events[i : i + SNAPSHOT_CHUNK] for i in range(0, len(events), SNAPSHOT_CHUNK)] or [[]]
        for n, chunk in enumerate(chunks):
            snap = pb.Snapshot(
                channel_id=channel_id,
                revision=revision,
                events=convert.events_to_pb(chunk),
                resync=resync,
                last_chunk=n == len(chunks) - 1,
            )
            if window_pb is not None:
                snap.window.CopyFrom(window_pb)
            yield spb.WatchScheduleResponse(snapshot=snap).SerializeToString()

    async def _catch_up(
        self, channel_id: str, revision: int, window: Window | None, held: dict[str, int]
    ) -> AsyncIterator[bytes]:
        """The changes after ``revision`` from the log, or a resync snapshot when it no longer reaches back."""
        held[channel_id] = revision
        while True:
            try:
                changes = await self.store.changes_since(channel_id, revision)
            except NotFound:
                changes = None if revision > 0 else []
            if changes is None:
                async for wire in self._snapshot(channel_id, window, held, resync=True):
                    yield wire
                return
            for change in changes:
                held[channel_id] = change.revision
                yield Published.of(change).wire
            if len(changes) < CATCH_UP_BATCH:
                return
            revision = changes[-1].revision

    async def get_stats(self, request: spb.GetStatsRequest, context: grpc.aio.ServicerContext) -> spb.GetStatsResponse:
        pool = self.pool.stats()
        rpcs = []
        for method, m in sorted(self.stats.methods.items()):
            rpcs.append(
                spb.RpcStats(
                    method=method,
                    calls=m.calls,
                    errors=m.errors,
                    latency_p50=convert.span_to_pb(round(m.latency.percentile(50) * 1e6)),
                    latency_p90=convert.span_to_pb(round(m.latency.percentile(90) * 1e6)),
                    latency_p99=convert.span_to_pb(round(m.latency.percentile(99) * 1e6)),
                    latency_max=convert.span_to_pb(round(m.latency.max_s * 1e6)),
                    codes=dict(m.codes),
                )
            )
        return spb.GetStatsResponse(
            version=VERSION,
            uptime=convert.span_to_pb(round((time.time() - self.started) * 1e6)),
            start_time=convert.instant_to_pb(round(self.started * 1e6)),
            pool=spb.PoolStats(
                size=pool.size,
                busy=pool.busy,
                queued=pool.queued,
                queue_capacity=pool.queue_capacity,
                completed=pool.completed,
                failed=pool.failed,
                rejected=pool.rejected,
                worker_restarts=pool.worker_restarts,
                worker_retirements=pool.worker_retirements,
                jobs_stopped_cancelled=pool.stopped_cancelled,
                jobs_stopped_deadline=pool.stopped_deadline,
                jobs_stopped_budget=pool.stopped_budget,
                inline=self.stats.inline,
                dropped=pool.dropped,
                worker_pids=[pid for pid in pool.pids if pid],
            ),
            rpcs=rpcs,
            open_streams=self.stats.open_streams,
            store=self.store.kind,
            watch_buffered_bytes=self.hub.total_bytes,
            watch_overflows=self.hub.overflows,
        )

    async def list_channels(
        self, request: spb.ListChannelsRequest, context: grpc.aio.ServicerContext
    ) -> spb.ListChannelsResponse:
        if request.page_size < 0:
            raise InvalidInput.at("page_size must not be negative", field="page_size")
        channels, token = await self.store.list_channels(page_size=request.page_size, page_token=request.page_token)
        return spb.ListChannelsResponse(channels=[convert.channel_to_pb(c) for c in channels], next_page_token=token)

    async def get_channel(self, request: spb.GetChannelRequest, context: grpc.aio.ServicerContext) -> Any:
        _require(request.channel_id, "channel_id")
        return convert.channel_to_pb(await self.store.get_channel(request.channel_id))

    async def upsert_channel(self, request: spb.UpsertChannelRequest, context: grpc.aio.ServicerContext) -> Any:
        c = request.channel
        _require(c.id, "channel.id")
        if c.time_zone:
            convert.check_zone(c.time_zone, "channel.time_zone")
        info = ChannelInfo(id=c.id, display_name=c.display_name, time_zone=c.time_zone)
        return convert.channel_to_pb(await self.store.upsert_channel(info))

    async def delete_channel(
        self, request: spb.DeleteChannelRequest, context: grpc.aio.ServicerContext
    ) -> spb.DeleteChannelResponse:
        _require(request.channel_id, "channel_id")
        expected = request.expected_revision if request.HasField("expected_revision") else None
        revision = await self.store.delete_channel(request.channel_id, expected_revision=expected)
        self.on_change(ChangeRecord(request.channel_id, revision, int(time.time() * 1e6), (), (), (), True))
        return spb.DeleteChannelResponse(revision=revision)

    async def list_events(
        self, request: spb.ListEventsRequest, context: grpc.aio.ServicerContext
    ) -> spb.ListEventsResponse:
        _require(request.channel_id, "channel_id")
        if request.page_size < 0:
            raise InvalidInput.at("page_size must not be negative", field="page_size")
        window = convert.window_from_pb(request.window, "window") if request.HasField("window") else None
        events, token, revision = await self.store.list_events(
            request.channel_id, window=window, page_size=request.page_size, page_token=request.page_token
        )
        return spb.ListEventsResponse(events=convert.events_to_pb(events), next_page_token=token, revision=revision)

    async def get_playout_state(
        self, request: spb.GetPlayoutStateRequest, context: grpc.aio.ServicerContext
    ) -> spb.GetPlayoutStateResponse:
        _require(request.channel_id, "channel_id")
        at = convert.instant_from_pb(request.at_time, "at_time") if request.HasField("at_time") else None
        saved = await self.store.read_playout_state(request.channel_id, at_us=at)
        if saved is None:
            return spb.GetPlayoutStateResponse()
        state = PlayoutState.from_json(saved.state)
        return spb.GetPlayoutStateResponse(state=convert.playout_state_to_pb(state, saved.at_us, saved.revision))

    async def reset_playout_state(
        self, request: spb.ResetPlayoutStateRequest, context: grpc.aio.ServicerContext
    ) -> spb.ResetPlayoutStateResponse:
        _require(request.channel_id, "channel_id")
        after = convert.instant_from_pb(request.after_time, "after_time") if request.HasField("after_time") else None
        removed = await self.store.reset_playout_state(request.channel_id, after_us=after)
        return spb.ResetPlayoutStateResponse(removed=removed)

    async def reconcile_as_run(
        self, request: spb.ReconcileAsRunRequest, context: grpc.aio.ServicerContext
    ) -> spb.ReconcileAsRunResponse:
        """Read the log (CPU), read the schedule in force for its window, reconcile
        (CPU), store the log unless a dry run (``core.reconcile``)."""
        _require(request.channel_id, "channel_id")
        channel = await self.store.get_channel(request.channel_id)  # NotFound before any work
        content = request.document.content
        if not content:
            raise InvalidInput.at(
                "the as-run log is empty: send its bytes in document.content", field="document.content"
            )
        thresholds = convert.thresholds_from_pb(request.thresholds)
        window = convert.window_from_pb(request.window, "window") if request.HasField("window") else None
        entries, notes = await self._cpu(
            len(content), context, "parse_asrun_document", content, request.document.format, channel.time_zone
        )
        if window is None:
            if not entries:
                raise InvalidInput.at("the log has no entries: give the window to reconcile", field="window")
            window = Window(min(e.start_us for e in entries), max(e.end_us for e in entries))
        read, planned = await self.store.read_events(request.channel_id, window)
        report, entries = await self._cpu(
            (len(planned) + len(entries)) * _STORED_EVENT_BYTES,
            context,
            "reconcile_entries",
            request.channel_id,
            planned,
            entries,
            window,
            thresholds,
        )
        asrun_id = 0
        if not request.dry_run:
            asrun_id = await self.store.save_asrun(
                request.channel_id, entries, window=window, schedule_revision=read.revision
            )
        return convert.reconcile_response(request.channel_id, asrun_id, read.revision, window, report, notes)

    async def export_as_run(self, request: spb.ExportAsRunRequest, context: grpc.aio.ServicerContext) -> Any:
        """The stored as-run entries of a window, as BXF or JSON."""
        _require(request.channel_id, "channel_id")
        window = convert.window_from_pb(request.window, "window") if request.HasField("window") else None
        convert.format_from_pb(request.format)  # refuse an unknown format before reading anything
        channel = await self.store.get_channel(request.channel_id)
        entries = await self.store.read_asruns(request.channel_id, window)
        info = ChannelInfo(
            id=channel.id, display_name=channel.display_name, time_zone=channel.time_zone, details=channel.details
        )
        raw: bytes = await self._cpu(
            len(entries) * _STORED_EVENT_BYTES,
            context,
            "render_asrun",
            request.format,
            info,
            entries,
            request.pretty,
            self.config.max_message_bytes,
        )
        return spb.ExportAsRunResponse.FromString(raw)


#: What one stored event weighs against ``inline_max_bytes``: about its size as
#: a message, so work over stored events is placed like a request that size.
_STORED_EVENT_BYTES = 60

#: Messages above this size are followed by handing freed heap back to the OS.
_BIG_REQUEST_BYTES = 1 << 20
#: How long after a big response the trim waits: about the time to send it.
_TRIM_AFTER_SEND_S = 1.0

_DRAINING = Unavailable("the server is shutting down: retry on another replica", retry_after_s=0.1)
MAX_WATCHED_CHANNELS = 100
DEFAULT_HEARTBEAT_S = 15.0
MIN_HEARTBEAT_US = 100_000
#: Events per snapshot message: a large channel arrives as several messages.
SNAPSHOT_CHUNK = 5000
#: What the store's changes_since returns at most per call.
CATCH_UP_BATCH = 1000


def _heartbeat(held: dict[str, int]) -> bytes:
    return spb.WatchScheduleResponse(
        heartbeat=pb.Heartbeat(server_time=convert.instant_to_pb(int(time.time() * 1e6)), revisions=held)
    ).SerializeToString()


def _require(value: str, field: str) -> None:
    if not value:
        raise InvalidInput.at("this field is required", field=field)


def _snake(name: str) -> str:
    out = "".join("_" + ch.lower() if ch.isupper() else ch for ch in name).lstrip("_")
    return out + "_" if out in ("import",) else out
