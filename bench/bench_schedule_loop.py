"""Is the event loop still responsive while the pool generates schedules?

    python bench/bench_schedule_loop.py           # four year-long Schedule previews at once
    python bench/bench_schedule_loop.py --quick   # four month-long ones

One server (--workers 2). First the health-check latency of an idle server
(one client, back-to-back Checks for a few seconds), then the same while four
Schedule previews of a year of 3-minute items from a 500-item playlist (item
and artist cooldowns) run through the pool, in the same run. The generation
is CPU work in the workers; the event loop only moves bytes, so health p99
should stay in the same order of magnitude as idle (the machine has 2 cores
for 2 workers, the server and this client, so some slowdown is expected).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduleflow.v1 import schedule_pb2 as pb  # noqa: E402
from scheduleflow.v1 import service_pb2 as spb  # noqa: E402
from scheduleflow.v1 import service_pb2_grpc  # noqa: E402
from tests.serverproc import launch  # noqa: E402


def request(days: int, seed: int) -> spb.ScheduleRequest:
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    items = [
        pb.PlaylistItem(id=f"song{i}", duration={"seconds": 170 + i % 21}, artist=f"artist{i % 100}")
        for i in range(500)
    ]
    window = pb.TimeWindow()
    window.start_time.FromDatetime(start)
    window.end_time.FromDatetime(start + dt.timedelta(days=days))
    return spb.ScheduleRequest(
        channel_id=f"loop{seed}.example",
        window=window,
        playlist=pb.Playlist(
            items=items, order=pb.PLAYBACK_ORDER_SHUFFLE, filler=[pb.PlaylistItem(id="jingle", duration={"seconds": 5})]
        ),
        rules=pb.ScheduleRules(
            item_cooldown={"seconds": 12 * 3600}, artist_separation={"seconds": 3600}, gap_filler_asset_id="silence"
        ),
        seed=seed,
    )


async def health_latencies(stub: health_pb2_grpc.HealthStub, until: float) -> list[float]:
    out = []
    while time.perf_counter() < until:
        t0 = time.perf_counter()
        await stub.Check(health_pb2.HealthCheckRequest(), timeout=30)
        out.append(time.perf_counter() - t0)
        await asyncio.sleep(0.005)
    return out


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


async def run(address: str, days: int, idle_s: float) -> None:
    async with grpc.aio.insecure_channel(address, options=[("grpc.max_receive_message_length", 200 << 20)]) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        stub = service_pb2_grpc.ScheduleFlowServiceStub(channel)
        idle = await health_latencies(health, time.perf_counter() + idle_s)
        t0 = time.perf_counter()
        jobs = [asyncio.ensure_future(stub.Schedule(request(days, seed), timeout=600)) for seed in range(4)]
        busy: list[float] = []
        while not all(j.done() for j in jobs):
            busy += await health_latencies(health, time.perf_counter() + 0.5)
        replies = [await j for j in jobs]
        elapsed = time.perf_counter() - t0
    events = sum(len(r.events) for r in replies)
    ms = 1000
    print(
        f"four {days}-day generations: {events} events in {elapsed:.1f} s ({events / elapsed:,.0f} events/s over 2 workers)"
    )
    print(
        f"health Check idle:       n={len(idle):5d} p50 {statistics.median(idle) * ms:6.2f} ms  p99 {p99(idle) * ms:6.2f} ms"
    )
    print(
        f"health Check generating: n={len(busy):5d} p50 {statistics.median(busy) * ms:6.2f} ms  p99 {p99(busy) * ms:6.2f} ms"
    )
    print(f"p99 generating / idle: {p99(busy) / p99(idle):.1f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = launch(Path(tmp), "--workers", "2", "--max-message-mib", "200")
        try:
            asyncio.run(run(server.address, 31 if args.quick else 365, 3.0))
        finally:
            server.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
