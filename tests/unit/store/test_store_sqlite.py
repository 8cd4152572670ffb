"""What only the SQLite adapter promises: its file, its threads, its crashes."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import sys
import threading
import zlib
from pathlib import Path

import pytest

from scheduleflow.server.core.errors import FailedPrecondition, Unavailable
from scheduleflow.server.core.model import ChannelInfo, Event
from scheduleflow.server.store import ImportMode, SqliteStore
from scheduleflow.server.store._sqlite_schema import LATEST_VERSION, MIGRATIONS, migrate, schema_version
from tests.unit.store._store_helpers import MINUTE, at, ev, ids

ALL = ImportMode.REPLACE_ALL


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


# -- the file and its schema ------------------------------------------------------


async def test_a_version_1_database_is_upgraded_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = _connect(path)
    try:
        assert migrate(conn, target=1) == 1
        conn.execute(
            "INSERT INTO channels (id, display_name, time_zone, revision, event_count) VALUES ('ch', 'Old', 'UTC', 4, 1)"
        )
        conn.execute(
            "INSERT INTO events VALUES ('ch', ?, 'a', ?, ?, 'asset-a', 'Title a', 'PROGRAM', 0, '{}')",
            (at(0), 30 * MINUTE, at(30)),
        )
    finally:
        conn.close()

    async with SqliteStore(str(path)) as store:
        channel, events = await store.read_events("ch", None)
        # Version 2 brought idempotency keys: they work on the upgraded file.
        first = await store.commit_events("ch", [ev("b", 60)], mode=ImportMode.MERGE, window=None, idempotency_key="k")
        again = await store.commit_events("ch", [ev("b", 60)], mode=ImportMode.MERGE, window=None, idempotency_key="k")

    assert (channel.display_name, channel.revision) == ("Old", 4)
    assert events == [ev("a", 0)]
    assert (first.channel.revision, again.replayed) == (5, True)
    conn = _connect(path)
    try:
        assert schema_version(conn) == LATEST_VERSION
    finally:
        conn.close()


async def test_opening_again_migrates_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "store.db")
    async with SqliteStore(path) as store:
        await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None)
    async with SqliteStore(path) as store:
        assert ids((await store.read_events("ch", None))[1]) == ["a"]

    conn = sqlite3.connect(path)
    try:
        assert schema_version(conn) == LATEST_VERSION
    finally:
        conn.close()


async def test_a_database_from_a_newer_server_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    conn = _connect(path)
    try:
        conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    finally:
        conn.close()

    store = SqliteStore(str(path))
    with pytest.raises(FailedPrecondition, match="newer than this server"):
        await store.open()
    with pytest.raises(Unavailable):
        await store.ping()


async def test_a_path_that_cannot_be_opened_is_unavailable(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "no" / "such" / "dir.db"))

    with pytest.raises(Unavailable):
        await store.open()


async def test_connections_are_durable_wal_connections(tmp_path: Path) -> None:
    async with SqliteStore(str(tmp_path / "store.db")) as store:
        writer = await store._write(
            lambda c: [c.execute(f"PRAGMA {p}").fetchone()[0] for p in ("journal_mode", "synchronous", "foreign_keys")]
        )
        reader = await store._read(lambda c: c.execute("PRAGMA query_only").fetchone()[0])

    assert writer == ["wal", 2, 1]  # synchronous 2 is FULL
    assert reader == 1


# -- threads and the event loop ----------------------------------------------------


@pytest.mark.slow  # the big-commit tier: 50,000 events
async def test_the_event_loop_keeps_running_during_a_big_commit(tmp_path: Path) -> None:
    events = [Event(f"e{i}", at(i), MINUTE) for i in range(50_000)]
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    async with SqliteStore(str(tmp_path / "store.db")) as store:
        ticker = asyncio.create_task(tick())
        try:
            await store.commit_events("ch", events, mode=ALL, window=None)
        finally:
            ticker.cancel()

    # Had the commit run on the loop, the ticker could not have run at all.
    assert ticks >= 5


async def test_reads_see_the_last_commit_while_a_write_holds_the_lock(tmp_path: Path) -> None:
    async with SqliteStore(str(tmp_path / "store.db")) as store:
        await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None)
        inside, release = threading.Event(), threading.Event()

        def hold_the_write_lock(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE channels SET display_name = 'uncommitted'")
            inside.set()
            release.wait(30)
            conn.execute("ROLLBACK")

        writing = asyncio.ensure_future(store._write(hold_the_write_lock))
        await asyncio.to_thread(inside.wait, 30)
        try:
            channel = await store.get_channel("ch")
            _, events = await store.read_events("ch", None)
        finally:
            release.set()
            await writing

    assert channel.display_name == "ch"
    assert ids(events) == ["a"]


async def test_cancelled_reads_leave_the_readers_usable(tmp_path: Path) -> None:
    async with SqliteStore(str(tmp_path / "store.db"), readers=2) as store:
        await store.commit_events("ch", [ev(str(i), i) for i in range(2000)], mode=ALL, window=None)
        reads = [asyncio.ensure_future(store.read_events("ch", None)) for _ in range(10)]
        await asyncio.sleep(0)
        for read in reads:
            read.cancel()
        await asyncio.gather(*reads, return_exceptions=True)

        assert len((await store.read_events("ch", None))[1]) == 2000


async def test_a_closed_store_is_unavailable(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "store.db"))
    await store.open()
    await store.ping()
    await store.close()

    with pytest.raises(Unavailable):
        await store.ping()
    with pytest.raises(Unavailable):
        await store.commit_events("ch", [], mode=ALL, window=None)


async def test_two_stores_on_one_file_take_turns(tmp_path: Path) -> None:
    path = str(tmp_path / "store.db")
    async with SqliteStore(path) as one, SqliteStore(path) as two:
        results = await asyncio.gather(
            *(
                (one if i % 2 else two).commit_events("ch", [ev(f"e{i}", i * 30)], mode=ImportMode.MERGE, window=None)
                for i in range(10)
            )
        )
        channel = await one.get_channel("ch")

    assert sorted(r.channel.revision for r in results) == list(range(1, 11))
    assert channel.event_count == 10


# -- idempotency keys expire ---------------------------------------------------------


async def test_idempotency_keys_are_forgotten_after_their_ttl(tmp_path: Path) -> None:
    now = [1_000_000_000]
    async with SqliteStore(str(tmp_path / "store.db"), idempotency_ttl_s=60, clock=lambda: now[0]) as store:
        await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None, idempotency_key="k", fingerprint="f")
        now[0] += 59_000_000
        replay = await store.commit_events("ch", [], mode=ALL, window=None, idempotency_key="k", fingerprint="f")
        now[0] += 2_000_000
        fresh = await store.commit_events("ch", [], mode=ALL, window=None, idempotency_key="k", fingerprint="g")

    assert replay.replayed
    assert (fresh.replayed, fresh.removed) == (False, 1)


# -- kill -9 ---------------------------------------------------------------------------

_CHILD = """
import asyncio, sys, time
from scheduleflow.server.core.model import Event
from scheduleflow.server.store import ImportMode, SqliteStore

calls = 0

def clock():
    # Called once per commit, right after BEGIN IMMEDIATE: tells the parent
    # that the second commit's transaction is open.
    global calls
    calls += 1
    if calls == 2:
        print("BEGIN", flush=True)
    return time.time_ns() // 1000

async def main(path, count):
    async with SqliteStore(path, clock=clock) as store:
        await store.commit_events("ch", [Event("first", 0, 10)], mode=ImportMode.REPLACE_ALL, window=None)
        print("ACK 1", flush=True)
        events = [Event(f"e{i:06d}", i * 10, 10, title="x" * 40) for i in range(count)]
        await store.commit_events("ch", events, mode=ImportMode.REPLACE_ALL, window=None)
        print("ACK 2", flush=True)
        await asyncio.sleep(3600)

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


@pytest.mark.slow
@pytest.mark.parametrize("delay_s", [0.02, 0.3, None], ids=["early", "later", "after-ack"])
async def test_a_killed_commit_is_all_or_nothing(tmp_path: Path, delay_s: float | None) -> None:
    """SIGKILL a child mid-commit (or, with no delay, right after it acknowledged):
    the file holds the old revision or the whole new one, never a part."""
    path, count = str(tmp_path / "store.db"), 100_000
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _CHILD, path, str(count), stdout=asyncio.subprocess.PIPE
    )
    assert child.stdout is not None
    lines = [(await child.stdout.readline()).decode().strip() for _ in range(2)]
    assert lines == ["ACK 1", "BEGIN"]
    if delay_s is None:
        assert (await child.stdout.readline()).decode().strip() == "ACK 2"
    else:
        await asyncio.sleep(delay_s)
    child.send_signal(signal.SIGKILL)
    rest, _ = await child.communicate()
    acknowledged = delay_s is None or "ACK 2" in rest.decode()

    async with SqliteStore(path) as store:
        channel, events = await store.read_events("ch", None)
        records = await store.changes_since("ch", 0) or []

    assert channel.revision in (1, 2)
    if acknowledged:
        assert channel.revision == 2
    if channel.revision == 1:
        assert not acknowledged
        assert ids(events) == ["first"]
        assert [r.revision for r in records] == [1]
    else:
        assert channel.event_count == len(events) == count
        assert [(r.revision, len(r.added)) for r in records] == [(1, 1), (2, count)]
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


async def test_upserting_a_deleted_channel_revives_it_with_its_counter(tmp_path: Path) -> None:
    async with SqliteStore(str(tmp_path / "store.db")) as store:
        await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None, channel=ChannelInfo("ch", "Old"))
        await store.delete_channel("ch")
        revived = await store.upsert_channel(ChannelInfo("ch"))

    assert (revived.display_name, revived.revision, revived.event_count) == ("ch", 2, 0)


async def test_a_database_from_before_guide_details_keeps_its_events_and_change_log(tmp_path: Path) -> None:
    path = tmp_path / "before-details.db"
    before = next(step for step, sql in enumerate(MIGRATIONS) if "ADD COLUMN details" in sql[0])
    conn = _connect(path)
    try:
        assert migrate(conn, target=before) == before
        conn.execute(
            "INSERT INTO channels (id, display_name, time_zone, revision, event_count) VALUES ('ch', 'Old', 'UTC', 1, 1)"
        )
        conn.execute(
            "INSERT INTO events VALUES ('ch', ?, 'a', ?, ?, 'asset-a', 'Title a', 'PROGRAM', 0, '{}')",
            (at(0), 30 * MINUTE, at(30)),
        )
        # The change log in the nine-column layout of before.
        old_row = ["a", at(0), 30 * MINUTE, at(30), "asset-a", "Title a", "PROGRAM", 0, "{}"]
        payload = zlib.compress(json.dumps({"v": 1, "a": [old_row], "u": [], "r": []}).encode())
        conn.execute(
            "INSERT INTO changes (channel_id, revision, commit_time_us, payload) VALUES ('ch', 1, 0, ?)", (payload,)
        )
    finally:
        conn.close()

    async with SqliteStore(str(path)) as store:
        _, events = await store.read_events("ch", None)
        changes = await store.changes_since("ch", 0)
        channel = await store.get_channel("ch")
    assert events == [ev("a", 0)]
    assert events[0].details is None
    assert channel.details is None
    assert changes is not None
    assert list(changes[0].added) == [ev("a", 0)]
