"""Generation that continues from history: a week committed day by day keeps
every rule across the seams, or reports what it bent (issue 13)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from scheduleflow.server.core.generate import GenerateResult, generate
from scheduleflow.server.core.generate_items import rule_reach
from scheduleflow.server.core.generate_orders import Shuffle
from scheduleflow.server.core.model import Event, EventKind, FindingCode, Window
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
from scheduleflow.server.core.validate import Rules, validate_events
from tests.unit.core.test_generate import HOUR, MIN, T0, item, request

DAY = 24 * HOUR

#: Every rule kind the engine knows, one at a time; the spans leave room, so
#: a breach means the seam was ignored, not that the material was short.
RULES = {
    "item_cooldown": ScheduleRules(item_cooldown_us=3 * HOUR),
    "artist_separation": ScheduleRules(artist_separation_us=90 * MIN),
    "category_separation": ScheduleRules(category_separation_us=40 * MIN),
    "show_separation": ScheduleRules(show_separation_us=2 * HOUR),
    "group_rule": ScheduleRules(group_rules=(GroupRule(GroupKey.ARTIST, "a0", 5 * HOUR),)),
    "per_item_cooldown": ScheduleRules(),
}


def _material(rule: str) -> list[PlaylistItem]:
    return [
        item(
            f"i{k}",
            1800,
            artist=f"a{k % 4}",
            category=f"c{k % 3}",
            show=f"s{k % 5}",
            episode=k,
            cooldown_us=4 * HOUR if rule == "per_item_cooldown" and k % 2 else None,
        )
        for k in range(10)
    ]


def _history(stored: Sequence[Event], window: Window, reach: int) -> tuple[Event, ...]:
    """What the Schedule job reads from the store around ``window``."""
    return tuple(
        e
        for e in stored
        if (window.start_us - reach <= e.start_us and e.end_us <= window.start_us)
        or (window.end_us <= e.start_us < window.end_us + reach)
    )


def _week(rule: str, order: PlaybackOrder, *, days: int = 7) -> tuple[list[Event], list[GenerateResult]]:
    stored: list[Event] = []
    results = []
    for d in range(days):
        req = request(_material(rule), start=T0 + d * DAY, span_us=DAY, order=order, rules=RULES[rule], seed=d)
        reach = rule_reach(req.playlist, req.rules)
        req = dataclasses.replace(req, history=_history(stored, req.window, reach))
        result = generate(req)
        # REPLACE_WINDOW, as a commit does.
        stored = [e for e in stored if e.end_us <= req.window.start_us or e.start_us >= req.window.end_us]
        stored = sorted([*stored, *result.events], key=lambda e: e.start_us)
        results.append(result)
    return stored, results


def _breaches(events: Sequence[Event], rules: ScheduleRules, material: Sequence[PlaylistItem]) -> set[str]:
    """Ids of every play that starts too soon after an earlier play with a key in common."""
    by_id = {it.id: it for it in material}
    last: dict[tuple[str, str], int] = {}
    overrides = {(g.key.value, g.value): g.separation_us for g in rules.group_rules}
    spans = {
        "artist": rules.artist_separation_us,
        "category": rules.category_separation_us,
        "show": rules.show_separation_us,
    }
    out = set()
    for e in events:
        if e.kind is EventKind.FILLER:
            continue
        it = by_id[e.metadata["item_id"]]
        keys = [("item", it.id, it.cooldown_us if it.cooldown_us is not None else rules.item_cooldown_us)]
        keys += [(k, getattr(it, k), overrides.get((k, getattr(it, k)), spans[k])) for k in spans]
        for kind, value, span in keys:
            prev = last.get((kind, value))
            if span and prev is not None and e.start_us - prev < span:
                out.add(e.id)
            last[(kind, value)] = e.start_us
    return out


@pytest.mark.parametrize("order", list(PlaybackOrder))
@pytest.mark.parametrize("rule", list(RULES))
def test_a_week_committed_day_by_day_has_no_unreported_breach(rule: str, order: PlaybackOrder) -> None:
    stored, results = _week(rule, order)
    reported = {r.event_id for res in results for r in res.report.relaxations}
    breaches = _breaches(stored, RULES[rule], _material(rule))
    assert breaches <= reported, sorted(breaches - reported)[:5]
    assert all(res.report.fill_ratio == 1.0 for res in results)


@pytest.mark.parametrize("order", list(PlaybackOrder))
def test_validate_over_the_week_finds_only_what_schedule_reported(order: PlaybackOrder) -> None:
    """The issue's case: 30-minute items, a 3-hour cooldown, commit day by day,
    then Validate the whole week with the same rules."""
    material = [item(f"i{k}", 1800, artist=f"a{k % 4}", category=f"c{k % 3}") for k in range(8)]
    rules = ScheduleRules(item_cooldown_us=3 * HOUR, artist_separation_us=60 * MIN, category_separation_us=30 * MIN)
    stored: list[Event] = []
    reported: set[str] = set()
    for d in range(7):
        req = request(material, start=T0 + d * DAY, span_us=DAY, order=order, rules=rules, seed=d)
        req = dataclasses.replace(req, history=_history(stored, req.window, rule_reach(req.playlist, rules)))
        result = generate(req)
        reported |= {r.event_id for r in result.report.relaxations}
        stored = sorted([*stored, *result.events], key=lambda e: e.start_us)
    report = validate_events(
        stored,
        rules=Rules(
            asset_cooldown_us=3 * HOUR,
            artist_separation_us=60 * MIN,
            category_separation_us=30 * MIN,
            max_findings=100_000,
        ),
    )
    breaches = [
        f
        for f in report.findings
        if f.code in (FindingCode.COOLDOWN_BREACH, FindingCode.SEPARATION_BREACH) and not set(f.event_ids) & reported
    ]
    assert breaches == [], [f.message for f in breaches[:3]]


def test_without_history_the_seams_break_as_the_issue_saw() -> None:
    """The failure this fixes: 8 items of 30 minutes, shuffle, 3-hour cooldown, no history."""
    material = [item(f"i{k}", 1800) for k in range(8)]
    rules = ScheduleRules(item_cooldown_us=3 * HOUR)
    events: list[Event] = []
    for d in range(3):
        events += generate(
            request(material, start=T0 + d * DAY, span_us=DAY, order=PlaybackOrder.SHUFFLE, rules=rules, seed=d)
        ).events
    assert _breaches(events, rules, material)


def test_history_after_the_window_is_kept_clear_of() -> None:
    """Regenerating a day between two stored days stays clear of the next one."""
    material = _material("item_cooldown")
    rules = RULES["item_cooldown"]
    stored, _ = _week("item_cooldown", PlaybackOrder.SHUFFLE, days=3)
    middle = Window(T0 + DAY, T0 + 2 * DAY)
    req = request(material, start=middle.start_us, span_us=DAY, order=PlaybackOrder.SHUFFLE, rules=rules, seed=9)
    req = dataclasses.replace(req, history=_history(stored, middle, rule_reach(req.playlist, rules)))
    result = generate(req)
    kept = [e for e in stored if e.end_us <= middle.start_us or e.start_us >= middle.end_us]
    week = sorted([*kept, *result.events], key=lambda e: e.start_us)
    reported = {r.event_id for r in result.report.relaxations}
    assert _breaches(week, rules, material) <= reported
    assert any("continued from" in note for note in result.report.notes)


def test_history_inside_the_window_is_ignored_and_never_returned() -> None:
    material = [item(f"i{k}", 600) for k in range(4)]
    inside = Event("old", T0 + HOUR, 600, asset_id="i0", metadata={"item_id": "i0"})
    req = dataclasses.replace(request(material, span_us=2 * HOUR), history=(inside,))
    assert all(e.id != "old" for e in generate(req).events)


def test_an_unavoidable_breach_at_the_seam_is_reported() -> None:
    """One item and a cooldown longer than the gap since its last play: RELAX
    airs it and says so, naming the play before the window."""
    material = [item("only", 1800)]
    rules = ScheduleRules(item_cooldown_us=HOUR, when_blocked=BlockedPolicy.RELAX)
    before = Event("prev", T0 - 1800 * 1_000_000, 1800 * 1_000_000, asset_id="only", metadata={"item_id": "only"})
    req = dataclasses.replace(request(material, span_us=HOUR, rules=rules), history=(before,))
    result = generate(req)
    first = result.events[0]
    assert first.start_us == T0
    assert any(r.event_id == first.id and r.rule == "item_cooldown" for r in result.report.relaxations)


def test_rule_reach_is_the_longest_rule() -> None:
    rules = ScheduleRules(item_cooldown_us=HOUR, group_rules=(GroupRule(GroupKey.SHOW, "x", 5 * HOUR),))
    playlist = Playlist(items=(item("a", 60, cooldown_us=7 * HOUR), item("b", 60)))
    assert rule_reach(playlist, rules) == 7 * HOUR
    assert rule_reach(Playlist(items=(item("a", 60),)), ScheduleRules()) == 0


def _second_day(policy: BlockedPolicy, dayparts: tuple[Daypart, ...]) -> list[GenerateResult]:
    """Day 2 of a 200-item shuffle whose cycle (~20 h) turns early in the day,
    with a 9-hour cooldown: the first hours of the new cycle start blocked."""
    material = [item(f"i{k}", 300 + 7 * (k % 11), artist=f"a{k % 37}", category=f"c{k % 3}") for k in range(200)]
    rules = ScheduleRules(
        item_cooldown_us=9 * HOUR, artist_separation_us=40 * MIN, when_blocked=policy, dayparts=dayparts
    )
    first = request(material, span_us=DAY, order=PlaybackOrder.SHUFFLE, rules=rules, seed=3)
    day1 = generate(first)
    second = dataclasses.replace(
        first,
        window=Window(T0 + DAY, T0 + 2 * DAY),
        history=_history(day1.events, Window(T0 + DAY, T0 + 2 * DAY), rule_reach(first.playlist, rules)),
        state=day1.state,
    )
    return [day1, generate(second)]


@pytest.mark.parametrize("policy", list(BlockedPolicy))
@pytest.mark.parametrize("dayparts", [(), (Daypart("06:00", "10:00", categories=("c1",)),)])
def test_the_plain_walk_of_the_blocked_cycle_front_changes_nothing(
    policy: BlockedPolicy, dayparts: tuple[Daypart, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Engine._scan_head`` (the fast walk over the rest of a shuffle cycle)
    answers exactly as the full scan, draws included: the same bytes without it."""
    fast = _second_day(policy, dayparts)
    monkeypatch.setattr(Shuffle, "head", lambda self: ())
    assert _second_day(policy, dayparts) == fast
