"""Benchmark of the schedule-generation engine (a script, not a test).

Generates a day, a week, a month and a year of ~3-minute items from a
500-item playlist under an item cooldown and an artist separation, and
prints for each: events, wall and CPU time (best of a few rounds), events per
CPU second, and the peak of Python allocations (tracemalloc, in a separate
run because tracing slows everything down). Then the cost ratio of a year to
a month, which should stay near the ratio of their lengths (365/30 = 12.2;
the bar is 15).

CPU time is the figure to compare: on a shared machine wall time includes
whatever else runs.

    python bench/bench_generate.py [--order SHUFFLE] [--hourly-news] [--runs 3]
"""

from __future__ import annotations

import argparse
import gc
import random
import time
import tracemalloc
from collections.abc import Callable
from functools import partial

from scheduleflow.server.core.generate import GenerateRequest, GenerateResult, generate
from scheduleflow.server.core.model import Event, Window
from scheduleflow.server.core.playlist import PlaybackOrder, Playlist, PlaylistItem, ScheduleRules

S = 1_000_000
HOUR = 3600 * S
DAY = 24 * HOUR
START = 1_767_225_600 * S  # 2026-01-01T00:00:00Z
SIZES = [("day", 1), ("week", 7), ("month", 30), ("year", 365)]
RATIO_BAR = 15.0


def make_request(days: int, order: PlaybackOrder, hourly_news: bool) -> GenerateRequest:
    rng = random.Random(2026)
    items = tuple(
        PlaylistItem(
            id=f"track-{k:03d}",
            duration_us=rng.randint(170, 190) * S,  # three minutes, give or take ten seconds
            title=f"Track {k}",
            artist=f"artist-{k % 100:02d}",  # 100 artists, 5 tracks each
            category=("pop", "rock", "jazz", "soul")[k % 4],
        )
        for k in range(500)
    )
    fixed: tuple[Event, ...] = ()
    if hourly_news:
        fixed = tuple(
            Event(f"news-{h}", START + h * HOUR, 4 * 60 * S, asset_id="news", fixed_start=True)
            for h in range(days * 24)
        )
    return GenerateRequest(
        window=Window(START, START + days * DAY),
        time_zone="Europe/London",
        playlist=Playlist(items=items, order=order, filler=(PlaylistItem(id="ident", duration_us=5 * S),)),
        rules=ScheduleRules(item_cooldown_us=12 * HOUR, artist_separation_us=HOUR, gap_filler_asset_id="black"),
        seed=42,
        fixed_events=fixed,
        channel_id="bench",
    )


def measure(fn: Callable[[], GenerateResult]) -> tuple[float, float, GenerateResult]:
    """Wall and CPU seconds of one run."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def peak_mib(fn: Callable[[], GenerateResult]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--order", choices=[o.value for o in PlaybackOrder], default=PlaybackOrder.SHUFFLE.value)
    parser.add_argument("--hourly-news", action="store_true", help="add a fixed 4-minute event every hour")
    parser.add_argument("--runs", type=int, default=3, help="rounds over all sizes; the best of each is shown")
    args = parser.parse_args()
    order = PlaybackOrder(args.order)

    print(
        f"generate(): 500 items of 170-190 s, 100 artists, item cooldown 12h, artist separation 1h, "
        f"order {order.value}{', hourly fixed news' if args.hourly_news else ''}"
    )
    header = f"{'window':<6} {'events':>8} {'wall s':>8} {'cpu s':>8} {'events/s':>10} {'peak MiB':>9} {'fill':>6} {'relaxed':>8}"
    print(header)
    print("-" * len(header))
    requests = {name: make_request(days, order, args.hourly_news) for name, days in SIZES}
    wall_of = dict.fromkeys(requests, float("inf"))
    cpu_of = dict.fromkeys(requests, float("inf"))
    results: dict[str, GenerateResult] = {}
    # Rounds over all sizes, best of each: on a shared machine load comes and
    # goes, and interleaving lets every size see the same conditions.
    for _ in range(args.runs):
        for name, req in requests.items():
            wall, cpu, results[name] = measure(partial(generate, req))
            wall_of[name], cpu_of[name] = min(wall_of[name], wall), min(cpu_of[name], cpu)
    events_of: dict[str, int] = {}
    for name, req in requests.items():
        peak = peak_mib(partial(generate, req))
        result = results[name]
        n = events_of[name] = len(result.events)
        print(
            f"{name:<6} {n:>8,} {wall_of[name]:>8.2f} {cpu_of[name]:>8.2f} {n / cpu_of[name]:>10,.0f} {peak:>9.1f} "
            f"{result.report.fill_ratio:>6.1%} {len(result.report.relaxations):>8}"
        )
    ratio = cpu_of["year"] / cpu_of["month"]
    length = events_of["year"] / events_of["month"]
    verdict = "ok" if ratio <= RATIO_BAR else "TOO HIGH"
    print(f"\nyear / month: cpu time x{ratio:.1f} for x{length:.1f} the events (bar: x{RATIO_BAR:.0f}) -> {verdict}")


if __name__ == "__main__":
    main()
