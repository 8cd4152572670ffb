"""The schedule-generation engine: fill a window from a playlist under rules.

Pure and deterministic (plain values in, plain values out, no I/O), so the
same code runs in a pool worker and in unit tests. The engine's rules:

1. Determinism. The same request gives the same events and report, byte for
   byte, on any machine. Randomness comes from one ``random.Random`` seeded
   with the request's seed (int-seeded ``random()``/``shuffle``/``randrange``
   are stable across CPython versions); nothing depends on ``hash()`` of a
   string, set iteration order or floating-point library calls. Event ids
   are ``blake2b(channel id, start, item id)``: stable across re-runs.
2. Fixed events are kept as given. Every event in ``fixed_events`` informs
   the rules (those before the window count as history, those after it as
   plays to stay clear of); those overlapping the window are returned
   unchanged, and the engine fills the gaps between them. A fixed event maps
   to a playlist item by its ``item_id`` metadata, else by asset id.
3. Generated events lie inside the window and inside the gaps: no overlaps.
4. Cooldowns and separations are measured start to start, as
   ``core.validate`` measures them. An item is eligible at an instant when
   every rule that applies to it holds against the plays before it and
   against the fixed plays after it.
5. In a gap the playback order (``generate_orders``) proposes candidates in
   preference order; the engine airs the first eligible one that fits, and
   not the item that just aired while another is eligible. When none is
   eligible, ``rules.when_blocked`` decides: RELAX airs the least-violating
   candidate (the one eligible soonest; ties by a fixed rank) and reports each
   rule it bends as a ``Relaxation``; WAIT_WITH_FILLER airs filler until the
   earliest candidate becomes eligible. Nothing is bent silently.
6. The last stretch of a gap (4 to 12 x the longest item, at most 4 hours) is
   filled to the second when the material allows. First a depth-first
   search over sequences that plays like the main loop (the order's
   preference, eligibility as time advances, filler waits under
   WAIT_WITH_FILLER, the least-violating item under RELAX when nothing is
   eligible), backtracking until the stretch is exact, pruned by the sums
   the candidates and filler can reach (``generate_fill.reachable``) and
   bounded by a node budget. Failing that, a 0/1 subset-sum in whole seconds
   (``generate_fill.plan_fill``) over what is eligible now with pairwise
   distinct rule keys. Filler items complete it, then one FILLER event of
   the exact remaining length (``rules.gap_filler_asset_id``); what is left
   is reported as unfilled. In that stretch filler is preferred to bending a
   rule: RELAX bends one only when nothing is eligible at all, or when a
   whole item's length would otherwise stay empty.
7. Dayparts (``generate_dayparts``) restrict which items may start at an
   instant of local time; each daypart keeps its own playback-order state,
   while cooldowns are shared by all.
8. Filler items are exempt from cooldowns and separations and air as FILLER.
9. Cost is near-linear in the number of events: last starts per item,
   artist, category and show live in dicts, so checking an item costs
   O(its rules); the preference scan usually stops at the first candidate,
   and when everything is blocked a lazily updated heap of "eligible from"
   bounds answers instead of a scan of the playlist.
10. Every step advances time, so generation always ends; a window that would
    need more than ``MAX_EVENTS`` events is rejected rather than exhausting
    the worker's memory.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.generate_checks import check_request, daypart_admits
from scheduleflow.server.core.generate_dayparts import Dayparts
from scheduleflow.server.core.generate_fill import FillPlan, plan_fill, reachable
from scheduleflow.server.core.generate_orders import Order, Sequential, Shuffle, ShuffleGroups, WeightedRandom
from scheduleflow.server.core.model import MICROS_PER_SECOND, Event, EventKind, Window
from scheduleflow.server.core.playlist import (
    BlockedPolicy,
    ItemPlays,
    PlaybackOrder,
    Playlist,
    PlaylistItem,
    Relaxation,
    ScheduleReport,
    ScheduleRules,
)

__all__ = ["DEFAULT_MAX_RELAXATIONS", "MAX_EVENTS", "GenerateRequest", "GenerateResult", "generate"]

#: At most this many events per request: a year of 3-minute items is ~175,000;
#: ten times that is still a few hundred MB in a worker, more is a mistake.
MAX_EVENTS = 2_000_000
#: Relaxations listed in a report; the notes always give the totals per rule.
DEFAULT_MAX_RELAXATIONS = 10_000

_SEC = MICROS_PER_SECOND
_NEVER = -(1 << 62)
_INF = 1 << 62
#: The exact fill covers the last k x the longest item of a gap, k in this
#: range (see ``_tail_span``)...
_TAIL_ITEMS = (4, 12)
#: ...but never more than this, which bounds the subset-sum's bitsets.
_TAIL_CAP_US = 4 * 3600 * _SEC
#: Turns of the playback order the exact fill looks at.
_TAIL_CANDIDATES = 128
#: Nodes the sequence search may visit per stretch before the subset fill takes over.
_SEARCH_NODES = 200
#: Candidates scanned before asking the heap whether anything is eligible at all.
_SCAN_PROBE = 16
#: Candidates scanned before asking the heap for the few eligible ones...
_SCAN_COLLECT = 64
#: ...and how many items with a bound in the past it may look at before the scan goes on.
_HEAP_COLLECT = 64
_KINDS = ("artist", "category", "show")
_WAITED = -2
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerateRequest:
    """Everything ``generate`` needs; plain data, cheap to pickle to the pool."""

    window: Window
    playlist: Playlist
    #: IANA zone of the channel; dayparts are read in it. Empty means UTC.
    time_zone: str = "UTC"
    rules: ScheduleRules = field(default_factory=ScheduleRules)
    seed: int = 0
    #: Events to keep (and to respect for cooldowns), e.g. the hard starts of
    #: the window and the plays just before it.
    fixed_events: tuple[Event, ...] = ()
    #: Part of every generated event id.
    channel_id: str = ""
    max_relaxations: int = DEFAULT_MAX_RELAXATIONS


@dataclass(frozen=True, slots=True)
class GenerateResult:
    """The window's events (fixed and generated) sorted by start, and the report."""

    events: tuple[Event, ...]
    report: ScheduleReport


def generate(request: GenerateRequest, *, progress: Callable[[float], None] | None = None) -> GenerateResult:
    """Fill ``request.window`` from its playlist under its rules.

    ``progress`` is called with the fraction of the window done (0..1), about
    a hundred times at most; an exception it raises aborts the generation.
    Raises ``InvalidInput`` (every problem, by field) for input that cannot
    mean anything; everything else ends in a result whose report says what
    could not be honoured.
    """
    zone = check_request(
        window=request.window,
        time_zone=request.time_zone,
        items=request.playlist.items,
        filler=request.playlist.filler,
        rules=request.rules,
        fixed_events=request.fixed_events,
        max_relaxations=request.max_relaxations,
    )
    return _Engine(request, zone, progress).run()


# (last starts by key, key, span, rule name)
_Check = tuple[dict[str, int], str, int, str]
# (starts of fixed plays by key, sorted; key; span; rule name)
_Look = tuple[list[int], str, int, str]


class _Item:
    """A playlist item compiled for the hot loop."""

    __slots__ = ("asset", "checks", "dur", "dur_s", "id", "keys", "kind", "look", "meta", "rank", "title")

    def __init__(self, src: PlaylistItem, kind: EventKind, meta: dict[str, str]) -> None:
        self.id = src.id
        self.dur = src.duration_us
        self.dur_s = -(-src.duration_us // _SEC)  # rounded up: a plan never overruns
        self.asset = src.effective_asset_id
        self.title = src.title
        self.kind = kind
        # One dict per item, shared by all its events: 175,000 events would
        # otherwise carry 175,000 copies (and pickle them to the caller).
        self.meta = meta
        self.checks: tuple[_Check, ...] = ()
        self.look: tuple[_Look, ...] = ()
        self.keys: tuple[tuple[str, str], ...] = ()
        self.rank = 0


class _Ctx:
    """One context (the default, or a daypart): its order and its heap of bounds."""

    __slots__ = ("heap", "order")

    def __init__(self, order: Order, heap: list[tuple[int, int, int]]) -> None:
        self.order = order
        # (lower bound of "eligible from", rank, item): values only grow as
        # plays are recorded, so stale entries are bounds and are fixed lazily.
        self.heap = heap


def _tail_span(durations: Sequence[int]) -> int:
    """How much of a gap's end the exact fill gets.

    Sums of k items lie in [k x shortest, k x longest]; these ranges touch
    once k >= shortest / (longest - shortest), and from there on (nearly)
    every length is some sum. Material of 170-190 s needs ~10 items in the
    stretch, material of 2-5 minutes 4; identical lengths gain nothing from
    more than a few.
    """
    lo, hi = min(durations), max(durations)
    low_k, high_k = _TAIL_ITEMS
    k = low_k if hi == lo else min(max(-(-lo // (hi - lo)) + 1, low_k), high_k)
    return min(k * hi, _TAIL_CAP_US)


def _eligible_at(checks: tuple[_Check, ...]) -> int:
    e = _NEVER
    for last, key, span, _rule in checks:
        v = last.get(key)
        if v is not None and v + span > e:
            e = v + span
    return e


def _look_short(look: tuple[_Look, ...], start: int) -> int:
    worst = 0
    for starts, _key, span, _rule in look:
        p = bisect.bisect_right(starts, start)
        if p < len(starts):
            s = span - (starts[p] - start)
            if s > worst:
                worst = s
    return worst


class _Engine:
    def __init__(self, req: GenerateRequest, zone: ZoneInfo, progress: Callable[[float], None] | None) -> None:
        self.req = req
        self.window = req.window
        rules = req.rules
        # random.seed(-n) == random.seed(n): zigzag so every seed differs.
        self.rng = random.Random(req.seed * 2 if req.seed >= 0 else -req.seed * 2 - 1)
        self.relax = rules.when_blocked is not BlockedPolicy.WAIT_WITH_FILLER
        self.gap_asset = rules.gap_filler_asset_id
        self.channel = req.channel_id.encode("utf-8", "surrogatepass") + b"\x00"
        self.progress = progress
        span = self.window.end_us - self.window.start_us
        self.tick_every = max(span // 100, 1)
        self.next_tick = self.window.start_us

        self.last: dict[str, dict[str, int]] = {"item": {}, "artist": {}, "category": {}, "show": {}}
        self.src = req.playlist.items
        self.fixed = self._map_fixed(req.fixed_events)
        fixed_index = self._index_fixed()
        self.items = [self._compile(it, rules, fixed_index) for it in self.src]
        self.filler = [_Item(f, EventKind.FILLER, {**f.metadata, "item_id": f.id}) for f in req.playlist.filler]
        self.filler_s = [f.dur_s for f in self.filler]
        self.filler_next = 0
        self.filler_reach: dict[int, int] = {}
        self.tail_span = _tail_span([it.dur for it in self.items])

        n = len(self.items)
        if req.playlist.order is PlaybackOrder.SEQUENTIAL:
            for k, it in enumerate(self.items):
                it.rank = k
        else:
            perm = list(range(n))
            self.rng.shuffle(perm)
            for pos, k in enumerate(perm):
                self.items[k].rank = pos
        self.dayparts = Dayparts(rules.dayparts, zone, self.window)
        self.allowed: list[frozenset[int] | None] = [
            frozenset(k for k, it in enumerate(self.src) if daypart_admits(dp, it))
            if dp.categories or dp.tags
            else None
            for dp in rules.dayparts
        ]
        self.ctxs: dict[int | None, _Ctx] = {}
        self._groups()

        self.events: list[Event] = []
        # Per item, a lower bound of when it is eligible (rules only push it later).
        self.bounds = [_NEVER] * n
        # The item that just aired, held back while another is eligible; -1
        # when none or under WEIGHTED_RANDOM, whose draws are independent.
        self.last_item = -1
        self.hold_back = req.playlist.order is not PlaybackOrder.WEIGHTED_RANDOM
        self.order_kind = req.playlist.order
        self.play_count = [0] * n
        self.play_last = [0] * n
        self.play_min = [0] * n
        self.play_max = [0] * n
        self.relaxations: list[Relaxation] = []
        self.relax_count: dict[str, int] = {}
        self.relax_worst: dict[str, int] = {}
        self.unfilled: list[tuple[int, int]] = []
        self.filler_events = 0
        self.waited_us = 0
        self.fixed_overlaps = 0

    # -- setup ---------------------------------------------------------------

    def _map_fixed(self, events: Sequence[Event]) -> list[tuple[Event, int, tuple[tuple[str, str], ...]]]:
        by_id = {it.id: k for k, it in enumerate(self.src)}
        by_asset: dict[str, int] = {}
        for k, it in enumerate(self.src):
            by_asset.setdefault(it.effective_asset_id, k)
        out = []
        for ev in sorted(events, key=lambda e: (e.start_us, e.end_us, e.id)):
            idx = -1
            if ev.kind is not EventKind.FILLER:
                idx = by_id.get(ev.metadata.get("item_id", ""), by_asset.get(ev.asset_id, -1))
            keys: list[tuple[str, str]] = []
            if idx >= 0:
                keys.append(("item", self.src[idx].id))
            for kind in _KINDS:
                value = ev.metadata.get(kind, "") or (getattr(self.src[idx], kind) if idx >= 0 else "")
                if value:
                    keys.append((kind, value))
            out.append((ev, idx, tuple(keys)))
        return out

    def _index_fixed(self) -> dict[tuple[str, str], list[int]]:
        index: dict[tuple[str, str], list[int]] = {}
        for ev, _idx, keys in self.fixed:  # sorted by start already
            for key in keys:
                index.setdefault(key, []).append(ev.start_us)
        return index

    def _compile(self, src: PlaylistItem, rules: ScheduleRules, fixed: dict[tuple[str, str], list[int]]) -> _Item:
        meta = dict(src.metadata)
        for kind in _KINDS:
            if value := getattr(src, kind):
                meta[kind] = value
        if src.episode:
            meta["episode"] = str(src.episode)
        meta["item_id"] = src.id
        item = _Item(src, src.kind, meta)
        defaults = {
            "artist": rules.artist_separation_us,
            "category": rules.category_separation_us,
            "show": rules.show_separation_us,
        }
        overrides = {(g.key.value, g.value): g.separation_us for g in rules.group_rules}
        checks: list[_Check] = []
        look: list[_Look] = []
        cooldown = src.cooldown_us if src.cooldown_us is not None else rules.item_cooldown_us
        rules_here = [("item", src.id, cooldown, "item_cooldown")]
        for kind in _KINDS:
            if value := getattr(src, kind):
                rules_here.append((kind, value, overrides.get((kind, value), defaults[kind]), f"{kind}_separation"))
        for kind, key, span, rule in rules_here:
            if span <= 0:
                continue
            checks.append((self.last[kind], key, span, rule))
            if (kind, key) in fixed:
                look.append((fixed[(kind, key)], key, span, rule))
        item.checks = tuple(checks)
        item.look = tuple(look)
        item.keys = tuple((rule, key) for _last, key, _span, rule in checks)
        return item

    def _groups(self) -> None:
        groups: dict[str, list[int]] = {}
        for k, it in enumerate(self.src):
            # An item without a show is a group of its own; "\x00" keeps the
            # two namespaces apart.
            groups.setdefault(it.show or f"\x00{it.id}", []).append(k)
        self.group_members = [sorted(m, key=lambda k: (self.src[k].episode, k)) for m in groups.values()]
        self.group_of = [0] * len(self.src)
        for g, members in enumerate(self.group_members):
            for k in members:
                self.group_of[k] = g
        self.group_cursors = [0] * len(self.group_members)

    def _ctx(self, key: int | None) -> _Ctx:
        ctx = self.ctxs.get(key)
        if ctx is None:
            allowed = self.allowed[key] if key is not None else None
            members = [k for k in range(len(self.items)) if allowed is None or k in allowed]
            order: Order
            match self.req.playlist.order:
                case PlaybackOrder.SHUFFLE:
                    order = Shuffle(members, self.rng)
                case PlaybackOrder.WEIGHTED_RANDOM:
                    order = WeightedRandom(members, [it.weight for it in self.src], self.rng)
                case PlaybackOrder.SHUFFLE_GROUPS:
                    order = ShuffleGroups(self.group_members, self.group_of, self.group_cursors, allowed, self.rng)
                case _:
                    order = Sequential(members)
            heap = [(_NEVER, self.items[k].rank, k) for k in members]
            heapq.heapify(heap)
            ctx = self.ctxs[key] = _Ctx(order, heap)
        return ctx

    # -- the timeline --------------------------------------------------------

    def run(self) -> GenerateResult:
        w = self.window
        cursor = w.start_us
        fixed_end = _NEVER
        for ev, idx, keys in self.fixed:
            if ev.end_us <= w.start_us:
                self._register_fixed(ev, idx, keys, in_window=False)
                continue
            if ev.start_us >= w.end_us:
                continue  # only its future plays matter, via the look-ahead index
            if ev.start_us < fixed_end:
                self.fixed_overlaps += 1
            fixed_end = max(fixed_end, ev.end_us)
            if ev.start_us > cursor:
                self._fill_gap(cursor, ev.start_us)
            # Appended in time order, so the events need no sort at the end.
            self.events.append(ev)
            self._register_fixed(ev, idx, keys, in_window=True)
            cursor = max(cursor, ev.end_us)
        if cursor < w.end_us:
            self._fill_gap(cursor, w.end_us)
        if self.progress is not None:
            self.progress(1.0)
        return self._result()

    def _register_fixed(self, ev: Event, idx: int, keys: tuple[tuple[str, str], ...], *, in_window: bool) -> None:
        for kind, value in keys:
            last = self.last[kind]
            if last.get(value, _NEVER) < ev.start_us:
                last[value] = ev.start_us
        if in_window:
            if idx >= 0:
                self._play(idx, ev.start_us)
            self.last_item = idx if self.hold_back else -1

    def _fill_gap(self, a: int, b: int) -> None:
        t = a
        while t < b:
            if t >= self.next_tick:
                self._tick(t)
            r = b - t
            if r <= self.tail_span:
                self._fill_tail(t, b)
                return
            key = self.dayparts.at(t)
            ctx = self._ctx(key)
            i = self._scan(ctx, t, r)
            if i >= 0:
                t = self._place(i, t, ctx, check=False)
                continue
            until = _INF
            if self.relax:
                choice = self._blocked_choice(ctx, t, r, relax=True)
                if choice >= 0:
                    t = self._place(choice, t, ctx, check=True)
                    continue
            else:
                choice = self._blocked_choice(ctx, t, r, relax=False)
                if choice >= 0:
                    until = _eligible_at(self.items[choice].checks)
                    if until <= t:  # cannot happen (the scan would have aired it); never stall on it
                        until = _INF
            change = self.dayparts.next_change(t)
            target = min(until, b - self.tail_span, change if change is not None else _INF)
            t = self._wait(t, target, b)

    def _tick(self, t: int) -> None:
        if self.progress is not None:
            w = self.window
            self.progress((t - w.start_us) / (w.end_us - w.start_us))
        self.next_tick = t + self.tick_every

    def _scan(self, ctx: _Ctx, t: int, r: int) -> int:
        """The first eligible candidate that fits in ``r``, or -1 when blocked."""
        items, bounds = self.items, self.bounds
        held_back = -1
        probe = _SCAN_PROBE
        for i in ctx.order.candidates():
            it = items[i]
            if it.dur > r:
                continue
            probe -= 1
            if probe == 0 and self._min_bound(ctx) > t:
                return -1  # nothing in this context is eligible: skip the rest of the scan
            if probe == _SCAN_PROBE - _SCAN_COLLECT:
                # A long run of blocked candidates: ask the heap which items are
                # eligible at all; when few are, pick among them directly.
                found = self._eligible_now(ctx, t, r)
                if found is not None:
                    if not found:
                        return -1
                    others = [k for k in found if k != self.last_item]
                    return ctx.order.pick(others) if others else found[0]
            if bounds[i] > t:
                continue  # a bound only grows, so this item is still blocked
            e = _NEVER
            for last, key, span, _rule in it.checks:
                v = last.get(key)
                if v is not None and v + span > e:
                    e = v + span
            bounds[i] = e
            if e > t or (it.look and _look_short(it.look, t) > 0):
                continue
            if i == self.last_item:
                held_back = i  # back to back only when nothing else is eligible
                continue
            return i
        return held_back

    def _min_bound(self, ctx: _Ctx) -> int:
        heap, items = ctx.heap, self.items
        while heap:
            bound, rank, i = heap[0]
            e = _eligible_at(items[i].checks)
            if e > bound:
                heapq.heapreplace(heap, (e, rank, i))
                continue
            return bound
        return _INF

    def _eligible_now(self, ctx: _Ctx, t: int, r: int) -> list[int] | None:
        """Every candidate eligible at ``t`` that fits ``r``, or ``None`` when
        more than ``_HEAP_COLLECT`` items are eligible (the scan is then cheap)."""
        heap, items, order = ctx.heap, self.items, ctx.order
        popped: list[tuple[int, int, int]] = []
        found: list[int] = []
        while heap and heap[0][0] <= t:
            bound, rank, i = heapq.heappop(heap)
            it = items[i]
            e = _eligible_at(it.checks)
            if e > bound:
                heapq.heappush(heap, (e, rank, i))
                continue
            popped.append((bound, rank, i))
            if len(popped) > _HEAP_COLLECT:
                break
            if it.dur <= r and order.is_candidate(i) and not (it.look and _look_short(it.look, t) > 0):
                found.append(i)
        for entry in popped:
            heapq.heappush(heap, entry)
        return found if len(popped) <= _HEAP_COLLECT else None

    def _blocked_choice(self, ctx: _Ctx, t: int, r: int, *, relax: bool) -> int:
        """RELAX: the candidate with the least shortfall. WAIT: the one eligible soonest.

        Walks the heap from the smallest bound and stops once no remaining
        bound can beat the best so far, so a blocked slot costs O(log n) plus
        the candidates tied near the top, not a scan of the playlist.
        """
        heap, items, order = ctx.heap, self.items, ctx.order
        popped: list[tuple[int, int, int]] = []
        best, best_key = -1, (_INF, 0)
        while heap:
            bound, rank, i = heap[0]
            if (bound - t if relax else bound) > best_key[0]:
                break
            heapq.heappop(heap)
            it = items[i]
            e = _eligible_at(it.checks)
            if e > bound:
                heapq.heappush(heap, (e, rank, i))
                continue
            popped.append((bound, rank, i))
            if it.dur > r or not order.is_candidate(i):
                continue
            if relax:
                key = (max(e - t, _look_short(it.look, t) if it.look else 0, 0), rank)
            else:
                at = max(e, t)
                if it.look and _look_short(it.look, at) > 0:
                    continue  # waiting only brings it closer to the fixed play
                key = (at, rank)
            if key < best_key:
                best, best_key = i, key
        for entry in popped:
            heapq.heappush(heap, entry)
        return best

    def _wait(self, t: int, target: int, b: int) -> int:
        """Air filler from ``t`` until ``target`` (may overrun it, never ``b``)."""
        start = t
        filler = self.filler
        n = len(filler)
        while t < target and n:
            for _ in range(n):
                j = self.filler_next
                self.filler_next = (j + 1) % n
                if filler[j].dur <= b - t:
                    break
            else:
                break  # no filler fits what is left of the gap
            t = self._place_filler(j, t)
        if t < target:
            self._pad(t, target)
            t = target
        self.waited_us += t - start
        return t

    def _fill_tail(self, t: int, b: int) -> None:
        """Fill the last stretch of a gap, [t, b), as exactly as the material allows.

        1. The subset of what is eligible now (no two sharing a rule's key, so
           any order keeps every rule) that with filler fills the stretch
           exactly with the most regular material: taken when it leaves less
           filler than one item's length.
        2. Else a search over sequences that plays like the main loop (the
           order's preference, eligibility as time advances, filler waits
           under WAIT_WITH_FILLER, the least-violating item under RELAX) and
           backtracks until the stretch is exact.
        3. Else the best subset by length, with filler.
        """
        cap_s = (b - t) // _SEC
        if cap_s > 0:
            items = self.items
            ctx = self._ctx(self.dayparts.at(t))
            queue = self._queue(ctx, cap_s, self._allowed_in(t, b))
            eligible, bendable = self._tail_pools(queue, t, b)
            durations = [items[i].dur_s for i in eligible]
            plan = plan_fill(durations, self.filler_s, cap_s, prefer_regular=False)
            shortest = min((items[i].dur_s for i, _before in queue), default=cap_s + 1)
            regular_s = sum(durations[k] for k in plan.regular)
            steps = None
            if plan.seconds < cap_s or cap_s - regular_s >= shortest:
                steps = self._exact_sequence(queue, t, b, cap_s)
            if steps is not None:
                for i, fillers in steps:
                    start = t
                    if i >= 0:
                        t = self._place(i, t, ctx, check=True)
                    for j in fillers:
                        t = self._place_filler(j, t)
                    if i == _WAITED:
                        self.waited_us += t - start
            else:
                if plan.seconds < cap_s and self.gap_asset:
                    # Not exact either way: the most programme, the gap filler pads the rest.
                    plan = plan_fill(durations, self.filler_s, cap_s, prefer_regular=True)
                t = self._fill_subset(ctx, plan, eligible, bendable, t, cap_s)
        if t < b:
            self._pad(t, b)

    def _queue(self, ctx: _Ctx, cap_s: int, allowed: frozenset[int] | None) -> list[tuple[int, int]]:
        """The order's projection for the stretch as (item, previous position
        of the same unit or -1): a unit's turns are taken front to back, so a
        show's episodes keep their order and an item's turns are interchangeable."""
        items, order = self.items, ctx.order
        queue: list[tuple[int, int]] = []
        last_pos: dict[int, int] = {}
        dropped: set[int] = set()
        for i in order.upcoming(_TAIL_CANDIDATES):
            unit = order.unit_of(i)
            if unit in dropped:
                continue
            if items[i].dur_s > cap_s or (allowed is not None and i not in allowed):
                dropped.add(unit)  # this turn cannot air, so none after it may
                continue
            queue.append((i, last_pos.get(unit, -1)))
            last_pos[unit] = len(queue) - 1
            if len(queue) == _TAIL_CANDIDATES:
                break
        return queue

    def _exact_sequence(
        self, queue: list[tuple[int, int]], t: int, b: int, cap_s: int
    ) -> list[tuple[int, tuple[int, ...]]] | None:
        """Steps that fill [t, b) to the second, or ``None`` if none is found.

        A step is ``(item, ())``, ``(_WAITED, fillers)`` (filler aired while
        waiting for an item) or ``(-1, fillers)`` (filler that completes the
        stretch). Depth first, trying at each point what the
        main loop would air (the first eligible turn of the queue), then
        other lengths; pruned by the sums the queue and filler can reach at
        all; bounded by a node budget.
        """
        items = self.items
        reach = reachable([items[i].dur_s for i, _prev in queue] + self.filler_s, cap_s)
        if not (reach >> cap_s) & 1:
            return None
        freach = self._filler_reach(cap_s)
        overlay: dict[tuple[str, str], int] = {}
        taken = [False] * len(queue)
        steps: list[tuple[int, tuple[int, ...]]] = []
        budget = _SEARCH_NODES
        hold_back, relax = self.hold_back, self.relax
        wait = not relax and bool(self.filler)

        def eligible_at(it: _Item) -> int:
            e = _NEVER
            for last, key, span, rule in it.checks:
                v = overlay.get((rule, key))
                if v is None:
                    v = last.get(key)
                if v is not None and v + span > e:
                    e = v + span
            return e

        def air(p: int, at: int) -> bool:
            i = queue[p][0]
            it = items[i]
            saved = [(k, overlay.get(k)) for k in it.keys]
            for k in it.keys:
                overlay[k] = at
            taken[p] = True
            steps.append((i, ()))
            if search(at + it.dur, i):
                return True
            steps.pop()
            taken[p] = False
            for k, v in saved:
                if v is None:
                    del overlay[k]
                else:
                    overlay[k] = v
            return False

        def search(at: int, prev: int) -> bool:
            nonlocal budget
            budget -= 1
            if budget < 0:
                return False
            rem_s = (b - at) // _SEC
            tried: set[int] = set()
            blocked_best = (_INF, -1)  # (shortfall, position): the least-violating turn
            soonest = _INF  # when the first blocked turn becomes eligible
            eligible_any = False
            for p, (i, before) in enumerate(queue):
                if taken[p] or (before >= 0 and not taken[before]):
                    continue
                it = items[i]
                d = it.dur_s
                fits = d <= rem_s and (reach >> (rem_s - d)) & 1
                if not fits and eligible_any:
                    continue  # nothing more to learn from this turn
                e = eligible_at(it)
                look = _look_short(it.look, at) if it.look else 0
                if e > at or look > 0:
                    if fits:
                        blocked_best = min(blocked_best, (max(e - at, look), p))
                        if look == 0:
                            soonest = min(soonest, e)
                    continue
                if hold_back and i == prev:
                    continue
                # As in the main loop, "blocked" means nothing is eligible, not
                # that nothing eligible fits what is left: then filler pads.
                eligible_any = True
                if not fits or d in tried:
                    continue
                tried.add(d)  # another turn of the same length reaches the same sums
                if air(p, at) or budget < 0:
                    return budget >= 0
            if not eligible_any and wait and soonest < _INF:
                # WAIT: the least filler that reaches the first eligible turn
                # and leaves a remainder the queue can still fill.
                need = -(-(soonest - at) // _SEC)
                # Bit s of ``ok``: s seconds of filler, and rem_s - s the queue can fill.
                ok = freach & int(format(reach & ((1 << (rem_s + 1)) - 1), f"0{rem_s + 1}b")[::-1], 2)
                ok >>= need
                if ok:
                    s = need + (ok & -ok).bit_length() - 1
                    fillers = plan_fill((), self.filler_s, s, prefer_regular=False).filler
                    steps.append((_WAITED, fillers))
                    if search(at + sum(self.filler[j].dur for j in fillers), prev):
                        return True
                    steps.pop()
            if (freach >> rem_s) & 1:
                # Filler completes what items cannot; regular material came first.
                steps.append((-1, plan_fill((), self.filler_s, rem_s, prefer_regular=False).filler))
                return True
            if not eligible_any and relax and blocked_best[1] >= 0:
                return air(blocked_best[1], at)  # RELAX: bent, and reported when placed
            return False

        return steps if search(t, self.last_item) else None

    def _filler_reach(self, cap_s: int) -> int:
        freach = self.filler_reach.get(cap_s)
        if freach is None:
            freach = self.filler_reach[cap_s] = reachable(self.filler_s, cap_s)
        return freach

    def _fill_subset(
        self, ctx: _Ctx, plan: FillPlan, eligible: list[int], bendable: list[int], t: int, cap_s: int
    ) -> int:
        """Air ``plan``; under RELAX without a gap filler, bend rules instead
        when that fills a whole item's length more."""
        items = self.items
        chosen = [eligible[k] for k in plan.regular]
        # Bend only as the main loop would: when a whole item would otherwise
        # leave its length unfilled, not to shave the last seconds.
        if bendable and cap_s - plan.seconds >= min(items[i].dur_s for i in bendable):
            pool = eligible + bendable
            bent = plan_fill([items[i].dur_s for i in pool], self.filler_s, cap_s, prefer_regular=False)
            if bent.seconds > plan.seconds:
                plan, chosen = bent, [pool[k] for k in bent.regular]
        for i in _spread(chosen, self.last_item):
            t = self._place(i, t, ctx, check=True)
        for j in plan.filler:
            t = self._place_filler(j, t)
        return t

    def _allowed_in(self, t: int, b: int) -> frozenset[int] | None:
        sets = [s for key in self.dayparts.touched(t, b) if key is not None and (s := self.allowed[key]) is not None]
        if not sets:
            return None
        return frozenset.intersection(*sets)

    def _tail_pools(self, queue: list[tuple[int, int]], t: int, b: int) -> tuple[list[int], list[int]]:
        """Two pools for the subset fill, in queue order.

        The first bends no rule: first turns of items eligible now that share
        no rule's key (so any subset stays eligible through the stretch), and
        later turns of items no rule applies to. The second, only under RELAX
        without a gap filler, adds the blocked first turns (least shortfall
        first) and the later turns of items; each rule bent is reported on
        placement. A show's later episodes never enter: the subset ignores
        the order of turns.
        """
        items = self.items
        want_bent = self.relax and not self.gap_asset
        groups = self.order_kind is PlaybackOrder.SHUFFLE_GROUPS
        eligible: list[int] = []
        blocked: list[tuple[int, int, int]] = []
        repeats: list[int] = []
        used: set[tuple[str, str]] = set()
        for p, (i, before) in enumerate(queue):
            it = items[i]
            if before >= 0:
                if not groups:
                    (eligible if not it.checks else repeats).append(i)
                continue
            # Fixed plays after the stretch are checked against the latest
            # start the item could have.
            short = max(_eligible_at(it.checks) - t, 0)
            if it.look:
                short = max(short, _look_short(it.look, b - it.dur))
            if short == 0 and not any(k in used for k in it.keys):
                eligible.append(i)
                used.update(it.keys)
            elif want_bent:
                blocked.append((short, p, i))
        if not want_bent:
            return eligible, []
        return eligible, [i for _short, _p, i in sorted(blocked)] + repeats

    # -- emitting ------------------------------------------------------------

    def _event_id(self, start: int, key: str) -> str:
        h = hashlib.blake2b(
            self.channel + str(start).encode() + b"\x00" + key.encode("utf-8", "surrogatepass"), digest_size=10
        )
        return "gen-" + h.hexdigest()

    def _emit(self, event: Event) -> None:
        self.events.append(event)
        if len(self.events) > MAX_EVENTS:
            raise InvalidInput.at(
                f"the window needs more than {MAX_EVENTS:,} events; generate it in shorter windows", field="window"
            )

    def _place(self, i: int, start: int, ctx: _Ctx, *, check: bool) -> int:
        it = self.items[i]
        event_id = self._event_id(start, it.id)
        if check:
            self._check_rules(it, start, event_id)
        for last, key, _span, _rule in it.checks:
            last[key] = start
        ctx.order.consume(i)
        self.last_item = i if self.hold_back else -1
        self._play(i, start)
        self._emit(Event(event_id, start, it.dur, it.asset, it.title, it.kind, False, it.meta))
        return start + it.dur

    def _place_filler(self, j: int, start: int) -> int:
        f = self.filler[j]
        self.filler_events += 1
        self._emit(
            Event(self._event_id(start, "filler\x00" + f.id), start, f.dur, f.asset, f.title, f.kind, False, f.meta)
        )
        return start + f.dur

    def _pad(self, start: int, end: int) -> None:
        if self.gap_asset:
            self.filler_events += 1
            event_id = self._event_id(start, "gap\x00" + self.gap_asset)
            self._emit(Event(event_id, start, end - start, self.gap_asset, "", EventKind.FILLER, False, _NO_META))
        elif self.unfilled and self.unfilled[-1][1] == start:
            self.unfilled[-1] = (self.unfilled[-1][0], end)
        else:
            self.unfilled.append((start, end))

    def _play(self, i: int, start: int) -> None:
        n = self.play_count[i]
        if n:
            spacing = start - self.play_last[i]
            if n == 1 or spacing < self.play_min[i]:
                self.play_min[i] = spacing
            if spacing > self.play_max[i]:
                self.play_max[i] = spacing
        self.play_count[i] = n + 1
        self.play_last[i] = start

    def _check_rules(self, it: _Item, start: int, event_id: str) -> None:
        for last, key, span, rule in it.checks:
            prev = last.get(key)
            if prev is not None and start - prev < span:
                why = partial(_describe, rule, key, span, start, prev)
                self._relaxed(rule, event_id, it.id, span - (start - prev), why)
        for starts, key, span, rule in it.look:
            p = bisect.bisect_right(starts, start)
            if p < len(starts) and starts[p] - start < span:
                why = partial(_describe, rule, key, span, start, starts[p])
                self._relaxed(rule, event_id, it.id, span - (starts[p] - start), why)

    def _relaxed(self, rule: str, event_id: str, item_id: str, shortfall: int, message: Callable[[], str]) -> None:
        self.relax_count[rule] = self.relax_count.get(rule, 0) + 1
        self.relax_worst[rule] = max(self.relax_worst.get(rule, 0), shortfall)
        # The message is built only for listed relaxations: a year of an
        # impossible cooldown bends a rule ~175,000 times.
        if len(self.relaxations) < self.req.max_relaxations:
            self.relaxations.append(Relaxation(rule, event_id, item_id, shortfall, message()))

    # -- the report ----------------------------------------------------------

    def _result(self) -> GenerateResult:
        w = self.window
        span = w.end_us - w.start_us
        unfilled_us = sum(b - a for a, b in self.unfilled)
        plays = tuple(
            ItemPlays(it.id, self.play_count[k], self.play_min[k], self.play_max[k]) for k, it in enumerate(self.items)
        )
        report = ScheduleReport(
            fill_ratio=(span - unfilled_us) / span,
            unfilled=tuple(Window(a, b) for a, b in self.unfilled),
            repeats=sum(n - 1 for n in self.play_count if n > 1),
            relaxations=tuple(self.relaxations),
            plays=plays,
            filler_events=self.filler_events,
            notes=tuple(self._notes(unfilled_us)),
        )
        return GenerateResult(tuple(self.events), report)

    def _notes(self, unfilled_us: int) -> list[str]:
        notes: list[str] = []
        rules = self.req.rules
        w = self.window
        span = w.end_us - w.start_us
        total = sum(it.dur for it in self.items)
        if 0 < total < rules.item_cooldown_us and span > total:
            notes.append(
                f"the item cooldown ({_span(rules.item_cooldown_us)}) is longer than one pass through the whole "
                f"playlist ({_span(total)}): no item can come round again in time"
            )
        too_long = [it.id for it in self.items if it.dur > span]
        if too_long:
            notes.append(
                f"{len(too_long)} item(s) are longer than the window and never air: {', '.join(too_long[:10])}"
            )
        if self.fixed_overlaps:
            notes.append(f"{self.fixed_overlaps} fixed event(s) overlap an earlier one; they are kept as given")
        for rule in sorted(self.relax_count):
            notes.append(
                f"relaxed {_label(rule)} {self.relax_count[rule]} time(s), "
                f"the largest shortfall {_span(self.relax_worst[rule])}"
            )
        total_relaxed = sum(self.relax_count.values())
        if total_relaxed > len(self.relaxations):
            notes.append(f"only the first {len(self.relaxations)} of {total_relaxed} relaxations are listed")
        if self.waited_us:
            notes.append(f"spent {_span(self.waited_us)} waiting (with filler, if any) for items to become eligible")
        if unfilled_us:
            notes.append(
                f"{_span(unfilled_us)} in {len(self.unfilled)} span(s) left unfilled: the material does not fit "
                "exactly; add short filler items or set rules.gap_filler_asset_id"
            )
        return notes


_NO_META: Mapping[str, str] = {}


def _spread(chosen: list[int], last: int) -> list[int]:
    """``chosen`` in its order, except that no item follows itself when another can."""
    out: list[int] = []
    rest = list(chosen)
    prev = last
    while rest:
        k = next((k for k, i in enumerate(rest) if i != prev), 0)
        prev = rest.pop(k)
        out.append(prev)
    return out


def _describe(rule: str, key: str, span: int, start: int, other: int) -> str:
    what = "item" if rule == "item_cooldown" else rule.split("_", 1)[0]
    if other < start:
        where = f"{_span(start - other)} after its play at {_instant(other)}"
    else:
        where = f"{_span(other - start)} before its fixed play at {_instant(other)}"
    return f"{what} {key!r} starts {where}; the {_label(rule)} is {_span(span)}"


def _label(rule: str) -> str:
    return rule.replace("_", " ")


def _span(us: int) -> str:
    """A span for people: '1h30m', '45s', '0.25s'."""
    seconds, frac = divmod(us, _SEC)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    out = (f"{h}h" if h else "") + (f"{m}m" if m else "")
    if s or frac or not out:
        out += f"{s}" + (f".{frac:06d}".rstrip("0") if frac else "") + "s"
    return out


def _instant(us: int) -> str:
    return (_EPOCH + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%SZ")
