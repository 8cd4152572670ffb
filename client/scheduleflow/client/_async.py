"""The client: one typed method per RPC, in two flavours from one source.

``_async.py`` is the source: :class:`AsyncClient`, a coroutine per RPC over
``grpc.aio``. ``_sync.py`` (:class:`Client`, blocking, over ``grpc``) is
generated from it by ``scripts/gen_sync_client.py`` with unasync: ``async``
and ``await`` go, ``AsyncIterator`` becomes ``Iterator``, ``asyncio.sleep``
``time.sleep``, ``open_aio_channel`` ``open_channel``. Edit this file and run
the script; ``.ci/run`` fails if ``_sync.py`` is stale. Call policy (deadlines,
error mapping, any retry) lives here once, in ``_unary``, for both.

The blocking client is its own class over the sync stub rather than this one
run on an event loop per call: that would cost a loop per call and break
inside running loops.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

import grpc
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc

from scheduleflow.client import _convert
from scheduleflow.client._channel import open_aio_channel
from scheduleflow.client._convert import DEFAULT_TARGET, DEFAULT_TIMEOUT, EnumName, Window
from scheduleflow.client._resume import DEFAULT_RETRIES, ResumePoint, backoff, retry_delay
from scheduleflow.client.errors import ScheduleFlowError
from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb
from scheduleflow.v1 import service_pb2_grpc


class AsyncClient:
    """A connection to a ScheduleFlow server: ``AsyncClient`` for asyncio code,
    ``Client`` (the same methods, blocking) for the rest.

    Use it as a context manager (or call :meth:`close`)::

        async with AsyncClient("127.0.0.1:50051", timeout=10) as client:
            report = await client.validate(document=Path("day.json").read_bytes())

        with Client("127.0.0.1:50051", timeout=10) as client:
            report = client.validate(document=Path("day.json").read_bytes())

    Every call has a deadline: ``timeout`` seconds unless the call gives its
    own. Failed calls raise :class:`~scheduleflow.client.errors.ScheduleFlowError`
    (a subclass per status code) with the server's details unpacked.

    Args:
        target: ``host:port`` of the server (any gRPC target string).
        timeout: default deadline of each call, in seconds.
        credentials: TLS credentials; a plaintext channel when None.
        metadata: ``(key, value)`` pairs sent with every call (e.g. an authorization header).
        max_message_mib: the largest message sent or received, in MiB (documents can be large).
        options: further gRPC channel options; they override the ones above.
        retries: how many times an idempotent call is retried on UNAVAILABLE
            (0: never). Idempotent, so retried: Validate, Export, ExportAsRun,
            GetStats, the health check, ListChannels, GetChannel, UpsertChannel
            (it sets a state), GetPlayoutState, ListEvents; Import with
            ``dry_run`` or an ``idempotency_key`` (the server replays the
            first result); Schedule without ``commit``; ReconcileAsRun with
            ``dry_run``. Not retried: Import and ReconcileAsRun that write
            without a key, a committing Schedule, DeleteChannel,
            ResetPlayoutState, and streams (``follow_schedule`` resumes).
    """

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        credentials: grpc.ChannelCredentials | None = None,
        metadata: Sequence[tuple[str, str]] = (),
        max_message_mib: int = 80,
        options: Sequence[tuple[str, Any]] = (),
        retries: int = DEFAULT_RETRIES,
    ) -> None:
        self.target = target
        self.timeout = timeout
        self.retries = retries
        self._metadata = tuple(metadata)
        self._channel = open_aio_channel(target, credentials, max_message_mib, options)
        # grpcio-tools writes no types for stubs; the typing lives in this class's signatures.
        self._stub: Any = service_pb2_grpc.ScheduleFlowServiceStub(self._channel)  # type: ignore[no-untyped-call]
        self._health = health_pb2_grpc.HealthStub(self._channel)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the channel; calls still running are cancelled."""
        await self._channel.close()

    async def _unary(self, rpc: Any, request: Message, timeout: float | None, *, idempotent: bool = False) -> Any:
        """One call within its deadline; an ``idempotent`` one is retried on UNAVAILABLE.

        UNAVAILABLE says the server cannot serve the call now (it is
        draining, a worker died, the database is away) and another try may
        succeed: retried up to ``retries`` times with exponential backoff and
        jitter, never sooner than the server's ``RetryInfo``, and never past
        the call's deadline. Only idempotent calls: one that writes might
        have taken effect before the failure, and sending it again would
        write twice.
        """
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        attempt = 0
        while True:
            try:
                return await rpc(
                    request, timeout=max(0.0, deadline - time.monotonic()), metadata=self._metadata or None
                )
            except grpc.RpcError as err:
                error = ScheduleFlowError.from_rpc_error(err)
                attempt += 1
                if not idempotent or attempt > self.retries or error.code != grpc.StatusCode.UNAVAILABLE:
                    raise error from err
                delay = retry_delay(attempt, error.retry_after)
                if time.monotonic() + delay >= deadline:
                    raise error from err
            await asyncio.sleep(delay)

    # -- the four RPCs the service exists for -------------------------------

    async def validate(
        self,
        events: Iterable[pb.Event] | None = None,
        *,
        document: bytes | None = None,
        format: EnumName | None = None,
        stored: bool = False,
        channel_id: str = "",
        time_zone: str = "",
        window: Window | None = None,
        rules: pb.ValidationRules | None = None,
        gap_threshold: timedelta | None = None,
        asset_cooldown: timedelta | None = None,
        artist_separation: timedelta | None = None,
        category_separation: timedelta | None = None,
        max_findings: int | None = None,
        ignore_gaps: bool | None = None,
        return_events: bool = False,
        channel_ids: Sequence[str] = (),
        conflict_policy: EnumName | None = None,
        timeout: float | None = None,
    ) -> spb.ValidateResponse:
        """Check a schedule and report findings; stores nothing.

        Give exactly one source: ``events`` (see :func:`make_event`), a
        ``document`` (JSON, XML or XMLTV bytes; ``format`` None detects it), or
        ``stored=True`` with ``channel_id`` (and ``window``) for the stored schedule.

        Args:
            channel_id: the channel whose zone reads local times.
            time_zone: IANA zone for local times; overrides the channel's. Default UTC.
            window: report events outside ``(start, end)``; with ``stored``, the window to read.
            rules: base rules; the span keywords below override its fields.
            gap_threshold: report dead air longer than this.
            asset_cooldown: the same asset must not air again within this span.
            artist_separation: the same artist must not air again within this span.
            category_separation: the same category must not air again within this span.
            max_findings: return at most this many findings (0: the server's default).
            ignore_gaps: do not report gaps at all.
            return_events: also return the events normalised to UTC, sorted by start.
            channel_ids: with a multi-channel (XMLTV) document, the channels to
                validate by their ids in it; empty (and no ``channel_id``): all,
                one result each in ``response.channels``.
            conflict_policy: ``"refuse"`` or ``"later-wins"``, as Import would
                apply it; None: the format's default (later-wins for XMLTV).
            timeout: this call's deadline in seconds (default: the client's).
        """
        request = _convert.validate_request(
            events,
            document=document,
            format=format,
            stored=stored,
            channel_id=channel_id,
            time_zone=time_zone,
            window=window,
            rules=_convert.validation_rules(
                rules,
                gap_threshold=gap_threshold,
                asset_cooldown=asset_cooldown,
                artist_separation=artist_separation,
                category_separation=category_separation,
                max_findings=max_findings,
                ignore_gaps=ignore_gaps,
            ),
            return_events=return_events,
            channel_ids=channel_ids,
            conflict=conflict_policy,
        )
        response: spb.ValidateResponse = await self._unary(self._stub.Validate, request, timeout, idempotent=True)
        return response

    async def import_document(
        self,
        channel_id: str,
        content: bytes,
        *,
        format: EnumName | None = None,
        mode: EnumName = "replace-window",
        dry_run: bool = False,
        expected_revision: int | None = None,
        idempotency_key: str = "",
        rules: pb.ValidationRules | None = None,
        channel_ids: Sequence[str] = (),
        channel_map: Mapping[str, str] | None = None,
        conflict_policy: EnumName | None = None,
        atomicity: EnumName | None = None,
        last_stop: datetime | None = None,
        timeout: float | None = None,
    ) -> spb.ImportResponse:
        """Import a document into a channel, all of it or nothing (the ``Import`` RPC).

        Args:
            channel_id: the channel to import into (created if missing); empty:
                the document's own channel, or every channel of an XMLTV guide
                (one result each in ``response.channels``). For XMLTV, the
                channel's id in the document.
            content: the document's bytes.
            format: ``"json"``, ``"xml"``, ``"xmltv"``; None detects it.
            mode: ``"replace-window"`` (the document's span), ``"replace-all"`` or ``"merge"``.
            dry_run: report what would change, write nothing.
            expected_revision: fail with :class:`Aborted` unless the channel is at
                this revision (0: the channel must not exist yet).
            idempotency_key: a retry with the same key returns the first result and writes nothing.
            rules: rules whose breaches are reported as findings.
            channel_ids: the channels of an XMLTV guide to import, by their ids
                in it (empty: all).
            channel_map: stored ids for document ids (``{"CNN": "cnn.us"}``).
            conflict_policy: ``"refuse"`` or ``"later-wins"``; None: the
                format's default (later-wins for XMLTV, refuse otherwise).
            atomicity: ``"all-channels"`` (default: every channel or none) or
                ``"per-channel"`` (a failing channel does not stop the others).
            last_stop: the end of a last programme without stop (else it is
                left out with a warning).
            timeout: this call's deadline in seconds (default: the client's).
        """
        request = _convert.import_request(
            channel_id,
            content,
            format=format,
            mode=mode,
            dry_run=dry_run,
            expected_revision=expected_revision,
            idempotency_key=idempotency_key,
            rules=rules,
            channel_ids=channel_ids,
            channel_map=channel_map,
            conflict=conflict_policy,
            atomicity=atomicity,
            last_stop=last_stop,
        )
        response: spb.ImportResponse = await self._unary(
            self._stub.Import, request, timeout, idempotent=dry_run or bool(idempotency_key)
        )
        return response

    async def export(
        self,
        channel_id: str,
        *,
        format: EnumName = "xml",
        window: Window | None = None,
        pretty: bool = False,
        utc_times: bool = False,
        timeout: float | None = None,
    ) -> spb.ExportResponse:
        """Export a channel's schedule (the events overlapping ``window``) as a document.

        The response's ``content`` holds the document; ``revision`` the
        revision it reflects. ``utc_times`` writes XMLTV times in UTC rather
        than with the guide's own offsets or the channel zone's.
        """
        request = _convert.export_request(channel_id, format=format, window=window, pretty=pretty)
        request.utc_times = utc_times
        response: spb.ExportResponse = await self._unary(self._stub.Export, request, timeout, idempotent=True)
        return response

    async def reconcile_as_run(
        self,
        channel_id: str,
        content: bytes,
        *,
        format: EnumName | None = None,
        window: Window | None = None,
        on_time_tolerance: timedelta | None = None,
        duration_tolerance: timedelta | None = None,
        match_window: timedelta | None = None,
        dry_run: bool = False,
        timeout: float | None = None,
    ) -> spb.ReconcileAsRunResponse:
        """Reconcile an as-run log (BXF or ScheduleFlow JSON) against the channel's
        schedule, and store it unless ``dry_run`` (the ``ReconcileAsRun`` RPC).

        Args:
            channel_id: the channel whose schedule was in force.
            content: the log's bytes.
            format: ``"bxf"`` or ``"json"``; None detects it.
            window: the window to reconcile; the log's span when None.
            on_time_tolerance: a start this far off is on time (server default 1 s).
            duration_tolerance: a duration this far off is as planned (default 1 s).
            match_window: how far an entry without an event id may be matched by asset (default 15 min).
            dry_run: report only, store nothing.
            timeout: this call's deadline in seconds (default: the client's).
        """
        request = _convert.reconcile_request(
            channel_id,
            content,
            format=format,
            window=window,
            on_time_tolerance=on_time_tolerance,
            duration_tolerance=duration_tolerance,
            match_window=match_window,
            dry_run=dry_run,
        )
        response: spb.ReconcileAsRunResponse = await self._unary(
            self._stub.ReconcileAsRun, request, timeout, idempotent=dry_run
        )
        return response

    async def export_as_run(
        self,
        channel_id: str,
        *,
        format: EnumName = "bxf",
        window: Window | None = None,
        pretty: bool = False,
        timeout: float | None = None,
    ) -> spb.ExportAsRunResponse:
        """Export the stored as-run entries overlapping ``window`` as ``"bxf"`` or ``"json"``."""
        request = _convert.export_asrun_request(channel_id, format=format, window=window, pretty=pretty)
        response: spb.ExportAsRunResponse = await self._unary(self._stub.ExportAsRun, request, timeout, idempotent=True)
        return response

    async def schedule(
        self,
        channel_id: str,
        playlist: pb.Playlist,
        *,
        window: Window,
        rules: pb.ScheduleRules | None = None,
        item_cooldown: timedelta | None = None,
        artist_separation: timedelta | None = None,
        category_separation: timedelta | None = None,
        show_separation: timedelta | None = None,
        time_zone: str = "",
        seed: int = 0,
        commit: bool = False,
        expected_revision: int | None = None,
        fixed_events: Iterable[pb.Event] = (),
        use_stored_fixed: bool = False,
        lookback: timedelta | None = None,
        fresh_state: bool = False,
        timeout: float | None = None,
    ) -> spb.ScheduleResponse:
        """Fill ``window`` from ``playlist``: a preview, or with ``commit`` a new revision.

        The same playlist, rules and ``seed`` give the same schedule. The span
        keywords override the fields of ``rules``. ``fixed_events`` (and with
        ``use_stored_fixed`` the channel's stored hard-start events) are kept.
        The channel's stored events around the window count for the rules:
        before it as far as ``lookback`` (None: as far as the longest rule
        reaches; zero: none), after it as far as the longest rule reaches.
        The playback orders resume from the channel's stored playout state
        (see :meth:`get_playout_state`) unless ``fresh_state``.
        """
        request = _convert.schedule_request(
            channel_id,
            playlist,
            window=window,
            rules=_convert.schedule_rules(
                rules,
                item_cooldown=item_cooldown,
                artist_separation=artist_separation,
                category_separation=category_separation,
                show_separation=show_separation,
            ),
            time_zone=time_zone,
            seed=seed,
            commit=commit,
            expected_revision=expected_revision,
            fixed_events=fixed_events,
            use_stored_fixed=use_stored_fixed,
            lookback=lookback,
            fresh_state=fresh_state,
        )
        response: spb.ScheduleResponse = await self._unary(self._stub.Schedule, request, timeout, idempotent=not commit)
        return response

    async def watch_schedule(
        self,
        channel_ids: str | Iterable[str],
        *,
        from_revisions: Mapping[str, int] | None = None,
        window: Window | None = None,
        heartbeat_interval: timedelta | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[spb.WatchScheduleResponse]:
        """Stream a snapshot of the channels, then every committed change, in order.

        Unlike the other calls the stream has no deadline unless ``timeout``
        is given: a playout system holds it for days. Breaking out of the loop
        cancels the stream. It is a plain stream for now: when it fails, the
        error is raised and resuming (``from_revisions``) is up to the caller.
        """
        request = _convert.watch_request(
            channel_ids, from_revisions=from_revisions, window=window, heartbeat_interval=heartbeat_interval
        )
        call = self._stub.WatchSchedule(request, timeout=timeout, metadata=self._metadata or None)
        try:
            async for update in call:
                yield update
        except grpc.RpcError as err:
            raise ScheduleFlowError.from_rpc_error(err) from err
        finally:
            # A consumer that stops early must not leave the stream open on the server.
            call.cancel()

    async def follow_schedule(
        self,
        channel_ids: str | Iterable[str],
        *,
        from_revisions: Mapping[str, int] | None = None,
        window: Window | None = None,
        heartbeat_interval: timedelta | None = None,
        max_backoff: float = 5.0,
        max_attempts: int | None = None,
    ) -> AsyncIterator[spb.WatchScheduleResponse]:
        """Like :meth:`watch_schedule`, but reconnects and resumes by itself, for ever.

        After a retryable failure (the server drained, restarted or shed load)
        it waits (exponential backoff, or the server's retry hint) and opens a
        new stream from the newest revision it holds of each channel, so the
        updates it yields carry on with nothing lost or doubled. A channel whose
        snapshot was cut short starts over with a new snapshot; a snapshot
        marked ``resync`` means: replace what you hold. Errors that are not
        retryable (a bad request, an unknown channel) are raised, and so is the
        last error after ``max_attempts`` failed reconnects in a row.
        """
        point = ResumePoint(from_revisions)
        failures = 0
        while True:
            try:
                async for update in self.watch_schedule(
                    channel_ids,
                    from_revisions=point.revisions or None,
                    window=window,
                    heartbeat_interval=heartbeat_interval,
                ):
                    point.observe(update)
                    failures = 0
                    yield update
                hint = None  # the server ended the stream without an error: reconnect
            except ScheduleFlowError as err:
                if not err.retryable:
                    raise
                failures += 1
                if max_attempts is not None and failures > max_attempts:
                    raise
                hint = err.retry_after
            await asyncio.sleep(backoff(max(failures, 1), max_backoff, hint))

    # -- operations ---------------------------------------------------------

    async def get_stats(self, *, timeout: float | None = None) -> spb.GetStatsResponse:
        """The server's load, pool and per-RPC figures."""
        response: spb.GetStatsResponse = await self._unary(
            self._stub.GetStats, spb.GetStatsRequest(), timeout, idempotent=True
        )
        return response

    async def health(self, service: str = "", *, timeout: float | None = None) -> str:
        """The ``grpc.health.v1`` status name: ``"SERVING"``, ``"NOT_SERVING"``, ...

        ``service`` empty asks about the server as a whole.
        """
        response = await self._unary(
            self._health.Check, health_pb2.HealthCheckRequest(service=service), timeout, idempotent=True
        )
        name: str = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
        return name

    # -- channels and events ------------------------------------------------

    async def list_channels(
        self, *, page_size: int = 0, page_token: str = "", timeout: float | None = None
    ) -> spb.ListChannelsResponse:
        """One page of channels; ``page_size`` 0 is the server's default (100)."""
        request = spb.ListChannelsRequest(page_size=page_size, page_token=page_token)
        response: spb.ListChannelsResponse = await self._unary(
            self._stub.ListChannels, request, timeout, idempotent=True
        )
        return response

    async def iter_channels(self, *, page_size: int = 0, timeout: float | None = None) -> AsyncIterator[pb.Channel]:
        """Every channel, reading page after page (``timeout`` applies to each page)."""
        token = ""
        while True:
            page = await self.list_channels(page_size=page_size, page_token=token, timeout=timeout)
            for channel in page.channels:
                yield channel
            token = page.next_page_token
            if not token:
                return

    async def get_channel(self, channel_id: str, *, timeout: float | None = None) -> pb.Channel:
        """One channel; :class:`NotFound` when it does not exist."""
        request = spb.GetChannelRequest(channel_id=channel_id)
        response: pb.Channel = await self._unary(self._stub.GetChannel, request, timeout, idempotent=True)
        return response

    async def upsert_channel(
        self, channel_id: str, *, display_name: str = "", time_zone: str = "", timeout: float | None = None
    ) -> pb.Channel:
        """Create a channel, or update its name and IANA time zone."""
        request = _convert.upsert_channel_request(channel_id, display_name=display_name, time_zone=time_zone)
        response: pb.Channel = await self._unary(self._stub.UpsertChannel, request, timeout, idempotent=True)
        return response

    async def delete_channel(
        self, channel_id: str, *, expected_revision: int | None = None, timeout: float | None = None
    ) -> spb.DeleteChannelResponse:
        """Delete a channel and its schedule; the response has the revision it had."""
        request = _convert.delete_channel_request(channel_id, expected_revision=expected_revision)
        response: spb.DeleteChannelResponse = await self._unary(self._stub.DeleteChannel, request, timeout)
        return response

    async def get_playout_state(
        self, channel_id: str, *, at: datetime | None = None, timeout: float | None = None
    ) -> pb.PlayoutState | None:
        """Where the channel's playback orders stand (the state the next Schedule
        resumes from), or at ``at``; None when no committed Schedule stored one."""
        request = spb.GetPlayoutStateRequest(channel_id=channel_id)
        if at is not None:
            request.at_time.CopyFrom(_convert.to_timestamp(at))
        response: spb.GetPlayoutStateResponse = await self._unary(
            self._stub.GetPlayoutState, request, timeout, idempotent=True
        )
        return response.state if response.HasField("state") else None

    async def reset_playout_state(
        self, channel_id: str, *, after: datetime | None = None, timeout: float | None = None
    ) -> int:
        """Forget the channel's stored playout state (only what follows ``after``
        when given); the number of stored states that went."""
        request = spb.ResetPlayoutStateRequest(channel_id=channel_id)
        if after is not None:
            request.after_time.CopyFrom(_convert.to_timestamp(after))
        response: spb.ResetPlayoutStateResponse = await self._unary(self._stub.ResetPlayoutState, request, timeout)
        return response.removed

    async def list_events(
        self,
        channel_id: str,
        *,
        window: Window | None = None,
        page_size: int = 0,
        page_token: str = "",
        timeout: float | None = None,
    ) -> spb.ListEventsResponse:
        """One page of a channel's events overlapping ``window`` (the whole channel when None)."""
        request = _convert.list_events_request(channel_id, window=window, page_size=page_size, page_token=page_token)
        response: spb.ListEventsResponse = await self._unary(self._stub.ListEvents, request, timeout, idempotent=True)
        return response

    async def iter_events(
        self, channel_id: str, *, window: Window | None = None, page_size: int = 0, timeout: float | None = None
    ) -> AsyncIterator[pb.Event]:
        """Every event of a channel's window, reading page after page (``timeout`` applies to each page)."""
        token = ""
        while True:
            page = await self.list_events(
                channel_id, window=window, page_size=page_size, page_token=token, timeout=timeout
            )
            for event in page.events:
                yield event
            token = page.next_page_token
            if not token:
                return
