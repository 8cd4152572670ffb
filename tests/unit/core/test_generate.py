"""The generation engine, one test per order, rule and edge case."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import os
import pickle
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest

from scheduleflow.server.core import generate as generate_module
from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.generate import GenerateRequest, GenerateResult, generate
from scheduleflow.server.core.generate_dayparts import Dayparts
from scheduleflow.server.core.model import Event, EventKind, Window
from scheduleflow.server.core.playlist import (
    BlockedPolicy,
    Daypart,
    GroupKey,
    GroupRule,
    PlaybackOrder,
    Playlist,
    PlaylistItem,
    ScheduleRules,
)

S = 1_000_000
MIN = 60 * S
HOUR = 3600 * S
T0 = 1_767_225_600 * S  # 2026-01-01T00:00:00Z


def item(id: str, seconds: float, **kw: Any) -> PlaylistItem:
    return PlaylistItem(id=id, duration_us=int(seconds * S), **kw)


def request(
    items: Sequence[PlaylistItem],
    *,
    span_us: int = HOUR,
    start: int = T0,
    order: PlaybackOrder = PlaybackOrder.SEQUENTIAL,
    rules: ScheduleRules | None = None,
    filler: Sequence[PlaylistItem] = (),
    fixed: Sequence[Event] = (),
    seed: int = 0,
    time_zone: str = "UTC",
    channel_id: str = "ch1",
) -> GenerateRequest:
    return GenerateRequest(
        window=Window(start, start + span_us),
        time_zone=time_zone,
        playlist=Playlist(items=tuple(items), order=order, filler=tuple(filler)),
        rules=rules or ScheduleRules(),
        seed=seed,
        fixed_events=tuple(fixed),
        channel_id=channel_id,
    )


def regular(result: GenerateResult) -> list[Event]:
    return [e for e in result.events if e.kind is not EventKind.FILLER and e.id.startswith("gen-")]


def ids(result: GenerateResult) -> list[str]:
    return [e.metadata["item_id"] for e in regular(result)]


def assert_no_overlap(events: Sequence[Event]) -> None:
    for a, b in itertools.pairwise(events):
        assert a.end_us <= b.start_us, (a, b)


def ten(n: int, seconds: float = 600, **kw: Any) -> list[PlaylistItem]:
    return [item(f"i{k}", seconds, **kw) for k in range(n)]


# -- bad input -----------------------------------------------------------------


def field_of(exc: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [v.where.field for v in exc.value.violations]


@pytest.mark.parametrize(
    ("req", "field"),
    [
        (request([]), "playlist.items"),
        (request([item("a", 60), item("b", 60), item("c", 60), item("d", 0)]), "playlist.items[3].duration"),
        (request([item("a", -5)]), "playlist.items[0].duration"),
        (request([item("", 60)]), "playlist.items[0].id"),
        (request([item("a", 60), item("a", 60)]), "playlist.items[1].id"),
        (request([item("a", 60, weight=0.0)]), "playlist.items[0].weight"),
        (request([item("a", 60, weight=float("nan"))]), "playlist.items[0].weight"),
        (request([item("a", 60, cooldown_us=-1)]), "playlist.items[0].cooldown"),
        (request([item("a", 60)], filler=[item("f", 1), item("f", 2)]), "playlist.filler[1].id"),
        (request([item("a", 60)], span_us=0), "window"),
        (request([item("a", 60)], span_us=-HOUR), "window"),
        (request([item("a", 60)], time_zone="Mars/Olympus_Mons"), "time_zone"),
        (request([item("a", 60)], time_zone="../../etc/passwd"), "time_zone"),
        (request([item("a", 7200)]), "playlist.items"),
        (request([item("a", 60)], rules=ScheduleRules(item_cooldown_us=-1)), "rules.item_cooldown"),
        (request([item("a", 60)], rules=ScheduleRules(artist_separation_us=-1)), "rules.artist_separation"),
        (
            request([item("a", 60)], rules=ScheduleRules(dayparts=(Daypart("6:00", "09:00"),))),
            "rules.dayparts[0].start_local",
        ),
        (
            request([item("a", 60)], rules=ScheduleRules(dayparts=(Daypart("06:00", "25:00"),))),
            "rules.dayparts[0].end_local",
        ),
        (
            request([item("a", 60)], rules=ScheduleRules(dayparts=(Daypart("06:00", "09:00", days_of_week=(0,)),))),
            "rules.dayparts[0].days_of_week",
        ),
        (
            request([item("a", 60)], rules=ScheduleRules(dayparts=(Daypart("06:00", "09:00", categories=("news",)),))),
            "rules.dayparts[0]",
        ),
        (
            request([item("a", 60)], rules=ScheduleRules(group_rules=(GroupRule(GroupKey.ARTIST, "x", -1),))),
            "rules.group_rules[0].separation",
        ),
        (request([item("a", 60)], fixed=[Event("f", T0, 0)]), "fixed_events[0].duration"),
    ],
)
def test_bad_input_is_rejected_with_the_field(req: GenerateRequest, field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        generate(req)
    assert field in field_of(exc)
    assert field in exc.value.message


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(InvalidInput) as exc:
        generate(request([item("", 60), item("b", 0), item("b", 60)], span_us=0, time_zone="Nowhere/Atall"))
    assert set(field_of(exc)) >= {
        "window",
        "time_zone",
        "playlist.items[0].id",
        "playlist.items[1].duration",
        "playlist.items[2].id",
    }
    assert "more problems" in exc.value.message


def test_the_error_pickles_across_the_pool() -> None:
    with pytest.raises(InvalidInput) as exc:
        generate(request([]))
    again = pickle.loads(pickle.dumps(exc.value))
    assert isinstance(again, InvalidInput)
    assert again.violations == exc.value.violations


def test_items_longer_than_the_window_are_a_note_when_others_fit() -> None:
    result = generate(request([item("long", 7200), item("short", 600)]))
    assert set(ids(result)) == {"short"}
    assert any("longer than the window" in n and "long" in n for n in result.report.notes)


def test_an_empty_time_zone_means_utc() -> None:
    assert generate(request(ten(3), time_zone="")).report.fill_ratio == 1.0


# -- playback orders -------------------------------------------------------------


def test_sequential_plays_in_order_and_wraps() -> None:
    result = generate(request(ten(3), span_us=HOUR))
    assert ids(result) == ["i0", "i1", "i2"] * 2


def test_sequential_ignores_the_seed() -> None:
    assert generate(request(ten(3), seed=1)).events == generate(request(ten(3), seed=2)).events


def test_shuffle_plays_each_item_once_per_cycle() -> None:
    items = ten(5, 60)
    played = ids(generate(request(items, span_us=40 * MIN, order=PlaybackOrder.SHUFFLE, seed=3)))
    assert len(played) == 40
    cycles = [played[k : k + 5] for k in range(0, 40, 5)]
    for cycle in cycles:
        assert sorted(cycle) == [f"i{k}" for k in range(5)]
    assert len({tuple(c) for c in cycles}) > 1, "reshuffled every cycle"


@pytest.mark.parametrize("seed", range(8))
def test_shuffle_never_repeats_an_item_across_a_cycle_boundary(seed: int) -> None:
    played = ids(generate(request(ten(3, 60), span_us=HOUR, order=PlaybackOrder.SHUFFLE, seed=seed)))
    assert all(a != b for a, b in itertools.pairwise(played))


def test_shuffle_depends_on_the_seed() -> None:
    a = ids(generate(request(ten(10, 60), order=PlaybackOrder.SHUFFLE, seed=1)))
    b = ids(generate(request(ten(10, 60), order=PlaybackOrder.SHUFFLE, seed=2)))
    c = ids(generate(request(ten(10, 60), order=PlaybackOrder.SHUFFLE, seed=-1)))
    assert len({tuple(a), tuple(b), tuple(c)}) == 3


def test_weighted_random_draws_by_weight() -> None:
    items = [item("heavy", 60, weight=9.0), item("light", 60, weight=1.0)]
    counts = Counter(ids(generate(request(items, span_us=24 * HOUR, order=PlaybackOrder.WEIGHTED_RANDOM, seed=5))))
    share = counts["heavy"] / (counts["heavy"] + counts["light"])
    assert 0.86 < share < 0.94


def test_weighted_random_still_honours_cooldowns() -> None:
    items = [item("heavy", 60, weight=100.0), *ten(4, 60)]
    rules = ScheduleRules(item_cooldown_us=4 * MIN)
    result = generate(request(items, span_us=2 * HOUR, order=PlaybackOrder.WEIGHTED_RANDOM, rules=rules, seed=1))
    heavy = [e.start_us for e in regular(result) if e.metadata["item_id"] == "heavy"]
    assert all(b - a >= 4 * MIN for a, b in itertools.pairwise(heavy))
    assert len(heavy) >= 20  # every 4 minutes, as often as the cooldown allows
    assert result.report.relaxations == ()


def test_shuffle_groups_keeps_episode_order_and_shuffles_shows() -> None:
    items = [
        item(f"{show}{ep}", 60, show=show, episode=ep)
        for show in ("a", "b", "c")
        for ep in (3, 1, 2)  # listed out of order on purpose
    ]
    played = ids(generate(request(items, span_us=18 * MIN, order=PlaybackOrder.SHUFFLE_GROUPS, seed=4)))
    for show in "abc":
        assert [p for p in played if p[0] == show] == [f"{show}1", f"{show}2", f"{show}3"] * 2
    cycles = [played[k : k + 3] for k in range(0, 18, 3)]
    for cycle in cycles:
        assert sorted(p[0] for p in cycle) == ["a", "b", "c"]
    assert len({tuple(p[0] for p in c) for c in cycles}) > 1
    assert all(a[0] != b[0] for a, b in itertools.pairwise(played))


def test_items_without_a_show_are_groups_of_their_own() -> None:
    items = [item("x", 60), item("y", 60), item("s1", 60, show="s", episode=1), item("s2", 60, show="s", episode=2)]
    played = ids(generate(request(items, span_us=12 * MIN, order=PlaybackOrder.SHUFFLE_GROUPS, seed=2)))
    assert [p for p in played if p.startswith("s")] == ["s1", "s2"] * 2
    assert Counter(played)["x"] == 4


# -- cooldown and separation -------------------------------------------------------


def spacings(result: GenerateResult, key: str) -> dict[str, list[int]]:
    starts: dict[str, list[int]] = {}
    for e in regular(result):
        if value := e.metadata.get(key):
            starts.setdefault(value, []).append(e.start_us)
    return {k: [b - a for a, b in itertools.pairwise(v)] for k, v in starts.items()}


@pytest.mark.parametrize("order", list(PlaybackOrder))
def test_item_cooldown_is_honoured_when_it_can_be(order: PlaybackOrder) -> None:
    rules = ScheduleRules(item_cooldown_us=50 * MIN)
    result = generate(request(ten(12, 300), span_us=6 * HOUR, order=order, rules=rules, seed=9))
    assert min(min(v) for v in spacings(result, "item_id").values() if v) >= 50 * MIN
    assert result.report.relaxations == ()
    assert result.report.fill_ratio == 1.0


def test_per_item_cooldown_overrides_the_rule() -> None:
    items = [item("hit", 60, cooldown_us=0), *ten(5, 60)]
    rules = ScheduleRules(item_cooldown_us=5 * MIN)
    result = generate(request(items, span_us=HOUR, rules=rules, order=PlaybackOrder.WEIGHTED_RANDOM, seed=1))
    assert result.report.relaxations == ()
    items = [item("rare", 60, cooldown_us=30 * MIN), *ten(5, 60)]
    result = generate(request(items, span_us=HOUR, rules=rules))
    assert all(s >= 30 * MIN for s in spacings(result, "item_id")["rare"])


@pytest.mark.parametrize(("key", "rule"), [("artist", "artist"), ("category", "category"), ("show", "show")])
def test_separation_by_artist_category_and_show(key: str, rule: str) -> None:
    items = [item(f"i{k}", 120, **{key: f"g{k % 3}"}) for k in range(9)]
    rules = {
        "artist": ScheduleRules(artist_separation_us=6 * MIN),
        "category": ScheduleRules(category_separation_us=6 * MIN),
        "show": ScheduleRules(show_separation_us=6 * MIN),
    }[rule]
    result = generate(request(items, span_us=3 * HOUR, rules=rules, order=PlaybackOrder.SHUFFLE, seed=2))
    assert min(min(v) for v in spacings(result, key).values()) >= 6 * MIN
    assert result.report.relaxations == ()


def test_group_rule_overrides_the_separation_for_one_artist() -> None:
    items = [
        item("a1", 60, artist="A"),
        item("a2", 60, artist="A"),
        *[item(f"b{k}", 60, artist=f"B{k}") for k in range(8)],
    ]
    rules = ScheduleRules(group_rules=(GroupRule(GroupKey.ARTIST, "A", 5 * MIN),))
    result = generate(request(items, span_us=2 * HOUR, rules=rules, order=PlaybackOrder.SHUFFLE, seed=3))
    assert min(spacings(result, "artist")["A"]) >= 5 * MIN
    assert result.report.relaxations == ()


def test_relax_reports_every_bent_rule() -> None:
    # Two items, a cooldown of an hour: every repeat is too early.
    rules = ScheduleRules(item_cooldown_us=HOUR, when_blocked=BlockedPolicy.RELAX)
    result = generate(request(ten(2, 600), span_us=HOUR, rules=rules))
    events = regular(result)
    assert result.report.fill_ratio == 1.0
    assert len(events) == 6
    relaxed = {r.event_id: r for r in result.report.relaxations}
    assert set(relaxed) == {e.id for e in events[2:]}
    for r in relaxed.values():
        assert r.rule == "item_cooldown"
        assert r.shortfall_us == HOUR - 20 * MIN
        assert "item cooldown" in r.message
    assert any("relaxed item cooldown 4 time(s)" in n for n in result.report.notes)


def test_relax_picks_the_least_violating_item() -> None:
    # a aired 50 min ago, b 40 min ago (fixed, before the window): a is closest to eligible.
    fixed = [
        Event("fa", T0 - 50 * MIN, 10 * MIN, asset_id="a"),
        Event("fb", T0 - 40 * MIN, 10 * MIN, asset_id="b"),
    ]
    rules = ScheduleRules(item_cooldown_us=HOUR)
    result = generate(request([item("a", 600), item("b", 600)], span_us=10 * MIN, rules=rules, fixed=fixed))
    assert ids(result) == ["a"]
    assert [r.shortfall_us for r in result.report.relaxations] == [10 * MIN]


def test_wait_with_filler_airs_filler_until_an_item_is_eligible() -> None:
    rules = ScheduleRules(item_cooldown_us=30 * MIN, when_blocked=BlockedPolicy.WAIT_WITH_FILLER)
    result = generate(request(ten(2, 600), span_us=HOUR, rules=rules, filler=[item("ident", 60)]))
    assert result.report.relaxations == ()
    assert result.report.fill_ratio == 1.0
    assert min(min(v) for v in spacings(result, "item_id").values() if v) >= 30 * MIN
    fillers = [e for e in result.events if e.kind is EventKind.FILLER]
    assert len(fillers) == result.report.filler_events >= 10
    assert all(e.asset_id == "ident" for e in fillers)
    assert any("waiting (with filler, if any)" in n for n in result.report.notes)


def test_wait_without_filler_leaves_reported_gaps() -> None:
    rules = ScheduleRules(item_cooldown_us=30 * MIN, when_blocked=BlockedPolicy.WAIT_WITH_FILLER)
    result = generate(request(ten(2, 600), span_us=HOUR, rules=rules))
    report = result.report
    assert report.relaxations == ()
    assert report.unfilled
    unfilled = sum(w.end_us - w.start_us for w in report.unfilled)
    assert report.fill_ratio == pytest.approx(1 - unfilled / HOUR)
    assert sum(e.duration_us for e in result.events) + unfilled == HOUR
    assert any("unfilled" in n for n in report.notes)


@pytest.mark.parametrize("policy", list(BlockedPolicy))
def test_a_cooldown_no_playlist_can_satisfy_ends_in_a_report(policy: BlockedPolicy) -> None:
    rules = ScheduleRules(item_cooldown_us=48 * HOUR, when_blocked=policy, gap_filler_asset_id="black")
    result = generate(request(ten(20, 180), span_us=7 * 24 * HOUR, rules=rules, filler=[item("ident", 30)]))
    report = result.report
    assert report.fill_ratio == 1.0
    assert any("longer than one pass" in n for n in report.notes)
    if policy is BlockedPolicy.RELAX:
        assert len(report.relaxations) == sum(p.count for p in report.plays) - 20
    else:
        assert report.relaxations == ()
        assert sum(p.count for p in report.plays) == 20 * 4  # day 0, 2, 4, 6


def test_relaxations_are_capped_but_counted() -> None:
    rules = ScheduleRules(item_cooldown_us=24 * HOUR)
    req = request(ten(2, 60), span_us=10 * HOUR, rules=rules)
    req = dataclasses.replace(req, max_relaxations=5)
    report = generate(req).report
    assert len(report.relaxations) == 5
    assert any("only the first 5 of 598 relaxations" in n for n in report.notes)


def test_filler_is_exempt_from_cooldowns() -> None:
    rules = ScheduleRules(item_cooldown_us=HOUR, when_blocked=BlockedPolicy.WAIT_WITH_FILLER)
    result = generate(request([item("a", 600)], span_us=HOUR, rules=rules, filler=[item("ident", 10)]))
    assert result.report.relaxations == ()
    assert result.report.filler_events == 300


# -- fixed events --------------------------------------------------------------------


def test_fixed_events_stay_where_they_are_and_gaps_are_filled() -> None:
    news = [
        Event("news1", T0 + 20 * MIN, 5 * MIN, asset_id="news", fixed_start=True, kind=EventKind.LIVE),
        Event("news2", T0 + 47 * MIN + 30 * S, 5 * MIN, asset_id="news", fixed_start=True, metadata={"k": "v"}),
    ]
    items = [item(f"i{k}", 60 + 17 * k) for k in range(12)]
    result = generate(request(items, span_us=HOUR, fixed=news, filler=[item("ident", 5)]))
    assert [e for e in result.events if not e.id.startswith("gen-")] == news
    assert result.events[[e.id for e in result.events].index("news2")] is news[1]
    assert_no_overlap(result.events)
    assert result.report.fill_ratio == 1.0
    assert result.events[0].start_us == T0
    assert result.events[-1].end_us == T0 + HOUR


def test_a_window_covered_by_fixed_events_returns_them() -> None:
    fixed = [Event("all", T0 - MIN, HOUR + 2 * MIN, asset_id="film")]
    result = generate(request(ten(3), fixed=fixed))
    assert result.events == tuple(fixed)
    assert result.report.fill_ratio == 1.0


def test_overlapping_fixed_events_are_kept_and_noted() -> None:
    fixed = [Event("a", T0 + 10 * MIN, 10 * MIN), Event("b", T0 + 15 * MIN, 10 * MIN)]
    result = generate(request(ten(6, 300), fixed=fixed))
    assert [e.id for e in result.events if not e.id.startswith("gen-")] == ["a", "b"]
    assert any("overlap" in n for n in result.report.notes)
    assert_no_overlap([e for e in result.events if e.id.startswith("gen-")])


def test_cooldowns_respect_fixed_plays_before_and_after() -> None:
    rules = ScheduleRules(item_cooldown_us=HOUR)
    before = Event("x0", T0 - 30 * MIN, 5 * MIN, asset_id="x")
    after = Event("x1", T0 + 100 * MIN, 5 * MIN, metadata={"item_id": "x"})
    # x is drawn whenever it may air: only from T0+30min (an hour after the
    # play before) to T0+40min (an hour before the play after).
    items = [item("x", 300, weight=1000.0), *ten(30, 300)]
    order = PlaybackOrder.WEIGHTED_RANDOM
    result = generate(request(items, span_us=2 * HOUR, rules=rules, fixed=[before, after], order=order, seed=3))
    xs = [e.start_us for e in regular(result) if e.metadata["item_id"] == "x"]
    assert xs == [T0 + 30 * MIN, T0 + 35 * MIN, T0 + 40 * MIN][: len(xs)]
    assert xs, "x airs once it may"
    assert all(s - before.start_us >= HOUR and after.start_us - s >= HOUR for s in xs)
    assert result.report.relaxations == ()
    plays = {p.item_id: p for p in result.report.plays}
    assert plays["x"].count == len(xs) + 1  # the fixed play inside the window counts


def test_fixed_artist_metadata_counts_for_separation() -> None:
    rules = ScheduleRules(artist_separation_us=30 * MIN)
    live = Event("live", T0 + 30 * MIN, 5 * MIN, metadata={"artist": "Band"})
    items = [item("song", 180, artist="Band"), *[item(f"o{k}", 180, artist=f"A{k}") for k in range(20)]]
    result = generate(request(items, rules=rules, fixed=[live], order=PlaybackOrder.SHUFFLE, seed=1))
    band = [e.start_us for e in regular(result) if e.metadata.get("artist") == "Band"]
    assert all(abs(s - live.start_us) >= 30 * MIN for s in band)
    assert result.report.relaxations == ()


# -- exact fill ------------------------------------------------------------------------


def test_the_gap_is_filled_exactly_where_greedy_would_fall_short() -> None:
    # Greedy in order airs 130 + 100 and strands 10 s; 130 + 70 + 40 fits to the second.
    items = [item("a", 130), item("b", 100), item("c", 70), item("d", 40)]
    fixed = [Event("hard", T0 + 240 * S, 60 * S, fixed_start=True)]
    result = generate(request(items, span_us=300 * S, fixed=fixed))
    assert result.report.fill_ratio == 1.0
    assert sorted(ids(result)) == ["a", "c", "d"]
    assert result.report.filler_events == 0


def test_filler_items_pad_what_items_cannot() -> None:
    items = ten(4, 180)
    result = generate(request(items, span_us=20 * MIN, filler=[item("sting", 7), item("ident", 20)]))
    assert result.report.fill_ratio == 1.0
    assert sum(e.duration_us for e in result.events) == 20 * MIN
    fill = Counter(e.asset_id for e in result.events if e.kind is EventKind.FILLER)
    assert fill["ident"] * 20 + fill["sting"] * 7 == 20 * 60 - 6 * 180


def test_gap_filler_event_has_the_exact_length() -> None:
    rules = ScheduleRules(gap_filler_asset_id="loop")
    result = generate(request([item("a", 61.5)], span_us=10 * MIN, rules=rules))
    gap = result.events[-1]
    assert (gap.kind, gap.asset_id) == (EventKind.FILLER, "loop")
    assert gap.end_us == T0 + 10 * MIN
    assert result.report.fill_ratio == 1.0
    assert result.report.unfilled == ()


def test_what_cannot_be_filled_is_reported() -> None:
    result = generate(request([item("a", 420)], span_us=HOUR))
    report = result.report
    assert report.unfilled == (Window(T0 + 8 * 420 * S, T0 + HOUR),)
    assert report.fill_ratio == pytest.approx(3360 / 3600)


def test_sub_second_durations_never_overrun() -> None:
    items = [item("a", 59.9), item("b", 60.25), item("c", 30.5)]
    result = generate(request(items, span_us=10 * MIN + 123, rules=ScheduleRules(gap_filler_asset_id="g")))
    assert_no_overlap(result.events)
    assert result.events[-1].end_us == T0 + 10 * MIN + 123
    assert result.report.fill_ratio == 1.0


# -- dayparts ------------------------------------------------------------------------------


LONDON = "Europe/London"


def _utc(day: str, hh: int, mm: int = 0) -> int:
    from datetime import UTC, datetime

    y, m, d = map(int, day.split("-"))
    return int(datetime(y, m, d, hh, mm, tzinfo=UTC).timestamp()) * S


def _spans(dayparts: Sequence[Daypart], start: int, end: int) -> list[tuple[int, int, int]]:
    from zoneinfo import ZoneInfo

    return Dayparts(dayparts, ZoneInfo(LONDON), Window(start, end)).spans()


def test_daypart_follows_local_time_across_the_spring_change() -> None:
    morning = Daypart("06:00", "09:00")
    spans = _spans([morning], _utc("2025-03-29", 0), _utc("2025-03-31", 0))
    assert spans == [
        (_utc("2025-03-29", 6), _utc("2025-03-29", 9), 0),  # GMT
        (_utc("2025-03-30", 5), _utc("2025-03-30", 8), 0),  # BST from 01:00Z on the 30th
    ]
    # Across the skipped hour: 00:30 GMT to 03:00 BST is 1 h 30 min.
    night = _spans([Daypart("00:30", "03:00")], _utc("2025-03-30", 0), _utc("2025-03-30", 12))
    assert night == [(_utc("2025-03-30", 0, 30), _utc("2025-03-30", 2), 0)]
    # A start inside the skipped hour takes effect at the change, 01:00Z (issue 13).
    skipped = _spans([Daypart("01:30", "04:00")], _utc("2025-03-30", 0), _utc("2025-03-30", 12))
    assert skipped == [(_utc("2025-03-30", 1), _utc("2025-03-30", 3), 0)]


def test_daypart_follows_local_time_across_the_autumn_change() -> None:
    morning = Daypart("06:00", "09:00")
    spans = _spans([morning], _utc("2025-10-25", 0), _utc("2025-10-27", 0))
    assert spans == [
        (_utc("2025-10-25", 5), _utc("2025-10-25", 8), 0),  # BST
        (_utc("2025-10-26", 6), _utc("2025-10-26", 9), 0),  # GMT
    ]
    # 00:00 BST to 03:00 GMT spans the repeated hour: four hours.
    night = _spans([Daypart("00:00", "03:00")], _utc("2025-10-25", 12), _utc("2025-10-26", 12))
    assert night == [(_utc("2025-10-25", 23), _utc("2025-10-26", 3), 0)]


@pytest.mark.parametrize("day", ["2025-03-30", "2025-10-26"])
def test_daypart_restricts_items_on_a_dst_change_day(day: str) -> None:
    items = [item(f"m{k}", 600, category="morning") for k in range(3)] + [item(f"o{k}", 600) for k in range(5)]
    rules = ScheduleRules(dayparts=(Daypart("06:00", "09:00", categories=("morning",)),))
    start = _utc(day, 0)
    result = generate(request(items, start=start, span_us=24 * HOUR, rules=rules, time_zone=LONDON))
    offset = HOUR if day.endswith("03-30") else 0  # BST after the spring change, GMT after the autumn one
    lo, hi = _utc(day, 6) - offset, _utc(day, 9) - offset
    inside = [e for e in regular(result) if lo <= e.start_us < hi]
    assert len(inside) == 18
    assert all(e.metadata.get("category") == "morning" for e in inside)
    after = [e for e in regular(result) if hi <= e.start_us < hi + HOUR]
    assert any(e.metadata.get("category") != "morning" for e in after)
    assert result.report.fill_ratio == 1.0


def test_daypart_by_tag_and_day_of_week_and_past_midnight() -> None:
    items = [item("late1", 600, tags=("late",)), item("late2", 600, tags=("late",)), *ten(4)]
    # 2026-01-02 is a Friday (5): 22:00 Friday to 02:00 Saturday.
    rules = ScheduleRules(dayparts=(Daypart("22:00", "02:00", days_of_week=(5,), tags=("late",)),))
    result = generate(request(items, span_us=3 * 24 * HOUR, rules=rules))
    lo, hi = T0 + 46 * HOUR, T0 + 50 * HOUR
    for e in regular(result):
        if lo <= e.start_us < hi:
            assert e.metadata["item_id"].startswith("late")
    thursday = [e for e in regular(result) if T0 + 22 * HOUR <= e.start_us < T0 + 26 * HOUR]
    assert any(not e.metadata["item_id"].startswith("late") for e in thursday)


def test_overlapping_dayparts_the_first_listed_wins() -> None:
    items = [item("a", 600, category="A"), item("b", 600, category="B"), *ten(2)]
    rules = ScheduleRules(
        dayparts=(Daypart("01:00", "03:00", categories=("A",)), Daypart("02:00", "04:00", categories=("B",)))
    )
    result = generate(request(items, span_us=5 * HOUR, rules=rules))
    cat = {e.start_us: e.metadata.get("category") for e in regular(result)}
    assert {c for s, c in cat.items() if T0 + HOUR <= s < T0 + 3 * HOUR} == {"A"}
    assert {c for s, c in cat.items() if T0 + 3 * HOUR <= s < T0 + 4 * HOUR} == {"B"}


# -- output ------------------------------------------------------------------------------


def test_events_carry_metadata_for_validate() -> None:
    src = item("ep7", 600, artist="Ann", category="drama", show="Saga", episode=7, title="Saga 7", metadata={"x": "y"})
    event = regular(generate(request([src, *ten(2)])))[0]
    assert dict(event.metadata) == {
        "x": "y",
        "artist": "Ann",
        "category": "drama",
        "show": "Saga",
        "episode": "7",
        "item_id": "ep7",
    }
    assert (event.asset_id, event.title, event.kind, event.fixed_start) == ("ep7", "Saga 7", EventKind.PROGRAM, False)
    assert regular(generate(request([item("m", 600, asset_id="file.mxf", kind=EventKind.MUSIC)])))[0].asset_id == (
        "file.mxf"
    )


def test_event_ids_are_stable_unique_and_per_channel() -> None:
    a = generate(request(ten(5, 60), order=PlaybackOrder.SHUFFLE, seed=1, channel_id="one"))
    b = generate(request(ten(5, 60), order=PlaybackOrder.SHUFFLE, seed=1, channel_id="one"))
    c = generate(request(ten(5, 60), order=PlaybackOrder.SHUFFLE, seed=1, channel_id="two"))
    assert [e.id for e in a.events] == [e.id for e in b.events]
    assert len({e.id for e in a.events}) == len(a.events)
    assert not {e.id for e in a.events} & {e.id for e in c.events}


def test_report_counts_plays_spacing_and_repeats() -> None:
    result = generate(request(ten(3, 600), span_us=2 * HOUR, filler=[item("f", 1)]))
    plays = {p.item_id: p for p in result.report.plays}
    assert [p.item_id for p in result.report.plays] == ["i0", "i1", "i2"]
    assert plays["i0"].count == 4
    assert plays["i0"].min_spacing_us == plays["i0"].max_spacing_us == 30 * MIN
    assert result.report.repeats == 12 - 3
    assert result.report.filler_events == 0


def test_progress_is_reported_up_to_one() -> None:
    seen: list[float] = []
    generate(request(ten(50, 180), span_us=24 * HOUR), progress=seen.append)
    assert seen == sorted(seen)
    assert seen[-1] == 1.0
    assert 10 <= len(seen) <= 102


def test_a_window_needing_too_many_events_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generate_module, "MAX_EVENTS", 100)
    with pytest.raises(InvalidInput) as exc:
        generate(request(ten(3, 10), span_us=HOUR))
    assert field_of(exc) == ["window"]


# -- determinism ---------------------------------------------------------------------------


def _busy_request(seed: int) -> GenerateRequest:
    items = [
        item(f"i{k}", 60 + (k * 37) % 240, artist=f"a{k % 7}", category=f"c{k % 3}", show=f"s{k % 5}", episode=k)
        for k in range(40)
    ]
    rules = ScheduleRules(
        item_cooldown_us=2 * HOUR,
        artist_separation_us=20 * MIN,
        dayparts=(Daypart("06:00", "09:00", categories=("c1",)),),
    )
    fixed = [Event("news", T0 + 7 * HOUR, 10 * MIN, fixed_start=True)]
    return request(
        items,
        span_us=24 * HOUR,
        order=PlaybackOrder.SHUFFLE_GROUPS,
        rules=rules,
        fixed=fixed,
        filler=[item("f", 13)],
        seed=seed,
        time_zone=LONDON,
    )


def digest(result: GenerateResult) -> str:
    return hashlib.sha256(repr(result).encode()).hexdigest()


def test_same_seed_same_schedule_and_another_seed_another() -> None:
    assert generate(_busy_request(1)) == generate(_busy_request(1))
    assert digest(generate(_busy_request(1))) != digest(generate(_busy_request(2)))


_CHILD = """
import hashlib, sys
sys.path.insert(0, {here!r})
from test_generate import _busy_request, digest
from scheduleflow.server.core.generate import generate
print(digest(generate(_busy_request(1))))
"""


def test_the_schedule_does_not_depend_on_the_process() -> None:
    """Same bytes under different string-hash seeds (the classic source of drift)."""
    here = os.path.dirname(__file__)
    code = _CHILD.format(here=here)
    out = set()
    for hashseed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        out.add(proc.stdout.strip())
    assert out == {digest(generate(_busy_request(1)))}


def test_episode_order_holds_across_dayparts() -> None:
    """A show airing in a daypart and outside it never replays or skips an episode."""
    kids = [item(f"k{ep}", 600, show="Kids", episode=ep, category="kids") for ep in range(1, 7)]
    others = [item(f"o{k}", 600, show=f"O{k}") for k in range(3)]
    rules = ScheduleRules(dayparts=(Daypart("06:00", "08:00", categories=("kids",)),))
    result = generate(request([*kids, *others], span_us=24 * HOUR, order=PlaybackOrder.SHUFFLE_GROUPS, rules=rules))
    episodes = [int(e.metadata["episode"]) for e in regular(result) if e.metadata.get("show") == "Kids"]
    assert len(episodes) > 12
    assert episodes == [(k % 6) + 1 for k in range(len(episodes))]


def test_the_result_pickles_back_from_the_pool() -> None:
    result = generate(_busy_request(3))
    assert pickle.loads(pickle.dumps(result)) == result


def test_public_names() -> None:
    assert set(generate_module.__all__) == {
        "DEFAULT_MAX_RELAXATIONS",
        "MAX_EVENTS",
        "GenerateRequest",
        "GenerateResult",
        "generate",
    }


@pytest.mark.parametrize("order", list(PlaybackOrder))
def test_hard_starts_every_hour_are_met_to_the_second_without_bending(order: PlaybackOrder) -> None:
    items = [item(f"t{k}", 150 + (k * 7919) % 61, artist=f"a{k % 20}") for k in range(80)]
    news = [Event(f"news{h}", T0 + h * HOUR, 5 * MIN, fixed_start=True) for h in range(1, 12)]
    rules = ScheduleRules(item_cooldown_us=3 * HOUR, artist_separation_us=30 * MIN)
    result = generate(request(items, span_us=12 * HOUR, order=order, rules=rules, fixed=news, seed=11))
    assert result.report.fill_ratio == 1.0
    assert result.report.relaxations == ()
    assert result.report.filler_events == 0
    assert [e for e in result.events if e.id.startswith("news")] == news
