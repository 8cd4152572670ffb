"""Imports, exports and stored validations that run in pool workers, which use
the SQLite store themselves beside the server's own writer.

The server runs with ``--inline-max-bytes 0``, so every import, export and
stored validation goes to a worker; channel upserts stay with the server's
writer. What must hold: the same answers as the inline path, nothing lost or
doubled when workers and the server write at once, and a clear error (not a
crash) for what the worker finds wrong.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator, Iterator

import pytest

from scheduleflow.client import AsyncClient
from scheduleflow.client.errors import FailedPrecondition, InvalidArgument, NotFound
from scheduleflow.v1 import schedule_pb2 as pb
from tests.serverproc import ServerProcess, start_server

# One worker runs this module: its module-scoped server starts once (pytest-xdist --dist loadgroup).
pytestmark = pytest.mark.xdist_group("worker_store")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with start_server(tmp_path_factory.mktemp("worker-store"), "--workers", "2", "--inline-max-bytes", "0") as running:
        yield running


@pytest.fixture
async def client(server: ServerProcess) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(server.address, timeout=60) as c:
        yield c


def document(n: int, *, title: str = "t", start_hour: int = 0) -> bytes:
    events = [
        {
            "id": f"e{i}",
            "start": f"2025-11-{22 + (start_hour + i) // 24:02d}T{(start_hour + i) % 24:02d}:00:00Z",
            "duration": "PT1H",
            "asset_id": f"a{i % 7}",
            "title": f"{title} {i}",
        }
        for i in range(n)
    ]
    return json.dumps({"scheduleflow": 1, "events": events}).encode()


async def test_an_import_committed_by_a_worker_exports_back_unchanged(client: AsyncClient) -> None:
    before = (await client.get_stats()).pool
    imported = await client.import_document("rt.example", document(48), format="json", mode="replace-all")
    exported = await client.export("rt.example", format="json")
    again = await client.import_document("rt.example", exported.content, format="json", mode="replace-all")
    after = (await client.get_stats()).pool

    assert (imported.added, imported.revision) == (48, 1)
    assert exported.event_count == 48 and exported.revision == 1
    # Its own export changes nothing: the worker compared it with what it stored.
    assert (again.unchanged, again.added, again.updated, again.removed, again.revision) == (48, 0, 0, 0, 1)
    assert after.inline == before.inline
    assert after.completed - before.completed == 3


async def test_workers_and_the_servers_writer_commit_at_once_without_losing_a_revision(client: AsyncClient) -> None:
    channels = [f"busy{k}.example" for k in range(3)]
    imports = [
        client.import_document(ch, document(200, title=f"v{v}"), format="json", mode="replace-all")
        for v in range(4)
        for ch in channels
    ]
    renames = [client.upsert_channel(ch, display_name=f"Name {i}") for i, ch in enumerate(channels * 3)]
    results = await asyncio.gather(*imports, *renames)

    for ch in channels:
        revisions = sorted(r.revision for r in results[: len(imports)] if r.channel_id == ch)
        # Four changing imports of one channel: four revisions, none shared.
        assert revisions == [1, 2, 3, 4]
        stored = await client.get_channel(ch)
        assert (stored.revision, stored.event_count) == (4, 200)


async def test_a_stored_validation_runs_in_a_worker_and_reports_findings(client: AsyncClient) -> None:
    await client.import_document("val.example", document(24), format="json", mode="replace-all")
    await client.import_document(
        "val.example", document(2, title="late", start_hour=30), format="json", mode="merge"
    )  # e0 and e1 move to 06:00 the next day: a 6-hour gap after e23

    report = await client.validate(stored=True, channel_id="val.example")

    assert report.summary.event_count == 24
    gaps = [f for f in report.findings if f.code == pb.FINDING_CODE_GAP]
    assert [list(f.event_ids) for f in gaps] == [["e23", "e0"]]


async def test_what_a_worker_refuses_is_a_clear_error_and_changes_nothing(client: AsyncClient) -> None:
    await client.import_document("safe.example", document(10), format="json", mode="replace-all")
    overlapping = json.dumps(
        {
            "scheduleflow": 1,
            "events": [
                {"id": "x1", "start": "2025-11-22T00:30:00Z", "duration": "PT1H"},
            ],
        }
    ).encode()

    with pytest.raises(FailedPrecondition):
        await client.import_document("safe.example", overlapping, format="json", mode="merge")
    with pytest.raises(InvalidArgument) as refused:
        await client.import_document("safe.example", b'{"scheduleflow": 1, "events": [{"id": "y"}]}', format="json")
    with pytest.raises(NotFound):
        await client.export("absent.example", format="json")

    assert "line 1, column" in str(refused.value) and "/events/0: missing required field 'start'" in str(refused.value)
    stored = await client.get_channel("safe.example")
    assert (stored.revision, stored.event_count) == (1, 10)


async def test_a_schedule_a_worker_commits_reaches_a_watcher_with_its_events(client: AsyncClient) -> None:
    from scheduleflow.client._playlist import load_playlist

    playlist, rules = load_playlist(
        {"items": [{"id": f"song{i}", "duration": "PT3M"} for i in range(20)], "order": "sequential"}
    )
    window = (dt.datetime(2025, 11, 22, tzinfo=dt.UTC), dt.datetime(2025, 11, 22, 6, tzinfo=dt.UTC))
    await client.upsert_channel("sched.example")
    stream = client.watch_schedule("sched.example")
    assert (await anext(stream)).snapshot.revision == 0

    done = await client.schedule("sched.example", playlist, window=window, rules=rules, seed=3, commit=True)
    update = await asyncio.wait_for(anext(stream), 30)
    await stream.aclose()

    assert done.committed and done.revision == 1
    assert update.change.revision == 1
    assert [e.id for e in update.change.added] == [e.id for e in done.events]
