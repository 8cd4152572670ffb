"""The store contract: what every adapter does, tested through the port only."""

from __future__ import annotations

import pytest

from scheduleflow.server.core.errors import (
    FailedPrecondition,
    InvalidInput,
    NotFound,
    RevisionMismatch,
)
from scheduleflow.server.core.model import (
    ChannelDetails,
    ChannelInfo,
    Credit,
    EpisodeNum,
    Event,
    EventKind,
    Fragment,
    Icon,
    LangText,
    Link,
    ProgrammeDetails,
    Rating,
)
from scheduleflow.server.store import MAX_PAGE_SIZE, ImportMode, Store
from tests.unit.store._store_helpers import MINUTE, at, ev, ids, span

ALL = ImportMode.REPLACE_ALL
WINDOW = ImportMode.REPLACE_WINDOW
MERGE = ImportMode.MERGE


async def stored(store: Store, channel_id: str = "ch") -> list[Event]:
    return (await store.read_events(channel_id, None))[1]


# -- channels ------------------------------------------------------------------


async def test_upsert_creates_a_channel_with_defaults(store: Store) -> None:
    channel = await store.upsert_channel(ChannelInfo("ch"))

    assert (channel.id, channel.display_name, channel.time_zone) == ("ch", "ch", "UTC")
    assert (channel.revision, channel.event_count) == (0, 0)
    assert channel.update_time_us > 0
    assert await store.get_channel("ch") == channel


async def test_upsert_renames_without_spending_a_revision(store: Store) -> None:
    await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None)

    renamed = await store.upsert_channel(ChannelInfo("ch", "Channel One", "Europe/Paris"))
    kept = await store.upsert_channel(ChannelInfo("ch"))  # empty parts keep what is stored

    assert (renamed.display_name, renamed.time_zone, renamed.revision) == ("Channel One", "Europe/Paris", 1)
    assert kept == renamed
    assert await store.changes_since("ch", 1) == []


async def test_a_missing_channel_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.get_channel("nope")
    with pytest.raises(NotFound):
        await store.read_events("nope", None)
    with pytest.raises(NotFound):
        await store.list_events("nope", window=None, page_size=10, page_token="")
    with pytest.raises(NotFound):
        await store.delete_channel("nope")


async def test_channels_are_listed_by_id_in_pages(store: Store) -> None:
    for channel_id in ["e", "b", "d", "a", "c"]:
        await store.upsert_channel(ChannelInfo(channel_id))

    pages: list[list[str]] = []
    token = ""
    while True:
        page, token = await store.list_channels(page_size=2, page_token=token)
        pages.append([channel.id for channel in page])
        if not token:
            break

    assert pages == [["a", "b"], ["c", "d"], ["e"]]


async def test_listing_channels_checks_its_arguments(store: Store) -> None:
    await store.upsert_channel(ChannelInfo("a"))
    assert [c.id for c in (await store.list_channels(page_size=0, page_token=""))[0]] == ["a"]  # 0: the default

    with pytest.raises(InvalidInput) as bad_token:
        await store.list_channels(page_size=10, page_token="not a token!")
    with pytest.raises(InvalidInput) as negative:
        await store.list_channels(page_size=-1, page_token="")

    assert bad_token.value.violations[0].where.field == "page_token"
    assert negative.value.violations[0].where.field == "page_size"


async def test_deleting_a_channel_spends_a_revision_and_logs_it(store: Store) -> None:
    await store.commit_events("ch", [ev("a", 0), ev("b", 30)], mode=ALL, window=None)

    revision = await store.delete_channel("ch", expected_revision=1)

    assert revision == 2
    with pytest.raises(NotFound):
        await store.get_channel("ch")
    assert (await store.list_channels(page_size=10, page_token=""))[0] == []
    [record] = await store.changes_since("ch", 1) or []
    assert (record.revision, record.channel_deleted, record.added, record.removed_ids) == (2, True, (), ())


async def test_deleting_with_a_stale_revision_changes_nothing(store: Store) -> None:
    await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None)

    with pytest.raises(RevisionMismatch) as mismatch:
        await store.delete_channel("ch", expected_revision=7)

    assert (mismatch.value.expected, mismatch.value.actual) == (7, 1)
    assert ids(await stored(store)) == ["a"]


async def test_a_recreated_channel_counts_on_from_its_deletion(store: Store) -> None:
    await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None)
    await store.delete_channel("ch")

    # Absent again, so expected_revision 0 holds; the numbering does not restart,
    # so a watcher resuming from revision 1 or 2 sees the deletion and then this.
    result = await store.commit_events("ch", [ev("b", 0)], mode=ALL, window=None, expected_revision=0)

    assert result.channel.revision == 3
    assert result.channel.display_name == "ch"
    records = await store.changes_since("ch", 0) or []
    assert [(r.revision, r.channel_deleted, ids(r.added)) for r in records] == [
        (1, False, ["a"]),
        (2, True, []),
        (3, False, ["b"]),
    ]
    assert ids(await stored(store)) == ["b"]


# -- commits: modes and counts ---------------------------------------------------


async def test_a_commit_creates_the_channel_from_its_info(store: Store) -> None:
    result = await store.commit_events(
        "ch", [ev("a", 0)], mode=ALL, window=None, channel=ChannelInfo("ch", "One", "America/New_York")
    )

    assert (result.channel.display_name, result.channel.time_zone) == ("One", "America/New_York")
    assert (result.channel.revision, result.channel.event_count) == (1, 1)
    assert await store.get_channel("ch") == result.channel


async def test_replace_all_counts_by_id(store: Store) -> None:
    await store.commit_events("ch", [ev("keep", 0), ev("move", 30), ev("drop", 60)], mode=ALL, window=None)

    result = await store.commit_events("ch", [ev("keep", 0), ev("move", 90), ev("new", 120)], mode=ALL, window=None)

    assert (result.added, result.updated, result.removed, result.unchanged) == (1, 1, 1, 1)
    assert result.channel.revision == 2
    assert result.channel.event_count == 3
    assert ids(await stored(store)) == ["keep", "move", "new"]
    assert result.change is not None
    assert (ids(result.change.added), ids(result.change.updated), result.change.removed_ids) == (
        ["new"],
        ["move"],
        ("drop",),
    )


async def test_every_field_counts_as_content(store: Store) -> None:
    base = ev("a", 0, metadata={"artist": "X", "genre": "pop"})
    await store.commit_events("ch", [base], mode=ALL, window=None)
    variants = [
        base._replace(start_us=base.start_us + 1),
        base._replace(duration_us=base.duration_us + 1),
        base._replace(asset_id="other"),
        base._replace(title="other"),
        base._replace(kind=EventKind.LIVE),
        base._replace(fixed_start=True),
        base._replace(metadata={"artist": "X"}),
        base._replace(metadata={"artist": "Y", "genre": "pop"}),
    ]
    for variant in variants:
        result = await store.commit_events("ch", [variant], mode=ALL, window=None)
        assert result.updated == 1, variant
        result = await store.commit_events("ch", [base], mode=ALL, window=None)
        assert result.updated == 1, variant

    # The same metadata in another order is the same event.
    same = base._replace(metadata={"genre": "pop", "artist": "X"})
    assert (await store.commit_events("ch", [same], mode=ALL, window=None)).unchanged == 1


async def test_events_come_back_exactly_as_stored(store: Store) -> None:
    event = ev(
        "é-1",
        0,
        12.5,
        title='Naïve «title» "quoted"',
        kind=EventKind.JINGLE,
        fixed_start=True,
        metadata={"artist": "Björk", "empty": "", "emoji": "🎵"},
        asset_id="asset/ü",
    )
    await store.commit_events("ch", [event, ev("plain", 60)], mode=ALL, window=None)

    assert await stored(store) == [event, ev("plain", 60)]
    page, _, _ = await store.list_events("ch", window=None, page_size=10, page_token="")
    assert page == [event, ev("plain", 60)]


async def test_replace_window_replaces_what_overlaps_the_window(store: Store) -> None:
    before = [ev("early", 0), ev("straddle-in", 50), ev("inside", 90), ev("straddle-out", 170), ev("late", 200)]
    await store.commit_events("ch", before, mode=ALL, window=None)

    # Window [60, 180): "straddle-in" [50, 80) and "straddle-out" [170, 200) overlap it.
    result = await store.commit_events("ch", [ev("fresh", 60, 120)], mode=WINDOW, window=span(60, 180))

    assert (result.added, result.updated, result.removed, result.unchanged) == (1, 0, 3, 0)
    assert result.change is not None
    assert result.change.removed_ids == ("straddle-in", "inside", "straddle-out")
    assert ids(await stored(store)) == ["early", "fresh", "late"]


async def test_replace_window_updates_an_event_stored_outside_the_window(store: Store) -> None:
    await store.commit_events("ch", [ev("a", 0), ev("b", 300)], mode=ALL, window=None)

    result = await store.commit_events("ch", [ev("b", 10)], mode=WINDOW, window=span(0, 60))

    assert (result.added, result.updated, result.removed) == (0, 1, 1)
    assert await stored(store) == [ev("b", 10)]


async def test_events_touching_the_window_edges_are_outside_it(store: Store) -> None:
    await store.commit_events("ch", [ev("before", 0, 60), ev("after", 120, 60)], mode=ALL, window=None)

    result = await store.commit_events("ch", [], mode=WINDOW, window=span(60, 120))

    assert result.removed == 0
    assert result.change is None


async def test_replace_window_needs_a_window(store: Store) -> None:
    with pytest.raises(InvalidInput) as missing:
        await store.commit_events("ch", [ev("a", 0)], mode=WINDOW, window=None)
    with pytest.raises(InvalidInput):
        await store.commit_events("ch", [ev("a", 0)], mode=WINDOW, window=span(10, 10))

    assert missing.value.violations[0].where.field == "window"
    with pytest.raises(NotFound):
        await store.get_channel("ch")


async def test_merge_adds_and_updates_and_removes_nothing(store: Store) -> None:
    await store.commit_events("ch", [ev("a", 0), ev("b", 30)], mode=ALL, window=None)

    result = await store.commit_events("ch", [ev("b", 30, title="retitled"), ev("c", 60)], mode=MERGE, window=None)

    assert (result.added, result.updated, result.removed, result.unchanged) == (1, 1, 0, 0)
    assert ids(await stored(store)) == ["a", "b", "c"]


async def test_a_merge_conflict_names_the_events_and_changes_nothing(store: Store) -> None:
    await store.commit_events("ch", [ev("a", 0), ev("b", 30)], mode=ALL, window=None)
    before = await store.get_channel("ch")

    with pytest.raises(FailedPrecondition) as conflict:
        await store.commit_events("ch", [ev("c", 60), ev("d", 45)], mode=MERGE, window=None)

    assert "'d'" in conflict.value.message
    assert "'b'" in conflict.value.message
    assert await store.get_channel("ch") == before
    assert ids(await stored(store)) == ["a", "b"]


async def test_merge_moves_are_not_conflicts_with_their_old_place(store: Store) -> None:
    await store.commit_events("ch", [ev("a", 0), ev("b", 30)], mode=ALL, window=None)

    # "a" grows into the slot "b" leaves: neither old position conflicts.
    result = await store.commit_events("ch", [ev("a", 0, 45), ev("b", 45)], mode=MERGE, window=None)

    assert result.updated == 2
    assert await stored(store) == [ev("a", 0, 45), ev("b", 45)]


async def test_an_event_resent_unchanged_still_blocks_a_merge(store: Store) -> None:
    await store.commit_events("ch", [ev("a", 0), ev("b", 30)], mode=ALL, window=None)

    with pytest.raises(FailedPrecondition, match="'a' overlaps 'b'"):
        await store.commit_events("ch", [ev("a", 0, 45), ev("b", 30)], mode=MERGE, window=None)


async def test_a_commit_checks_its_events(store: Store) -> None:
    with pytest.raises(InvalidInput, match="more than once"):
        await store.commit_events("ch", [ev("a", 0), ev("a", 60)], mode=ALL, window=None)
    with pytest.raises(InvalidInput, match="negative"):
        await store.commit_events("ch", [ev("a", 0, -1)], mode=ALL, window=None)
    with pytest.raises(InvalidInput):
        await store.commit_events("ch", [ev("", 0)], mode=ALL, window=None)
    with pytest.raises(InvalidInput):
        await store.commit_events("ch", [], mode=ALL, window=None, channel=ChannelInfo("other"))
    with pytest.raises(NotFound):
        await store.get_channel("ch")


# -- revisions, no-ops, dry runs, optimistic concurrency -------------------------


async def test_each_commit_that_changes_something_bumps_the_revision(store: Store) -> None:
    revisions = []
    for minute in (0, 10, 20):
        result = await store.commit_events("ch", [ev("a", minute)], mode=ALL, window=None)
        revisions.append(result.channel.revision)

    assert revisions == [1, 2, 3]


async def test_a_commit_that_changes_nothing_keeps_the_revision(store: Store) -> None:
    first = await store.commit_events("ch", [ev("a", 0), ev("b", 30)], mode=ALL, window=None)

    again = await store.commit_events("ch", [ev("b", 30), ev("a", 0)], mode=ALL, window=None)

    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 2)
    assert again.change is None
    assert again.channel.revision == 1
    assert again.channel.update_time_us == first.channel.update_time_us
    assert await store.changes_since("ch", 1) == []


async def test_a_dry_run_reports_and_writes_nothing(store: Store) -> None:
    preview = await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None, dry_run=True)

    assert (preview.dry_run, preview.added, preview.channel.revision, preview.change) == (True, 1, 1, None)
    with pytest.raises(NotFound):
        await store.get_channel("ch")

    await store.commit_events("ch", [ev("a", 0), ev("b", 30)], mode=ALL, window=None)
    preview = await store.commit_events("ch", [ev("c", 60)], mode=ALL, window=None, dry_run=True)

    assert (preview.added, preview.removed, preview.channel.revision, preview.channel.event_count) == (1, 2, 2, 1)
    assert ids(await stored(store)) == ["a", "b"]
    assert (await store.get_channel("ch")).revision == 1
    assert await store.changes_since("ch", 1) == []


async def test_a_dry_run_finds_merge_conflicts_too(store: Store) -> None:
    await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None)

    with pytest.raises(FailedPrecondition):
        await store.commit_events("ch", [ev("b", 10)], mode=MERGE, window=None, dry_run=True)


async def test_a_stale_expected_revision_changes_nothing(store: Store) -> None:
    await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None, expected_revision=0)

    with pytest.raises(RevisionMismatch) as mismatch:
        await store.commit_events("ch", [ev("b", 0)], mode=ALL, window=None, expected_revision=0)

    assert (mismatch.value.expected, mismatch.value.actual) == (0, 1)
    assert ids(await stored(store)) == ["a"]
    result = await store.commit_events("ch", [ev("b", 0)], mode=ALL, window=None, expected_revision=1)
    assert result.channel.revision == 2


async def test_expected_revision_of_an_absent_channel_is_zero(store: Store) -> None:
    with pytest.raises(RevisionMismatch) as mismatch:
        await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None, expected_revision=3)

    assert (mismatch.value.expected, mismatch.value.actual) == (3, 0)
    with pytest.raises(NotFound):
        await store.get_channel("ch")


# -- idempotency ------------------------------------------------------------------


async def test_a_retried_commit_is_replayed_not_reapplied(store: Store) -> None:
    first = await store.commit_events(
        "ch", [ev("a", 0)], mode=ALL, window=None, expected_revision=0, idempotency_key="k1", fingerprint="f1"
    )

    # Even its expected_revision is stale now; the replay answers first.
    again = await store.commit_events(
        "ch", [ev("a", 0)], mode=ALL, window=None, expected_revision=0, idempotency_key="k1", fingerprint="f1"
    )

    assert again.replayed and not first.replayed
    assert (again.channel, again.added, again.change) == (first.channel, 1, None)
    assert (await store.get_channel("ch")).revision == 1


async def test_an_idempotency_key_cannot_be_reused_for_another_request(store: Store) -> None:
    await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None, idempotency_key="k1", fingerprint="f1")

    with pytest.raises(FailedPrecondition, match="idempotency key reused with a different request"):
        await store.commit_events("ch", [ev("b", 0)], mode=ALL, window=None, idempotency_key="k1", fingerprint="f2")

    assert ids(await stored(store)) == ["a"]


async def test_idempotency_keys_belong_to_one_channel(store: Store) -> None:
    await store.commit_events("one", [ev("a", 0)], mode=ALL, window=None, idempotency_key="k", fingerprint="f")

    other = await store.commit_events("two", [ev("a", 0)], mode=ALL, window=None, idempotency_key="k", fingerprint="f")

    assert not other.replayed
    assert other.channel.revision == 1


async def test_dry_runs_do_not_record_idempotency_keys(store: Store) -> None:
    await store.commit_events(
        "ch", [ev("a", 0)], mode=ALL, window=None, dry_run=True, idempotency_key="k", fingerprint="f"
    )

    result = await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None, idempotency_key="k", fingerprint="f")

    assert not result.replayed
    assert result.channel.revision == 1


async def test_a_failed_commit_does_not_record_its_key(store: Store) -> None:
    await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None)
    with pytest.raises(FailedPrecondition):
        await store.commit_events("ch", [ev("b", 10)], mode=MERGE, window=None, idempotency_key="k", fingerprint="f")

    result = await store.commit_events(
        "ch", [ev("b", 60)], mode=MERGE, window=None, idempotency_key="k", fingerprint="f"
    )

    assert (result.replayed, result.added) == (False, 1)


# -- the change log -----------------------------------------------------------------


async def test_changes_since_returns_whole_records_in_order(store: Store) -> None:
    await store.commit_events("ch", [ev("a", 0), ev("b", 30)], mode=ALL, window=None)
    await store.commit_events("ch", [ev("b", 30, title="new"), ev("c", 60)], mode=MERGE, window=None)
    await store.commit_events("ch", [], mode=WINDOW, window=span(0, 10))

    records = await store.changes_since("ch", 0) or []

    assert [r.revision for r in records] == [1, 2, 3]
    assert all(r.channel_id == "ch" and r.commit_time_us > 0 for r in records)
    assert records[0].added == (ev("a", 0), ev("b", 30))
    assert (records[1].added, records[1].updated) == ((ev("c", 60),), (ev("b", 30, title="new"),))
    assert records[2].removed_ids == ("a",)
    assert [r.revision for r in await store.changes_since("ch", 1) or []] == [2, 3]
    assert [r.revision for r in await store.changes_since("ch", 0, limit=2) or []] == [1, 2]
    assert await store.changes_since("ch", 3) == []


async def test_the_change_log_replays_to_the_stored_schedule(store: Store) -> None:
    await store.commit_events("ch", [ev(str(i), i * 30) for i in range(10)], mode=ALL, window=None)
    await store.commit_events("ch", [ev("x", 95, 5)], mode=WINDOW, window=span(90, 150))
    await store.commit_events("ch", [ev("0", 0, 20), ev("y", 400)], mode=MERGE, window=None)

    schedule: dict[str, Event] = {}
    for record in await store.changes_since("ch", 0) or []:
        for event in (*record.added, *record.updated):
            schedule[event.id] = event
        for removed in record.removed_ids:
            del schedule[removed]

    assert sorted(schedule.values(), key=lambda e: (e.start_us, e.id)) == await stored(store)


async def test_a_pruned_log_cannot_resume_from_before_the_cut(store: Store) -> None:
    for minute in range(5):
        await store.commit_events("ch", [ev("a", minute)], mode=ALL, window=None)

    pruned = await store.prune_changes("ch", keep_last=2)

    assert pruned == 3
    assert await store.changes_since("ch", 2) is None
    assert [r.revision for r in await store.changes_since("ch", 3) or []] == [4, 5]
    assert await store.prune_changes("ch", keep_last=2) == 0
    await store.commit_events("ch", [ev("a", 10)], mode=ALL, window=None)
    assert [r.revision for r in await store.changes_since("ch", 3) or []] == [4, 5, 6]


async def test_a_revision_from_the_future_cannot_resume(store: Store) -> None:
    await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None)

    assert await store.changes_since("ch", 2) is None


async def test_the_change_log_checks_its_arguments(store: Store) -> None:
    await store.commit_events("ch", [ev("a", 0)], mode=ALL, window=None)

    with pytest.raises(NotFound):
        await store.changes_since("nope", 0)
    with pytest.raises(InvalidInput):
        await store.changes_since("ch", -1)
    with pytest.raises(InvalidInput):
        await store.changes_since("ch", 0, limit=0)
    with pytest.raises(InvalidInput):
        await store.prune_changes("ch", keep_last=-1)


# -- reads ----------------------------------------------------------------------------


async def test_a_window_read_returns_what_overlaps_it(store: Store) -> None:
    events = [
        ev("ends-at-start", 0, 60),  # [0, 60): touches the window, outside
        ev("straddles-start", 30, 60),  # [30, 90)
        ev("inside", 70, 10),
        ev("instant-inside", 100, 0),  # zero length, strictly inside
        ev("instant-at-start", 60, 0),  # zero length at the start: outside (end > start fails)
        ev("covers", -600, 24 * 60),  # a day long, started ten hours before
        ev("straddles-end", 110, 60),  # [110, 170)
        ev("starts-at-end", 120, 30),  # outside
    ]
    await store.commit_events("ch", events, mode=ALL, window=None)

    channel, found = await store.read_events("ch", span(60, 120))

    assert ids(found) == ["covers", "straddles-start", "inside", "instant-inside", "straddles-end"]
    assert channel.revision == 1
    page, token, revision = await store.list_events("ch", window=span(60, 120), page_size=100, page_token="")
    assert (page, token, revision) == (found, "", 1)


async def test_a_long_event_stays_visible_after_shorter_ones_replace_its_neighbours(store: Store) -> None:
    # The long event sets the scan bound; later commits must not lose it.
    await store.commit_events("ch", [ev("long", 0, 6 * 60), ev("short", 400, 5)], mode=ALL, window=None)
    await store.commit_events("ch", [ev("short", 410, 5)], mode=MERGE, window=None)

    _, found = await store.read_events("ch", span(300, 301))

    assert ids(found) == ["long"]


async def test_paging_through_2500_events_gives_each_once_in_order(store: Store) -> None:
    events = [ev(f"e{i:04d}", (i // 3) * 2, 2) for i in range(2500)]  # three share each start
    await store.commit_events("ch", events, mode=ALL, window=None)

    for window in (None, span(100, 1200)):
        _, expected = await store.read_events("ch", window)
        seen: list[Event] = []
        token = ""
        while True:
            page, token, revision = await store.list_events("ch", window=window, page_size=97, page_token=token)
            assert revision == 1
            assert len(page) <= 97
            seen.extend(page)
            if not token:
                break
        assert seen == expected
        assert len(seen) == len({e.id for e in seen})
    assert len(seen) < 2500  # the window did cut


async def test_a_page_token_is_bound_to_its_request(store: Store) -> None:
    await store.commit_events("ch", [ev(str(i), i * 10, 10) for i in range(10)], mode=ALL, window=None)
    await store.commit_events("other", [ev("x", 0)], mode=ALL, window=None)
    _, token, _ = await store.list_events("ch", window=span(0, 60), page_size=2, page_token="")

    for channel_id, window in (("ch", span(0, 70)), ("ch", None), ("other", span(0, 60))):
        with pytest.raises(InvalidInput) as wrong:
            await store.list_events(channel_id, window=window, page_size=2, page_token=token)
        assert wrong.value.violations[0].where.field == "page_token"
    with pytest.raises(InvalidInput):
        await store.list_events("ch", window=span(0, 60), page_size=2, page_token=token[:-3])


async def test_paging_stops_when_the_schedule_changes_under_it(store: Store) -> None:
    await store.commit_events("ch", [ev(str(i), i * 10, 10) for i in range(10)], mode=ALL, window=None)
    _, token, _ = await store.list_events("ch", window=None, page_size=3, page_token="")

    await store.commit_events("ch", [ev("new", 500)], mode=MERGE, window=None)

    with pytest.raises(RevisionMismatch) as changed:
        await store.list_events("ch", window=None, page_size=3, page_token=token)
    assert (changed.value.expected, changed.value.actual) == (1, 2)


async def test_page_sizes_are_coerced(store: Store) -> None:
    await store.commit_events("ch", [ev(str(i), i) for i in range(3)], mode=ALL, window=None)

    page, token, _ = await store.list_events("ch", window=None, page_size=MAX_PAGE_SIZE * 10, page_token="")

    assert (len(page), token) == (3, "")
    with pytest.raises(InvalidInput):
        await store.list_events("ch", window=None, page_size=-1, page_token="")


# -- scale -------------------------------------------------------------------------


@pytest.mark.slow  # the big-commit tier: 50,000 events per adapter
async def test_a_commit_of_50000_events(store: Store) -> None:
    events = [
        Event(f"id-{i:06d}", at(0) + i * MINUTE, MINUTE, asset_id=f"a{i % 97}", metadata={"n": str(i % 7)})
        for i in range(50_000)
    ]

    result = await store.commit_events("ch", events, mode=ALL, window=None)
    again = await store.commit_events("ch", events, mode=ALL, window=None)

    assert (result.added, result.channel.event_count) == (50_000, 50_000)
    assert (again.unchanged, again.change) == (50_000, None)
    _, day = await store.read_events("ch", span(24 * 60, 48 * 60))
    assert len(day) == 24 * 60
    changes = await store.changes_since("ch", 0) or []
    assert len(changes[0].added) == 50_000


# -- guide details (XMLTV) -------------------------------------------------------


_DETAILS = ProgrammeDetails(
    titles=(LangText("Tatort", "de"), LangText("Crime Scene", "en")),
    credits=(Credit("actor", "Ann", "Inspector", "no", (), (Link("http://a.example", "imdb"),)),),
    episode_nums=(EpisodeNum("1.2.", "xmltv_ns"),),
    ratings=(Rating("PG", "MPAA", (Icon("http://r.example/pg.png", "10", "10"),)),),
    attributes=(("showview", "123"),),
    verbatim=(Fragment(3, "<video><aspect>16:9</aspect></video>"),),
    start_offset=3600,
)


async def test_guide_details_come_back_exactly_and_count_as_content(store: Store) -> None:
    event = ev("a", 0, title="Tatort")._replace(details=_DETAILS)
    # The guide's own data (XMLTV's <tv> attributes and extensions) is part of the channel's.
    guide = ChannelDetails(
        display_names=(LangText("Eins", "de"),),
        document_attributes=(("date", "20251122"), ("generator-info-name", "grab/1")),
        document_verbatim=(Fragment(0, '<x-state run="1"/>'), Fragment(4, "<x-tail>é &amp; 🎬</x-tail>")),
    )
    info = ChannelInfo("ch", "Eins", details=guide)
    await store.commit_events("ch", [event, ev("plain", 60)], mode=ALL, window=None, channel=info)
    assert await stored(store) == [event, ev("plain", 60)]
    assert type((await stored(store))[0].details) is ProgrammeDetails
    page, _, _ = await store.list_events("ch", window=None, page_size=10, page_token="")
    assert page == [event, ev("plain", 60)]
    assert (await store.get_channel("ch")).details == info.details
    listed, _ = await store.list_channels(page_size=10, page_token="")
    assert listed[0].details == info.details

    assert (await store.commit_events("ch", [event, ev("plain", 60)], mode=ALL, window=None)).unchanged == 2
    changed = event._replace(details=_DETAILS._replace(start_offset=0))
    assert (await store.commit_events("ch", [changed, ev("plain", 60)], mode=ALL, window=None)).updated == 1
    gone = event._replace(details=None)
    assert (await store.commit_events("ch", [gone, ev("plain", 60)], mode=ALL, window=None)).updated == 1
    assert (await stored(store))[0].details is None


async def test_the_change_log_carries_guide_details(store: Store) -> None:
    event = ev("a", 0)._replace(details=_DETAILS)
    result = await store.commit_events("ch", [event], mode=ALL, window=None)
    changes = await store.changes_since("ch", result.channel.revision - 1, limit=1)
    assert changes is not None
    assert list(changes[0].added) == [event]
