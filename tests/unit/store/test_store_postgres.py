"""What only the PostgreSQL adapter promises: its schema, its pool, its outages,
and the notifications that carry commits across replicas.

The contract suite runs on PostgreSQL through ``conftest.STORE_FACTORIES``;
these tests use the session's throwaway cluster too (``postgres_url``, see
tests/pgcluster.py). Each works in a schema and a notification channel of its
own, dropped at the end, so the tests of one session never meet.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import secrets
import socket
import struct
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from scheduleflow.server.core.errors import FailedPrecondition, InvalidInput, NotFound, Unavailable
from scheduleflow.server.core.model import ChannelInfo, Event
from scheduleflow.server.store import ImportMode, Store
from tests.unit.store._store_helpers import MINUTE, at, ev, ids

asyncpg = pytest.importorskip("asyncpg")

from scheduleflow.server.live.notify import PostgresChangeListener  # noqa: E402
from scheduleflow.server.store import _postgres_schema  # noqa: E402 - needs asyncpg
from scheduleflow.server.store.postgres import PostgresStore  # noqa: E402
from scheduleflow.server.store.postgres_notify import CATCH_UP, decode_payload, encode_payload  # noqa: E402

#: For the tests that need no database: only the form of the address matters.
_NOWHERE = "postgresql://postgres@127.0.0.1:1/postgres"
ALL = ImportMode.REPLACE_ALL
MERGE = ImportMode.MERGE


def _with_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))


@contextlib.asynccontextmanager
async def _admin(url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(url)
    try:
        yield conn
    finally:
        await conn.close()


async def _terminate(url: str, application_name: str) -> int:
    """Kill every backend of ``application_name``, as a database restart would."""
    async with _admin(url) as conn:
        killed: int = await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()",
            application_name,
        )
        return killed


@pytest.fixture
def name() -> str:
    """A name no other test or run uses: for a schema, an application, a channel."""
    return f"sf_test_{secrets.token_hex(6)}"


@pytest.fixture
async def schema(name: str, postgres_url: str) -> AsyncIterator[str]:
    yield name
    async with _admin(postgres_url) as conn:
        await conn.execute(f"DROP SCHEMA IF EXISTS {_postgres_schema.quote_ident(name)} CASCADE")


def _store(url: str, schema: str, **options: object) -> PostgresStore:
    options.setdefault("max_size", 3)
    options.setdefault("application_name", schema)
    options.setdefault("notify_channel", schema)
    return PostgresStore(url, schema=schema, **options)  # type: ignore[arg-type]


# -- no database needed ------------------------------------------------------------


def test_the_adapter_has_every_method_of_the_port_with_its_signature() -> None:
    port_methods = {name for name, _ in inspect.getmembers(Store, inspect.isfunction) if not name.startswith("_")}

    for method in port_methods:
        adapter_method = getattr(PostgresStore, method)
        assert inspect.iscoroutinefunction(adapter_method), method
        assert inspect.signature(adapter_method) == inspect.signature(getattr(Store, method)), method
    assert PostgresStore.kind == "postgresql"


def test_notification_payloads_carry_keys() -> None:
    assert encode_payload("ch", 7) == "ch:7"
    assert decode_payload("ch:7") == ("ch", 7)
    assert decode_payload(encode_payload("news:fr:1", 12)) == ("news:fr:1", 12)  # ids may hold ":"
    # Too long for NOTIFY: sent empty, and an empty or odd payload asks for a catch-up.
    assert encode_payload("x" * 8000, 1) == ""
    for odd in ("", "ch", ":3", "ch:", "ch:-1", "ch:1e3"):
        assert decode_payload(odd) == CATCH_UP, odd


async def test_an_unreachable_database_is_unavailable() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = PostgresStore(_with_port(_NOWHERE, port), connect_timeout_s=1)

    with pytest.raises(Unavailable):
        await store.open()
    with pytest.raises(Unavailable):
        await store.ping()
    with pytest.raises(Unavailable):
        async with PostgresChangeListener(_with_port(_NOWHERE, port), connect_timeout_s=1):
            pass


def test_schema_names_are_checked() -> None:
    with pytest.raises(ValueError, match="63 bytes"):
        PostgresStore(_NOWHERE, schema="s" * 64)
    with pytest.raises(ValueError, match="min_size"):
        PostgresStore(_NOWHERE, min_size=5, max_size=2)


# -- the schema ------------------------------------------------------------------------


async def test_replicas_starting_together_migrate_once(schema: str, postgres_url: str) -> None:
    stores = [_store(postgres_url, schema, max_size=1) for _ in range(4)]
    try:
        await asyncio.gather(*(store.open() for store in stores))
        await stores[0].commit_events("ch", [ev("a", 0)], mode=ALL, window=None)
        assert ids((await stores[3].read_events("ch", None))[1]) == ["a"]
    finally:
        for store in stores:
            await store.close()

    async with _admin(postgres_url) as conn:
        await conn.execute(f"SET search_path = {_postgres_schema.quote_ident(schema)}")
        assert await _postgres_schema.schema_version(conn) == _postgres_schema.LATEST_VERSION
        assert await conn.fetchval("SELECT count(*) FROM schema_version") == 1


async def test_reopening_keeps_the_data_and_migrates_nothing(schema: str, postgres_url: str) -> None:
    async with _store(postgres_url, schema) as store:
        await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None)
    async with _store(postgres_url, schema) as store:
        channel, events = await store.read_events("ch", None)

    assert (channel.revision, ids(events)) == (1, ["a"])


async def test_a_schema_from_a_newer_server_is_refused(schema: str, postgres_url: str) -> None:
    async with _store(postgres_url, schema):
        pass
    async with _admin(postgres_url) as conn:
        await conn.execute(
            f"UPDATE {_postgres_schema.quote_ident(schema)}.schema_version SET version = $1",
            _postgres_schema.LATEST_VERSION + 1,
        )

    store = _store(postgres_url, schema)
    with pytest.raises(FailedPrecondition, match="newer than this server"):
        await store.open()
    with pytest.raises(Unavailable):
        await store.ping()


async def test_connections_use_the_schema_and_a_byte_order_collation(schema: str, postgres_url: str) -> None:
    async with _store(postgres_url, schema) as store:
        # "B" < "a" < "b" < "é" in code point order; a locale would interleave cases.
        for channel_id in ["é", "b", "a", "B"]:
            await store.upsert_channel(ChannelInfo(channel_id))
        page, _ = await store.list_channels(page_size=10, page_token="")
        await store.commit_events("ch", [ev("b", 0), ev("a", 0), ev("B", 0), ev("é", 0)], mode=ALL, window=None)
        _, events = await store.read_events("ch", None)
        assert store._pool is not None
        async with store._pool.acquire() as conn:
            path = await conn.fetchval("SHOW search_path")

    assert [c.id for c in page] == ["B", "a", "b", "é"]
    assert ids(events) == ["B", "a", "b", "é"]
    assert path == f'"{schema}"'


# -- transactions and locks --------------------------------------------------------------


async def test_two_replicas_on_one_channel_take_turns(schema: str, postgres_url: str) -> None:
    async with _store(postgres_url, schema) as one, _store(postgres_url, schema) as two:
        results = await asyncio.gather(
            *(
                (one if i % 2 else two).commit_events("ch", [ev(f"e{i}", i * 30)], mode=MERGE, window=None)
                for i in range(12)
            )
        )
        channel = await one.get_channel("ch")
        records = await two.changes_since("ch", 0) or []

    assert sorted(r.channel.revision for r in results) == list(range(1, 13))
    assert channel.event_count == 12
    assert [r.revision for r in records] == list(range(1, 13))


async def test_replicas_creating_one_channel_at_once_get_one_channel(schema: str, postgres_url: str) -> None:
    async with _store(postgres_url, schema) as one, _store(postgres_url, schema) as two:
        await asyncio.gather(
            one.upsert_channel(ChannelInfo("ch", "One")),
            two.upsert_channel(ChannelInfo("ch", "Two")),
            one.commit_events("ch", [ev("a", 0)], mode=MERGE, window=None),
            two.commit_events("ch", [ev("b", 30)], mode=MERGE, window=None),
        )
        channel = await one.get_channel("ch")

    assert channel.revision == 2
    assert channel.event_count == 2
    assert channel.display_name in ("One", "Two")


async def test_a_rolled_back_commit_leaves_no_trace_of_the_channel(schema: str, postgres_url: str) -> None:
    async with _store(postgres_url, schema) as store:
        await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None, dry_run=True)
        with pytest.raises(InvalidInput):
            await store.commit_events("ch", [ev("a\x00", 0)], mode=ALL, window=None)
        with pytest.raises(NotFound):
            await store.changes_since("ch", 0)

    async with _admin(postgres_url) as conn:
        assert await conn.fetchval(f"SELECT count(*) FROM {_postgres_schema.quote_ident(schema)}.channels") == 0


async def test_a_channel_locked_too_long_is_unavailable(schema: str, postgres_url: str) -> None:
    async with _store(postgres_url, schema, lock_timeout_s=0.2) as store:
        await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None)
        async with _admin(postgres_url) as conn, conn.transaction():
            await conn.execute(
                f"SELECT 1 FROM {_postgres_schema.quote_ident(schema)}.channels WHERE id = 'ch' FOR UPDATE"
            )
            with pytest.raises(Unavailable):
                await store.commit_events("ch", [ev("b", 0)], mode=ALL, window=None)
            other = await store.commit_events("other", [ev("b", 0)], mode=ALL, window=None)  # not blocked

        assert other.channel.revision == 1
        assert ids((await store.read_events("ch", None))[1]) == ["a"]


async def test_text_postgresql_cannot_hold_is_invalid_input(schema: str, postgres_url: str) -> None:
    async with _store(postgres_url, schema) as store:
        with pytest.raises(InvalidInput) as bad_title:
            await store.commit_events("ch", [ev("a", 0), ev("b", 30, title="x\x00y")], mode=ALL, window=None)
        with pytest.raises(InvalidInput) as bad_channel:
            await store.get_channel("c\x00h")

    assert bad_title.value.violations[0].where.field == "events[1].title"
    assert bad_channel.value.violations[0].where.field == "channel_id"


async def test_idempotency_keys_are_forgotten_after_their_ttl(schema: str, postgres_url: str) -> None:
    now = [1_000_000_000]
    async with _store(postgres_url, schema, idempotency_ttl_s=60, clock=lambda: now[0]) as store:
        await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None, idempotency_key="k", fingerprint="f")
        now[0] += 59_000_000
        replay = await store.commit_events("ch", [], mode=ALL, window=None, idempotency_key="k", fingerprint="f")
        now[0] += 2_000_000
        fresh = await store.commit_events("ch", [], mode=ALL, window=None, idempotency_key="k", fingerprint="g")

    assert replay.replayed
    assert (fresh.replayed, fresh.removed) == (False, 1)


@pytest.mark.slow  # the big-commit tier: 50,000 events
async def test_the_event_loop_keeps_running_during_a_big_commit(schema: str, postgres_url: str) -> None:
    events = [Event(f"e{i}", at(i), MINUTE) for i in range(50_000)]
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    async with _store(postgres_url, schema) as store:
        ticker = asyncio.create_task(tick())
        try:
            await store.commit_events("ch", events, mode=ALL, window=None)
            await store.read_events("ch", None)
        finally:
            ticker.cancel()

    assert ticks >= 5


# -- outages ------------------------------------------------------------------------------


async def test_a_restarted_database_loses_no_acknowledged_commit(schema: str, postgres_url: str) -> None:
    acknowledged: list[str] = []
    async with _store(postgres_url, schema) as store:
        for i in range(6):
            if i in (2, 4):
                assert await _terminate(postgres_url, schema) >= 1  # every pooled backend, as a restart would
            # The port allows Unavailable once per outage; this adapter runs a
            # call whose connection died before COMMIT again on a fresh one,
            # and the database is back at once here, so every call succeeds.
            await store.commit_events("ch", [ev(f"e{i}", i * 30)], mode=MERGE, window=None)
            acknowledged.append(f"e{i}")
        await _terminate(postgres_url, schema)
        await store.ping()
        await _terminate(postgres_url, schema)
        channel, events = await store.read_events("ch", None)

    assert ids(events) == acknowledged
    assert channel.revision == channel.event_count == 6


async def test_a_commit_cut_off_midway_is_all_or_nothing(schema: str, postgres_url: str) -> None:
    count = 30_000
    events = [Event(f"e{i:06d}", at(i), MINUTE, title="x" * 40) for i in range(count)]
    async with _store(postgres_url, schema) as store:
        await store.commit_events("ch", [ev("first", -10, 5)], mode=ALL, window=None)
        commit = asyncio.ensure_future(store.commit_events("ch", events, mode=ALL, window=None))
        async with _admin(postgres_url) as conn:
            deadline = time.monotonic() + 10
            while not commit.done() and time.monotonic() < deadline:
                busy = await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1"
                    " AND state = 'active' AND query LIKE 'COPY%'",
                    schema,
                )
                if busy:
                    await _terminate(postgres_url, schema)
                    break
                await asyncio.sleep(0.002)
        with contextlib.suppress(Unavailable):  # the port allows it; this adapter retries
            await commit
        channel, stored = await store.read_events("ch", None)
        records = await store.changes_since("ch", 0) or []

    if channel.revision == 1:
        assert ids(stored) == ["first"]
        assert [r.revision for r in records] == [1]
    else:
        assert channel.revision == 2
        assert channel.event_count == len(stored) == count
        assert [(r.revision, len(r.added), len(r.removed_ids)) for r in records] == [(1, 1, 0), (2, count, 1)]


def _goodbye() -> bytes:
    """The ErrorResponse PostgreSQL sends each backend's client as it shuts down, before closing."""
    fields = [
        (b"S", "FATAL"),
        (b"V", "FATAL"),
        (b"C", "57P01"),
        (b"M", "terminating connection due to administrator command"),
    ]
    body = b"".join(code + text.encode() + b"\0" for code, text in fields) + b"\0"
    return b"E" + struct.pack("!i", len(body) + 4) + body


def _say_goodbye_once(store: PostgresStore, monkeypatch: pytest.MonkeyPatch, *, when: str) -> list[int]:
    """Deliver the server's goodbye to the next connection a call gives back,
    ``"before"`` the pool resets it or ``"after"`` it is idle in the pool,
    without the close that follows it: the moment the drill of issue 12 hit
    under load, made certain (the bytes reach asyncpg as the socket would
    hand them over). Returns a list that counts the deliveries."""
    pool = store._pool
    assert pool is not None
    release = asyncpg.pool.Pool.release  # a slotted class: patched on the class, for this pool only
    delivered: list[int] = []

    async def release_with_goodbye(self: asyncpg.Pool, conn: Any, *, timeout: float | None = None) -> None:
        ours = self is pool and not delivered
        raw = conn._con  # the proxy lets go of it on release
        if ours and when == "before":
            delivered.append(1)
            raw._protocol.data_received(_goodbye())
        await release(self, conn, timeout=timeout)
        if ours and when == "after":
            delivered.append(1)
            raw._protocol.data_received(_goodbye())

    monkeypatch.setattr(asyncpg.pool.Pool, "release", release_with_goodbye)
    return delivered


async def test_a_connection_told_goodbye_while_idle_is_replaced_not_an_error(
    schema: str, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _store(postgres_url, schema, max_size=1) as store:
        await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None)
        delivered = _say_goodbye_once(store, monkeypatch, when="after")
        await store.ping()
        assert delivered == [1]
        # The pool hands out the wedged connection, whose first statement
        # fails with asyncpg's InternalClientError, never sent: the call runs
        # again on a fresh connection.
        channel = await store.get_channel("ch")
        assert channel.revision == 1
        _say_goodbye_once(store, monkeypatch, when="after")
        await store.ping()
        result = await store.commit_events("ch", [ev("b", 30)], mode=MERGE, window=None)
        assert result.channel.revision == 2


async def test_a_goodbye_after_the_last_statement_does_not_undo_the_call(
    schema: str, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _store(postgres_url, schema, max_size=1) as store:
        delivered = _say_goodbye_once(store, monkeypatch, when="before")
        # COMMIT answered, then the pool's reset fails: the commit is in, so the call succeeds.
        result = await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None)
        assert delivered == [1]
        assert result.channel.revision == 1
        channel, events = await store.read_events("ch", None)
        assert channel.revision == 1 and ids(events) == ["a"]


async def test_a_commit_whose_answer_is_lost_is_unavailable_and_says_it_may_be_in(
    schema: str, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _store(postgres_url, schema, max_size=1) as store:
        await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None)
        notify = store._notify
        said: list[int] = []

        async def notify_then_goodbye(conn: Any, channel_id: str, revision: int) -> None:
            # pg_notify is the transaction's last statement: COMMIT comes next.
            await notify(conn, channel_id, revision)
            if not said:
                said.append(1)
                conn._con._protocol.data_received(_goodbye())

        monkeypatch.setattr(store, "_notify", notify_then_goodbye)
        with pytest.raises(Unavailable, match="may or may not have been applied"):
            await store.commit_events("ch", [ev("b", 30)], mode=MERGE, window=None)
        # Here COMMIT never left (asyncpg refused to send it), so the change
        # is not in; the caller could not know that, and its retry is safe.
        assert (await store.get_channel("ch")).revision == 1
        result = await store.commit_events("ch", [ev("b", 30)], mode=MERGE, window=None)
        assert result.channel.revision == 2


class _Proxy:
    """A TCP relay to PostgreSQL that can be cut and restored: an outage we own."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        writers = list(self._writers)
        for writer in writers:
            writer.transport.abort()
        self._writers.clear()
        for writer in writers:  # the aborts have reached both ends
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers |= {client_writer, server_writer}

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            writer.transport.abort()

        await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer))
        self._writers -= {client_writer, server_writer}


async def test_while_the_database_is_down_calls_are_unavailable_and_recover_after(
    schema: str, postgres_url: str
) -> None:
    proxy = _Proxy(urlsplit(postgres_url).port or 0)
    await proxy.start()
    try:
        async with _store(_with_port(postgres_url, proxy.port), schema, connect_timeout_s=1) as store:
            await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None)

            await proxy.stop()
            with pytest.raises(Unavailable):
                await store.ping()
            with pytest.raises(Unavailable):
                await store.commit_events("ch", [ev("b", 30)], mode=MERGE, window=None)
            with pytest.raises(Unavailable):
                await store.read_events("ch", None)

            await proxy.start()
            await store.ping()
            result = await store.commit_events("ch", [ev("b", 30)], mode=MERGE, window=None)
            assert result.channel.revision == 2
            assert ids((await store.read_events("ch", None))[1]) == ["a", "b"]
    finally:
        await proxy.stop()


async def test_a_closed_store_is_unavailable(schema: str, postgres_url: str) -> None:
    store = _store(postgres_url, schema)
    await store.open()
    await store.ping()
    await store.close()

    with pytest.raises(Unavailable):
        await store.ping()
    with pytest.raises(Unavailable):
        await store.commit_events("ch", [], mode=ALL, window=None)


# -- notifications ----------------------------------------------------------------------


async def test_commits_are_announced_to_listeners_in_order(schema: str, postgres_url: str) -> None:
    async with (
        _store(postgres_url, schema) as store,
        PostgresChangeListener(postgres_url, channel=schema, application_name=f"{schema}_l") as listener,
        contextlib.aclosing(listener.changes()) as changes,
    ):
        await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None)
        await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None)  # no change: no revision
        await store.commit_events("ch", [ev("b", 0)], mode=ALL, window=None, dry_run=True)  # rolled back
        await store.commit_events("news:fr", [ev("x", 0)], mode=ALL, window=None)
        await store.upsert_channel(ChannelInfo("ch", "Renamed"))  # no revision
        await store.commit_events("ch", [ev("b", 30)], mode=MERGE, window=None)
        await store.delete_channel("ch")

        got = [await asyncio.wait_for(anext(changes), 5) for _ in range(4)]

    assert got == [("ch", 1), ("news:fr", 1), ("ch", 2), ("ch", 3)]


async def test_a_listener_reconnects_and_asks_for_a_catch_up(schema: str, postgres_url: str) -> None:
    listener_name = f"{schema}_l"
    async with (
        _store(postgres_url, schema) as store,
        PostgresChangeListener(
            postgres_url, channel=schema, application_name=listener_name, min_backoff_s=0.01, ping_interval_s=1
        ) as listener,
        contextlib.aclosing(listener.changes()) as changes,
    ):
        await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None)
        assert await asyncio.wait_for(anext(changes), 5) == ("ch", 1)

        assert await _terminate(postgres_url, listener_name) == 1
        assert await asyncio.wait_for(anext(changes), 10) == CATCH_UP
        # The consumer catches up from the log; later commits arrive as before.
        await store.commit_events("ch", [ev("b", 0)], mode=ALL, window=None)
        assert await asyncio.wait_for(anext(changes), 5) == ("ch", 2)

    assert listener.reconnects == 1


async def test_a_listener_keeps_trying_until_the_database_answers(
    monkeypatch: pytest.MonkeyPatch, name: str, postgres_url: str
) -> None:
    listener = PostgresChangeListener(postgres_url, channel=name, application_name=name, min_backoff_s=0.01)
    async with listener:
        real_connect = listener._connect
        attempts = 0

        async def flaky_connect() -> asyncpg.Connection:
            nonlocal attempts
            attempts += 1
            if attempts < 3:
                raise Unavailable("still down")
            return await real_connect()

        monkeypatch.setattr(listener, "_connect", flaky_connect)
        async with contextlib.aclosing(listener.changes()) as changes:
            await _terminate(postgres_url, name)
            assert await asyncio.wait_for(anext(changes), 10) == CATCH_UP

    assert attempts == 3


async def test_a_listener_that_falls_behind_is_told_to_catch_up(name: str, postgres_url: str) -> None:
    async with PostgresChangeListener(postgres_url, channel=name, application_name=name, max_pending=3) as listener:
        async with _admin(postgres_url) as conn, conn.transaction():
            # One transaction: the five arrive together at its commit, so the
            # listener has all of them before the first is read (sent one by
            # one, a loaded machine let the reader take 1 before 4 arrived).
            for revision in range(1, 6):
                await conn.execute("SELECT pg_notify($1, $2)", name, f"ch:{revision}")
        async with contextlib.aclosing(listener.changes()) as changes:
            got = [await asyncio.wait_for(anext(changes), 5) for _ in range(2)]

    # 1 to 3 filled the queue; 4 found it full, so the backlog became a catch-up.
    assert got == [CATCH_UP, ("ch", 5)]
