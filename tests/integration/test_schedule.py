"""Schedule through the real server: preview, determinism, commit as a new
revision that Validate finds clean, kept hard starts, and clear errors."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from scheduleflow.client import Client, InvalidArgument, NotFound
from scheduleflow.client._playlist import load_playlist
from scheduleflow.v1 import schedule_pb2 as pb
from tests.serverproc import ServerProcess

DAY = (dt.datetime(2025, 11, 22, tzinfo=dt.UTC), dt.datetime(2025, 11, 23, tzinfo=dt.UTC))


def playlist_json(items: int = 60) -> dict[str, object]:
    return {
        "items": [
            {"id": f"song{i}", "duration": "PT3M", "artist": f"artist{i % 12}", "category": "pop"} for i in range(items)
        ],
        "filler": [{"id": "jingle", "duration": "PT5S"}],
        "order": "shuffle",
        "rules": {"item_cooldown": "PT2H", "artist_separation": "PT20M", "gap_filler_asset_id": "silence"},
    }


def test_a_preview_fills_the_window_and_the_same_seed_gives_the_same_schedule(server: ServerProcess) -> None:
    playlist, rules = load_playlist(playlist_json())
    with Client(server.address, timeout=60) as client:
        first = client.schedule("preview.example", playlist, window=DAY, rules=rules, seed=7)
        again = client.schedule("preview.example", playlist, window=DAY, rules=rules, seed=7)
        other = client.schedule("preview.example", playlist, window=DAY, rules=rules, seed=8)
        assert not first.committed
        with pytest.raises(NotFound):
            client.get_channel("preview.example")  # a preview stores nothing
    assert first.SerializeToString(deterministic=True) == again.SerializeToString(deterministic=True)
    assert [e.id for e in first.events] != [e.id for e in other.events]
    assert first.report.fill_ratio == pytest.approx(1.0)
    starts = [e.start_time.ToDatetime(dt.UTC) for e in first.events]
    assert starts[0] == DAY[0]
    ends = [s + e.duration.ToTimedelta() for s, e in zip(starts, first.events, strict=True)]
    assert all(a <= b for a, b in zip(ends, starts[1:], strict=False)), "events overlap"
    assert ends[-1] == DAY[1]


def test_a_committed_schedule_is_a_new_revision_that_validates_clean(server: ServerProcess) -> None:
    playlist, rules = load_playlist(playlist_json())
    with Client(server.address, timeout=60) as client:
        client.upsert_channel("commit.example", time_zone="Europe/London")
        news = client.import_document(
            "commit.example",
            json.dumps(
                {
                    "scheduleflow": 1,
                    "events": [
                        {"id": "news", "start": "2025-11-22T12:00:00Z", "duration": "PT10M", "fixed_start": True}
                    ],
                }
            ).encode(),
        )
        done = client.schedule(
            "commit.example", playlist, window=DAY, rules=rules, seed=1, commit=True, use_stored_fixed=True
        )
        report = client.validate(stored=True, channel_id="commit.example", window=DAY, gap_threshold=dt.timedelta(0))
        stored = list(client.iter_events("commit.example", window=DAY))
    assert done.committed
    assert done.revision == news.revision + 1
    assert report.valid, [f.message for f in report.findings]
    assert report.summary.event_count == len(done.events) == len(stored)
    kept = [e for e in stored if e.id == "news"]
    assert len(kept) == 1
    assert kept[0].start_time.ToDatetime(dt.UTC) == dt.datetime(2025, 11, 22, 12, tzinfo=dt.UTC)


def test_an_empty_playlist_is_refused_with_the_field_named(server: ServerProcess) -> None:
    with Client(server.address, timeout=30) as client, pytest.raises(InvalidArgument) as err:
        client.schedule("empty.example", pb.Playlist(), window=DAY)
    assert any("playlist" in field for field, _ in err.value.field_violations)


def test_a_window_too_big_for_one_message_is_refused_before_the_work(server: ServerProcess) -> None:
    # A year of 10-second items: about 3 million events, far past the
    # server's 80 MiB message limit; refused up front, nothing stored.
    playlist = pb.Playlist(items=[pb.PlaylistItem(id=f"s{i}", duration={"seconds": 10}) for i in range(50)])
    year = (DAY[0], DAY[0] + dt.timedelta(days=365))
    with Client(server.address, timeout=60) as client:
        with pytest.raises(InvalidArgument) as err:
            client.schedule("toolong.example", playlist, window=year, commit=True)
        with pytest.raises(NotFound):
            client.get_channel("toolong.example")
    assert "ask for a smaller window" in str(err.value)
    assert [field for field, _ in err.value.field_violations] == ["window"]


def test_a_short_filler_beside_long_items_does_not_count_as_the_event_size(server: ServerProcess) -> None:
    # 90 days of 3-minute songs with a 5-second jingle is ~45,000 events; the
    # jingle's length once made it look like 1.5 million and refused it.
    playlist, rules = load_playlist(playlist_json())
    quarter = (DAY[0], DAY[0] + dt.timedelta(days=90))
    with Client(server.address, timeout=120) as client:
        done = client.schedule("quarter.example", playlist, window=quarter, rules=rules, seed=2)
    assert done.report.fill_ratio == pytest.approx(1.0)
    assert 40_000 < len(done.events) < 50_000


def test_the_cli_prints_the_report_and_commits(server: ServerProcess, tmp_path: Path) -> None:
    path = tmp_path / "playlist.json"
    path.write_text(json.dumps(playlist_json()))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scheduleflow.client.cli",
            "--server",
            server.address,
            "schedule",
            "--channel",
            "cli-sched.example",
            "--playlist",
            str(path),
            "--from",
            "2025-11-22T00:00:00Z",
            "--to",
            "2025-11-22T06:00:00Z",
            "--seed",
            "3",
            "--commit",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "100" in result.stdout  # the fill ratio, as a percentage
    assert "revision 1" in result.stdout or "revision: 1" in result.stdout, result.stdout


def test_schedule_runs_in_the_pool_however_small_the_request(server: ServerProcess) -> None:
    """A small playlist can ask for a year: its cost is not its size, so it never runs on the event loop."""
    playlist, rules = load_playlist(playlist_json(items=5))
    with Client(server.address, timeout=60) as client:
        before = client.get_stats().pool
        client.schedule("pool.example", playlist, window=DAY, rules=rules)
        after = client.get_stats().pool
    assert after.completed == before.completed + 1
    assert after.inline == before.inline
