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
   unchanged, and the engine fills the gaps between them. ``history`` (the
   channel's stored plays around the window) informs the rules the same way
   and is never returned, so a window continues the one before it and stays
   clear of the one after it: no cooldown or separation breaks at a seam
   unless it is reported as a relaxation. A fixed event maps
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
   filled to the second when the material allows (``generate_tail``). First a depth-first
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
7. Time slots and dayparts (``generate_dayparts``) restrict which items may
   start at an instant of local time; each keeps its own playback-order
   state, while cooldowns are shared by all. A show or item slot airs its
   show's next episode or its item, and no other context draws those items;
   gaps are filled in pieces that end where slots start and end, so a slot
   starts on its instant when the material allows.
8. Filler items are exempt from cooldowns and separations and air as FILLER.
9. Cost is near-linear in the number of events: last starts per item,
   artist, category and show live in dicts, so checking an item costs
   O(its rules); the preference scan usually stops at the first candidate,
   and when everything is blocked a lazily updated heap of "eligible from"
   bounds answers instead of a scan of the playlist.
10. Every step advances time, so generation always ends; a window that would
    need more than ``MAX_EVENTS`` events is rejected rather than exhausting
    the worker's memory.
11. ``state`` (``core.playout_state``) resumes the orders where the window
    before left them (each show's next episode, the rest of each shuffle
    deck, the next sequential item); the result's ``state`` is where they
    stand at the window's end. Without one every order starts afresh, and
    the output is what it was before states existed.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.generate_checks import check_request, daypart_admits, slot_admits
from scheduleflow.server.core.generate_dayparts import Dayparts
from scheduleflow.server.core.generate_items import (
    INF,
    NEVER,
    Item,
    Mapped,
    compile_item,
    eligible_at,
    episode_groups,
    filler_item,
    index_fixed,
    look_short,
    map_fixed,
)
from scheduleflow.server.core.generate_orders import Order, Sequential, Shuffle, ShuffleGroups, WeightedRandom
from scheduleflow.server.core.generate_report import Tally
from scheduleflow.server.core.generate_tail import TailFill, tail_span
from scheduleflow.server.core.model import Event, EventKind, Window
from scheduleflow.server.core.playlist import (
    BlockedPolicy,
    PlaybackOrder,
    Playlist,
    ScheduleReport,
    ScheduleRules,
    SlotContent,
)
from scheduleflow.server.core.playout_state import PlayoutState, context_key, slot_key

__all__ = ["DEFAULT_MAX_RELAXATIONS", "MAX_EVENTS", "GenerateRequest", "GenerateResult", "generate"]

#: At most this many events per request: a year of 3-minute items is ~175,000;
#: ten times that is still a few hundred MB in a worker, more is a mistake.
MAX_EVENTS = 2_000_000
#: Relaxations listed in a report; the notes always give the totals per rule.
DEFAULT_MAX_RELAXATIONS = 10_000

#: Candidates scanned before asking the heap whether anything is eligible at all.
_SCAN_PROBE = 16
#: Candidates scanned before asking the heap for the few eligible ones...
_SCAN_COLLECT = 64
#: ...and how many items with a bound in the past it may look at before the scan goes on.
_HEAP_COLLECT = 64


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
    #: The channel's stored plays around the window (read by the caller as far
    #: as ``generate_items.rule_reach`` or a lookback it was given): they count
    #: for every rule exactly as plays inside the window do, and are never
    #: returned. Those overlapping the window are ignored: kept events are
    #: ``fixed_events``.
    history: tuple[Event, ...] = ()
    #: Part of every generated event id.
    channel_id: str = ""
    max_relaxations: int = DEFAULT_MAX_RELAXATIONS
    #: Where the orders stood at the window's start (the stored playout
    #: state); ``None`` starts every order afresh.
    state: PlayoutState | None = None


@dataclass(frozen=True, slots=True)
class GenerateResult:
    """The window's events (fixed and generated) sorted by start, the report,
    and where the orders stand at the window's end (to store and resume from)."""

    events: tuple[Event, ...]
    report: ScheduleReport
    state: PlayoutState = field(default_factory=PlayoutState)


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
    return Engine(request, zone, progress).run()


class Ctx:
    """One context (the default, or a daypart): its order and its heap of bounds."""

    __slots__ = ("heap", "order")

    def __init__(self, order: Order, heap: list[tuple[int, int, int]]) -> None:
        self.order = order
        # (lower bound of "eligible from", rank, item): values only grow as
        # plays are recorded, so stale entries are bounds and are fixed lazily.
        self.heap = heap


class Engine:
    """The timeline: walks the window, keeps fixed events, fills the gaps.

    Items and rules are compiled by ``generate_items``, the last stretch of
    each gap is planned by ``generate_tail``, and what happened is counted by
    ``generate_report``; every event is placed here.
    """

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
        w = self.window
        # (start + duration, not the ``end_us`` property: a call per event adds up over a day's history)
        history = [e for e in req.history if e.start_us + e.duration_us <= w.start_us or e.start_us >= w.end_us]
        self.fixed: list[Mapped] = map_fixed(self.src, [*req.fixed_events, *history])
        # Only plays after the window's start can be "later" than a start in
        # it; the rest are history, and a look-ahead entry for them would make
        # every item they name pay a lookup per check for nothing.
        fixed_index = index_fixed([m for m in self.fixed if m[0].start_us > w.start_us])
        self.items = [compile_item(it, rules, self.last, fixed_index) for it in self.src]
        self.filler = [filler_item(f) for f in req.playlist.filler]
        self.filler_next = 0
        self.tail_span = tail_span([it.dur for it in self.items])

        n = len(self.items)
        if req.playlist.order is PlaybackOrder.SEQUENTIAL:
            for k, it in enumerate(self.items):
                it.rank = k
        else:
            perm = list(range(n))
            self.rng.shuffle(perm)
            for pos, k in enumerate(perm):
                self.items[k].rank = pos
        # Contexts by index: the time slots, then the dayparts (generate_dayparts rule 4).
        self.dayparts = Dayparts(rules.dayparts, zone, self.window, rules.time_slots)
        self.slots = rules.time_slots
        self.allowed: list[frozenset[int] | None] = [
            frozenset(k for k, it in enumerate(self.src) if slot_admits(slot, it)) for slot in rules.time_slots
        ]
        self.allowed += [
            frozenset(k for k, it in enumerate(self.src) if daypart_admits(dp, it))
            if dp.categories or dp.tags
            else None
            for dp in rules.dayparts
        ]
        #: Items that show and item slots air: no other context draws them.
        self.reserved = frozenset(
            k
            for slot, allowed in zip(rules.time_slots, self.allowed, strict=False)
            if slot.content in (SlotContent.SHOW, SlotContent.ITEM) and allowed is not None
            for k in allowed
        )
        self.ctxs: dict[int | None, Ctx] = {}
        self.group_members, self.group_of, self.group_keys = episode_groups(self.src)
        self.group_cursors = [0] * len(self.group_members)
        self.by_id = {it.id: k for k, it in enumerate(self.src)}
        self.context_keys = [slot_key(slot) for slot in rules.time_slots] + [context_key(dp) for dp in rules.dayparts]
        #: The order each context uses (a show or item slot has its own), for the playout state.
        self.ctx_kind: dict[int | None, PlaybackOrder | None] = {}
        self.state_in = req.state or PlayoutState()
        #: Show -> item id of the episode placed last in this window.
        self.last_episode: dict[str, str] = {}

        self.events: list[Event] = []
        # Per item, a lower bound of when it is eligible (rules only push it later).
        self.bounds = [NEVER] * n
        # The item that just aired, held back while another is eligible; -1
        # when none or under WEIGHTED_RANDOM, whose draws are independent.
        self.last_item = -1
        self.hold_back = req.playlist.order is not PlaybackOrder.WEIGHTED_RANDOM
        self.order_kind = req.playlist.order
        self.tally = Tally(n, req.max_relaxations)
        self._resume_shared()
        if history:
            before = sum(1 for e in history if e.start_us + e.duration_us <= w.start_us)
            self.tally.extra_notes.append(
                f"continued from {len(history)} stored event(s) around the window "
                f"({before} before it, {len(history) - before} after it)"
            )
        self.tail = TailFill(self)

    def ctx(self, key: int | None) -> Ctx:
        """The context of daypart ``key`` (``None``: outside every daypart), made on first use."""
        ctx = self.ctxs.get(key)
        if ctx is None:
            allowed = self.allowed[key] if key is not None else None
            slot = self.slots[key] if key is not None and key < len(self.slots) else None
            if slot is None and self.reserved:
                # What show and item slots air, airs in them only.
                everything = frozenset(range(len(self.items))) if allowed is None else allowed
                allowed = everything - self.reserved
            members = [k for k in range(len(self.items)) if allowed is None or k in allowed]
            order: Order
            kind: PlaybackOrder | None = self.req.playlist.order
            if slot is not None and slot.content in (SlotContent.SHOW, SlotContent.ITEM):
                # The show's next episode (cursors shared with every context),
                # or the one item: their place is the episode, not a deck.
                kind = None
                if slot.content is SlotContent.SHOW:
                    order = ShuffleGroups(self.group_members, self.group_of, self.group_cursors, allowed, self.rng)
                else:
                    order = Sequential(members)
            else:
                order = self._order(members, allowed)
            self.ctx_kind[key] = kind
            self._resume_order(order, key)
            # Seeded with every item's bound as the plays so far (the history)
            # set it, in one heapify: entries fixed one by one on the first
            # blocked scan cost a heapreplace each (~240 of them after a day).
            # The scan's bounds take the same values, so it skips those items
            # without computing them again.
            items, bounds = self.items, self.bounds
            heap = []
            for k in members:
                e = eligible_at(items[k].checks)
                if e > bounds[k]:
                    bounds[k] = e
                heap.append((e, items[k].rank, k))
            heapq.heapify(heap)
            ctx = self.ctxs[key] = Ctx(order, heap)
        return ctx

    def _order(self, members: list[int], allowed: frozenset[int] | None) -> Order:
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
        return order

    # -- playout state -------------------------------------------------------

    def _resume_shared(self) -> None:
        """What every context shares: each show's next episode, the item held back."""
        state = self.state_in
        if state.empty:
            return
        for g, members in enumerate(self.group_members if state.episodes else ()):
            last = state.episodes.get(self.group_keys[g])
            k = self.by_id.get(last) if last is not None else None
            if k is not None and k in members:
                self.group_cursors[g] = (members.index(k) + 1) % len(members)
        last_item = self.by_id.get(state.last_item, -1)
        if self.hold_back and last_item >= 0:
            self.last_item = last_item

    def _resume_order(self, order: Order, key: int | None) -> None:
        state = self.state_in
        ckey = "" if key is None else self.context_keys[key]
        match self.ctx_kind.get(key):
            case PlaybackOrder.SEQUENTIAL:
                saved: tuple[str, ...] = (state.cursors[ckey],) if ckey in state.cursors else ()
                order.resume([self.by_id[i] for i in saved if i in self.by_id])
            case PlaybackOrder.SHUFFLE:
                order.resume([self.by_id[i] for i in state.decks.get(ckey, ()) if i in self.by_id])
            case PlaybackOrder.SHUFFLE_GROUPS:
                group_index = {g: k for k, g in enumerate(self.group_keys)}
                order.resume([group_index[g] for g in state.decks.get(ckey, ()) if g in group_index])
            case _:
                pass  # independent draws resume nothing but the plays

    def _state_out(self) -> PlayoutState:
        state = self.state_in
        decks = dict(state.decks)
        cursors = dict(state.cursors)
        for key, ctx in self.ctxs.items():
            ckey = "" if key is None else self.context_keys[key]
            units = ctx.order.remaining()
            match self.ctx_kind.get(key):
                case PlaybackOrder.SEQUENTIAL:
                    cursors[ckey] = self.src[units[0]].id
                case PlaybackOrder.SHUFFLE:
                    decks[ckey] = tuple(self.src[i].id for i in units)
                case PlaybackOrder.SHUFFLE_GROUPS:
                    decks[ckey] = tuple(self.group_keys[g] for g in units)
                case _:
                    pass
        plays = dict(state.plays)
        for k, it in enumerate(self.items):
            if n := self.tally.play_count[k]:
                plays[it.id] = plays.get(it.id, 0) + n
        last = self.src[self.last_item].id if self.last_item >= 0 else state.last_item if not self.events else ""
        return PlayoutState(
            episodes={**state.episodes, **self.last_episode},
            decks=decks,
            cursors=cursors,
            plays=plays,
            last_item=last,
        )

    # -- the timeline --------------------------------------------------------

    def run(self) -> GenerateResult:
        w = self.window
        cursor = w.start_us
        fixed_end = NEVER
        last_of = self.last
        for ev, idx, keys in self.fixed:
            start = ev.start_us
            if start + ev.duration_us <= w.start_us:
                # History: its plays only set the rules' last starts (inline:
                # a day continuing from history registers ~240 of them).
                for kind, value in keys:
                    last = last_of[kind]
                    if last.get(value, NEVER) < start:
                        last[value] = start
                continue
            if ev.start_us >= w.end_us:
                continue  # only its future plays matter, via the look-ahead index
            if ev.start_us < fixed_end:
                self.tally.fixed_overlaps += 1
            fixed_end = max(fixed_end, ev.end_us)
            if ev.start_us > cursor:
                self._fill_to_slots(cursor, ev.start_us)
            # Appended in time order, so the events need no sort at the end.
            self.events.append(ev)
            self._register_fixed(ev, idx, keys)
            cursor = max(cursor, ev.end_us)
        if cursor < w.end_us:
            self._fill_to_slots(cursor, w.end_us)
        if self.progress is not None:
            self.progress(1.0)
        report = self.tally.report(self.window, self.items, self.req.rules, self.dayparts.findings)
        return GenerateResult(tuple(self.events), report, self._state_out())

    def _register_fixed(self, ev: Event, idx: int, keys: tuple[tuple[str, str], ...]) -> None:
        """A fixed event in the window: its plays, and it is the item that just aired."""
        for kind, value in keys:
            last = self.last[kind]
            if last.get(value, NEVER) < ev.start_us:
                last[value] = ev.start_us
        if idx >= 0:
            self.tally.play(idx, ev.start_us)
        self.last_item = idx if self.hold_back else -1

    def _fill_to_slots(self, a: int, b: int) -> None:
        """Fill [a, b) in pieces that end where time slots start and end, so
        that each slot starts on its instant when the material allows."""
        bounds = self.dayparts.slot_bounds
        p = bisect.bisect_right(bounds, a)
        while p < len(bounds) and bounds[p] < b:
            self._fill_gap(a, bounds[p])
            a = bounds[p]
            p += 1
        self._fill_gap(a, b)

    def _fill_gap(self, a: int, b: int) -> None:
        t = a
        while t < b:
            if t >= self.next_tick:
                self._tick(t)
            r = b - t
            if r <= self.tail_span:
                self.tail.fill(t, b)
                return
            key = self.dayparts.at(t)
            ctx = self.ctx(key)
            i = self._scan(ctx, t, r)
            if i >= 0:
                t = self.place(i, t, ctx, check=False)
                continue
            until = INF
            if self.relax:
                choice = self._blocked_choice(ctx, t, r, relax=True)
                if choice >= 0:
                    t = self.place(choice, t, ctx, check=True)
                    continue
            else:
                choice = self._blocked_choice(ctx, t, r, relax=False)
                if choice >= 0:
                    until = eligible_at(self.items[choice].checks)
                    if until <= t:  # cannot happen (the scan would have aired it); never stall on it
                        until = INF
            change = self.dayparts.next_change(t)
            target = min(until, b - self.tail_span, change if change is not None else INF)
            t = self._wait(t, target, b)

    def _tick(self, t: int) -> None:
        if self.progress is not None:
            w = self.window
            self.progress((t - w.start_us) / (w.end_us - w.start_us))
        self.next_tick = t + self.tick_every

    def _scan(self, ctx: Ctx, t: int, r: int) -> int:
        """The first eligible candidate that fits in ``r``, or -1 when blocked."""
        if ctx.heap and ctx.heap[0][0] <= t:  # (a lower bound: above t, nothing is eligible)
            first = self._scan_head(ctx, t, r)
            if first >= 0:
                return first
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
            e = NEVER
            for last, key, span, _rule in it.checks:
                v = last.get(key)
                if v is not None and v + span > e:
                    e = v + span
            bounds[i] = e
            if e > t or (it.look and look_short(it.look, t) > 0):
                continue
            if i == self.last_item:
                held_back = i  # back to back only when nothing else is eligible
                continue
            return i
        return held_back

    def _scan_head(self, ctx: Ctx, t: int, r: int) -> int:
        """``_scan``'s answer when it lies in the order's ``head``, else -1.

        After a shuffle cycle turns, the items the last hours aired stay
        blocked at the front of the new cycle until their cooldowns pass,
        and every scan walks them again (a day continuing from history walks
        ~5x more candidates than day 1). This plain loop walks them at a
        fraction of the cost of ``_scan``'s. It answers only when it finds an
        eligible candidate other than the item just aired: ``_scan`` would
        return that same item, and would not have drawn the next cycle. Any
        other case (nothing eligible here, or only the held-back item) goes
        to ``_scan``, whose probes and draws stay exactly as they were.
        """
        items, bounds, held = self.items, self.bounds, self.last_item
        for i in ctx.order.head():
            if bounds[i] > t:
                continue  # a bound only grows, so this item is still blocked
            it = items[i]
            if it.dur > r:
                continue
            e = bounds[i] = eligible_at(it.checks)
            if e > t or i == held or (it.look and look_short(it.look, t) > 0):
                continue
            return i
        return -1

    def _min_bound(self, ctx: Ctx) -> int:
        heap, items = ctx.heap, self.items
        while heap:
            bound, rank, i = heap[0]
            e = eligible_at(items[i].checks)
            if e > bound:
                heapq.heapreplace(heap, (e, rank, i))
                continue
            return bound
        return INF

    def _eligible_now(self, ctx: Ctx, t: int, r: int) -> list[int] | None:
        """Every candidate eligible at ``t`` that fits ``r``, or ``None`` when
        more than ``_HEAP_COLLECT`` items are eligible (the scan is then cheap)."""
        heap, items, order = ctx.heap, self.items, ctx.order
        popped: list[tuple[int, int, int]] = []
        found: list[int] = []
        while heap and heap[0][0] <= t:
            bound, rank, i = heapq.heappop(heap)
            it = items[i]
            e = eligible_at(it.checks)
            if e > bound:
                heapq.heappush(heap, (e, rank, i))
                continue
            popped.append((bound, rank, i))
            if len(popped) > _HEAP_COLLECT:
                break
            if it.dur <= r and order.is_candidate(i) and not (it.look and look_short(it.look, t) > 0):
                found.append(i)
        for entry in popped:
            heapq.heappush(heap, entry)
        return found if len(popped) <= _HEAP_COLLECT else None

    def _blocked_choice(self, ctx: Ctx, t: int, r: int, *, relax: bool) -> int:
        """RELAX: the candidate with the least shortfall. WAIT: the one eligible soonest.

        Walks the heap from the smallest bound and stops once no remaining
        bound can beat the best so far, so a blocked slot costs O(log n) plus
        the candidates tied near the top, not a scan of the playlist.
        """
        heap, items, order = ctx.heap, self.items, ctx.order
        popped: list[tuple[int, int, int]] = []
        best, best_key = -1, (INF, 0)
        while heap:
            bound, rank, i = heap[0]
            if (bound - t if relax else bound) > best_key[0]:
                break
            heapq.heappop(heap)
            it = items[i]
            e = eligible_at(it.checks)
            if e > bound:
                heapq.heappush(heap, (e, rank, i))
                continue
            popped.append((bound, rank, i))
            if it.dur > r or not order.is_candidate(i):
                continue
            if relax:
                key = (max(e - t, look_short(it.look, t) if it.look else 0, 0), rank)
            else:
                at = max(e, t)
                if it.look and look_short(it.look, at) > 0:
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
            t = self.place_filler(j, t)
        if t < target:
            self.pad(t, target)
            t = target
        self.tally.waited_us += t - start
        return t

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

    def place(self, i: int, start: int, ctx: Ctx, *, check: bool) -> int:
        """Air item ``i`` at ``start`` (reporting what it bends when ``check``); its end."""
        it = self.items[i]
        event_id = self._event_id(start, it.id)
        if check:
            self.tally.check_rules(it, start, event_id)
        for last, key, _span, _rule in it.checks:
            last[key] = start
        ctx.order.consume(i)
        self.last_item = i if self.hold_back else -1
        self.tally.play(i, start)
        if self.src[i].show:
            self.last_episode[self.src[i].show] = it.id
        self._emit(Event(event_id, start, it.dur, it.asset, it.title, it.kind, False, it.meta))
        return start + it.dur

    def place_filler(self, j: int, start: int) -> int:
        """Air filler item ``j`` at ``start``; its end."""
        f: Item = self.filler[j]
        self.tally.filler_events += 1
        self._emit(
            Event(self._event_id(start, "filler\x00" + f.id), start, f.dur, f.asset, f.title, f.kind, False, f.meta)
        )
        return start + f.dur

    def pad(self, start: int, end: int) -> None:
        """[start, end) as one gap-filler event, or reported unfilled without one."""
        if self.gap_asset:
            self.tally.filler_events += 1
            event_id = self._event_id(start, "gap\x00" + self.gap_asset)
            self._emit(Event(event_id, start, end - start, self.gap_asset, "", EventKind.FILLER, False, _NO_META))
        else:
            self.tally.leave_unfilled(start, end)


_NO_META: Mapping[str, str] = {}
