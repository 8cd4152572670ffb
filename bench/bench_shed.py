"""Refusals cost what a health Check costs: a burst of pool-bound calls against a
full pool, side by side with the same burst of health Checks, in one run.

    .venv/bin/python bench/bench_shed.py              # 5,000 calls each
    .venv/bin/python bench/bench_shed.py --calls 1000 # quicker
    .venv/bin/python bench/bench_shed.py --workers 2  # as the issue saw it

One server (``--workers 1 --queue-capacity 2`` by default, a fresh SQLite
store); the workers are held busy and the queue filled by Validates of
950,000 events (seconds each, sent as bytes serialized once), long enough
for the workers to stay busy through every burst, so all are measured on the
same machine load (the output says whether they did). Then, over the same
connections, four bursts in the order A B B A (whichever burst comes second
costs more, so each kind comes first once and last once):

- A: ``calls`` Validates of a 27 KB request (past ``--inline-max-bytes``, so
  pool-bound) at once: the time of each to its RESOURCE_EXHAUSTED;
- B: ``calls`` health Checks at once: the time of each to its answer.

Each time is taken when the call's answer arrives, before this process looks
inside it: the retry hints of the refusals are read after the bursts, as a
Check's answer is not looked into either. Only RESOURCE_EXHAUSTED answers are
timed: a call that arrives just as a held job ends finds a free slot and is
queued (OK, seconds later); the codes line counts them.

The verdicts: p99 of the refusals (both bursts) <= 1.5 x p99 of the health
Checks (both bursts); and the retry hint within a factor of 3 of how long the
caller actually had to wait for room: for each refusal, from its answer to
the next end of a held job (when a queued job goes to a worker and the queue
has a free slot). The median of the refusals' hint / wait ratios is compared.
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
#: A Validate of the burst: when it was answered, its time, its error (None: OK).
Answer = tuple[float, float, grpc.aio.AioRpcError | None]
#: Jobs waiting in the queue; the held jobs are one per worker plus these.
QUEUE = 2
#: Events of a held Validate: about 3.5 s of a worker each, 28 MB on the wire
#: (a document may hold 1,000,000).
HOLD_EVENTS = 950_000


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


async def run(calls: int, workers: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-shed-") as tmp:
        args = ("--workers", str(workers), "--queue-capacity", str(QUEUE), "--max-concurrent-rpcs", str(4 * calls))
        with start_server(Path(tmp), *args, *EXTRA) as srv:
            opened = [open_channel(srv.address) for _ in range(CONNECTIONS)]
            health = [health_pb2_grpc.HealthStub(ch) for ch, _ in opened]
            stub = opened[0][1]
            raw_validates = [
                ch.unary_unary(f"{SERVICE}/Validate", request_serializer=None, response_deserializer=None)
                for ch, _ in opened
            ]
            try:
                # Hold every worker and fill the queue, for longer than both bursts take.
                held = validate_request(HOLD_EVENTS).SerializeToString()
                hold_ends: list[float] = []
                hold = [
                    asyncio.ensure_future(raw_validates[i % CONNECTIONS](held, timeout=600))
                    for i in range(workers + QUEUE)
                ]
                for call in hold:
                    call.add_done_callback(lambda _: hold_ends.append(time.perf_counter()))
                await wait_for_stats(
                    stub, lambda s: s.pool.busy == workers and s.pool.queued == QUEUE, what="a full pool"
                )

                async def check(i: int) -> float:
                    started = time.perf_counter()
                    await health[i % CONNECTIONS].Check(health_pb2.HealthCheckRequest(), timeout=120)
                    return time.perf_counter() - started

                # About 27 KB: past --inline-max-bytes, pool-bound. Serialized once,
                # as ghz sends its binary data: the client's own serializing is not
                # the server's cost.
                request = validate_request(EVENTS).SerializeToString()

                async def shed(i: int) -> Answer:
                    started = time.perf_counter()
                    error: grpc.aio.AioRpcError | None = None
                    try:
                        await raw_validates[i % CONNECTIONS](request, timeout=120)
                    except grpc.aio.AioRpcError as err:
                        error = err
                    answered = time.perf_counter()
                    return answered, answered - started, error

                # Warm both paths (connections, handlers) outside the measure.
                await asyncio.gather(*(check(i) for i in range(CONNECTIONS)), *(shed(i) for i in range(CONNECTIONS)))
                # A B B A: a burst costs more when it comes second (the first
                # one's garbage, memory), so each kind comes first once and last once.
                shed_bursts: list[list[Answer]] = []
                check_bursts: list[list[float]] = []
                for kind in ("refusals", "checks", "checks", "refusals"):
                    if kind == "refusals":
                        shed_bursts.append(await asyncio.gather(*(shed(i) for i in range(calls))))
                    else:
                        check_bursts.append(await asyncio.gather(*(check(i) for i in range(calls))))
                failed = [r for r in await asyncio.gather(*hold, return_exceptions=True) if isinstance(r, Exception)]
                if failed:
                    raise SystemExit(f"a held Validate failed, so the pool was not held: {failed[0]!r}")
                stats = await stats_of(stub)
            finally:
                for ch, _ in opened:
                    await ch.close()
    codes: dict[str, int] = {}
    ratios: list[float] = []
    hints: list[float] = []
    waits: list[float] = []
    # Only refusals are timed: a call that arrived just as a held job ended
    # found a free slot and was queued (OK, seconds later).
    refused: list[list[float]] = [[], []]
    for burst, answers in zip(refused, shed_bursts, strict=True):
        for answered, seconds, error in answers:
            code = "OK" if error is None else error.code().name
            codes[code] = codes.get(code, 0) + 1
            if code != "RESOURCE_EXHAUSTED" or error is None:
                continue
            burst.append(seconds)
            hint = _retry_hint(error)
            freed = [end for end in hold_ends if end > answered]
            if hint is not None and freed:
                hints.append(hint)
                waits.append(min(freed) - answered)
                ratios.append(hint / waits[-1])
    # A worker idles only once the queue is empty: while no more held jobs than
    # the queue holds have ended, every worker was busy.
    last_refusal = max(answered for answered, _, error in shed_bursts[-1] if error is not None)
    busy_throughout = sum(end <= last_refusal for end in hold_ends) <= QUEUE
    refusals = refused[0] + refused[1]
    checks = check_bursts[0] + check_bursts[1]
    p99_check, p99_shed = _pct(checks, 99), _pct(refusals, 99)
    ratio = statistics.median(ratios) if ratios else 0.0
    return {
        "calls": calls,
        "workers": workers,
        "health Check p50 / p99 (ms)": (round(_pct(checks, 50) * 1e3, 1), round(p99_check * 1e3, 1)),
        "refusal p50 / p99 (ms)": (round(_pct(refusals, 50) * 1e3, 1), round(p99_shed * 1e3, 1)),
        "refusal p99 / Check p99": round(p99_shed / p99_check, 2),
        "p99 of each burst, in order (ms)": (
            round(_pct(refused[0], 99) * 1e3, 1),
            *(round(_pct(burst, 99) * 1e3, 1) for burst in check_bursts),
            round(_pct(refused[1], 99) * 1e3, 1),
        ),
        "codes": codes,
        "workers busy through every burst": busy_throughout,
        "retry hint median (s)": round(statistics.median(hints), 3) if hints else None,
        "wait for room median (s)": round(statistics.median(waits), 3) if waits else None,
        "hint / wait median": round(ratio, 2),
        "server rejected": stats.pool.rejected,
        "verdict: refusals cost what a Check costs (<= 1.5x)": "PASS" if p99_shed <= 1.5 * p99_check else "FAIL",
        "verdict: hint within 3x of the wait for room": "PASS" if 1 / 3 <= ratio <= 3 else "FAIL",
    }


async def drill_refusal_burst(
    tmp: Path, *, calls: int = 5000, workers: int = 1, strict: bool = False
) -> dict[str, Any]:
    """The burst as a drill for bench/drills.py: every answer a refusal (but the
    few that found a freed slot), on the same load as the Checks; strict, the
    verdicts too. (``tmp`` unused: the bench makes its own.)"""
    figures = await run(calls, workers)
    codes: dict[str, int] = figures["codes"]
    assert set(codes) <= {"RESOURCE_EXHAUSTED", "OK"}, figures
    assert codes.get("OK", 0) <= workers + QUEUE, figures
    assert figures["workers busy through every burst"], figures
    if strict:
        failed = [k for k, v in figures.items() if k.startswith("verdict") and v != "PASS"]
        assert not failed, f"{failed[0]}: {figures}"
    return figures


#: Drills for bench/drills.py: (drill, CI scale, long scale).
DRILLS = {
    "5,000-call burst: refusals vs health Checks": (
        drill_refusal_burst,
        {"calls": 1000},
        {"calls": 5000, "strict": True},
    ),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=1)
    options = parser.parse_args()
    figures = asyncio.run(run(options.calls, options.workers))
    for key, value in figures.items():
        print(f"{key}: {value}")
    return 0 if all(v == "PASS" for k, v in figures.items() if k.startswith("verdict")) else 1


if __name__ == "__main__":
    sys.exit(main())
