"""Playout state: orders and shows resume where the last window left them (issue 13)."""

from __future__ import annotations

import dataclasses

import pytest

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.generate import GenerateRequest, GenerateResult, generate
from scheduleflow.server.core.model import Window
from scheduleflow.server.core.playlist import Daypart, PlaybackOrder, ScheduleRules
from scheduleflow.server.core.playout_state import PlayoutState, context_key
from tests.unit.core.test_generate import HOUR, T0, item, regular, request


def _windows(req: GenerateRequest, n: int, span: int, *, state: bool = True) -> list[GenerateResult]:
    out = []
    carried: PlayoutState | None = None
    for k in range(n):
        start = T0 + k * span
        this = dataclasses.replace(req, window=Window(start, start + span), state=carried, seed=k)
        result = generate(this)
        out.append(result)
        if state:
            carried = result.state
    return out


def _ids(results: list[GenerateResult]) -> list[str]:
    return [e.metadata["item_id"] for r in results for e in regular(r)]


def test_sequential_continues_where_the_last_window_stopped() -> None:
    req = request([item(f"i{k}", 1800) for k in range(7)], order=PlaybackOrder.SEQUENTIAL)
    played = _ids(_windows(req, 4, 2 * HOUR))
    assert played == [f"i{k % 7}" for k in range(16)]


def test_shuffle_finishes_its_deck_across_windows() -> None:
    req = request([item(f"i{k}", 1800) for k in range(10)], order=PlaybackOrder.SHUFFLE)
    played = _ids(_windows(req, 5, 2 * HOUR))
    assert len(set(played[:10])) == 10
    assert len(set(played[10:20])) == 10


def test_without_state_each_window_restarts_the_deck() -> None:
    req = request([item(f"i{k}", 1800) for k in range(10)], order=PlaybackOrder.SHUFFLE)
    played = _ids(_windows(req, 5, 2 * HOUR, state=False))
    assert len(set(played[:10])) < 10


def test_episodes_continue_across_windows() -> None:
    shows = [item(f"{s}{ep}", 1800, show=s, episode=ep) for s in ("A", "B") for ep in range(1, 6)]
    req = request(shows, order=PlaybackOrder.SHUFFLE_GROUPS)
    results = _windows(req, 6, 2 * HOUR)
    for show in ("A", "B"):
        episodes = [int(e.metadata["episode"]) for r in results for e in regular(r) if e.metadata["show"] == show]
        assert len(episodes) >= 5
        assert episodes == [(k % 5) + 1 for k in range(len(episodes))]
    assert results[-1].state.episodes["A"].startswith("A")


def test_the_same_seed_and_state_give_the_same_bytes() -> None:
    req = request([item(f"i{k}", 600, show=f"s{k % 3}", episode=k) for k in range(9)], order=PlaybackOrder.SHUFFLE)
    first = generate(req)
    again = dataclasses.replace(req, window=Window(T0 + HOUR, T0 + 2 * HOUR))
    a = generate(dataclasses.replace(again, state=first.state))
    b = generate(dataclasses.replace(again, state=PlayoutState.from_json(first.state.to_json())))
    assert (repr(a.events), repr(a.report), a.state.to_json()) == (repr(b.events), repr(b.report), b.state.to_json())
    assert a.events != generate(again).events


def test_weighted_draws_count_plays_across_windows() -> None:
    req = request([item("a", 600, weight=3.0), item("b", 600)], order=PlaybackOrder.WEIGHTED_RANDOM)
    results = _windows(req, 3, HOUR)
    assert sum(results[-1].state.plays.values()) == 18


def test_dayparts_keep_decks_of_their_own() -> None:
    night = Daypart("00:00", "06:00", categories=("night",))
    items = [item(f"n{k}", 1800, category="night") for k in range(4)] + [item(f"d{k}", 1800) for k in range(4)]
    req = request(items, order=PlaybackOrder.SHUFFLE, rules=ScheduleRules(dayparts=(night,)))
    state = _windows(req, 1, 24 * HOUR)[0].state
    assert set(state.decks) == {"", context_key(night)}


def test_a_playlist_that_changed_resumes_with_what_it_still_has() -> None:
    state = PlayoutState(decks={"": ("gone", "i3", "i1")}, cursors={}, episodes={"X": "nope"}, last_item="gone")
    req = request([item(f"i{k}", 1800) for k in range(5)], order=PlaybackOrder.SHUFFLE, span_us=HOUR)
    played = _ids([generate(dataclasses.replace(req, state=state))])
    assert played == ["i3", "i1"]


def test_the_json_form_is_canonical_and_checked() -> None:
    state = PlayoutState(episodes={"b": "b1", "a": "a2"}, decks={"": ("x", "y")}, plays={"x": 2}, last_item="x")
    text = state.to_json()
    assert PlayoutState.from_json(text) == state
    assert text == PlayoutState.from_json(text).to_json()
    with pytest.raises(InvalidInput):
        PlayoutState.from_json("[1, 2]")
    with pytest.raises(InvalidInput):
        PlayoutState.from_json('{"version": 99}')
