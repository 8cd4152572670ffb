"""1,000 concurrent WatchSchedule streams: how long until every watcher has a change.

    python bench/bench_watch.py                       # one server, SQLite
    python bench/bench_watch.py --replicas 2 --store postgresql://postgres@127.0.0.1:5432/test
                                                      # watchers split across two replicas sharing PostgreSQL
    python bench/bench_watch.py --watchers 200 --changes 5   # quick

Watchers open streams on one channel (spread over --connections connections
per replica, all from this one client process); then --changes imports are
made through replica 0, one at a time. For each change: the time from sending
the Import until the last watcher has it (fan-out latency, commit included)
and from the Import's acknowledgement. Reports median and p99 over the
changes, server memory (RSS of every replica and its workers) with the
streams open, and checks every watcher saw every revision once, in order.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import grpc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduleflow.v1 import schedule_pb2 as pb  # noqa: E402
from scheduleflow.v1 import service_pb2 as spb  # noqa: E402
from scheduleflow.v1 import service_pb2_grpc  # noqa: E402
from tests.serverproc import ServerProcess, launch  # noqa: E402

CHANNEL = "watch-bench.example"


def document(version: int) -> bytes:
    events = [
        {"id": f"e{i}", "start": f"2025-11-22T{i:02d}:00:00Z", "duration": "PT1H", "title": f"v{version}"}
        for i in range(24)
    ]
    return json.dumps({"scheduleflow": 1, "events": events}).encode()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def watcher(
    stub: service_pb2_grpc.ScheduleFlowServiceStub,
    arrivals: dict[int, list[float]],
    seen: list[int],
    ready: asyncio.Event,
    stop: asyncio.Event,
) -> None:
    call = stub.WatchSchedule(spb.WatchScheduleRequest(channel_ids=[CHANNEL]))
    try:
        async for update in call:
            kind = update.WhichOneof("update")
            if kind == "snapshot":
                ready.set()
            elif kind == "change":
                arrivals.setdefault(update.change.revision, []).append(time.perf_counter())
                seen.append(update.change.revision)
            if stop.is_set():
                break
    except grpc.aio.AioRpcError as err:
        if not stop.is_set():
            raise RuntimeError(f"watcher failed: {err.code()} {err.details()}") from err
    finally:
        call.cancel()


async def run(args: argparse.Namespace, servers: list[ServerProcess]) -> int:
    channels = []
    stubs = []
    for s in servers:
        for _ in range(args.connections):
            ch = grpc.aio.insecure_channel(s.address, options=[("grpc.use_local_subchannel_pool", 1)])
            channels.append(ch)
            stubs.append(service_pb2_grpc.ScheduleFlowServiceStub(ch))
    writer = service_pb2_grpc.ScheduleFlowServiceStub(channels[0])
    await writer.Import(spb.ImportRequest(channel_id=CHANNEL, document=pb.Document(content=document(0))), timeout=30)
    arrivals: dict[int, list[float]] = {}
    seen_by: list[list[int]] = [[] for _ in range(args.watchers)]
    readies = [asyncio.Event() for _ in range(args.watchers)]
    stop = asyncio.Event()
    t0 = time.perf_counter()
    tasks = [
        asyncio.create_task(watcher(stubs[i % len(stubs)], arrivals, seen_by[i], readies[i], stop))
        for i in range(args.watchers)
    ]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
    print(f"{args.watchers} watchers connected and snapshotted in {time.perf_counter() - t0:.2f} s")
    rss = sum(s.rss_bytes() for s in servers)
    from_send, from_ack = [], []
    for n in range(1, args.changes + 1):
        sent = time.perf_counter()
        reply = await writer.Import(
            spb.ImportRequest(channel_id=CHANNEL, document=pb.Document(content=document(n))), timeout=30
        )
        acked = time.perf_counter()
        deadline = acked + 60
        # Polling at 1 ms keeps the watchers free of bookkeeping; it adds at most 1 ms.
        while len(arrivals.get(reply.revision, [])) < args.watchers and time.perf_counter() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.001)
        got = arrivals.get(reply.revision, [])
        if len(got) < args.watchers:
            print(f"change {reply.revision}: only {len(got)} of {args.watchers} watchers got it within 60 s")
            return 1
        last = max(got)
        from_send.append(last - sent)
        from_ack.append(last - acked)
        await asyncio.sleep(args.pause)
    rss = max(rss, sum(s.rss_bytes() for s in servers))
    stop.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for ch in channels:
        await ch.close()
    first = min(min(s) for s in seen_by if s)
    bad = [i for i, s in enumerate(seen_by) if s != list(range(first, first + len(s))) or len(s) != args.changes]
    ms = 1000
    print(
        f"\nreplicas {len(servers)}  store {args.store or 'sqlite'}  watchers {args.watchers}  changes {args.changes}\n"
        f"commit -> all watchers (from sending the Import): median {statistics.median(from_send) * ms:.1f} ms, "
        f"p99 {percentile(from_send, 99) * ms:.1f} ms, max {max(from_send) * ms:.1f} ms\n"
        f"acknowledged -> all watchers:                      median {statistics.median(from_ack) * ms:.1f} ms, "
        f"p99 {percentile(from_ack, 99) * ms:.1f} ms\n"
        f"server memory with the streams open (all replicas and workers): {rss / 2**20:.0f} MiB\n"
        f"watchers that missed, doubled or reordered a change: {len(bad)}"
    )
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--watchers", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--connections", type=int, default=10, help="connections per replica")
    parser.add_argument("--store", default="", help="postgresql:// URL (required for --replicas > 1)")
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between changes")
    args = parser.parse_args()
    if args.replicas > 1 and not args.store.startswith("postgresql://"):
        parser.error("several replicas need a shared PostgreSQL store: --store postgresql://...")
    with tempfile.TemporaryDirectory() as tmp:
        extra = ("--store", args.store) if args.store else ()
        servers = [launch(Path(tmp) / f"r{i}", "--workers", "1", *extra) for i in range(args.replicas)]
        try:
            return asyncio.run(run(args, servers))
        finally:
            for s in servers:
                s.terminate()


if __name__ == "__main__":
    sys.exit(main())
