"""The exact fill of a gap's last stretch, to the second when the material allows.

Rules (the engine's rule 6, in detail):

1. The stretch is the last 4 to 12 x the longest item of a gap, at most 4
   hours (``tail_span``).
2. First a depth-first search over sequences that plays like the main loop
   (the order's preference, eligibility as time advances, filler waits under
   WAIT_WITH_FILLER, the least-violating item under RELAX when nothing is
   eligible), backtracking until the stretch is exact, pruned by the sums
   the candidates and filler can reach (``generate_fill.reachable``) and
   bounded by a node budget.
3. Failing that, a 0/1 subset-sum in whole seconds (``generate_fill.plan_fill``)
   over what is eligible now with pairwise distinct rule keys. Filler items
   complete it, then one FILLER event of the exact remaining length
   (``rules.gap_filler_asset_id``); what is left is reported as unfilled.
4. Filler is preferred to bending a rule: RELAX bends one only when nothing
   is eligible at all, or when a whole item's length would otherwise stay
   empty.
5. This module plans; the engine places (``place``, ``place_filler``, ``pad``)
   so that every event goes through one path that checks and records it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from scheduleflow.server.core.generate_fill import FillPlan, plan_fill, reachable
from scheduleflow.server.core.generate_items import INF, NEVER, SEC, Item, eligible_at, look_short
from scheduleflow.server.core.playlist import PlaybackOrder

if TYPE_CHECKING:
    from scheduleflow.server.core.generate import Ctx, Engine

#: The exact fill covers the last k x the longest item of a gap, k in this
#: range (see ``tail_span``)...
_TAIL_ITEMS = (4, 12)
#: ...but never more than this, which bounds the subset-sum's bitsets.
_TAIL_CAP_US = 4 * 3600 * SEC
#: Turns of the playback order the exact fill looks at.
_TAIL_CANDIDATES = 128
#: Nodes the sequence search may visit per stretch before the subset fill takes over.
_SEARCH_NODES = 200
#: A step of filler aired while waiting for an item to become eligible.
_WAITED = -2


def tail_span(durations: Sequence[int]) -> int:
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


class TailFill:
    """Fills the last stretch of the engine's gaps."""

    def __init__(self, engine: Engine) -> None:
        self.eng = engine
        self.filler_s = [f.dur_s for f in engine.filler]
        self._filler_reach: dict[int, int] = {}

    def fill(self, t: int, b: int) -> None:
        """Fill [t, b) as exactly as the material allows.

        1. The subset of what is eligible now (no two sharing a rule's key, so
           any order keeps every rule) that with filler fills the stretch
           exactly with the most regular material: taken when it leaves less
           filler than one item's length.
        2. Else a search over sequences that plays like the main loop and
           backtracks until the stretch is exact.
        3. Else the best subset by length, with filler.
        """
        eng = self.eng
        cap_s = (b - t) // SEC
        if cap_s > 0:
            items = eng.items
            ctx = eng.ctx(eng.dayparts.at(t))
            queue = self._queue(ctx, cap_s, self._allowed_in(t, b))
            eligible, bendable = self._pools(queue, t, b)
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
                        t = eng.place(i, t, ctx, check=True)
                    for j in fillers:
                        t = eng.place_filler(j, t)
                    if i == _WAITED:
                        eng.tally.waited_us += t - start
            else:
                if plan.seconds < cap_s and eng.gap_asset:
                    # Not exact either way: the most programme, the gap filler pads the rest.
                    plan = plan_fill(durations, self.filler_s, cap_s, prefer_regular=True)
                t = self._fill_subset(ctx, plan, eligible, bendable, t, cap_s)
        if t < b:
            eng.pad(t, b)

    def _queue(self, ctx: Ctx, cap_s: int, allowed: frozenset[int] | None) -> list[tuple[int, int]]:
        """The order's projection for the stretch as (item, previous position
        of the same unit or -1): a unit's turns are taken front to back, so a
        show's episodes keep their order and an item's turns are interchangeable."""
        items, order = self.eng.items, ctx.order
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
        eng = self.eng
        items = eng.items
        reach = reachable([items[i].dur_s for i, _prev in queue] + self.filler_s, cap_s)
        if not (reach >> cap_s) & 1:
            return None
        freach = self._reach(cap_s)
        overlay: dict[tuple[str, str], int] = {}
        taken = [False] * len(queue)
        steps: list[tuple[int, tuple[int, ...]]] = []
        budget = _SEARCH_NODES
        hold_back, relax = eng.hold_back, eng.relax
        wait = not relax and bool(eng.filler)

        def eligible_with_overlay(it: Item) -> int:
            e = NEVER
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
            rem_s = (b - at) // SEC
            tried: set[int] = set()
            blocked_best = (INF, -1)  # (shortfall, position): the least-violating turn
            soonest = INF  # when the first blocked turn becomes eligible
            eligible_any = False
            for p, (i, before) in enumerate(queue):
                if taken[p] or (before >= 0 and not taken[before]):
                    continue
                it = items[i]
                d = it.dur_s
                fits = d <= rem_s and (reach >> (rem_s - d)) & 1
                if not fits and eligible_any:
                    continue  # nothing more to learn from this turn
                e = eligible_with_overlay(it)
                look = look_short(it.look, at) if it.look else 0
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
            if not eligible_any and wait and soonest < INF:
                # WAIT: the least filler that reaches the first eligible turn
                # and leaves a remainder the queue can still fill.
                need = -(-(soonest - at) // SEC)
                # Bit s of ``ok``: s seconds of filler, and rem_s - s the queue can fill.
                ok = freach & int(format(reach & ((1 << (rem_s + 1)) - 1), f"0{rem_s + 1}b")[::-1], 2)
                ok >>= need
                if ok:
                    s = need + (ok & -ok).bit_length() - 1
                    fillers = plan_fill((), self.filler_s, s, prefer_regular=False).filler
                    steps.append((_WAITED, fillers))
                    if search(at + sum(eng.filler[j].dur for j in fillers), prev):
                        return True
                    steps.pop()
            if (freach >> rem_s) & 1:
                # Filler completes what items cannot; regular material came first.
                steps.append((-1, plan_fill((), self.filler_s, rem_s, prefer_regular=False).filler))
                return True
            if not eligible_any and relax and blocked_best[1] >= 0:
                return air(blocked_best[1], at)  # RELAX: bent, and reported when placed
            return False

        return steps if search(t, eng.last_item) else None

    def _reach(self, cap_s: int) -> int:
        freach = self._filler_reach.get(cap_s)
        if freach is None:
            freach = self._filler_reach[cap_s] = reachable(self.filler_s, cap_s)
        return freach

    def _fill_subset(
        self, ctx: Ctx, plan: FillPlan, eligible: list[int], bendable: list[int], t: int, cap_s: int
    ) -> int:
        """Air ``plan``; under RELAX without a gap filler, bend rules instead
        when that fills a whole item's length more."""
        eng = self.eng
        items = eng.items
        chosen = [eligible[k] for k in plan.regular]
        # Bend only as the main loop would: when a whole item would otherwise
        # leave its length unfilled, not to shave the last seconds.
        if bendable and cap_s - plan.seconds >= min(items[i].dur_s for i in bendable):
            pool = eligible + bendable
            bent = plan_fill([items[i].dur_s for i in pool], self.filler_s, cap_s, prefer_regular=False)
            if bent.seconds > plan.seconds:
                plan, chosen = bent, [pool[k] for k in bent.regular]
        for i in _spread(chosen, eng.last_item):
            t = eng.place(i, t, ctx, check=True)
        for j in plan.filler:
            t = eng.place_filler(j, t)
        return t

    def _allowed_in(self, t: int, b: int) -> frozenset[int] | None:
        eng = self.eng
        sets = [s for key in eng.dayparts.touched(t, b) if key is not None and (s := eng.allowed[key]) is not None]
        if not sets:
            return None
        return frozenset.intersection(*sets)

    def _pools(self, queue: list[tuple[int, int]], t: int, b: int) -> tuple[list[int], list[int]]:
        """Two pools for the subset fill, in queue order.

        The first bends no rule: first turns of items eligible now that share
        no rule's key (so any subset stays eligible through the stretch), and
        later turns of items no rule applies to. The second, only under RELAX
        without a gap filler, adds the blocked first turns (least shortfall
        first) and the later turns of items; each rule bent is reported on
        placement. A show's later episodes never enter: the subset ignores
        the order of turns.
        """
        eng = self.eng
        items = eng.items
        want_bent = eng.relax and not eng.gap_asset
        groups = eng.order_kind is PlaybackOrder.SHUFFLE_GROUPS
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
            short = max(eligible_at(it.checks) - t, 0)
            if it.look:
                short = max(short, look_short(it.look, b - it.dur))
            if short == 0 and not any(k in used for k in it.keys):
                eligible.append(i)
                used.update(it.keys)
            elif want_bent:
                blocked.append((short, p, i))
        if not want_bent:
            return eligible, []
        return eligible, [i for _short, _p, i in sorted(blocked)] + repeats


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
