"""The embedded store: one SQLite file, zero setup.

Rules of this module:

1. **No blocking call on the event loop.** Every SQLite call, and the Python
   work around it (checking 250,000 events is CPU time too), runs in a thread.
2. **One connection, one thread.** Each connection lives in a
   :class:`_ConnectionThread`: created, used and closed by that thread only, so
   sqlite3's ``check_same_thread`` guard stays on.
3. **One writer.** SQLite allows one writer at a time; a single writer thread
   queues writes in order instead of letting them fight over the lock and
   ``busy_timeout``. ``BEGIN IMMEDIATE`` still takes the lock up front, which
   matters when another process (a second server, a migration) shares the file.
4. **Several readers beside it.** WAL mode lets readers see the last committed
   snapshot while the writer works, so reads never wait for an import.
5. **Durable when acknowledged.** ``synchronous=FULL``: in WAL mode, NORMAL
   only syncs at checkpoints, so the last commits before a power cut can
   vanish after the caller was told "done". FULL fsyncs the WAL on every
   commit: an acknowledged import survives kill -9 and power loss. Commits are
   few and large here, so the fsync is a small price.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from scheduleflow.server.core import details_json
from scheduleflow.server.core.errors import ScheduleFlowError, Unavailable
from scheduleflow.server.core.model import Channel, ChannelInfo, Event, Window
from scheduleflow.server.core.reconcile import AsRunEntry
from scheduleflow.server.store import _asruns, _checks, _plan, _rows, _sqlite_schema, _tokens
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

__all__ = ["SqliteStore"]

_log = logging.getLogger(__name__)

_T = TypeVar("_T")

#: Page cache of the writer connection, KiB (see _connect).
WRITER_CACHE_KIB = 64 * 1024
# What a commit does to each incoming event.
# An update "in place" keeps its start, so its clustered key: it is rewritten
# where it is. A "moved" one changes key: deleted, then inserted anew.
_ADDED, _UPDATED_IN_PLACE, _MOVED, _UNCHANGED = 0, 1, 2, 3

_CHANNEL_COLUMNS = "id, display_name, time_zone, revision, event_count, update_time_us"
_EVENT_COLUMNS = "event_id, start_us, duration_us, asset_id, title, kind, fixed_start, metadata, details"
_ROW_COLUMNS = "event_id, start_us, duration_us, end_us, asset_id, title, kind, fixed_start, metadata, details"
_PLAY_COLUMNS = ", ".join(_rows.PLAY_COLUMNS)
_JOINED_ROW_COLUMNS = ", ".join(f"e.{column}" for column in _ROW_COLUMNS.split(", "))


def _now_us() -> int:
    return time.time_ns() // 1000


class _ConnectionThread:
    """A sqlite3 connection together with the only thread that touches it."""

    def __init__(self, name: str) -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._conn: sqlite3.Connection | None = None

    def submit(self, fn: Callable[[sqlite3.Connection], _T]) -> concurrent.futures.Future[_T]:
        """Run ``fn(connection)`` in this thread, after the calls queued before it."""
        try:
            return self._executor.submit(self._call, fn)
        except RuntimeError as exc:  # shut down: the store closed under the caller
            raise Unavailable("the store is closed") from exc

    def _call(self, fn: Callable[[sqlite3.Connection], _T]) -> _T:
        if self._conn is None:
            raise Unavailable("the store is closed")
        return fn(self._conn)

    async def start(self, connect: Callable[[], sqlite3.Connection]) -> None:
        def _open() -> None:
            self._conn = connect()

        await asyncio.wrap_future(self._executor.submit(_open))

    async def stop(self) -> None:
        """Close the connection once the calls already queued have run."""

        def _close() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        # Shielded: a cancelled close() must still close, or the connection
        # leaks (and warns) with its thread.
        await asyncio.shield(asyncio.wrap_future(self._executor.submit(_close)))
        await asyncio.to_thread(self._executor.shutdown)


def _channel_row(conn: sqlite3.Connection, channel_id: str) -> ChannelRow | None:
    row = conn.execute(
        f"SELECT {_CHANNEL_COLUMNS}, max_duration_us, log_floor, deleted, details FROM channels WHERE id = ?",
        (channel_id,),
    ).fetchone()
    if row is None:
        return None
    return _rows.channel_row(row)


def _live_channel(conn: sqlite3.Connection, channel_id: str) -> ChannelRow:
    return _plan.require_live(_channel_row(conn, channel_id), channel_id)


def _saved_state(conn: sqlite3.Connection, channel_id: str, at_us: int) -> SavedPlayoutState | None:
    """The playout state saved at the latest instant at or before ``at_us``."""
    found = conn.execute(
        "SELECT at_us, revision, save_time_us, state FROM playout_states"
        " WHERE channel_id = ? AND at_us <= ? ORDER BY at_us DESC LIMIT 1",
        (channel_id, at_us),
    ).fetchone()
    return None if found is None else SavedPlayoutState(*found)


def _window_clause(window: Window | None, max_duration_us: int) -> tuple[str, list[object]]:
    """SQL and parameters selecting events that overlap ``window`` (see
    ``_plan.window_bounds`` and ``_sqlite_schema``)."""
    if window is None:
        return "", []
    return " AND start_us >= ? AND start_us < ? AND end_us > ?", [*_plan.window_bounds(window, max_duration_us)]


def _read_events(conn: sqlite3.Connection, sql: str, params: Sequence[object]) -> list[Event]:
    event = _rows.RowReader().event
    return [event(*row) for row in conn.execute(sql, params)]


def _prepare(request: _plan.Commit) -> _rows.LazyRows:
    """Check a commit's arguments (no database); its rows, made as they are read."""
    _checks.check_commit(
        request.channel_id, request.events, request.mode, request.window, request.channel, request.expected_revision
    )
    return _rows.LazyRows(request.events)


class SqliteStore:
    """The :class:`~scheduleflow.server.store.port.Store` on one SQLite file.

    ``readers`` read connections serve reads beside the single writer.
    ``busy_timeout_s`` bounds the wait for a lock held by another process
    before the call fails with ``Unavailable``. Idempotency keys are honoured
    for ``idempotency_ttl_s`` after first use, then forgotten (and purged as
    the channel commits with new keys), which bounds their table.
    """

    kind = "sqlite"

    def __init__(
        self,
        path: str,
        *,
        readers: int = 2,
        busy_timeout_s: float = 5.0,
        idempotency_ttl_s: float = 24 * 3600.0,
        writer_cache_kib: int = WRITER_CACHE_KIB,
        clock: Callable[[], int] = _now_us,
    ) -> None:
        if readers < 1:
            raise ValueError("a store needs at least one reader connection")
        self.path = path
        self._reader_count = readers
        self._busy_timeout_s = busy_timeout_s
        self._idempotency_ttl_us = int(idempotency_ttl_s * 1_000_000)
        self._clock = clock
        self._writer_cache_kib = writer_cache_kib
        self._writer: _ConnectionThread | None = None
        self._readers: list[_ConnectionThread] = []
        self._idle: asyncio.Queue[_ConnectionThread] = asyncio.Queue()
        self._open = False

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"

    async def __aenter__(self) -> SqliteStore:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- lifecycle ---------------------------------------------------------

    def _connect(self, *, writer: bool) -> sqlite3.Connection:
        # isolation_level=None: autocommit, so the BEGIN/COMMIT below are the
        # only transactions (the sqlite3 module's implicit ones would split
        # or merge them behind our back).
        conn = sqlite3.connect(self.path, timeout=self._busy_timeout_s, isolation_level=None)
        try:
            if writer:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise Unavailable(f"{self.path}: cannot use WAL mode (got {mode!r})")
                conn.execute("PRAGMA synchronous = FULL")  # see the module's rule 5
                conn.execute("PRAGMA foreign_keys = ON")
                # A big page cache (64 MiB by default) instead of 2: a 250,000-event commit
                # touches far more than 2 MiB of index pages, and each miss
                # is a read (measured: 5.7 s -> 2.5 s for a shuffled insert).
                conn.execute(f"PRAGMA cache_size = {-self._writer_cache_kib}")
                # The scratch table a commit joins its incoming ids against;
                # per connection, so only the writer has one.
                conn.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS incoming (event_id TEXT NOT NULL PRIMARY KEY,"
                    " start_us INTEGER NOT NULL, end_us INTEGER NOT NULL, seq INTEGER NOT NULL) WITHOUT ROWID"
                )
                _sqlite_schema.migrate(conn)
            else:
                conn.execute("PRAGMA query_only = ON")
        except BaseException:
            conn.close()
            raise
        return conn

    async def open(self) -> None:
        """Open the file (created if missing), migrate it, start the connections."""
        if self._open:
            return
        # A fresh queue: callers still waiting on the old one (from before a
        # close) get the old, stopped readers and with them ``Unavailable``.
        self._idle = asyncio.Queue()
        try:
            writer = _ConnectionThread("sqlite-writer")
            self._writer = writer
            await writer.start(lambda: self._connect(writer=True))
            for index in range(self._reader_count):
                reader = _ConnectionThread(f"sqlite-reader-{index}")
                self._readers.append(reader)
                await reader.start(lambda: self._connect(writer=False))
                self._idle.put_nowait(reader)
        except sqlite3.Error as exc:
            await self._stop_all()
            raise Unavailable(f"cannot open the database {self.path}: {exc}") from exc
        except BaseException:
            await self._stop_all()
            raise
        self._open = True

    async def _stop_all(self) -> None:
        threads = [*self._readers, *([self._writer] if self._writer else [])]
        self._writer, self._readers = None, []
        for thread in threads:
            await thread.stop()

    async def close(self) -> None:
        """Let calls in flight finish, then close every connection."""
        self._open = False
        await self._stop_all()

    # -- running work in threads -------------------------------------------

    async def _write(self, fn: Callable[[sqlite3.Connection], _T]) -> _T:
        if not self._open or self._writer is None:
            raise Unavailable("the store is closed")
        return await _await_mapped(self._writer.submit(fn))

    async def _read(self, fn: Callable[[sqlite3.Connection], _T]) -> _T:
        if not self._open:
            raise Unavailable("the store is closed")
        idle = self._idle
        reader = await idle.get()
        loop = asyncio.get_running_loop()

        def _release(_: object) -> None:
            # Back to the pool only when the thread is really done: if the
            # caller was cancelled, the SELECT may still be running.
            with contextlib.suppress(RuntimeError):  # the loop is gone, and with it anyone waiting
                loop.call_soon_threadsafe(idle.put_nowait, reader)

        future = reader.submit(fn)
        future.add_done_callback(_release)
        return await _await_mapped(future)

    # -- the port ----------------------------------------------------------

    async def ping(self) -> None:
        """Raise ``Unavailable`` unless the database file answers a read."""
        await self._read(lambda conn: conn.execute("SELECT id FROM channels LIMIT 1").fetchone())

    async def upsert_channel(self, info: ChannelInfo) -> Channel:
        """Create the channel or update its name and zone; no revision (port rule 3)."""
        _checks.check_channel_id(info.id, field="channel.id")
        now = self._clock()

        def work(conn: sqlite3.Connection) -> Channel:
            with _transaction(conn):
                after, write = _plan.saved_channel(_channel_row(conn, info.id), info, now)
                if write:
                    _write_channel(conn, after)
                return after.channel()

        return await self._write(work)

    async def save_asrun(
        self, channel_id: str, entries: Sequence[AsRunEntry], *, window: Window, schedule_revision: int
    ) -> int:
        """Store an as-run log (``_asruns`` rule 1); ``NotFound`` for an absent channel."""
        text = _asruns.encode(entries)
        now = self._clock()

        def work(conn: sqlite3.Connection) -> int:
            with _transaction(conn):
                _live_channel(conn, channel_id)
                cursor = conn.execute(
                    "INSERT INTO asruns (channel_id, window_start_us, window_end_us, receive_time_us,"
                    " schedule_revision, entry_count, entries) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (channel_id, window.start_us, window.end_us, now, schedule_revision, len(entries), text),
                )
                return int(cursor.lastrowid or 0)

        return await self._write(work)

    async def read_asruns(self, channel_id: str, window: Window | None) -> list[AsRunEntry]:
        """Stored as-run entries overlapping ``window`` (``_asruns`` rule 3)."""

        def work(conn: sqlite3.Connection) -> list[str]:
            with _snapshot(conn):
                _live_channel(conn, channel_id)
                sql = "SELECT entries FROM asruns WHERE channel_id = ?"
                params: list[object] = [channel_id]
                if window is not None:
                    sql += " AND window_start_us < ? AND window_end_us > ?"
                    params += [window.end_us, window.start_us]
                return [row[0] for row in conn.execute(sql + " ORDER BY id", params)]

        return _asruns.merged(await self._read(work), window)

    async def get_channel(self, channel_id: str) -> Channel:
        """The channel; ``NotFound`` if absent."""
        return await self._read(lambda conn: _live_channel(conn, channel_id).channel())

    async def list_channels(self, *, page_size: int, page_token: str) -> tuple[list[Channel], str]:
        """A page of channels by id, and the token of the next (``""`` at the end)."""
        size = _tokens.page_size(page_size)
        after = _tokens.decode_channel_token(page_token) if page_token else ""  # ids are never empty

        def work(conn: sqlite3.Connection) -> tuple[list[Channel], str]:
            rows = conn.execute(
                f"SELECT {_CHANNEL_COLUMNS}, details FROM channels WHERE deleted = 0 AND id > ? ORDER BY id LIMIT ?",
                (after, size + 1),
            ).fetchall()
            channels = [_rows.listed_channel(row) for row in rows[:size]]
            return channels, (_tokens.encode_channel_token(channels[-1].id) if len(rows) > size else "")

        return await self._read(work)

    async def delete_channel(self, channel_id: str, *, expected_revision: int | None = None) -> int:
        """Delete the channel's events and mark it deleted; return the deletion's revision."""
        _checks.check_channel_id(channel_id)
        _checks.check_revision(expected_revision)
        now = self._clock()

        def work(conn: sqlite3.Connection) -> int:
            with _transaction(conn):
                revision = _plan.deletion_revision(_channel_row(conn, channel_id), channel_id, expected_revision)
                conn.execute("DELETE FROM events WHERE channel_id = ?", (channel_id,))
                conn.execute("DELETE FROM playout_states WHERE channel_id = ?", (channel_id,))
                conn.execute(
                    "INSERT INTO changes (channel_id, revision, commit_time_us, channel_deleted, payload)"
                    " VALUES (?, ?, ?, 1, ?)",
                    (channel_id, revision, now, _rows.encode_change((), (), ())),
                )
                conn.execute(
                    "UPDATE channels SET deleted = 1, revision = ?, event_count = 0, max_duration_us = 0,"
                    " update_time_us = ? WHERE id = ?",
                    (revision, now, channel_id),
                )
                return revision

        return await self._write(work)

    async def read_playout_state(self, channel_id: str, *, at_us: int | None = None) -> SavedPlayoutState | None:
        """The state in effect at ``at_us`` (the latest when ``None``)."""
        _checks.check_channel_id(channel_id)

        def work(conn: sqlite3.Connection) -> SavedPlayoutState | None:
            with _snapshot(conn):
                _live_channel(conn, channel_id)
                return _saved_state(conn, channel_id, _plan.EVER_AFTER_US if at_us is None else at_us)

        return await self._read(work)

    async def read_continuation(
        self, channel_id: str, window: Window, *, lookback_us: int, reach_us: int, with_state: bool = True
    ) -> Continuation:
        """The plays around ``window`` and the state at its start, in one snapshot (port)."""
        _checks.check_channel_id(channel_id)
        _checks.check_window(window)
        before, after = _plan.continuation_spans(window, lookback_us, reach_us)

        def work(conn: sqlite3.Connection) -> Continuation:
            with _snapshot(conn):
                row = _live_channel(conn, channel_id)
                plays: list[Event] = []
                if before is not None:
                    # Scanned by start (the clustered key) from the earliest
                    # start such an end allows; the end is the exact test.
                    ends_after, ends_by = before
                    plays += _rows.plays(
                        conn.execute(
                            f"SELECT {_PLAY_COLUMNS} FROM events WHERE channel_id = ? AND start_us >= ?"
                            " AND start_us < ? AND end_us > ? AND end_us <= ? ORDER BY start_us, event_id",
                            (channel_id, ends_after - row.max_duration_us, ends_by, ends_after, ends_by),
                        )
                    )
                if after is not None:
                    plays += _rows.plays(
                        conn.execute(
                            f"SELECT {_PLAY_COLUMNS} FROM events WHERE channel_id = ? AND start_us >= ?"
                            " AND start_us < ? ORDER BY start_us, event_id",
                            (channel_id, *after),
                        )
                    )
                return Continuation(plays, _saved_state(conn, channel_id, window.start_us) if with_state else None)

        return await self._read(work)

    async def save_playout_state(self, channel_id: str, *, from_us: int, at_us: int, revision: int, state: str) -> None:
        """Save the state reached at ``at_us``; the ones after ``from_us`` go."""
        _checks.check_channel_id(channel_id)
        now = self._clock()

        def work(conn: sqlite3.Connection) -> None:
            with _transaction(conn):
                _live_channel(conn, channel_id)
                conn.execute("DELETE FROM playout_states WHERE channel_id = ? AND at_us > ?", (channel_id, from_us))
                conn.execute(
                    "INSERT OR REPLACE INTO playout_states (channel_id, at_us, revision, save_time_us, state)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (channel_id, at_us, revision, now, state),
                )

        await self._write(work)

    async def reset_playout_state(self, channel_id: str, *, after_us: int | None = None) -> int:
        """Forget the states saved after ``after_us`` (all when ``None``)."""
        _checks.check_channel_id(channel_id)

        def work(conn: sqlite3.Connection) -> int:
            with _transaction(conn):
                _live_channel(conn, channel_id)
                cursor = conn.execute(
                    "DELETE FROM playout_states WHERE channel_id = ? AND at_us > ?",
                    (channel_id, _plan.EVER_BEFORE_US if after_us is None else after_us),
                )
                return cursor.rowcount

        return await self._write(work)

    async def list_events(
        self, channel_id: str, *, window: Window | None, page_size: int, page_token: str
    ) -> tuple[list[Event], str, int]:
        """A page of the events overlapping ``window`` by ``(start, id)``, the next
        token, and the revision read; ``RevisionMismatch`` if the channel changed
        since the token was issued."""
        _checks.check_channel_id(channel_id)
        _checks.check_window(window)
        size = _tokens.page_size(page_size)
        cursor = _tokens.decode_event_token(page_token, channel_id, window) if page_token else None

        def work(conn: sqlite3.Connection) -> tuple[list[Event], str, int]:
            with _snapshot(conn):
                row = _live_channel(conn, channel_id)
                if cursor is not None:
                    _plan.check_page_revision(cursor.revision, row.revision)
                where, params = _window_clause(window, row.max_duration_us)
                if cursor is not None:
                    where += " AND (start_us, event_id) > (?, ?)"
                    params += [cursor.last_start_us, cursor.last_id]
                events = _read_events(
                    conn,
                    f"SELECT {_EVENT_COLUMNS} FROM events WHERE channel_id = ?{where}"
                    " ORDER BY start_us, event_id LIMIT ?",
                    [channel_id, *params, size + 1],
                )
                token = _tokens.next_events_token(events, size, channel_id, window, row.revision)
                return events, token, row.revision

        return await self._read(work)

    async def read_events(self, channel_id: str, window: Window | None) -> tuple[Channel, list[Event]]:
        """Every event overlapping ``window`` by ``(start, id)``, with its channel, in one snapshot."""
        _checks.check_channel_id(channel_id)
        _checks.check_window(window)

        def work(conn: sqlite3.Connection) -> tuple[Channel, list[Event]]:
            with _snapshot(conn):
                row = _live_channel(conn, channel_id)
                where, params = _window_clause(window, row.max_duration_us)
                events = _read_events(
                    conn,
                    f"SELECT {_EVENT_COLUMNS} FROM events WHERE channel_id = ?{where} ORDER BY start_us, event_id",
                    [channel_id, *params],
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
        # Checking 250,000 events is CPU time: done in a thread of its own, so
        # the writer thread keeps serving the other channels' writes
        # meanwhile. Their rows are made in the writer, as it reads them
        # (LazyRows: a row list beside the events doubled a commit's memory).
        rows = await asyncio.to_thread(_prepare, request)
        return await self._write(lambda conn: self._commit(conn, request, rows))

    async def commit_channels(self, commits: Sequence[ChannelCommit]) -> list[CommitResult]:
        """Several channels' commits in one transaction; see :meth:`Store.commit_channels`."""
        order, requests = _plan.batch(commits)
        rows = await asyncio.to_thread(lambda: [_prepare(r) for r in requests])
        return _plan.in_request_order(order, await self._write(lambda conn: self._commit_batch(conn, requests, rows)))

    async def changes_since(self, channel_id: str, revision: int, *, limit: int = 1000) -> list[ChangeRecord] | None:
        """Change records after ``revision``, oldest first; ``None`` if the log
        cannot continue from there (pruned, or ahead of the channel)."""
        _checks.check_changes_since(channel_id, revision, limit)

        def work(conn: sqlite3.Connection) -> list[ChangeRecord] | None:
            with _snapshot(conn):
                row = _plan.existing(_channel_row(conn, channel_id), channel_id)
                if not _plan.log_continues(row, revision):
                    return None
                return [
                    _rows.change_record(channel_id, *found)
                    for found in conn.execute(
                        "SELECT revision, commit_time_us, channel_deleted, payload FROM changes"
                        " WHERE channel_id = ? AND revision > ? ORDER BY revision LIMIT ?",
                        (channel_id, revision, limit),
                    )
                ]

        return await self._read(work)

    async def prune_changes(self, channel_id: str, *, keep_last: int) -> int:
        """Drop all but the newest ``keep_last`` change records; return how many went."""
        _checks.check_prune(channel_id, keep_last)

        def work(conn: sqlite3.Connection) -> int:
            with _transaction(conn):
                row = _plan.existing(_channel_row(conn, channel_id), channel_id)
                floor = _plan.prune_floor(row, keep_last)
                if floor is None:
                    return 0
                pruned = conn.execute(
                    "DELETE FROM changes WHERE channel_id = ? AND revision <= ?", (channel_id, floor)
                ).rowcount
                conn.execute("UPDATE channels SET log_floor = ? WHERE id = ?", (floor, channel_id))
                return pruned

        return await self._write(work)

    # -- the commit, in the writer thread ----------------------------------

    def _commit(self, conn: sqlite3.Connection, request: _plan.Commit, rows: _rows.LazyRows) -> CommitResult:
        return self._commit_batch(conn, [request], [rows])[0]

    def _commit_batch(
        self, conn: sqlite3.Connection, requests: list[_plan.Commit], rows: list[_rows.LazyRows]
    ) -> list[CommitResult]:
        """Commits in one transaction (one, or a ``commit_channels`` batch)."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            now = self._clock()  # under the lock, so commit times follow revisions
            results = []
            for request, request_rows in zip(requests, rows, strict=True):
                results.append(self._commit_in_transaction(conn, request, request_rows, now))
                request_rows.forget()  # written: its texts need not wait for the last channel
                # The scratch rows go in the same transaction; a rollback drops them too.
                conn.execute("DELETE FROM temp.incoming")
            # Dry runs all or none (_plan.batch); replays wrote nothing.
            discard = requests[0].dry_run or all(r.replayed for r in results)
            conn.execute("ROLLBACK" if discard else "COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return results

    def _commit_in_transaction(
        self, conn: sqlite3.Connection, request: _plan.Commit, rows: _rows.LazyRows, now: int
    ) -> CommitResult:
        channel_id = request.channel_id
        events = request.events
        row = _channel_row(conn, channel_id)  # may be a tombstone
        key = request.key
        key_cutoff = _plan.key_cutoff_us(now, self._idempotency_ttl_us)
        if key and row is not None:  # no row, no keys
            seen = conn.execute(
                "SELECT fingerprint, result FROM idempotency_keys"
                " WHERE channel_id = ? AND key = ? AND create_time_us >= ?",
                (channel_id, key, key_cutoff),
            ).fetchone()
            if seen is not None:
                return _plan.replay(request, seen[0], seen[1])
        live = _plan.start_commit(request, row)

        # Which incoming events are new, changed or identical: one join of the
        # incoming ids against the by-id index, streamed and compared row by
        # row against the incoming row it names (``seq``), so nothing stored
        # is held. An empty channel (the first import, the common big one)
        # has nothing to join against.
        has_events = live is not None and live.event_count > 0
        status = bytearray(len(rows))  # _ADDED until the join finds the id
        if has_events:
            conn.executemany(
                "INSERT INTO temp.incoming VALUES (?, ?, ?, ?)",
                ((e.id, e.start_us, e.start_us + e.duration_us, seq) for seq, e in enumerate(events)),
            )
            # CROSS JOIN fixes the loop order (SQLite keeps it as written): one
            # by-id probe per incoming event. Left to the planner, which has no
            # statistics, it scanned the channel's whole by-id index instead,
            # so a day's commit cost grew with the channel's age (day 365 of a
            # channel took 12x day 1; bench_generate.py --continuation).
            for found in conn.execute(
                f"SELECT i.seq, {_JOINED_ROW_COLUMNS} FROM temp.incoming AS i"
                " CROSS JOIN events AS e ON e.channel_id = ? AND e.event_id = i.event_id",
                (channel_id,),
            ):
                seq = found[0]
                incoming = rows[seq]
                if found[1:] == incoming:
                    status[seq] = _UNCHANGED
                else:
                    status[seq] = _UPDATED_IN_PLACE if found[2] == incoming[1] else _MOVED
        added = [seq for seq, kind in enumerate(status) if kind == _ADDED]
        updated = [seq for seq, kind in enumerate(status) if kind in (_UPDATED_IN_PLACE, _MOVED)]
        unchanged_ids = [(events[seq].id,) for seq, kind in enumerate(status) if kind == _UNCHANGED]

        max_duration = live.max_duration_us if live is not None else 0  # bounds the scans below
        removed_ids: list[str] = []
        remove_where = ""
        remove_params: list[object] = []
        if has_events and request.mode is ImportMode.MERGE:
            if unchanged_ids:
                # An identical event stays where it is, so it is a conflict
                # partner like any stored event; only the moving ones are not.
                conn.executemany("DELETE FROM temp.incoming WHERE event_id = ?", unchanged_ids)
            _check_merge_conflicts(conn, channel_id, max_duration)
        elif has_events:
            window_sql, window_params = _window_clause(request.removal_window, max_duration)
            remove_where = f"channel_id = ?{window_sql} AND event_id NOT IN (SELECT event_id FROM temp.incoming)"
            remove_params = [channel_id, *window_params]
            removed_ids = [
                found[0]
                for found in conn.execute(
                    f"SELECT event_id FROM events WHERE {remove_where} ORDER BY start_us, event_id", remove_params
                )
            ]

        plan = _plan.plan_commit(
            request,
            row,
            now,
            added=added,
            updated=updated,
            unchanged=len(unchanged_ids),
            removed_ids=removed_ids,
        )
        result = plan.result
        if request.dry_run:
            return result

        # In clustered-key order, inserts touch each b-tree page once instead
        # of hopping about (measured: 2x faster for a shuffled 250,000).
        inserted = [seq for seq, kind in enumerate(status) if kind in (_ADDED, _MOVED)]
        if not _in_key_order(events, inserted):  # validated documents come sorted
            inserted.sort(key=lambda seq: (events[seq].start_us, events[seq].id))
        if plan.touched:
            _write_channel(conn, plan.after)
        if removed_ids:
            # The same predicate as the SELECT above, in the same transaction:
            # the same rows, without a round trip per id.
            conn.execute(f"DELETE FROM events WHERE {remove_where}", remove_params)
        if updated:
            # One statement per row whichever way; in place it touches one
            # b-tree instead of four (measured: 250,000 retitled events
            # commit about twice as fast as with delete + insert).
            conn.executemany(
                "UPDATE events SET duration_us = ?, end_us = ?, asset_id = ?, title = ?, kind = ?,"
                " fixed_start = ?, metadata = ?, details = ? WHERE channel_id = ? AND start_us = ? AND event_id = ?",
                (
                    (*rows[seq][2:], channel_id, rows[seq][1], rows[seq][0])
                    for seq in updated
                    if status[seq] == _UPDATED_IN_PLACE
                ),
            )
            conn.executemany(
                "DELETE FROM events WHERE channel_id = ? AND event_id = ?",
                ((channel_id, rows[seq][0]) for seq in updated if status[seq] == _MOVED),
            )
        if inserted:
            conn.executemany(
                f"INSERT INTO events (channel_id, {_ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((channel_id, *rows[seq]) for seq in inserted),
            )
        if result.change is not None:
            payload = _rows.encode_change((rows[i] for i in added), (rows[i] for i in updated), removed_ids)
            conn.execute(
                "INSERT INTO changes (channel_id, revision, commit_time_us, payload) VALUES (?, ?, ?, ?)",
                (channel_id, result.change.revision, now, payload),
            )
        if key:
            conn.execute(
                "DELETE FROM idempotency_keys WHERE channel_id = ? AND create_time_us < ?", (channel_id, key_cutoff)
            )
            conn.execute(
                "INSERT OR REPLACE INTO idempotency_keys (channel_id, key, fingerprint, create_time_us, result)"
                " VALUES (?, ?, ?, ?, ?)",
                (channel_id, key, request.fingerprint, now, _plan.result_json(result)),
            )
        return result


def _in_key_order(events: Sequence[Event], picked: list[int]) -> bool:
    """Whether ``events[i] for i in picked`` are in (start, id) order, the events table's key."""
    previous = None
    for seq in picked:
        event = events[seq]
        key = (event.start_us, event.id)
        if previous is not None and key < previous:
            return False
        previous = key
    return True


def _write_channel(conn: sqlite3.Connection, row: ChannelRow) -> None:
    conn.execute(
        "INSERT INTO channels (id, display_name, time_zone, revision, event_count, update_time_us,"
        " max_duration_us, log_floor, deleted, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, time_zone = excluded.time_zone,"
        " revision = excluded.revision, event_count = excluded.event_count,"
        " update_time_us = excluded.update_time_us, max_duration_us = excluded.max_duration_us,"
        " log_floor = excluded.log_floor, deleted = excluded.deleted, details = excluded.details",
        (
            row.id,
            row.display_name,
            row.time_zone,
            row.revision,
            row.event_count,
            row.update_time_us,
            row.max_duration_us,
            row.log_floor,
            int(row.deleted),
            details_json.dumps(row.details),
        ),
    )


def _check_merge_conflicts(conn: sqlite3.Connection, channel_id: str, max_duration_us: int) -> None:
    """Raise ``FailedPrecondition`` if an added or updated event (the rows left in
    ``temp.incoming``) overlaps a stored event that stays where it is."""
    # CROSS JOIN fixes the loop order: for each incoming event, one bounded
    # range scan of the clustered (channel, start) key, as in window reads.
    pairs = conn.execute(
        "SELECT i.event_id, e.event_id FROM temp.incoming AS i CROSS JOIN events AS e"
        " WHERE e.channel_id = ? AND e.start_us >= i.start_us - ? AND e.start_us < i.end_us"
        " AND e.end_us > i.start_us AND e.event_id NOT IN (SELECT event_id FROM temp.incoming)"
        " LIMIT ?",
        (channel_id, max_duration_us, _plan.CONFLICTS_SHOWN + 1),
    ).fetchall()
    error = _plan.merge_conflicts(pairs)
    if error is not None:
        raise error


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """A write transaction: ``BEGIN IMMEDIATE`` takes the lock before the first
    read, so what the transaction reads cannot change before it writes."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextlib.contextmanager
def _snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """A read transaction: every SELECT inside sees the same committed state."""
    conn.execute("BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")  # a read-only transaction: COMMIT only ends it


async def _await_mapped(future: concurrent.futures.Future[_T]) -> _T:
    """Await a thread's result, turning database failures into ``Unavailable``.

    Domain errors pass through untouched. A busy or broken database is
    retryable from the caller's point of view; the details go to the log,
    not to the client.
    """
    try:
        result = await asyncio.wrap_future(future)
        OUTAGES.succeeded()
        return result
    except ScheduleFlowError:
        raise
    except sqlite3.OperationalError as exc:
        OUTAGES.failed(exc, "an sqlite operation")
        raise Unavailable(f"the database is unavailable: {exc}") from exc
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError):
            raise  # a bug here, not an outage: let it surface as INTERNAL
        _log.error("sqlite database error: %s", exc)
        raise Unavailable("the database failed; see the server log") from exc
