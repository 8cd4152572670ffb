"""Playlist items compiled for the engine's hot loop, and the rules' bookkeeping.

Rules:

1. A rule is a check ``(last starts by key, key, span, rule name)``: the item
   is blocked until ``last[key] + span``. The ``last`` dicts (one per kind:
   item, artist, category, show) are shared by every item, so recording one
   play updates every item it concerns in O(its rules).
2. Plays after the point being filled (fixed events after a gap, stored
   events after the window) are looked ahead at: ``look`` holds, per rule
   the item has, the sorted starts of those plays; ``look_short`` says by how
   much an item starting at an instant would fall short of the nearest one.
3. A fixed or stored event maps to a playlist item by its ``item_id``
   metadata, else by asset id; its artist, category and show come from its
   metadata, else from that item. Filler is exempt and maps to nothing.
4. Spans are ``int`` microseconds; a rule whose span is 0 is off.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from scheduleflow.server.core.model import MICROS_PER_SECOND, Event, EventKind
from scheduleflow.server.core.playlist import Playlist, PlaylistItem, ScheduleRules

SEC = MICROS_PER_SECOND
NEVER = -(1 << 62)
INF = 1 << 62
KINDS = ("artist", "category", "show")

# (last starts by key, key, span, rule name)
Check = tuple[dict[str, int], str, int, str]
# (starts of later plays by key, sorted; key; span; rule name)
Look = tuple[list[int], str, int, str]
# A fixed event, the playlist item it maps to (-1: none) and its rule keys.
Mapped = tuple[Event, int, tuple[tuple[str, str], ...]]


class Item:
    """A playlist item compiled for the hot loop."""

    __slots__ = ("asset", "checks", "dur", "dur_s", "id", "keys", "kind", "look", "meta", "rank", "title")

    def __init__(self, src: PlaylistItem, kind: EventKind, meta: dict[str, str]) -> None:
        self.id = src.id
        self.dur = src.duration_us
        self.dur_s = -(-src.duration_us // SEC)  # rounded up: a plan never overruns
        self.asset = src.effective_asset_id
        self.title = src.title
        self.kind = kind
        # One dict per item, shared by all its events: 175,000 events would
        # otherwise carry 175,000 copies (and pickle them to the caller).
        self.meta = meta
        self.checks: tuple[Check, ...] = ()
        self.look: tuple[Look, ...] = ()
        self.keys: tuple[tuple[str, str], ...] = ()
        self.rank = 0


def eligible_at(checks: tuple[Check, ...]) -> int:
    """The first instant every check allows (``NEVER`` when none binds)."""
    e = NEVER
    for last, key, span, _rule in checks:
        v = last.get(key)
        if v is not None and v + span > e:
            e = v + span
    return e


def look_short(look: tuple[Look, ...], start: int) -> int:
    """How much a start at ``start`` falls short of the nearest later play (0: clear)."""
    worst = 0
    for starts, _key, span, _rule in look:
        p = bisect.bisect_right(starts, start)
        if p < len(starts):
            s = span - (starts[p] - start)
            if s > worst:
                worst = s
    return worst


def map_fixed(src: Sequence[PlaylistItem], events: Sequence[Event]) -> list[Mapped]:
    """``events`` sorted by start, each with its item and rule keys (rule 3)."""
    by_id = {it.id: k for k, it in enumerate(src)}
    by_asset: dict[str, int] = {}
    for k, it in enumerate(src):
        by_asset.setdefault(it.effective_asset_id, k)
    out = []
    filler = EventKind.FILLER
    # A day's history is a few hundred events: the loop is written for speed
    # (no ``end_us`` property calls, the three kinds unrolled).
    for ev in sorted(events, key=lambda e: (e.start_us, e.start_us + e.duration_us, e.id)):
        meta = ev.metadata
        idx = -1
        if ev.kind is not filler:
            idx = by_id.get(meta.get("item_id", ""), -1)
            if idx < 0:
                idx = by_asset.get(ev.asset_id, -1)
        if idx >= 0:
            it = src[idx]
            keys: list[tuple[str, str]] = [("item", it.id)]
            artist, category, show = (
                meta.get("artist", "") or it.artist,
                meta.get("category", "") or it.category,
                meta.get("show", "") or it.show,
            )
        else:
            keys = []
            artist, category, show = meta.get("artist", ""), meta.get("category", ""), meta.get("show", "")
        if artist:
            keys.append(("artist", artist))
        if category:
            keys.append(("category", category))
        if show:
            keys.append(("show", show))
        out.append((ev, idx, tuple(keys)))
    return out


def index_fixed(fixed: Sequence[Mapped]) -> dict[tuple[str, str], list[int]]:
    """Starts of the fixed plays by rule key, sorted (``fixed`` is sorted already)."""
    index: dict[tuple[str, str], list[int]] = {}
    for ev, _idx, keys in fixed:
        for key in keys:
            index.setdefault(key, []).append(ev.start_us)
    return index


def compile_item(
    src: PlaylistItem,
    rules: ScheduleRules,
    last: dict[str, dict[str, int]],
    fixed: dict[tuple[str, str], list[int]],
) -> Item:
    """``src`` with its checks against ``last`` and its look-ahead at ``fixed``."""
    meta = dict(src.metadata)
    for kind in KINDS:
        if value := getattr(src, kind):
            meta[kind] = value
    if src.episode:
        meta["episode"] = str(src.episode)
    meta["item_id"] = src.id
    item = Item(src, src.kind, meta)
    defaults = {
        "artist": rules.artist_separation_us,
        "category": rules.category_separation_us,
        "show": rules.show_separation_us,
    }
    overrides = {(g.key.value, g.value): g.separation_us for g in rules.group_rules}
    checks: list[Check] = []
    look: list[Look] = []
    cooldown = src.cooldown_us if src.cooldown_us is not None else rules.item_cooldown_us
    rules_here = [("item", src.id, cooldown, "item_cooldown")]
    for kind in KINDS:
        if value := getattr(src, kind):
            rules_here.append((kind, value, overrides.get((kind, value), defaults[kind]), f"{kind}_separation"))
    for kind, key, span, rule in rules_here:
        if span <= 0:
            continue
        checks.append((last[kind], key, span, rule))
        if (kind, key) in fixed:
            look.append((fixed[(kind, key)], key, span, rule))
    item.checks = tuple(checks)
    item.look = tuple(look)
    item.keys = tuple((rule, key) for _last, key, _span, rule in checks)
    return item


def filler_item(src: PlaylistItem) -> Item:
    """A filler item: exempt from every rule, aired as FILLER."""
    return Item(src, EventKind.FILLER, {**src.metadata, "item_id": src.id})


def episode_groups(src: Sequence[PlaylistItem]) -> tuple[list[list[int]], list[int], list[str]]:
    """Groups of items by show, each in (episode, position) order; each item's
    group; each group's key (the show, or ``"\x00"`` and the item's id).

    An item without a show is a group of its own.
    """
    groups: dict[str, list[int]] = {}
    for k, it in enumerate(src):
        # "\x00" keeps the show names and the item ids apart.
        groups.setdefault(it.show or f"\x00{it.id}", []).append(k)
    members = [sorted(m, key=lambda k: (src[k].episode, k)) for m in groups.values()]
    group_of = [0] * len(src)
    for g, ms in enumerate(members):
        for k in ms:
            group_of[k] = g
    return members, group_of, list(groups)


def rule_reach(playlist: Playlist, rules: ScheduleRules) -> int:
    """The longest span any rule of ``rules`` has over ``playlist``: how far
    before (and after) a window a play can still block an item in it."""
    spans = [
        rules.item_cooldown_us,
        rules.artist_separation_us,
        rules.category_separation_us,
        rules.show_separation_us,
        *(g.separation_us for g in rules.group_rules),
        *(it.cooldown_us for it in playlist.items if it.cooldown_us is not None),
    ]
    return max(0, *spans)
