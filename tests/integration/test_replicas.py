"""Two replicas sharing one PostgreSQL database: a change committed on one
reaches the watchers on the other, in order; a restarted replica resumes a
watcher exactly; dropped database connections recover by themselves.

PostgreSQL is the session's throwaway cluster (``postgres_url``, see
tests/pgcluster.py); this module gets a database of its own in it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from scheduleflow.client import AsyncClient
from tests.serverproc import ServerProcess, launch, start_server

# One worker runs this module: its module-scoped server starts once (pytest-xdist --dist loadgroup).
pytestmark = pytest.mark.xdist_group("replicas")


@pytest.fixture(scope="module")
def database(postgres_url: str) -> Iterator[str]:
    name = f"sf_replicas_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(postgres_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def replicas(database: str, tmp_path: Path) -> AsyncIterator[list[ServerProcess]]:
    # On a, every import and export runs in its worker, which commits and reads
    # through a store connection of its own; b does the small ones itself.
    a = launch(tmp_path / "a", "--store", database, "--workers", "1", "--inline-max-bytes", "0")
    b = launch(tmp_path / "b", "--store", database, "--workers", "1")
    try:
        yield [a, b]
    finally:
        a.terminate()
        b.terminate()


def document(version: int, n: int = 5) -> bytes:
    events = [
        {"id": f"e{i}", "start": f"2025-11-22T{i:02d}:00:00Z", "duration": "PT1H", "title": f"v{version}"}
        for i in range(n)
    ]
    return json.dumps({"scheduleflow": 1, "events": events}).encode()


async def changes(stream: AsyncIterator[object], count: int) -> list[int]:
    got: list[int] = []
    async for update in stream:
        if update.WhichOneof("update") == "change":  # type: ignore[attr-defined]
            got.append(update.change.revision)  # type: ignore[attr-defined]
            if len(got) == count:
                return got
    return got


async def test_a_change_on_replica_a_reaches_a_watcher_on_replica_b_in_order(replicas: list[ServerProcess]) -> None:
    a, b = replicas
    async with AsyncClient(a.address, timeout=30) as on_a, AsyncClient(b.address, timeout=30) as on_b:
        first = await on_a.import_document("x.example", document(0), mode="replace-all")
        stream = on_b.watch_schedule("x.example")
        snapshot = await anext(stream)
        assert snapshot.snapshot.revision == first.revision
        for n in range(1, 6):
            await on_a.import_document("x.example", document(n), mode="replace-all")
        got = await asyncio.wait_for(changes(stream, 5), 30)
        await stream.aclose()
    assert got == list(range(first.revision + 1, first.revision + 6))


@pytest.mark.slow  # a drill: a replica stopped and a third started
async def test_a_watcher_resumes_exactly_after_its_replica_restarts(
    replicas: list[ServerProcess], database: str, tmp_path: Path
) -> None:
    a, b = replicas
    async with AsyncClient(a.address, timeout=30) as on_a:
        await on_a.import_document("y.example", document(0), mode="replace-all")
        async with AsyncClient(b.address, timeout=30) as on_b:
            stream = on_b.watch_schedule("y.example")
            held = (await anext(stream)).snapshot.revision
            await stream.aclose()
        b.terminate()
        # Committed while the watcher's replica is down.
        missed = [
            (await on_a.import_document("y.example", document(n), mode="replace-all")).revision for n in (1, 2, 3)
        ]
        with start_server(tmp_path / "b2", "--store", database, "--workers", "1") as b2:
            async with AsyncClient(b2.address, timeout=30) as on_b2:
                resumed = on_b2.watch_schedule("y.example", from_revisions={"y.example": held})
                got = await asyncio.wait_for(changes(resumed, 3), 30)
                later = await on_a.import_document("y.example", document(4), mode="replace-all")
                got += await asyncio.wait_for(changes(resumed, 1), 30)
                await resumed.aclose()
    assert got == [*missed, later.revision]


@pytest.mark.slow  # a drill: every database connection cut under a watcher
async def test_dropped_database_connections_recover_and_lose_no_acknowledged_write(
    replicas: list[ServerProcess], database: str, postgres_url: str
) -> None:
    a, b = replicas
    name = database.rsplit("/", 1)[1]
    async with AsyncClient(a.address, timeout=30) as on_a, AsyncClient(b.address, timeout=30) as on_b:
        before = await on_a.import_document("z.example", document(0), mode="replace-all")
        stream = on_b.watch_schedule("z.example")
        await anext(stream)
        # Cut every connection the replicas hold (pools and listeners), as a
        # database restart would.
        admin = await asyncpg.connect(postgres_url)
        try:
            cut = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1", name
            )
        finally:
            await admin.close()
        assert cut >= 2
        after = None
        for _ in range(50):  # the pools reconnect on the next call
            try:
                after = await on_a.import_document("z.example", document(1), mode="replace-all")
                break
            except Exception:
                await asyncio.sleep(0.2)
        assert after is not None
        assert after.revision == before.revision + 1
        # B's listener reconnected and caught up: its watcher gets the change.
        got = await asyncio.wait_for(changes(stream, 1), 30)
        await stream.aclose()
        assert got == [after.revision]
        assert (await on_b.get_channel("z.example")).revision == after.revision
        assert await on_b.health("scheduleflow.v1.ScheduleFlowService") == "SERVING"
