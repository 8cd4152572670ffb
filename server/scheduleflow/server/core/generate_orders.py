"""Playback orders: which item the engine would like to air next.

An order only ranks; the engine decides. Each order yields candidate item
indices in preference order (``candidates``), answers whether an item is a
candidate at all right now (``is_candidate``), and is told what aired
(``consume``). The engine takes the first candidate that is eligible under the
rules, so an order never needs to know about cooldowns.

Rules:

1. SEQUENTIAL: playlist order from a cursor, wrapping; the cursor moves past
   whatever aired, so a skipped (blocked) item comes round again next pass.
2. SHUFFLE: each item once per cycle, reshuffled every cycle. When the rest of
   a cycle is blocked the engine may take an item of the *next* cycle early
   (it is then not aired again in that cycle), which keeps "once per cycle"
   without bending a rule. A new cycle never starts with the item that just
   aired (unless it has one item).
3. WEIGHTED_RANDOM: independent draws by weight; when draws keep hitting
   blocked items, the rest follow in a fixed random order so the engine can
   always see every item.
4. SHUFFLE_GROUPS: groups (by show; an item without a show is its own group)
   shuffled per cycle like SHUFFLE; a group's candidate is its next episode,
   in (episode, playlist position) order, wrapping. Episode cursors are shared
   by every context so a daypart never replays an episode out of turn.
5. ``upcoming`` projects the next turns (items may repeat) for the exact
   fill at the end of a gap, and ``unit_of`` says what a turn belongs to (the
   item, or its show) so the fill takes a show's episodes in order.
6. Randomness comes only from the ``random.Random`` handed in: the same seed
   gives the same sequence on every machine (no ``hash()``, no set order, no
   floating-point library calls).
7. ``head`` lists, without drawing, the candidates ``candidates`` yields
   first (SHUFFLE: the rest of the current cycle), so the engine can walk a
   long run of blocked items in a plain loop.
8. ``remaining`` and ``resume`` carry an order across windows (the playout
   state): the rest of the current shuffle cycle, or the item a sequential run
   airs next. Resuming keeps only the units the order still has; an empty
   rest starts a fresh cycle.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator, Sequence
from typing import Protocol

#: Weighted draws tried before the order falls back to listing every item.
_WEIGHTED_DRAWS = 16


class Order(Protocol):
    """A playback order over one context's items (indices into the playlist)."""

    def candidates(self) -> Iterator[int]:
        """Candidates in preference order, each once. Abandon the iterator before ``consume``."""
        ...

    def is_candidate(self, item: int) -> bool: ...

    def head(self) -> Sequence[int]:
        """The first candidates ``candidates`` yields, in its order, read without
        drawing anything (the rest of the current shuffle cycle); empty when
        the order has no such list. Not to be kept past ``consume``."""
        ...

    def pick(self, eligible: Sequence[int]) -> int:
        """The candidate ``candidates`` would reach first among ``eligible``
        (non-empty, all candidates): a shortcut when few items are eligible."""
        ...

    def upcoming(self, limit: int) -> list[int]:
        """What the next ``limit`` slots would air if each aired its first
        preference (items may repeat). Consumes nothing (it may draw from the
        generator or lay out the next cycle, deterministically)."""
        ...

    def unit_of(self, item: int) -> int:
        """What the order schedules: the item itself, or its group."""
        ...

    def consume(self, item: int) -> None: ...

    def remaining(self) -> list[int]:
        """Units left in the current cycle, in order (SEQUENTIAL: the next item; WEIGHTED: none)."""
        ...

    def resume(self, units: Sequence[int]) -> None:
        """Continue from what ``remaining`` gave at the end of an earlier window."""
        ...


class Sequential:
    def __init__(self, members: Sequence[int]) -> None:
        self._members = list(members)
        self._pos = {item: p for p, item in enumerate(self._members)}
        self._cursor = 0

    def candidates(self) -> Iterator[int]:
        m, c = self._members, self._cursor
        yield from m[c:]
        yield from m[:c]

    def is_candidate(self, item: int) -> bool:
        return item in self._pos

    def head(self) -> Sequence[int]:
        return ()

    def upcoming(self, limit: int) -> list[int]:
        m, c = self._members, self._cursor
        return [m[(c + k) % len(m)] for k in range(limit)]

    def unit_of(self, item: int) -> int:
        return item

    def pick(self, eligible: Sequence[int]) -> int:
        n, c = len(self._members), self._cursor
        return min(eligible, key=lambda item: (self._pos[item] - c) % n)

    def consume(self, item: int) -> None:
        self._cursor = (self._pos[item] + 1) % len(self._members)

    def remaining(self) -> list[int]:
        return [self._members[self._cursor]]

    def resume(self, units: Sequence[int]) -> None:
        for item in units[:1]:
            if item in self._pos:
                self._cursor = self._pos[item]


class _Cycles:
    """The current cycle's remaining units and (made on demand) the next cycle's."""

    def __init__(self, units: Sequence[int], rng: random.Random) -> None:
        self._units = list(units)
        self._rng = rng
        self.cur = self._shuffled()
        self.cur_set = set(self.cur)
        self.nxt: list[int] | None = None
        self.nxt_set: set[int] = set()

    def _shuffled(self) -> list[int]:
        cycle = list(self._units)
        self._rng.shuffle(cycle)
        return cycle

    def next_cycle(self) -> list[int]:
        if self.nxt is None:
            self.nxt = self._shuffled()
            self.nxt_set = set(self.nxt)
        return self.nxt

    def __iter__(self) -> Iterator[int]:
        yield from self.cur
        cur_set = self.cur_set
        for u in self.next_cycle():
            if u not in cur_set:
                yield u

    def projected(self, limit: int) -> list[int]:
        """The rest of this cycle, then the next cycle over and over: later
        cycles are not drawn yet, and a few minutes of projection need no more."""
        out = list(self.cur[:limit])
        nxt = self.next_cycle()
        while len(out) < limit and nxt:
            out.extend(nxt[: limit - len(out)])
        return out

    def first(self, units: Sequence[int]) -> int:
        """Of ``units`` (each a candidate), the one iteration reaches first."""
        in_cur = [u for u in units if u in self.cur_set]
        if in_cur:
            return min(in_cur, key=self.cur.index)
        return min(units, key=self.next_cycle().index)

    def resume(self, units: Sequence[int]) -> None:
        known = set(self._units)
        rest = [u for u in units if u in known]
        if rest:
            self.cur = rest
            self.cur_set = set(rest)
            self.nxt, self.nxt_set = None, set()

    def contains(self, unit: int) -> bool:
        return unit in self.cur_set or self.nxt is None or unit in self.nxt_set

    def take(self, unit: int) -> None:
        if unit in self.cur_set:
            self.cur.remove(unit)
            self.cur_set.discard(unit)
        else:
            nxt = self.next_cycle()
            if unit not in self.nxt_set:
                return  # aired again within one stretch: both cycles already count it
            nxt.remove(unit)
            self.nxt_set.discard(unit)
        if not self.cur:
            # The next cycle still holds every unit the current one held, so
            # it is never empty here.
            self.cur = self.next_cycle()
            self.cur_set = self.nxt_set
            self.nxt, self.nxt_set = None, set()
            if len(self.cur) > 1 and self.cur[0] == unit:
                j = self._rng.randrange(1, len(self.cur))
                self.cur[0], self.cur[j] = self.cur[j], self.cur[0]


class Shuffle:
    def __init__(self, members: Sequence[int], rng: random.Random) -> None:
        self._cycles = _Cycles(members, rng)

    def candidates(self) -> Iterator[int]:
        return iter(self._cycles)

    def is_candidate(self, item: int) -> bool:
        return self._cycles.contains(item)

    def head(self) -> Sequence[int]:
        return self._cycles.cur

    def pick(self, eligible: Sequence[int]) -> int:
        return self._cycles.first(eligible)

    def upcoming(self, limit: int) -> list[int]:
        return self._cycles.projected(limit)

    def unit_of(self, item: int) -> int:
        return item

    def consume(self, item: int) -> None:
        self._cycles.take(item)

    def remaining(self) -> list[int]:
        return list(self._cycles.cur)

    def resume(self, units: Sequence[int]) -> None:
        self._cycles.resume(units)


class WeightedRandom:
    def __init__(self, members: Sequence[int], weights: Sequence[float], rng: random.Random) -> None:
        self._members = list(members)
        self._weights = weights
        self._rng = rng
        cumulative: list[float] = []
        total = 0.0
        for item in self._members:
            total += weights[item]
            cumulative.append(total)
        self._cumulative = cumulative
        self._total = total
        # The fallback order: a random permutation, fixed for the run.
        self._fallback = list(self._members)
        rng.shuffle(self._fallback)
        self._set = set(self._members)

    def _draw(self) -> int:
        x = self._rng.random() * self._total
        p = bisect.bisect_right(self._cumulative, x)
        return self._members[min(p, len(self._members) - 1)]

    def candidates(self) -> Iterator[int]:
        seen: set[int] = set()
        for _ in range(_WEIGHTED_DRAWS):
            item = self._draw()
            if item not in seen:
                seen.add(item)
                yield item
        # Rejection sampling stays exact by weight as long as it draws; once
        # the draws mostly hit blocked items, listing the rest costs less.
        for _ in range(4 * len(self._members)):
            item = self._draw()
            if item not in seen:
                seen.add(item)
                yield item
            if len(seen) == len(self._members):
                return
        for item in self._fallback:
            if item not in seen:
                yield item

    def is_candidate(self, item: int) -> bool:
        return item in self._set

    def head(self) -> Sequence[int]:
        return ()

    def upcoming(self, limit: int) -> list[int]:
        # Distinct items in draw order, then the same again: independent draws
        # may repeat an item, but the stretch should see the whole playlist.
        first = list(itertools.islice(self.candidates(), max(limit // 2, 1)))
        return (first + first)[:limit]

    def unit_of(self, item: int) -> int:
        return item

    def pick(self, eligible: Sequence[int]) -> int:
        # A draw by weight among the eligible: what rejection sampling over
        # ``candidates`` gives, without the rejected draws.
        cumulative: list[float] = []
        total = 0.0
        for item in eligible:
            total += self._weights[item]
            cumulative.append(total)
        p = bisect.bisect_right(cumulative, self._rng.random() * total)
        return eligible[min(p, len(eligible) - 1)]

    def consume(self, item: int) -> None:
        pass

    def remaining(self) -> list[int]:
        return []  # independent draws: nothing to resume but the plays, which the engine keeps

    def resume(self, units: Sequence[int]) -> None:
        pass


class ShuffleGroups:
    def __init__(
        self,
        groups: Sequence[Sequence[int]],
        group_of: Sequence[int],
        cursors: list[int],
        allowed: frozenset[int] | None,
        rng: random.Random,
    ) -> None:
        # groups[g]: the group's items in episode order; cursors[g]: shared
        # position of its next episode; group_of[item]: its group.
        self._groups = groups
        self._group_of = group_of
        self._cursors = cursors
        self._allowed = allowed
        units = [g for g, members in enumerate(groups) if allowed is None or any(i in allowed for i in members)]
        self._cycles = _Cycles(units, rng)
        self._units = set(units)

    def _next_episode(self, g: int) -> int | None:
        members = self._groups[g]
        item = members[self._cursors[g] % len(members)]
        if self._allowed is not None and item not in self._allowed:
            return None
        return item

    def candidates(self) -> Iterator[int]:
        for g in self._cycles:
            item = self._next_episode(g)
            if item is not None:
                yield item

    def is_candidate(self, item: int) -> bool:
        g = self._group_of[item]
        return g in self._units and self._cycles.contains(g) and self._next_episode(g) == item

    def head(self) -> Sequence[int]:
        return ()  # groups, not items: listing their next episodes would cost a pass per scan

    def upcoming(self, limit: int) -> list[int]:
        out: list[int] = []
        turns: dict[int, int] = {}
        stuck: set[int] = set()
        for g in self._cycles.projected(limit):
            if g in stuck:
                continue
            n = turns.get(g, 0)
            turns[g] = n + 1
            members = self._groups[g]
            item = members[(self._cursors[g] + n) % len(members)]
            if self._allowed is not None and item not in self._allowed:
                stuck.add(g)  # its next episode may not air here, so neither may the later ones
                continue
            out.append(item)
        return out

    def unit_of(self, item: int) -> int:
        return self._group_of[item]

    def pick(self, eligible: Sequence[int]) -> int:
        by_group = {self._group_of[item]: item for item in eligible}
        return by_group[self._cycles.first(list(by_group))]

    def consume(self, item: int) -> None:
        g = self._group_of[item]
        members = self._groups[g]
        self._cursors[g] = (members.index(item) + 1) % len(members)
        self._cycles.take(g)

    def remaining(self) -> list[int]:
        return list(self._cycles.cur)

    def resume(self, units: Sequence[int]) -> None:
        self._cycles.resume(units)
