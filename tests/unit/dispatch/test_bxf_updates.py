"""BXF updates through the import path: atomic, guarded, logged as ordinary changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduleflow.server.core.errors import RevisionMismatch
from scheduleflow.server.core.model import Event, Window
from scheduleflow.server.core.updates import plan_update
from scheduleflow.server.dispatch import jobs
from scheduleflow.server.store import SqliteStore
from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb

CORPUS = Path(__file__).parents[1] / "formats" / "corpus_bxf"


def _request(name: str, **fields: object) -> bytes:
    content = (CORPUS / name).read_bytes()
    return spb.ImportRequest(
        channel_id="north.tv",
        document=pb.Document(content=content),
        **fields,  # type: ignore[arg-type]
    ).SerializeToString()


async def _import(store: SqliteStore, name: str, **fields: object) -> jobs.CommitResult:
    prepared = jobs.prepare_import(_request(name, **fields), "UTC", 100)
    (outcome,) = await jobs.commit_import(store, prepared)
    assert isinstance(outcome, jobs.CommitResult)
    return outcome


@pytest.fixture
async def store(tmp_path: Path) -> SqliteStore:
    s = SqliteStore(str(tmp_path / "store.db"))
    await s.open()
    yield s  # type: ignore[misc]
    await s.close()


async def test_an_update_adds_replaces_and_deletes_in_one_revision(store: SqliteStore) -> None:
    first = await _import(store, "schedule_2017_program_and_spots.xml")
    assert first.channel.revision == 1 and first.added == 4
    result = await _import(store, "update_add_replace_delete.xml")
    assert (result.added, result.updated, result.removed) == (1, 1, 1)
    assert result.channel.revision == 2
    change = result.change
    assert change is not None
    assert [e.id[-4:] for e in change.added] == ["00a9"]
    assert [e.title for e in change.updated] == ["Coming up: Film Club"]
    assert [i[-4:] for i in change.removed_ids] == ["00a2"]
    _, events = await store.read_events("north.tv", None)
    assert [e.id[-4:] for e in events] == ["00a1", "00a3", "00a4", "00a9"]
    logged = await store.changes_since("north.tv", 1)
    assert logged is not None and [c.revision for c in logged] == [2]


async def test_an_update_is_guarded_by_the_expected_revision_and_replays_by_key(store: SqliteStore) -> None:
    await _import(store, "schedule_2017_program_and_spots.xml")
    with pytest.raises(RevisionMismatch):
        await _import(store, "update_add_replace_delete.xml", expected_revision=7)
    _, events = await store.read_events("north.tv", None)
    assert len(events) == 4  # nothing changed
    once = await _import(store, "update_add_replace_delete.xml", idempotency_key="k1")
    again = await _import(store, "update_add_replace_delete.xml", idempotency_key="k1")
    assert again.replayed and again.channel.revision == once.channel.revision == 2


async def test_a_dry_run_update_changes_nothing(store: SqliteStore) -> None:
    await _import(store, "schedule_2017_program_and_spots.xml")
    result = await _import(store, "update_add_replace_delete.xml", dry_run=True)
    assert result.dry_run and (result.added, result.updated, result.removed) == (1, 1, 1)
    channel, _ = await store.read_events("north.tv", None)
    assert channel.revision == 1


def _e(event_id: str, start: int, duration: int = 10, title: str = "") -> Event:
    return Event(event_id, start, duration, title=title)


def test_plan_covers_where_replaced_and_deleted_events_were() -> None:
    stored = [_e("a", 0), _e("b", 10), _e("c", 20), _e("far", 1000)]
    plan = plan_update(stored, [_e("b", 500, title="moved")], ["a", "ghost"], None)
    assert plan.window == Window(0, 510)
    assert [e.id for e in plan.events] == ["c", "b"]
    (warning,) = plan.findings
    assert warning.event_ids == ("ghost",)


async def test_an_update_of_a_channel_that_does_not_exist_adds_and_warns(store: SqliteStore) -> None:
    prepared = jobs.prepare_import(_request("update_add_replace_delete.xml"), "UTC", 100)
    (result,) = outcomes = await jobs.commit_import(store, prepared)
    assert isinstance(result, jobs.CommitResult)
    assert (result.added, result.removed, result.channel.revision) == (2, 0, 1)
    assert [f.event_ids[0][-4:] for f in prepared.channels[0].later_findings] == ["00a2"]
    response = spb.ImportResponse.FromString(jobs.import_response(prepared, outcomes))
    assert any("was to be deleted" in f.message for f in response.findings)


async def test_an_update_reads_its_window_and_moves_a_replaced_event_from_afar(store: SqliteStore) -> None:
    await _import(store, "schedule_2017_program_and_spots.xml")
    # Far away from the update's window (19:00-20:00 on 1 June): the store
    # matches the replaced event by id wherever it was.
    far = Event("urn:uuid:6a1f2b3c-0000-4000-8000-0000000000a3", 1_000_000_000_000_000, 20_000_000, "PR-OLD")
    await store.commit_events("north.tv", [far], mode=jobs.ImportMode.MERGE, window=None)
    _, before = await store.read_events("north.tv", None)
    assert [e.id[-4:] for e in before] == ["00a3", "00a1", "00a2", "00a4"]  # 2001: long before
    reads: list[Window | None] = []
    original = store.read_events

    async def spy(channel_id: str, window: Window | None) -> object:
        reads.append(window)
        return await original(channel_id, window)

    store.read_events = spy  # type: ignore[method-assign]
    result = await _import(store, "update_add_replace_delete.xml")
    assert (result.added, result.updated, result.removed) == (1, 1, 1)
    assert None not in reads  # never the whole channel
    _, after = await original("north.tv", None)
    assert [(e.id[-4:], e.asset_id) for e in after] == [
        ("00a1", "HL-0104-1"),
        ("00a3", "PR-FILM-20"),
        ("00a4", "HL-0104-2"),
        ("00a9", "WX-0601"),
    ]
