"""Shedding at the door: a call that would be refused is refused before its request is read.

A refusal used to cost what the call's request costs to receive: a burst of
5,000 pool-bound Validates (27 KB each) against a full pool took 2.3x the
time of as many health Checks to be told RESOURCE_EXHAUSTED, and the same
burst of 100-byte requests 1.1x (bench/bench_shed.py). So this interceptor,
run when a call arrives, before gRPC reads its message, refuses every call to
an RPC that does CPU work (Validate, Import, Export, Schedule) while the
pool is saturated: every worker busy and the queue full. The refusal is
request-streaming, like the authentication refusals: sent before the request
is received, and the wire does not know the difference.

Before its request is read, a call's size is unknown, so a small Validate
that would have run inline on the event loop is refused too while the pool
is saturated. That is the point of shedding: the server is past its capacity
for work, and the retry hint (when the first running job is expected to end)
brings the caller back when there is room. Reads, stats, health and streams
are never shed here.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from scheduleflow.server.dispatch.pool import WorkerPool
from scheduleflow.server.observe.stats import Stats
from scheduleflow.server.rpc.status import to_status

#: The RPCs whose work goes to the pool (or, when small, runs inline).
WORK_METHODS = frozenset(
    f"/scheduleflow.v1.ScheduleFlowService/{name}" for name in ("Validate", "Import", "Export", "Schedule")
)


class ShedInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Refuses work calls with RESOURCE_EXHAUSTED while the pool is saturated (see the module)."""

    def __init__(self, pool: WorkerPool, stats: Stats) -> None:
        self.pool = pool
        self.stats = stats

    async def intercept_service(self, continuation: Callable[[Any], Awaitable[Any]], handler_call_details: Any) -> Any:
        method: str = handler_call_details.method
        if method not in WORK_METHODS or not self.pool.saturated:
            return await continuation(handler_call_details)
        started = time.perf_counter()
        status = to_status(self.pool.refusal())

        async def refuse(requests: Any, context: grpc.aio.ServicerContext) -> None:
            self.stats.record(method, status.code.name, time.perf_counter() - started)
            await context.abort_with_status(status)

        return grpc.stream_unary_rpc_method_handler(refuse)
