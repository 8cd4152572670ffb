"""The bounded subset-sum behind the exact fill, against brute force."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduleflow.server.core.generate_fill import plan_fill, reachable
from tests.profiles import examples


def _best(regular: list[int], filler: list[int], cap: int, prefer_regular: bool) -> tuple[int, int]:
    """(regular seconds, filler seconds) of the best plan, by brute force."""
    filler_sums = {0}
    for _ in range(cap):
        filler_sums |= {s + d for s in filler_sums for d in filler if s + d <= cap}
    best = (0, 0)
    for r in range(len(regular) + 1):
        for combo in itertools.combinations(regular, r):
            s = sum(combo)
            if s > cap:
                continue
            f = max(x for x in filler_sums if x <= cap - s)
            key = (s, f) if prefer_regular else (s + f, s)
            best_key = best if prefer_regular else (best[0] + best[1], best[0])
            if key > best_key:
                best = (s, f)
    return best


@settings(max_examples=examples(150), deadline=None)
@given(
    st.lists(st.integers(1, 40), max_size=7),
    st.lists(st.integers(1, 25), max_size=3),
    st.integers(0, 90),
    st.booleans(),
)
def test_plan_is_optimal_and_consistent(regular: list[int], filler: list[int], cap: int, prefer: bool) -> None:
    plan = plan_fill(regular, filler, cap, prefer_regular=prefer)
    s = sum(regular[k] for k in plan.regular)
    f = sum(filler[j] for j in plan.filler)
    assert list(plan.regular) == sorted(set(plan.regular))
    assert s + f == plan.seconds <= max(cap, 0)
    assert (s, f) == _best(regular, filler, cap, prefer)


def test_earlier_candidates_win_ties() -> None:
    plan = plan_fill([60, 60, 60, 60], [], 120, prefer_regular=False)
    assert plan.regular == (0, 1)


def test_fillers_interleave_and_prefer_long_ones() -> None:
    plan = plan_fill([], [1, 30], 65, prefer_regular=False)
    assert sorted(plan.filler) == [0, 0, 0, 0, 0, 1, 1]
    assert plan.filler[:2] == (0, 1)


def test_reachable_sums_with_copies() -> None:
    reach = reachable([7, 5], 20)
    assert {s for s in range(21) if (reach >> s) & 1} == {0, 5, 7, 10, 12, 14, 15, 17, 19, 20}
    assert reachable([], 10) == 1
    assert plan_fill([5], [2], 0, prefer_regular=True).seconds == 0
