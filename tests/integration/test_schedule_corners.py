"""The corners schedulers hit (issue 13): a window only filler fits, a dry
run's two revisions, fixed events given as text."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from scheduleflow.client import Aborted, Client, InvalidArgument
from scheduleflow.client._convert import make_event
from scheduleflow.v1 import schedule_pb2 as pb
from tests.serverproc import ServerProcess

NOON = dt.datetime(2025, 11, 22, 12, tzinfo=dt.UTC)


def _doc(start: str) -> bytes:
    return json.dumps(
        {"scheduleflow": 1, "events": [{"id": "a", "start": start, "duration": "PT30M", "asset_id": "x"}]}
    ).encode()


def test_filler_fills_a_window_no_item_fits(server: ServerProcess) -> None:
    playlist = pb.Playlist(
        items=[pb.PlaylistItem(id=f"show{k}", duration={"seconds": 1800}) for k in range(3)],
        filler=[pb.PlaylistItem(id="jingle", duration={"seconds": 60})],
    )
    with Client(server.address, timeout=30) as client:
        done = client.schedule("corner-filler.example", playlist, window=(NOON, NOON + dt.timedelta(minutes=10)))
    assert [e.asset_id for e in done.events] == ["jingle"] * 10
    assert done.report.fill_ratio == pytest.approx(1.0)


def test_a_window_nothing_fits_is_still_refused(server: ServerProcess) -> None:
    playlist = pb.Playlist(
        items=[pb.PlaylistItem(id="show", duration={"seconds": 1800})],
        filler=[pb.PlaylistItem(id="jingle", duration={"seconds": 900})],
    )
    with Client(server.address, timeout=30) as client, pytest.raises(InvalidArgument) as err:
        client.schedule("corner-nothing.example", playlist, window=(NOON, NOON + dt.timedelta(minutes=10)))
    assert "nothing can air" in str(err.value)


def test_a_dry_run_reports_the_revision_it_leaves_and_the_one_it_would_create(server: ServerProcess) -> None:
    with Client(server.address, timeout=30) as client:
        first = client.import_document("corner-dry.example", _doc("2025-11-22T09:00:00Z"))
        dry = client.import_document("corner-dry.example", _doc("2025-11-22T09:05:00Z"), dry_run=True)
        same = client.import_document("corner-dry.example", _doc("2025-11-22T09:00:00Z"), dry_run=True)
        fresh = client.import_document("corner-dry-new.example", _doc("2025-11-22T09:00:00Z"), dry_run=True)
        with pytest.raises(Aborted):
            client.import_document("corner-dry.example", _doc("2025-11-22T09:05:00Z"), expected_revision=2)
        real = client.import_document(
            "corner-dry.example", _doc("2025-11-22T09:05:00Z"), expected_revision=dry.revision
        )
    assert first.revision == 1 and first.dry_run_revision == 0
    assert (dry.revision, dry.dry_run_revision) == (1, 2)
    assert (same.revision, same.dry_run_revision) == (1, 1)  # nothing would change
    assert (fresh.revision, fresh.dry_run_revision) == (0, 1)  # absent: revision 0
    assert real.revision == dry.dry_run_revision


@pytest.mark.parametrize(
    "start",
    [
        "2025-11-22T12:30:00Z",
        "2025-11-22T13:30:00+01:00",
        "20251122133000 +0100",
        "2025-11-22T13:30:00",  # local, in the channel's zone (Paris: UTC+1 in November)
    ],
)
def test_fixed_events_take_every_start_form_an_event_documents(server: ServerProcess, start: str) -> None:
    channel = "corner-text.example"
    playlist = pb.Playlist(items=[pb.PlaylistItem(id=f"s{k}", duration={"seconds": 300}) for k in range(5)])
    news = make_event("news", start, dt.timedelta(minutes=10), fixed_start=True)
    with Client(server.address, timeout=30) as client:
        client.upsert_channel(channel, time_zone="Europe/Paris")
        done = client.schedule(channel, playlist, window=(NOON, NOON + dt.timedelta(hours=1)), fixed_events=[news])
    kept = [e for e in done.events if e.id == "news"]
    assert [e.start_time.ToDatetime(dt.UTC) for e in kept] == [NOON + dt.timedelta(minutes=30)]


def test_a_fixed_local_start_the_clocks_skip_is_refused_with_the_field(server: ServerProcess) -> None:
    channel = "corner-gap.example"
    playlist = pb.Playlist(items=[pb.PlaylistItem(id="s", duration={"seconds": 300})])
    news = make_event("news", "2025-03-30T01:30:00", dt.timedelta(minutes=10), fixed_start=True)
    night = (dt.datetime(2025, 3, 30, 0, tzinfo=dt.UTC), dt.datetime(2025, 3, 30, 3, tzinfo=dt.UTC))
    with Client(server.address, timeout=30) as client:
        client.upsert_channel(channel, time_zone="Europe/London")
        with pytest.raises(InvalidArgument) as err:
            client.schedule(channel, playlist, window=night, fixed_events=[news])
    assert [field for field, _ in err.value.field_violations] == ["fixed_events[0].start_text"]


def test_a_fixed_event_finer_than_a_microsecond_is_kept_truncated_with_a_finding(server: ServerProcess) -> None:
    channel = "corner-finer.example"
    playlist = pb.Playlist(items=[pb.PlaylistItem(id=f"s{k}", duration={"seconds": 300}) for k in range(5)])
    news = make_event("news", "2025-11-22T12:30:00.123456789Z", dt.timedelta(minutes=10), fixed_start=True)
    with Client(server.address, timeout=30) as client:
        done = client.schedule(channel, playlist, window=(NOON, NOON + dt.timedelta(hours=1)), fixed_events=[news])
    (kept,) = [e for e in done.events if e.id == "news"]
    assert (kept.start_time.seconds % 60, kept.start_time.nanos) == (0, 123_456_000)
    (finding,) = done.report.findings
    assert (finding.code, finding.severity, list(finding.event_ids), finding.location.field) == (
        pb.FINDING_CODE_NORMALISED_TIMESTAMP,
        pb.SEVERITY_INFO,
        ["news"],
        "fixed_events",
    )
