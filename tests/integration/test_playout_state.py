"""Playout state through the real server: episodes continue across windows and
a restart, GetPlayoutState shows what is kept, ResetPlayoutState forgets it,
and a window regenerated after a rollback gives what it gave before."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scheduleflow.client import Client, NotFound
from scheduleflow.v1 import schedule_pb2 as pb
from tests.serverproc import ServerProcess, start_server

MONDAY = dt.datetime(2025, 11, 17, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def _shows() -> pb.Playlist:
    return pb.Playlist(
        items=[
            pb.PlaylistItem(id=f"{show}{ep}", duration={"seconds": 1800}, show=show, episode=ep)
            for show in ("Alpha", "Beta")
            for ep in range(1, 9)
        ],
        order=pb.PLAYBACK_ORDER_SHUFFLE_GROUPS,
    )


def _episodes(responses: list[object], show: str) -> list[int]:
    return [
        int(e.metadata["episode"])
        for r in responses
        for e in r.events  # type: ignore[attr-defined]
        if e.metadata.get("show") == show
    ]


@pytest.mark.slow  # a drill: several windows and a server restart
def test_episodes_continue_across_windows_and_a_restart(tmp_path: Path) -> None:
    channel = "episodes.example"
    done = []
    with start_server(tmp_path) as server, Client(server.address, timeout=60) as client:
        for k in range(2):
            window = (MONDAY + k * 3 * HOUR, MONDAY + (k + 1) * 3 * HOUR)
            done.append(client.schedule(channel, _shows(), window=window, seed=k, commit=True))
        before = client.get_playout_state(channel)
    with start_server(tmp_path) as server, Client(server.address, timeout=60) as client:
        after = client.get_playout_state(channel)
        for k in range(2, 4):
            window = (MONDAY + k * 3 * HOUR, MONDAY + (k + 1) * 3 * HOUR)
            done.append(client.schedule(channel, _shows(), window=window, seed=k, commit=True))
    assert before == after
    assert before is not None and before.revision == 2
    assert before.at_time.ToDatetime(dt.UTC) == MONDAY + 6 * HOUR
    for show in ("Alpha", "Beta"):
        episodes = _episodes(done, show)
        assert len(episodes) >= 8, episodes
        assert episodes == [(k % 8) + 1 for k in range(len(episodes))], (show, episodes)
    assert done[2].resumed_from.revision == 2


def test_the_state_is_shown_and_can_be_reset(server: ServerProcess) -> None:
    channel = "state-shown.example"
    playlist = pb.Playlist(
        items=[pb.PlaylistItem(id=f"i{k}", duration={"seconds": 1800}) for k in range(10)],
        order=pb.PLAYBACK_ORDER_SHUFFLE,
    )
    with Client(server.address, timeout=60) as client:
        with pytest.raises(NotFound):
            client.get_playout_state("nothing-yet.example")
        first = client.schedule(channel, playlist, window=(MONDAY, MONDAY + 2 * HOUR), seed=1, commit=True)
        state = client.get_playout_state(channel)
        assert state is not None
        (deck,) = state.decks
        played = [e.asset_id for e in first.events]
        assert sorted([*played, *deck.units]) == sorted(f"i{k}" for k in range(10))
        assert state.plays == {i: 1 for i in played}
        second = client.schedule(channel, playlist, window=(MONDAY + 2 * HOUR, MONDAY + 4 * HOUR), seed=2)
        assert [e.asset_id for e in second.events] == list(deck.units[:4])  # the deck goes on
        assert client.reset_playout_state(channel) == 1
        assert client.get_playout_state(channel) is None
        fresh = client.schedule(channel, playlist, window=(MONDAY + 2 * HOUR, MONDAY + 4 * HOUR), seed=2)
        assert not fresh.HasField("resumed_from")


def test_a_window_regenerated_after_a_rollback_gives_what_it_gave_before(server: ServerProcess) -> None:
    channel = "rollback.example"
    playlist = pb.Playlist(
        items=[pb.PlaylistItem(id=f"i{k}", duration={"seconds": 1200}, show=f"s{k % 3}", episode=k) for k in range(9)],
        order=pb.PLAYBACK_ORDER_SHUFFLE_GROUPS,
    )
    rules = pb.ScheduleRules(item_cooldown={"seconds": 3 * 3600})
    day = (MONDAY + 4 * HOUR, MONDAY + 8 * HOUR)
    with Client(server.address, timeout=60) as client:
        client.schedule(channel, playlist, window=(MONDAY, MONDAY + 4 * HOUR), rules=rules, seed=1, commit=True)
        good = client.schedule(channel, playlist, window=day, rules=rules, seed=2, commit=True)
        client.schedule(channel, playlist, window=day, rules=rules, seed=99, commit=True)  # the mistake
        again = client.schedule(channel, playlist, window=day, rules=rules, seed=2, commit=True)
        stored = list(client.iter_events(channel, window=day))
    assert [e.SerializeToString(deterministic=True) for e in again.events] == [
        e.SerializeToString(deterministic=True) for e in good.events
    ]
    assert [e.id for e in stored] == [e.id for e in good.events]
    assert again.state.last_episodes == good.state.last_episodes
