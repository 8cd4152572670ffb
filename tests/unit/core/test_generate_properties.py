"""Properties of the generation engine over generated playlists, rules and fixed events.

Checked against independent re-computations, not against the engine's own
bookkeeping: no overlaps, fixed events untouched, every cooldown either
honoured or reported as relaxed (and nothing reported that was honoured),
dayparts obeyed, the window fully accounted for, determinism, and a full
window whenever filler can fill it.
"""

from __future__ import annotations

import bisect
import itertools
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduleflow.server.core.generate import GenerateRequest, GenerateResult, generate
from scheduleflow.server.core.generate_checks import daypart_admits
from scheduleflow.server.core.generate_dayparts import Dayparts
from scheduleflow.server.core.model import Event, EventKind, Window
from scheduleflow.server.core.playlist import (
    BlockedPolicy,
    Daypart,
    PlaybackOrder,
    Playlist,
    PlaylistItem,
    ScheduleRules,
)
from tests.profiles import examples

S = 1_000_000
T0 = 1_743_292_800 * S  # 2025-03-30T00:00:00Z: the spring change in Europe
ZONES = ["UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe"]
SETTINGS = settings(max_examples=examples(70), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def playlist_items(draw: st.DrawFn) -> tuple[PlaylistItem, ...]:
    n = draw(st.integers(1, 9))
    return tuple(
        PlaylistItem(
            id=f"i{k}",
            duration_us=draw(st.integers(5, 900)) * S + draw(st.sampled_from([0, 0, 0, 250_000])),
            artist=draw(st.sampled_from(["", "A", "B", "C"])),
            category=draw(st.sampled_from(["", "x", "y"])),
            show=draw(st.sampled_from(["", "s", "t"])),
            episode=draw(st.integers(0, 3)),
            weight=draw(st.floats(0.1, 10.0)),
            cooldown_us=draw(st.none() | st.integers(0, 3600).map(lambda s: s * S)),
        )
        for k in range(n)
    )


@st.composite
def requests(draw: st.DrawFn) -> GenerateRequest:
    items = draw(playlist_items())
    span_s = draw(st.integers(900, 6 * 3600))
    start = T0 + draw(st.integers(-3 * 3600, 3 * 3600)) * S
    end = start + span_s * S
    spans = st.integers(0, 2 * 3600).map(lambda s: s * S)
    dayparts: tuple[Daypart, ...] = ()
    if draw(st.booleans()) and any(it.category == "x" for it in items):
        dayparts = (Daypart(draw(st.sampled_from(["00:30", "01:30", "02:00", "23:00"])), "03:00", categories=("x",)),)
    rules = ScheduleRules(
        item_cooldown_us=draw(spans),
        artist_separation_us=draw(spans),
        category_separation_us=draw(st.sampled_from([0, 0, 600 * S])),
        show_separation_us=draw(st.sampled_from([0, 0, 900 * S])),
        when_blocked=draw(st.sampled_from(list(BlockedPolicy))),
        gap_filler_asset_id=draw(st.sampled_from(["", "", "black"])),
        dayparts=dayparts,
    )
    filler = tuple(
        PlaylistItem(id=f"f{k}", duration_us=d * S)
        for k, d in enumerate(draw(st.lists(st.integers(1, 120), max_size=3, unique=True)))
    )
    fixed = []
    for k in range(draw(st.integers(0, 3))):
        at = draw(st.integers((start - T0) // S - 3600, (end - T0) // S + 600)) * S + T0
        metadata = {}
        if draw(st.booleans()):
            metadata["item_id"] = draw(st.sampled_from([it.id for it in items]))
        if draw(st.booleans()):
            metadata["artist"] = draw(st.sampled_from(["A", "B"]))
        fixed.append(Event(f"fx{k}", at, draw(st.integers(30, 1800)) * S, asset_id="live", metadata=metadata))
    return GenerateRequest(
        window=Window(start, end),
        time_zone=draw(st.sampled_from(ZONES)),
        playlist=Playlist(items=items, order=draw(st.sampled_from(list(PlaybackOrder))), filler=filler),
        rules=rules,
        seed=draw(st.integers(-(2**63), 2**63)),
        fixed_events=tuple(fixed),
        channel_id="prop",
    )


def _generated(result: GenerateResult) -> list[Event]:
    return [e for e in result.events if e.id.startswith("gen-")]


def _item_of(req: GenerateRequest, e: Event) -> PlaylistItem | None:
    items = {it.id: it for it in req.playlist.items}
    if e.id.startswith("gen-"):
        return items.get(e.metadata.get("item_id", ""))
    if e.kind is EventKind.FILLER:
        return None
    return items.get(e.metadata.get("item_id", "")) or next(
        (it for it in req.playlist.items if (it.asset_id or it.id) == e.asset_id), None
    )


def _keys(req: GenerateRequest, e: Event) -> dict[str, str]:
    item = _item_of(req, e)
    keys = {"item": item.id} if item else {}
    for kind in ("artist", "category", "show"):
        value = e.metadata.get(kind, "") or (getattr(item, kind) if item else "")
        if value:
            keys[kind] = value
    return keys


def _span(req: GenerateRequest, item: PlaylistItem, kind: str) -> int:
    rules = req.rules
    if kind == "item":
        return item.cooldown_us if item.cooldown_us is not None else rules.item_cooldown_us
    return int(getattr(rules, f"{kind}_separation_us"))


def breaches(req: GenerateRequest, result: GenerateResult) -> set[tuple[str, str]]:
    """(generated event id, rule) for every rule a generated event breaks."""
    rule_name = {"item": "item_cooldown", "artist": "artist_separation"}
    rule_name |= {"category": "category_separation", "show": "show_separation"}
    plays: dict[tuple[str, str], list[tuple[int, bool, str]]] = {}
    generated = [e for e in _generated(result) if e.kind is not EventKind.FILLER]
    for e, is_fixed in [*((f, True) for f in req.fixed_events), *((g, False) for g in generated)]:
        for kind, value in _keys(req, e).items():
            plays.setdefault((kind, value), []).append((e.start_us, is_fixed, e.id))
    for starts in plays.values():
        starts.sort()
    out: set[tuple[str, str]] = set()
    for g in generated:
        item = _item_of(req, g)
        assert item is not None
        for kind, value in _keys(req, g).items():
            span = _span(req, item, kind)
            if span <= 0:
                continue
            timeline = plays[(kind, value)]
            p = bisect.bisect_left(timeline, (g.start_us, False, g.id))
            if p > 0 and g.start_us - timeline[p - 1][0] < span:
                out.add((g.id, rule_name[kind]))
            later_fixed = [s for s, is_fixed, _id in timeline[p + 1 :] if is_fixed]
            if later_fixed and later_fixed[0] - g.start_us < span:
                out.add((g.id, rule_name[kind]))
    return out


@SETTINGS
@given(requests())
def test_generation_properties(req: GenerateRequest) -> None:
    result = generate(req)
    w = req.window
    generated = _generated(result)

    # Fixed events: exactly those overlapping the window, untouched (the very objects).
    kept = [e for e in result.events if not e.id.startswith("gen-")]
    expected = [f for f in req.fixed_events if f.start_us < w.end_us and f.end_us > w.start_us]
    assert sorted(map(id, kept)) == sorted(map(id, expected))

    # Sorted, unique ids, inside the window, no overlap with anything.
    assert [e.start_us for e in result.events] == sorted(e.start_us for e in result.events)
    assert len({e.id for e in result.events}) == len(result.events)
    for a, b in itertools.pairwise(generated):
        assert a.end_us <= b.start_us
    fixed_spans = sorted((f.start_us, f.end_us) for f in kept)
    for g in generated:
        assert w.start_us <= g.start_us < g.end_us <= w.end_us
        assert all(g.end_us <= s or g.start_us >= e for s, e in fixed_spans)

    # Every bent rule reported, and only those.
    found = breaches(req, result)
    reported = {(r.event_id, r.rule) for r in result.report.relaxations}
    assert reported == found
    if req.rules.when_blocked is BlockedPolicy.WAIT_WITH_FILLER:
        assert found == set()

    # Dayparts: an item starts in a daypart only if the daypart admits it.
    if req.rules.dayparts:
        parts = Dayparts(req.rules.dayparts, ZoneInfo(req.time_zone), w)
        for g in generated:
            k = parts.at(g.start_us)
            item = _item_of(req, g)
            if k is not None and item is not None:
                assert daypart_admits(req.rules.dayparts[k], item)

    # The window is accounted for: covered time + unfilled time = its length.
    covered, reach = 0, w.start_us
    for e in result.events:
        lo, hi = max(e.start_us, reach), min(e.end_us, w.end_us)
        if hi > lo:
            covered += hi - lo
        reach = max(reach, min(e.end_us, w.end_us))
    unfilled = sum(u.end_us - u.start_us for u in result.report.unfilled)
    assert covered + unfilled == w.end_us - w.start_us
    assert result.report.fill_ratio == (w.end_us - w.start_us - unfilled) / (w.end_us - w.start_us)
    if req.rules.gap_filler_asset_id:
        assert result.report.fill_ratio == 1.0
    assert result.report.filler_events == sum(1 for g in generated if g.kind is EventKind.FILLER)

    # Plays per item match the events.
    counts = {it.id: 0 for it in req.playlist.items}
    for e in result.events:
        item = _item_of(req, e)
        if item is not None:
            counts[item.id] += 1
    assert {p.item_id: p.count for p in result.report.plays} == counts

    # Determinism.
    assert generate(req) == result


@SETTINGS
@given(requests())
def test_a_one_second_filler_fills_every_window(req: GenerateRequest) -> None:
    """With whole-second material and a one-second filler, nothing is left unfilled."""
    items = tuple(
        PlaylistItem(
            id=it.id,
            duration_us=it.duration_us // S * S,
            artist=it.artist,
            category=it.category,
            cooldown_us=it.cooldown_us,
        )
        for it in req.playlist.items
    )
    fixed = tuple(
        Event(f.id, f.start_us // S * S, f.duration_us, asset_id=f.asset_id, metadata=f.metadata)
        for f in req.fixed_events
    )
    playlist = Playlist(items=items, order=req.playlist.order, filler=(PlaylistItem(id="tick", duration_us=S),))
    rules = ScheduleRules(
        item_cooldown_us=req.rules.item_cooldown_us,
        artist_separation_us=req.rules.artist_separation_us,
        when_blocked=req.rules.when_blocked,
    )
    window = Window(req.window.start_us // S * S, req.window.end_us // S * S)
    result = generate(GenerateRequest(window=window, playlist=playlist, rules=rules, fixed_events=fixed, seed=req.seed))
    assert result.report.fill_ratio == 1.0
    assert result.report.unfilled == ()
