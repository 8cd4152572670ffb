"""Refusals cost what a health Check costs: a burst of pool-bound calls against a
full pool, side by side with the same burst of health Checks, in one run.

    .venv/bin/python bench/bench_shed.py              # 5,000 calls each
    .venv/bin/python bench/bench_shed.py --calls 1000 # quicker

One server (``--workers 1 --queue-capacity 2``, a fresh SQLite store); the
worker is held busy and the queue filled by slow Validates, so every call of
the burst is shed. Then, over the same connections:

1. ``calls`` Validates of a 20 KB request (past ``--inline-max-bytes``, so
   pool-bound) at once: the time of each to its RESOURCE_EXHAUSTED, and the
   retry hints they carry;
2. ``calls`` health Checks at once: the time of each to its answer.

The verdict: p99 of the refusals <= 1.5 x p99 of the health Checks, and the
retry hint within a factor of 3 of how long the queue ahead actually took to
drain (measured after the burst).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import grpc
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.integration.test_fault_drills import open_channel, stats_of, validate_request, wait_for_stats  # noqa: E402
from tests.serverproc import start_server  # noqa: E402

CONNECTIONS = 8
SERVICE = "/scheduleflow.v1.ScheduleFlowService"
EXTRA: tuple[str, ...] = ()
EVENTS = 1000


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def _retry_hint(err: grpc.aio.AioRpcError) -> float | None:
    status = rpc_status.from_call(err)  # type: ignore[arg-type]
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            detail.Unpack(info)
            return info.retry_delay.seconds + info.retry_delay.nanos / 1e9
    return None


async def run(calls: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-shed-") as tmp:
        args = ("--workers", "1", "--queue-capacity", "2", "--max-concurrent-rpcs", str(4 * calls), *EXTRA)
        with start_server(Path(tmp), *args) as srv:
            opened = [open_channel(srv.address) for _ in range(CONNECTIONS)]
            health = [health_pb2_grpc.HealthStub(ch) for ch, _ in opened]
            stub = opened[0][1]
            try:
                # Hold the worker and fill the queue: 3 Validates of 300k events, seconds each.
                hold = [
                    asyncio.ensure_future(stub.Validate(validate_request(300_000, seed=i), timeout=600))
                    for i in range(3)
                ]
                await wait_for_stats(stub, lambda s: s.pool.busy == 1 and s.pool.queued == 2, what="a full pool")

                async def check(i: int) -> float:
                    started = time.perf_counter()
                    await health[i % CONNECTIONS].Check(health_pb2.HealthCheckRequest(), timeout=120)
                    return time.perf_counter() - started

                # About 27 KB: past --inline-max-bytes, pool-bound. Serialized once,
                # as ghz sends its binary data: the client's own serializing is not
                # the server's cost.
                request = validate_request(EVENTS).SerializeToString()
                raw_validates = [
                    ch.unary_unary(f"{SERVICE}/Validate", request_serializer=None, response_deserializer=None)
                    for ch, _ in opened
                ]
                hints: list[float] = []
                codes: dict[str, int] = {}

                async def shed(i: int) -> float:
                    started = time.perf_counter()
                    try:
                        await raw_validates[i % CONNECTIONS](request, timeout=120)
                        code = "OK"
                    except grpc.aio.AioRpcError as err:
                        code = err.code().name
                        if code == "CANCELLED" and not codes.get(code):
                            print("CANCELLED:", err.details(), err.debug_error_string())
                        hint = _retry_hint(err)
                        if hint is not None:
                            hints.append(hint)
                    codes[code] = codes.get(code, 0) + 1
                    return time.perf_counter() - started

                # Warm both paths (connections, handlers) outside the measure.
                await asyncio.gather(*(check(i) for i in range(CONNECTIONS)), *(shed(i) for i in range(CONNECTIONS)))
                codes.clear()
                hints.clear()
                refusals = await asyncio.gather(*(shed(i) for i in range(calls)))
                queued_at = time.monotonic()
                await wait_for_stats(stub, lambda s: s.pool.queued < 2, timeout=600, what="a free queue slot")
                slot_s = time.monotonic() - queued_at
                checks = await asyncio.gather(*(check(i) for i in range(calls)))
                await asyncio.gather(*hold, return_exceptions=True)
                stats = await stats_of(stub)
            finally:
                for ch, _ in opened:
                    await ch.close()
    p99_check, p99_shed = _pct(checks, 99), _pct(refusals, 99)
    hint = statistics.median(hints) if hints else 0.0
    return {
        "calls": calls,
        "health Check p50 / p99 (ms)": (round(_pct(checks, 50) * 1e3, 1), round(p99_check * 1e3, 1)),
        "refusal p50 / p99 (ms)": (round(_pct(refusals, 50) * 1e3, 1), round(p99_shed * 1e3, 1)),
        "refusal p99 / Check p99": round(p99_shed / p99_check, 2),
        "codes": codes,
        "retry hint median (s)": round(hint, 3),
        "time until a queue slot freed (s)": round(slot_s, 3),
        "server rejected": stats.pool.rejected,
        "verdict: refusals cost what a Check costs (<= 1.5x)": "PASS" if p99_shed <= 1.5 * p99_check else "FAIL",
        "verdict: hint within 3x of the slot's wait": "PASS" if hint and slot_s / 3 <= hint <= 3 * slot_s else "FAIL",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=5000)
    figures = asyncio.run(run(parser.parse_args().calls))
    for key, value in figures.items():
        print(f"{key}: {value}")
    return 0 if all(v == "PASS" for k, v in figures.items() if k.startswith("verdict")) else 1


if __name__ == "__main__":
    sys.exit(main())
