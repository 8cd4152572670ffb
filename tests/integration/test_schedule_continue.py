"""Schedule continues from the channel's stored history, through the real
server: a week committed day by day passes Validate over the whole week."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduleflow.client import Client
from scheduleflow.v1 import schedule_pb2 as pb
from tests.serverproc import ServerProcess

MONDAY = dt.datetime(2025, 11, 17, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
ORDERS = [
    "PLAYBACK_ORDER_SEQUENTIAL",
    "PLAYBACK_ORDER_SHUFFLE",
    "PLAYBACK_ORDER_WEIGHTED_RANDOM",
    "PLAYBACK_ORDER_SHUFFLE_GROUPS",
]


def _playlist(order: str) -> pb.Playlist:
    return pb.Playlist(
        items=[
            pb.PlaylistItem(
                id=f"i{k}",
                duration={"seconds": 1800},
                artist=f"a{k % 4}",
                category=f"c{k % 3}",
                show=f"s{k % 3}",
                episode=k,
                weight=1 + k % 3,
            )
            for k in range(8)
        ],
        order=order,  # type: ignore[arg-type]  # enum by name
    )


@pytest.mark.parametrize("order", ORDERS)
def test_a_week_committed_day_by_day_validates_with_no_unreported_breach(server: ServerProcess, order: str) -> None:
    channel = f"week-{order.lower()}.example"
    playlist = _playlist(order)
    rules = pb.ScheduleRules(
        item_cooldown={"seconds": 3 * 3600},
        artist_separation={"seconds": 3600},
        category_separation={"seconds": 1800},
    )
    reported: set[str] = set()
    with Client(server.address, timeout=60) as client:
        for d in range(7):
            window = (MONDAY + d * DAY, MONDAY + (d + 1) * DAY)
            done = client.schedule(channel, playlist, window=window, rules=rules, seed=d, commit=True)
            assert done.committed
            reported |= {r.event_id for r in done.report.relaxations}
        report = client.validate(
            stored=True,
            channel_id=channel,
            window=(MONDAY, MONDAY + 7 * DAY),
            asset_cooldown=dt.timedelta(hours=3),
            artist_separation=dt.timedelta(hours=1),
            category_separation=dt.timedelta(minutes=30),
            max_findings=10_000,
        )
    breaches = [
        f
        for f in report.findings
        if f.code in (pb.FINDING_CODE_COOLDOWN_BREACH, pb.FINDING_CODE_SEPARATION_BREACH)
        and not set(f.event_ids) & reported
    ]
    assert report.summary.event_count == 7 * 48
    assert breaches == [], [f.message for f in breaches[:3]]


def test_lookback_zero_reads_nothing_before_the_window(server: ServerProcess) -> None:
    """The issue's days: 8 items of 30 minutes, shuffle, a 3-hour cooldown.
    With history the seam holds; with lookback 0 the engine cannot see it."""
    playlist = pb.Playlist(
        items=[pb.PlaylistItem(id=f"i{k}", duration={"seconds": 1800}) for k in range(8)],
        order=pb.PLAYBACK_ORDER_SHUFFLE,
    )
    rules = pb.ScheduleRules(item_cooldown={"seconds": 3 * 3600})
    channel = "lookback.example"
    with Client(server.address, timeout=60) as client:
        client.schedule(channel, playlist, window=(MONDAY, MONDAY + DAY), rules=rules, seed=1, commit=True)
        second = (MONDAY + DAY, MONDAY + 2 * DAY)
        seen = client.schedule(channel, playlist, window=second, rules=rules, seed=2)
        blind = client.schedule(channel, playlist, window=second, rules=rules, seed=2, lookback=dt.timedelta(0))
        stored = list(client.iter_events(channel, window=(MONDAY + DAY - dt.timedelta(hours=3), MONDAY + DAY)))
    assert any("continued from" in n for n in seen.report.notes)
    assert not any("continued from" in n for n in blind.report.notes)
    last_play = {e.asset_id: e.start_time.ToDatetime(dt.UTC) for e in stored}
    cooldown = dt.timedelta(hours=3)
    for e in seen.events[:6]:
        start = e.start_time.ToDatetime(dt.UTC)
        assert start - last_play.get(e.asset_id, start - cooldown) >= cooldown, e.asset_id
