"""The scale-out store: PostgreSQL through an asyncpg connection pool.

The port's rules hold as in the SQLite adapter, and the same contract suite
checks them; these rules say how PostgreSQL keeps them.

1. **One commit, one transaction, one row lock.** Every write first locks its
   channel's row with ``SELECT ... FOR UPDATE``: writes to one channel queue
   up, whichever replica makes them, while other channels' run side by side.
   An absent channel has no row to lock, so a commit that may create one
   first inserts a placeholder tombstone (revision 0, deleted) with ``ON
   CONFLICT DO NOTHING``, which makes a concurrent creator wait for the first
   one's transaction. To every read a placeholder is "absent", and it is only
   ever committed together with the real row.
2. **READ COMMITTED for writes, REPEATABLE READ READ ONLY for reads.** Once a
   write holds the lock, each of its statements sees every earlier commit to
   the channel (REPEATABLE READ would fail on them instead). A read sees the
   channel row and its events in one snapshot (port rule 5).
3. **Bulk data moves by COPY.** A commit copies its rows (binary COPY) into a
   per-connection temporary table, or into an empty channel straight into
   ``events``, and classifies, updates, inserts and removes them with
   set-based statements: a few round trips per commit, never one per event.
4. **A database out of reach is Unavailable, and only that.** Connection
   failures, shutdowns, exhausted connections, lock timeouts and
   serialisation failures become ``Unavailable`` (the service answers
   UNAVAILABLE and health NOT_SERVING); any other database error is a bug and
   surfaces as one. The pool replaces dead connections on the next acquire,
   so the store recovers by itself when the database returns. A call whose
   connection was lost is run once more on a fresh one if it cannot have
   taken effect: reads always, writes until their COMMIT was sent (a lost
   connection before that means the server rolled the transaction back).
   A write whose COMMIT got no answer is ``Unavailable`` saying the change
   may be in; a call that has its outcome keeps it, even if its connection
   cannot be reset afterwards (``_release``).
5. **A commit rings a bell.** Each change sends ``pg_notify`` inside its own
   transaction (:mod:`~scheduleflow.server.live.notify`): delivered on
   commit only, in commit order.
6. **The loop stays free.** Checking and encoding a big commit's events and
   decoding change payloads run in threads; a big read is fetched through a
   cursor in chunks, so the loop gets a turn between them.

PostgreSQL ``text`` cannot hold NUL characters, so strings bound for a column
are checked for them up front (``InvalidInput`` naming the field).
Temporary tables and prepared statements need session-level pooling if a
pooler such as PgBouncer sits between the server and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeAlias, TypeVar

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from scheduleflow.server.core import details_json
from scheduleflow.server.core.errors import InvalidInput, ScheduleFlowError, Unavailable
from scheduleflow.server.core.model import Channel, ChannelInfo, Event, Window
from scheduleflow.server.core.reconcile import AsRunEntry
from scheduleflow.server.store import _asruns, _checks, _plan, _postgres_schema, _rows, _tokens, postgres_errors
from scheduleflow.server.store._plan import ChannelRow
from scheduleflow.server.store.outages import OUTAGES
from scheduleflow.server.store.port import (
    ChangeRecord,
    ChannelCommit,
    CommitResult,
    Continuation,
    ImportMode,
    SavedPlayoutState,
)
from scheduleflow.server.store.postgres_notify import DEFAULT_CHANNEL, encode_payload

__all__ = ["PostgresStore"]

_log = logging.getLogger(__name__)

_T = TypeVar("_T")
_Conn: TypeAlias = "PoolConnectionProxy[asyncpg.Record]"  # a string: not subscriptable at run time

#: Rows fetched per cursor step of a big read: ~20 ms of decoding per turn.
_FETCH_CHUNK = 5000
#: Below this many events, encoding on the loop costs less than a thread hop.
_INLINE_ROWS = 2000
#: From this many incoming rows on, the temporary table gets statistics:
#: without them the planner guesses its size and may nest-loop 250,000 rows.
_ANALYZE_ROWS = 1000

_CHANNEL_COLUMNS = (
    "id, display_name, time_zone, revision, event_count, update_time_us, max_duration_us, log_floor, deleted, details"
)
_EVENT_COLUMNS = (
    "e.event_id, e.start_us, e.duration_us, e.asset_id, e.title, e.kind, e.fixed_start, e.metadata, e.details"
)
_PLAY_COLUMNS = ", ".join(f"e.{column}" for column in _rows.PLAY_COLUMNS)
#: Everything of an event row but its keys: equal content means an unchanged event.
_CONTENT = ("start_us", "duration_us", "end_us", "asset_id", "title", "kind", "fixed_start", "metadata", "details")
_EVENT_COPY_COLUMNS = ("channel_id", "event_id", *_CONTENT)
_INCOMING_COPY_COLUMNS = ("seq", "event_id", *_CONTENT)


def _content(alias: str) -> str:
    return "(" + ", ".join(f"{alias}.{column}" for column in _CONTENT) + ")"


# One per pooled connection, created when the pool opens the connection and
# emptied by every commit (ON COMMIT DELETE ROWS; a rollback leaves nothing
# visible): no catalog churn per commit, and prepared statements stay valid.
_CREATE_INCOMING = """
CREATE TEMP TABLE IF NOT EXISTS incoming (
    seq         integer NOT NULL,
    event_id    text COLLATE "C" NOT NULL,
    start_us    bigint  NOT NULL,
    duration_us bigint  NOT NULL,
    end_us      bigint  NOT NULL,
    asset_id    text    NOT NULL,
    title       text    NOT NULL,
    kind        text    NOT NULL,
    fixed_start boolean NOT NULL,
    metadata    text    NOT NULL,
    details     text    NOT NULL
) ON COMMIT DELETE ROWS
"""
# Incoming events that are new or differ from the stored ones, as two arrays
# of positions in incoming order: one row, however many events (250,000
# records would cost more to decode than the join costs to run).
_CLASSIFY = (
    "SELECT coalesce(array_agg(i.seq ORDER BY i.seq) FILTER (WHERE e.event_id IS NULL), '{}'),"
    " coalesce(array_agg(i.seq ORDER BY i.seq) FILTER (WHERE e.event_id IS NOT NULL), '{}')"
    " FROM pg_temp.incoming AS i"
    " LEFT JOIN events AS e ON e.channel_id = $1 AND e.event_id = i.event_id"
    f" WHERE e.event_id IS NULL OR {_content('i')} IS DISTINCT FROM {_content('e')}"
)
_DROP_UNCHANGED = (
    "DELETE FROM pg_temp.incoming AS i USING events AS e"
    f" WHERE e.channel_id = $1 AND e.event_id = i.event_id AND {_content('i')} = {_content('e')}"
)
# For each moving event, a bounded range scan of the (channel, start) index,
# as in window reads; stored events that move themselves are no obstacle.
_CONFLICTS = (
    "SELECT i.event_id, e.event_id FROM pg_temp.incoming AS i JOIN events AS e"
    " ON e.channel_id = $1 AND e.start_us >= i.start_us - $2 AND e.start_us < i.end_us AND e.end_us > i.start_us"
    " WHERE NOT EXISTS (SELECT 1 FROM pg_temp.incoming AS j WHERE j.event_id = e.event_id)"
    " LIMIT $3"
)
_UPDATE_FROM_INCOMING = (
    f"UPDATE events SET ({', '.join(_CONTENT)}) = {_content('i')}"
    " FROM pg_temp.incoming AS i"
    " WHERE events.channel_id = $1 AND events.event_id = i.event_id"
    f" AND {_content('events')} IS DISTINCT FROM {_content('i')}"
)
# In (start, id) order, so a channel's rows land near each other in the heap.
_INSERT_FROM_INCOMING = (
    f"INSERT INTO events ({', '.join(_EVENT_COPY_COLUMNS)})"
    f" SELECT $1, i.event_id, {_content('i')[1:-1]} FROM pg_temp.incoming AS i"
    " WHERE NOT EXISTS (SELECT 1 FROM events AS e WHERE e.channel_id = $1 AND e.event_id = i.event_id)"
    " ORDER BY i.start_us, i.event_id"
)


def _now_us() -> int:
    return time.time_ns() // 1000


def _check_text(value: str, field: str) -> None:
    if "\x00" in value:
        raise InvalidInput.at("must not contain NUL characters", field=field)


class _Attempt:
    """One try of a call; it may be retried on a fresh connection until it sends COMMIT."""

    __slots__ = ("committing",)

    def __init__(self) -> None:
        self.committing = False


class _Discard(Exception):
    """Leaves a transaction by rolling it back, carrying the call's result."""

    def __init__(self, result: CommitResult) -> None:
        super().__init__("rolled back")
        self.result = result


def _prepare(request: _plan.Commit) -> list[_rows.EventRow]:
    """Check a commit's arguments and turn its events into rows (no database)."""
    _checks.check_commit(
        request.channel_id, request.events, request.mode, request.window, request.channel, request.expected_revision
    )
    _check_text(request.channel_id, "channel_id")
    if request.channel is not None:
        _check_text(request.channel.display_name, "channel.display_name")
        _check_text(request.channel.time_zone, "channel.time_zone")
    _check_text(request.idempotency_key, "idempotency_key")
    _check_text(request.fingerprint, "fingerprint")
    for index, event in enumerate(request.events):
        if "\x00" in event.id or "\x00" in event.asset_id or "\x00" in event.title:
            for name in ("id", "asset_id", "title"):
                _check_text(getattr(event, name), f"events[{index}].{name}")
    return list(_rows.LazyRows(request.events))


def _incoming_records(rows: list[_rows.EventRow]) -> list[tuple[object, ...]]:
    return [(seq, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] == 1, r[8], r[9]) for seq, r in enumerate(rows)]


def _event_records(channel_id: str, rows: list[_rows.EventRow]) -> list[tuple[object, ...]]:
    # In (start, id) order: the heap fills in the order window reads want.
    ordered = sorted(rows, key=lambda r: (r[1], r[0]))
    return [(channel_id, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] == 1, r[8], r[9]) for r in ordered]


async def _in_thread_if_big(size: int, fn: Callable[[], _T]) -> _T:
    return fn() if size < _INLINE_ROWS else await asyncio.to_thread(fn)


def _window_clause(window: Window | None, max_duration_us: int, first: int) -> tuple[str, list[object]]:
    """SQL (parameters from ``$first``) selecting events ``e`` that overlap
    ``window`` (see ``_plan.window_bounds``)."""
    if window is None:
        return "", []
    return (
        f" AND e.start_us >= ${first} AND e.start_us < ${first + 1} AND e.end_us > ${first + 2}",
        [*_plan.window_bounds(window, max_duration_us)],
    )


async def _channel_row(conn: _Conn, channel_id: str, *, lock: bool = False) -> ChannelRow | None:
    record = await conn.fetchrow(
        f"SELECT {_CHANNEL_COLUMNS} FROM channels WHERE id = $1{' FOR UPDATE' if lock else ''}", channel_id
    )
    if record is None:
        return None
    return _rows.channel_row(tuple(record))


async def _saved_state(conn: _Conn, channel_id: str, at_us: int) -> SavedPlayoutState | None:
    """The playout state saved at the latest instant at or before ``at_us``."""
    found = await conn.fetchrow(
        "SELECT at_us, revision, save_time_us, state FROM playout_states"
        " WHERE channel_id = $1 AND at_us <= $2 ORDER BY at_us DESC LIMIT 1",
        channel_id,
        at_us,
    )
    return None if found is None else SavedPlayoutState(*found)


async def _live_channel(conn: _Conn, channel_id: str) -> ChannelRow:
    return _plan.require_live(await _channel_row(conn, channel_id), channel_id)


async def _lock_or_create(conn: _Conn, channel_id: str) -> ChannelRow:
    """The channel's row, locked; a placeholder tombstone if it had none (rule 1)."""
    row = await _channel_row(conn, channel_id, lock=True)
    if row is None:
        await conn.execute(
            "INSERT INTO channels (id, display_name, time_zone, deleted) VALUES ($1, $1, 'UTC', true)"
            " ON CONFLICT (id) DO NOTHING",
            channel_id,
        )
        row = await _channel_row(conn, channel_id, lock=True)
        if row is None:  # pragma: no cover - the row was just made or waited for
            raise Unavailable(f"channel {channel_id!r} could not be locked")
    return row


async def _write_channel(conn: _Conn, row: ChannelRow) -> None:
    await conn.execute(
        "UPDATE channels SET display_name = $2, time_zone = $3, revision = $4, event_count = $5,"
        " update_time_us = $6, max_duration_us = $7, log_floor = $8, deleted = $9, details = $10 WHERE id = $1",
        row.id,
        row.display_name,
        row.time_zone,
        row.revision,
        row.event_count,
        row.update_time_us,
        row.max_duration_us,
        row.log_floor,
        row.deleted,
        details_json.dumps(row.details),
    )


async def _fetch_events(conn: _Conn, sql: str, *args: object) -> list[Event]:
    """The events ``sql`` selects, fetched and decoded a chunk at a time (rule 6)."""
    events: list[Event] = []
    event = _rows.RowReader().event
    cursor = await conn.cursor(sql, *args)
    while True:
        chunk = await cursor.fetch(_FETCH_CHUNK)
        events.extend(event(*record) for record in chunk)
        if len(chunk) < _FETCH_CHUNK:
            return events


async def _release(pool: asyncpg.Pool, conn: _Conn) -> None:
    """Give ``conn`` back to ``pool``; never fail the call that used it.

    asyncpg resets a connection as it takes it back, and if the database went
    away since the call's last statement the reset fails: asyncpg then ends
    the connection itself (the pool opens a new one when needed) and raises.
    By then the call has its outcome (a read its rows, a commit its answer
    from COMMIT), and reporting the reset's failure instead would tell a
    caller whose change is in that it failed. The call's own error, if it
    raised one, is the one that leaves.
    """
    try:
        await pool.release(conn)
    except Exception as exc:
        if postgres_errors.outage(exc):
            _log.debug("a postgresql connection could not be reset after its call (%s); it was replaced", exc)
        else:
            _log.warning("a postgresql connection could not be reset after its call; it was replaced", exc_info=exc)


def _decode_changes(channel_id: str, records: list[asyncpg.Record]) -> list[ChangeRecord]:
    return [_rows.change_record(channel_id, *record) for record in records]


class PostgresStore:
    """The :class:`~scheduleflow.server.store.port.Store` on PostgreSQL.

    ``url`` is a libpq-style ``postgresql://`` URL. The pool keeps between
    ``min_size`` and ``max_size`` connections. ``schema`` names the schema the
    tables live in (created if missing, and set as each connection's
    ``search_path``); ``None`` uses the connection's own search path, whose
    first schema must exist. ``notify_channel`` is where commits are
    announced (:mod:`~scheduleflow.server.live.notify`). ``lock_timeout_s``
    bounds the wait for a channel another commit holds, ``acquire_timeout_s``
    the wait for a free connection, ``connect_timeout_s`` a connection
    attempt: past them the call fails with ``Unavailable``. Idempotency keys
    are honoured for ``idempotency_ttl_s`` after first use, as in the SQLite
    adapter.
    """

    kind = "postgresql"

    def __init__(
        self,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        schema: str | None = None,
        notify_channel: str = DEFAULT_CHANNEL,
        application_name: str = "scheduleflow",
        connect_timeout_s: float = 5.0,
        acquire_timeout_s: float = 10.0,
        lock_timeout_s: float = 30.0,
        idempotency_ttl_s: float = 24 * 3600.0,
        clock: Callable[[], int] = _now_us,
    ) -> None:
        if not 0 <= min_size <= max_size or max_size < 1:
            raise ValueError("need 0 <= min_size <= max_size and max_size >= 1")
        if schema is not None and not 0 < len(schema.encode()) < 64:
            # PostgreSQL would silently cut a longer name to 63 bytes.
            raise ValueError("a schema name is 1 to 63 bytes long")
        self.url = url
        self.schema = schema
        self.notify_channel = notify_channel
        self._min_size = min_size
        self._max_size = max_size
        self._application_name = application_name
        self._connect_timeout_s = connect_timeout_s
        self._acquire_timeout_s = acquire_timeout_s
        self._lock_timeout_s = lock_timeout_s
        self._idempotency_ttl_us = int(idempotency_ttl_s * 1_000_000)
        self._clock = clock
        self._pool: asyncpg.Pool | None = None

    def __repr__(self) -> str:
        # Not the URL: it may carry a password.
        return f"PostgresStore(schema={self.schema!r})"

    async def __aenter__(self) -> PostgresStore:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- lifecycle ---------------------------------------------------------

    async def open(self) -> None:
        """Start the pool and bring the schema up to date (see ``_postgres_schema``)."""
        if self._pool is not None:
            return
        settings = {
            "application_name": self._application_name,
            "lock_timeout": str(max(1, int(self._lock_timeout_s * 1000))),  # ms
        }
        if self.schema is not None:
            settings["search_path"] = _postgres_schema.quote_ident(self.schema)
        pool: asyncpg.Pool | None = None
        try:
            pool = await asyncpg.create_pool(
                self.url,
                min_size=self._min_size,
                max_size=self._max_size,
                timeout=self._connect_timeout_s,
                server_settings=settings,
                init=_init_connection,
            )
            async with pool.acquire(timeout=self._acquire_timeout_s) as conn:
                await _postgres_schema.migrate(conn, self.schema)
        except BaseException as exc:
            if pool is not None:
                pool.terminate()
            if isinstance(exc, ScheduleFlowError):
                raise
            mapped = postgres_errors.unavailable(exc, connecting=True, doing="cannot open the database")
            if mapped is None or not isinstance(exc, Exception):
                raise
            raise mapped from exc
        self._pool = pool

    async def close(self) -> None:
        """Let calls in flight finish, then close every connection."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        try:
            await pool.close()
        except BaseException:
            pool.terminate()  # cancelled or failed: do not leak the connections
            raise

    # -- running calls -----------------------------------------------------

    async def _run(self, work: Callable[[_Conn, _Attempt], Awaitable[_T]]) -> _T:
        """``work`` on a pooled connection, database failures mapped (rule 4)."""
        pool = self._pool
        if pool is None:
            raise Unavailable("the store is closed")
        for retry in (False, True):
            attempt = _Attempt()
            try:
                conn = await pool.acquire(timeout=self._acquire_timeout_s)
                try:
                    result = await work(conn, attempt)
                finally:
                    await _release(pool, conn)
                OUTAGES.succeeded()
                return result
            except ScheduleFlowError:
                raise
            except Exception as exc:
                mapped = postgres_errors.unavailable(exc)
                if mapped is None:
                    raise
                lost = postgres_errors.lost_connection(exc)
                if not retry and not attempt.committing and lost and self._pool is pool:
                    _log.debug("postgresql connection lost (%s); trying once more on a fresh one", exc)
                    continue
                OUTAGES.failed(exc, "a postgresql operation")
                if attempt.committing and lost:
                    # COMMIT was sent and no answer came: the change may be
                    # in. UNAVAILABLE still, as the retry it invites is safe
                    # with an idempotency key (the replay writes nothing) or
                    # an expected revision (a second apply is refused); but
                    # the message must not read as "nothing happened".
                    mapped = Unavailable(
                        "the connection was lost during COMMIT, so the change may or may not have been applied:"
                        " retry with the same idempotency key, or read the channel's revision first"
                        f" ({mapped.message})",
                        retry_after_s=mapped.retry_after_s,
                    )
                raise mapped from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def _read(self, work: Callable[[_Conn], Awaitable[_T]], *, snapshot: bool = True) -> _T:
        """``work`` in one read-only snapshot (rule 2); a single statement is
        a snapshot by itself, so it may skip the transaction's round trips."""

        async def in_snapshot(conn: _Conn, _: _Attempt) -> _T:
            if not snapshot:
                return await work(conn)
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                return await work(conn)

        return await self._run(in_snapshot)

    async def _write(self, work: Callable[[_Conn], Awaitable[_T]]) -> _T:
        """``work`` in one read-committed transaction, committed unless it raises."""

        async def in_transaction(conn: _Conn, attempt: _Attempt) -> _T:
            async with conn.transaction():
                result = await work(conn)
                attempt.committing = True  # the block's exit sends COMMIT
            return result

        return await self._run(in_transaction)

    async def _notify(self, conn: _Conn, channel_id: str, revision: int) -> None:
        await conn.execute("SELECT pg_notify($1, $2)", self.notify_channel, encode_payload(channel_id, revision))

    # -- the port ----------------------------------------------------------

    async def ping(self) -> None:
        """Raise ``Unavailable`` unless the database answers a read of the schema."""

        async def work(conn: _Conn) -> None:
            await conn.fetchval("SELECT 1 FROM channels LIMIT 1")

        await self._read(work, snapshot=False)

    async def upsert_channel(self, info: ChannelInfo) -> Channel:
        """Create the channel or update its name and zone; no revision (port rule 3)."""
        _checks.check_channel_id(info.id, field="channel.id")
        for name in ("id", "display_name", "time_zone"):
            _check_text(getattr(info, name), f"channel.{name}")

        async def work(conn: _Conn) -> Channel:
            after, write = _plan.saved_channel(await _lock_or_create(conn, info.id), info, self._clock())
            if write:
                await _write_channel(conn, after)
            return after.channel()

        return await self._write(work)

    async def save_asrun(
        self, channel_id: str, entries: Sequence[AsRunEntry], *, window: Window, schedule_revision: int
    ) -> int:
        """Store an as-run log (``_asruns`` rule 1); ``NotFound`` for an absent channel."""
        _check_text(channel_id, "channel_id")
        text = _asruns.encode(entries)
        now = self._clock()

        async def work(conn: _Conn) -> int:
            await _live_channel(conn, channel_id)
            asrun_id = await conn.fetchval(
                "INSERT INTO asruns (channel_id, window_start_us, window_end_us, receive_time_us,"
                " schedule_revision, entry_count, entries) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                channel_id,
                window.start_us,
                window.end_us,
                now,
                schedule_revision,
                len(entries),
                text,
            )
            return int(asrun_id)

        return await self._write(work)

    async def read_asruns(self, channel_id: str, window: Window | None) -> list[AsRunEntry]:
        """Stored as-run entries overlapping ``window`` (``_asruns`` rule 3)."""
        _check_text(channel_id, "channel_id")

        async def work(conn: _Conn) -> list[str]:
            await _live_channel(conn, channel_id)
            if window is None:
                rows = await conn.fetch("SELECT entries FROM asruns WHERE channel_id = $1 ORDER BY id", channel_id)
            else:
                rows = await conn.fetch(
                    "SELECT entries FROM asruns WHERE channel_id = $1 AND window_start_us < $2"
                    " AND window_end_us > $3 ORDER BY id",
                    channel_id,
                    window.end_us,
                    window.start_us,
                )
            return [row[0] for row in rows]

        return _asruns.merged(await self._read(work), window)

    async def get_channel(self, channel_id: str) -> Channel:
        """The channel; ``NotFound`` if absent."""
        _check_text(channel_id, "channel_id")

        async def work(conn: _Conn) -> Channel:
            return (await _live_channel(conn, channel_id)).channel()

        return await self._read(work, snapshot=False)

    async def list_channels(self, *, page_size: int, page_token: str) -> tuple[list[Channel], str]:
        """A page of channels by id, and the token of the next (``""`` at the end)."""
        size = _tokens.page_size(page_size)
        after = _tokens.decode_channel_token(page_token) if page_token else ""  # ids are never empty
        _check_text(after, "page_token")

        async def work(conn: _Conn) -> tuple[list[Channel], str]:
            records = await conn.fetch(
                "SELECT id, display_name, time_zone, revision, event_count, update_time_us, details FROM channels"
                " WHERE NOT deleted AND id > $1 ORDER BY id LIMIT $2",
                after,
                size + 1,
            )
            channels = [_rows.listed_channel(tuple(record)) for record in records[:size]]
            return channels, (_tokens.encode_channel_token(channels[-1].id) if len(records) > size else "")

        return await self._read(work, snapshot=False)

    async def read_playout_state(self, channel_id: str, *, at_us: int | None = None) -> SavedPlayoutState | None:
        """The state in effect at ``at_us`` (the latest when ``None``)."""
        _checks.check_channel_id(channel_id)
        _check_text(channel_id, "channel_id")

        async def work(conn: _Conn) -> SavedPlayoutState | None:
            await _live_channel(conn, channel_id)
            return await _saved_state(conn, channel_id, _plan.EVER_AFTER_US if at_us is None else at_us)

        return await self._read(work, snapshot=True)

    async def read_continuation(
        self, channel_id: str, window: Window, *, lookback_us: int, reach_us: int, with_state: bool = True
    ) -> Continuation:
        """The plays around ``window`` and the state at its start, in one snapshot (port)."""
        _checks.check_channel_id(channel_id)
        _checks.check_window(window)
        _check_text(channel_id, "channel_id")
        before, after = _plan.continuation_spans(window, lookback_us, reach_us)

        async def work(conn: _Conn) -> Continuation:
            row = await _live_channel(conn, channel_id)
            plays: list[Event] = []
            if before is not None:
                # Scanned by start (the key) from the earliest start such an
                # end allows; the end is the exact test.
                ends_after, ends_by = before
                records = await conn.fetch(
                    f"SELECT {_PLAY_COLUMNS} FROM events AS e WHERE e.channel_id = $1 AND e.start_us >= $2"
                    " AND e.start_us < $3 AND e.end_us > $4 AND e.end_us <= $3 ORDER BY e.start_us, e.event_id",
                    channel_id,
                    ends_after - row.max_duration_us,
                    ends_by,
                    ends_after,
                )
                plays += _rows.plays(records)
            if after is not None:
                records = await conn.fetch(
                    f"SELECT {_PLAY_COLUMNS} FROM events AS e WHERE e.channel_id = $1 AND e.start_us >= $2"
                    " AND e.start_us < $3 ORDER BY e.start_us, e.event_id",
                    channel_id,
                    *after,
                )
                plays += _rows.plays(records)
            state = await _saved_state(conn, channel_id, window.start_us) if with_state else None
            return Continuation(plays, state)

        return await self._read(work, snapshot=True)

    async def save_playout_state(self, channel_id: str, *, from_us: int, at_us: int, revision: int, state: str) -> None:
        """Save the state reached at ``at_us``; the ones after ``from_us`` go."""
        _checks.check_channel_id(channel_id)
        _check_text(channel_id, "channel_id")
        _check_text(state, "state")

        async def work(conn: _Conn) -> None:
            _plan.require_live(await _channel_row(conn, channel_id, lock=True), channel_id)
            await conn.execute("DELETE FROM playout_states WHERE channel_id = $1 AND at_us > $2", channel_id, from_us)
            await conn.execute(
                "INSERT INTO playout_states (channel_id, at_us, revision, save_time_us, state)"
                " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (channel_id, at_us) DO UPDATE"
                " SET revision = EXCLUDED.revision, save_time_us = EXCLUDED.save_time_us, state = EXCLUDED.state",
                channel_id,
                at_us,
                revision,
                self._clock(),
                state,
            )

        await self._write(work)

    async def reset_playout_state(self, channel_id: str, *, after_us: int | None = None) -> int:
        """Forget the states saved after ``after_us`` (all when ``None``)."""
        _checks.check_channel_id(channel_id)
        _check_text(channel_id, "channel_id")

        async def work(conn: _Conn) -> int:
            _plan.require_live(await _channel_row(conn, channel_id, lock=True), channel_id)
            status = await conn.execute(
                "DELETE FROM playout_states WHERE channel_id = $1 AND at_us > $2",
                channel_id,
                _plan.EVER_BEFORE_US if after_us is None else after_us,
            )
            return int(status.split()[-1])

        return await self._write(work)

    async def delete_channel(self, channel_id: str, *, expected_revision: int | None = None) -> int:
        """Delete the channel's events and mark it deleted; return the deletion's revision."""
        _checks.check_channel_id(channel_id)
        _checks.check_revision(expected_revision)
        _check_text(channel_id, "channel_id")

        async def work(conn: _Conn) -> int:
            row = await _channel_row(conn, channel_id, lock=True)
            revision = _plan.deletion_revision(row, channel_id, expected_revision)
            now = self._clock()
            await conn.execute("DELETE FROM events WHERE channel_id = $1", channel_id)
            await conn.execute("DELETE FROM playout_states WHERE channel_id = $1", channel_id)
            await conn.execute(
                "INSERT INTO changes (channel_id, revision, commit_time_us, channel_deleted, payload)"
                " VALUES ($1, $2, $3, true, $4)",
                channel_id,
                revision,
                now,
                _rows.encode_change((), (), ()),
            )
            await conn.execute(
                "UPDATE channels SET deleted = true, revision = $2, event_count = 0, max_duration_us = 0,"
                " update_time_us = $3 WHERE id = $1",
                channel_id,
                revision,
                now,
            )
            await self._notify(conn, channel_id, revision)
            return revision

        return await self._write(work)

    async def list_events(
        self, channel_id: str, *, window: Window | None, page_size: int, page_token: str
    ) -> tuple[list[Event], str, int]:
        """A page of the events overlapping ``window`` by ``(start, id)``, the next
        token, and the revision read; ``RevisionMismatch`` if the channel changed
        since the token was issued."""
        _checks.check_channel_id(channel_id)
        _checks.check_window(window)
        _check_text(channel_id, "channel_id")
        size = _tokens.page_size(page_size)
        cursor = _tokens.decode_event_token(page_token, channel_id, window) if page_token else None
        if cursor is not None:
            _check_text(cursor.last_id, "page_token")

        async def work(conn: _Conn) -> tuple[list[Event], str, int]:
            row = await _live_channel(conn, channel_id)
            if cursor is not None:
                _plan.check_page_revision(cursor.revision, row.revision)
            where, params = _window_clause(window, row.max_duration_us, 2)
            if cursor is not None:
                where += f" AND (e.start_us, e.event_id) > (${len(params) + 2}, ${len(params) + 3})"
                params += [cursor.last_start_us, cursor.last_id]
            records = await conn.fetch(
                f"SELECT {_EVENT_COLUMNS} FROM events AS e WHERE e.channel_id = $1{where}"
                f" ORDER BY e.start_us, e.event_id LIMIT ${len(params) + 2}",
                channel_id,
                *params,
                size + 1,
            )
            event = _rows.RowReader().event
            events = [event(*record) for record in records]
            token = _tokens.next_events_token(events, size, channel_id, window, row.revision)
            return events, token, row.revision

        return await self._read(work)

    async def read_events(self, channel_id: str, window: Window | None) -> tuple[Channel, list[Event]]:
        """Every event overlapping ``window`` by ``(start, id)``, with its channel, in one snapshot."""
        _checks.check_channel_id(channel_id)
        _checks.check_window(window)
        _check_text(channel_id, "channel_id")

        async def work(conn: _Conn) -> tuple[Channel, list[Event]]:
            row = await _live_channel(conn, channel_id)
            where, params = _window_clause(window, row.max_duration_us, 2)
            events = await _fetch_events(
                conn,
                f"SELECT {_EVENT_COLUMNS} FROM events AS e WHERE e.channel_id = $1{where}"
                " ORDER BY e.start_us, e.event_id",
                channel_id,
                *params,
            )
            return row.channel(), events

        return await self._read(work)

    async def commit_events(
        self,
        channel_id: str,
        events: Sequence[Event],
        *,
        mode: ImportMode,
        window: Window | None,
        channel: ChannelInfo | None = None,
        expected_revision: int | None = None,
        dry_run: bool = False,
        idempotency_key: str = "",
        fingerprint: str = "",
    ) -> CommitResult:
        """Apply ``events`` in one transaction; see :meth:`Store.commit_events`."""
        request = _plan.Commit(
            channel_id,
            events,
            ImportMode(mode),
            window,
            channel,
            expected_revision,
            dry_run,
            idempotency_key,
            fingerprint,
        )
        rows = await _in_thread_if_big(len(events), lambda: _prepare(request))
        return (await self._commit_all([request], [rows]))[0]

    async def commit_channels(self, commits: Sequence[ChannelCommit]) -> list[CommitResult]:
        """Several channels' commits in one transaction; see :meth:`Store.commit_channels`."""
        order, requests = _plan.batch(commits)
        total = sum(len(r.events) for r in requests)
        rows = await _in_thread_if_big(total, lambda: [_prepare(r) for r in requests])
        return _plan.in_request_order(order, await self._commit_all(requests, rows))

    async def _commit_all(self, requests: list[_plan.Commit], rows: list[list[_rows.EventRow]]) -> list[CommitResult]:
        """Commits in one transaction (one, or a batch locked in ``_plan.batch``'s order)."""

        async def work(conn: _Conn, attempt: _Attempt) -> list[CommitResult]:
            results: list[CommitResult] = []
            try:
                async with conn.transaction():
                    for request, request_rows in zip(requests, rows, strict=True):
                        if results:
                            # The scratch table empties at COMMIT; the next
                            # channel of this transaction needs it empty now.
                            await conn.execute("DELETE FROM pg_temp.incoming")
                        results.append(await self._commit(conn, request, request_rows))
                    # Dry runs all or none (_plan.batch); replays wrote nothing.
                    if requests[0].dry_run or all(r.replayed for r in results):
                        raise _Discard(results[0])
                    attempt.committing = True  # the block's exit sends COMMIT
            except _Discard:
                return results
            return results

        return await self._run(work)

    async def changes_since(self, channel_id: str, revision: int, *, limit: int = 1000) -> list[ChangeRecord] | None:
        """Change records after ``revision``, oldest first; ``None`` if the log
        cannot continue from there (pruned, or ahead of the channel)."""
        _checks.check_changes_since(channel_id, revision, limit)
        _check_text(channel_id, "channel_id")

        async def work(conn: _Conn) -> list[asyncpg.Record] | None:
            row = _plan.existing(await _channel_row(conn, channel_id), channel_id)
            if not _plan.log_continues(row, revision):
                return None
            return await conn.fetch(
                "SELECT revision, commit_time_us, channel_deleted, payload FROM changes"
                " WHERE channel_id = $1 AND revision > $2 ORDER BY revision LIMIT $3",
                channel_id,
                revision,
                limit,
            )

        records = await self._read(work)
        if records is None:
            return None
        size = sum(len(record["payload"]) for record in records)
        # Payloads are ~7x compressed, so 64 KiB is a few thousand events.
        return await _in_thread_if_big(size // 32, lambda: _decode_changes(channel_id, records))

    async def prune_changes(self, channel_id: str, *, keep_last: int) -> int:
        """Drop all but the newest ``keep_last`` change records; return how many went."""
        _checks.check_prune(channel_id, keep_last)
        _check_text(channel_id, "channel_id")

        async def work(conn: _Conn) -> int:
            row = _plan.existing(await _channel_row(conn, channel_id, lock=True), channel_id)
            floor = _plan.prune_floor(row, keep_last)
            if floor is None:
                return 0
            status = await conn.execute(
                "DELETE FROM changes WHERE channel_id = $1 AND revision <= $2", channel_id, floor
            )
            await conn.execute("UPDATE channels SET log_floor = $2 WHERE id = $1", channel_id, floor)
            return int(status.rsplit(" ", 1)[-1])  # "DELETE <count>"

        return await self._write(work)

    # -- the commit, inside its transaction ---------------------------------

    async def _commit(self, conn: _Conn, request: _plan.Commit, rows: list[_rows.EventRow]) -> CommitResult:
        channel_id = request.channel_id
        row = await _lock_or_create(conn, channel_id)  # may be a tombstone or a placeholder
        now = self._clock()  # under the lock, so commit times follow revisions
        key = request.key
        key_cutoff = _plan.key_cutoff_us(now, self._idempotency_ttl_us)
        if key:
            seen = await conn.fetchrow(
                "SELECT fingerprint, result FROM idempotency_keys"
                " WHERE channel_id = $1 AND key = $2 AND create_time_us >= $3",
                channel_id,
                key,
                key_cutoff,
            )
            if seen is not None:
                return _plan.replay(request, seen["fingerprint"], seen["result"])
        live = _plan.start_commit(request, row)

        # Which incoming events are new or changed: one join of the incoming
        # rows against the stored ones, done by the database, which sends
        # back only the rows that differ. An empty channel (the first import,
        # the common big one) has nothing to join against.
        has_events = live is not None and live.event_count > 0
        added: list[int]
        updated: list[int]
        if has_events and rows:
            if len(rows) >= _ANALYZE_ROWS:
                await conn.execute("SET LOCAL work_mem = '64MB'")
            records = await _in_thread_if_big(len(rows), lambda: _incoming_records(rows))
            await conn.copy_records_to_table(
                "incoming", records=records, columns=_INCOMING_COPY_COLUMNS, schema_name="pg_temp"
            )
            del records
            if len(rows) >= _ANALYZE_ROWS:
                await conn.execute("ANALYZE pg_temp.incoming")
            classified = await conn.fetchrow(_CLASSIFY, channel_id)
            assert classified is not None  # an aggregate always has its row
            added, updated = list(classified[0]), list(classified[1])
        else:
            added, updated = list(range(len(rows))), []
        unchanged = len(rows) - len(added) - len(updated)

        max_duration = live.max_duration_us if live is not None else 0  # bounds the scans below
        removed_ids: list[str] = []
        if has_events and request.mode is ImportMode.MERGE:
            if added or updated:
                if unchanged:
                    # An identical event stays where it is, so it is a conflict
                    # partner like any stored event; only the moving ones are not.
                    await conn.execute(_DROP_UNCHANGED, channel_id)
                await _check_merge_conflicts(conn, channel_id, max_duration)
        elif has_events:
            window_sql, window_params = _window_clause(request.removal_window, max_duration, 2)
            where = (
                f"e.channel_id = $1{window_sql}"
                " AND NOT EXISTS (SELECT 1 FROM pg_temp.incoming AS i WHERE i.event_id = e.event_id)"
            )
            # Removed as they are found (a dry run only finds them); their ids
            # come back as one array, like the classification above.
            found = (
                f"SELECT e.start_us, e.event_id FROM events AS e WHERE {where}"
                if request.dry_run
                else f"DELETE FROM events AS e WHERE {where} RETURNING e.start_us, e.event_id"
            )
            removed_ids = list(
                await conn.fetchval(
                    f"WITH found AS ({found})"
                    " SELECT coalesce(array_agg(event_id ORDER BY start_us, event_id), '{}') FROM found",
                    channel_id,
                    *window_params,
                )
            )

        plan = _plan.plan_commit(
            request, row, now, added=added, updated=updated, unchanged=unchanged, removed_ids=removed_ids
        )
        result = plan.result
        if request.dry_run:
            return result

        if plan.touched:
            await _write_channel(conn, plan.after)
        if updated:
            await conn.execute(_UPDATE_FROM_INCOMING, channel_id)
        if added and has_events:
            await conn.execute(_INSERT_FROM_INCOMING, channel_id)
        elif added:
            records = await _in_thread_if_big(len(rows), lambda: _event_records(channel_id, rows))
            await conn.copy_records_to_table("events", records=records, columns=_EVENT_COPY_COLUMNS)
            del records
        if result.change is not None:
            payload = await _in_thread_if_big(
                len(added) + len(updated) + len(removed_ids),
                lambda: _rows.encode_change((rows[i] for i in added), (rows[i] for i in updated), removed_ids),
            )
            await conn.execute(
                "INSERT INTO changes (channel_id, revision, commit_time_us, payload) VALUES ($1, $2, $3, $4)",
                channel_id,
                result.change.revision,
                now,
                payload,
            )
            await self._notify(conn, channel_id, result.change.revision)
        if key:
            await conn.execute(
                "DELETE FROM idempotency_keys WHERE channel_id = $1 AND create_time_us < $2", channel_id, key_cutoff
            )
            await conn.execute(
                "INSERT INTO idempotency_keys (channel_id, key, fingerprint, create_time_us, result)"
                " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (channel_id, key) DO UPDATE SET"
                " fingerprint = excluded.fingerprint, create_time_us = excluded.create_time_us,"
                " result = excluded.result",
                channel_id,
                key,
                request.fingerprint,
                now,
                _plan.result_json(result),
            )
        return result


async def _init_connection(conn: asyncpg.Connection) -> None:
    """Run on every connection the pool opens (and re-opens)."""
    await conn.execute(_CREATE_INCOMING)


async def _check_merge_conflicts(conn: _Conn, channel_id: str, max_duration_us: int) -> None:
    """Raise ``FailedPrecondition`` if an added or updated event (the rows left in
    ``pg_temp.incoming``) overlaps a stored event that stays where it is."""
    pairs = await conn.fetch(_CONFLICTS, channel_id, max_duration_us, _plan.CONFLICTS_SHOWN + 1)
    error = _plan.merge_conflicts([(p[0], p[1]) for p in pairs])
    if error is not None:
        raise error
