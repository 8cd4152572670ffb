"""Exact fill of the last stretch of a gap: a bounded subset-sum in whole seconds.

Rules:

1. Regular items are a 0/1 knapsack (each candidate at most once, so item
   cooldowns hold inside the stretch); filler items are unbounded (filler is
   exempt from cooldowns and may repeat).
2. Reachable sums are Python ``int`` bitsets: bit ``s`` set means "a choice
   sums to s seconds". One shift-or per candidate makes the DP
   O(candidates x capacity / 64) machine words, so a stretch of a few hours
   and 64 candidates costs well under a millisecond.
3. The caller bounds the capacity (``capacity_s``) and the number of
   candidates; this module only plans and never touches the timeline.
   ``reachable`` gives the sums any number of copies can make: the engine's
   sequence search prunes with it.
4. Preference: without an exact-length gap filler, fill as much of the
   stretch as possible, then prefer regular material over filler; with one,
   prefer regular material, then filler items, and leave the rest to the gap
   filler event. Among equal choices, earlier candidates win (the caller lists
   them in playback-order preference).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FillPlan:
    """Which candidates and fillers to air, by index into the caller's lists."""

    #: Indices into the regular candidates, ascending (= preference order).
    regular: tuple[int, ...]
    #: Indices into the filler list, one per event to air.
    filler: tuple[int, ...]
    #: Seconds the plan covers (by the rounded-up durations given).
    seconds: int


def plan_fill(regular_s: Sequence[int], filler_s: Sequence[int], capacity_s: int, *, prefer_regular: bool) -> FillPlan:
    """Choose regular candidates (each at most once) and filler (any number of
    times) whose durations in whole seconds sum to at most ``capacity_s``.

    Durations must be positive; those longer than the capacity are ignored.
    """
    if capacity_s <= 0:
        return FillPlan((), (), 0)
    mask = (1 << (capacity_s + 1)) - 1

    # stages[k] = sums reachable with the first k regular candidates.
    stages = [1]
    reach = 1
    for d in regular_s:
        if 0 < d <= capacity_s:
            reach = (reach | (reach << d)) & mask
        stages.append(reach)

    # Filler: stage per filler, longest last so the reconstruction takes as
    # few (long) fillers as it can.
    order = sorted((j for j, d in enumerate(filler_s) if 0 < d <= capacity_s), key=lambda j: (filler_s[j], j))
    fstages = [1]
    freach = 1
    for j in order:
        freach = _with_copies(freach, filler_s[j], capacity_s)
        fstages.append(freach)

    s_best, f_best = _choose(reach, freach, capacity_s, prefer_regular=prefer_regular)
    return FillPlan(
        _take_regular(stages, regular_s, s_best), _take_filler(fstages, order, filler_s, f_best), s_best + f_best
    )


def reachable(durations_s: Iterable[int], capacity_s: int) -> int:
    """Bitset of the sums (up to ``capacity_s``) of any number of copies of ``durations_s``."""
    reach = 1
    for d in sorted(set(durations_s)):
        if 0 < d <= capacity_s:
            reach = _with_copies(reach, d, capacity_s)
    return reach


def _with_copies(reach: int, d: int, capacity_s: int) -> int:
    mask = (1 << (capacity_s + 1)) - 1
    shift = d
    # Unbounded copies by doubling: after k steps, 0..2^k - 1 copies.
    while shift <= capacity_s:
        reach = (reach | (reach << shift)) & mask
        shift <<= 1
    return reach


def _choose(reach: int, freach: int, cap: int, *, prefer_regular: bool) -> tuple[int, int]:
    if prefer_regular:
        s = reach.bit_length() - 1
        f = (freach & ((1 << (cap - s + 1)) - 1)).bit_length() - 1
        return s, f
    # Largest total first: total tau is reachable iff some s in reach has
    # tau - s in freach, i.e. reach & reversed(freach) shifted. Reverse once.
    rev = int(format(freach, f"0{cap + 1}b")[::-1], 2)
    for tau in range(cap, -1, -1):
        both = reach & (rev >> (cap - tau))
        if both:
            s = both.bit_length() - 1
            return s, tau - s
    return 0, 0  # unreachable: 0 is always in both sets


def _take_regular(stages: list[int], durations: Sequence[int], s: int) -> tuple[int, ...]:
    # Walk back from the last candidate: take it only when the sum is not
    # reachable without it, so earlier (preferred) candidates are kept.
    chosen: list[int] = []
    for k in range(len(durations), 0, -1):
        if s == 0:
            break
        if not (stages[k - 1] >> s) & 1:
            chosen.append(k - 1)
            s -= durations[k - 1]
    return tuple(reversed(chosen))


def _take_filler(fstages: list[int], order: list[int], durations: Sequence[int], f: int) -> tuple[int, ...]:
    counts: list[tuple[int, int]] = []
    for k in range(len(order), 0, -1):
        j = order[k - 1]
        d = durations[j]
        n = 0
        # As many copies of this (longest remaining) filler as keep the rest reachable.
        while f >= d and (fstages[k] >> (f - d)) & 1:
            f -= d
            n += 1
        if n:
            counts.append((j, n))
    counts.sort()
    # Round-robin so that several fillers interleave instead of airing in runs.
    out: list[int] = []
    while counts:
        nxt: list[tuple[int, int]] = []
        for j, n in counts:
            out.append(j)
            if n > 1:
                nxt.append((j, n - 1))
        counts = nxt
    return tuple(out)
