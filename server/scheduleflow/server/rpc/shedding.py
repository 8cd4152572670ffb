"""Shedding at the door: a call that would be refused is refused before its request is read.

The rules:

1. While the pool is saturated (every worker busy and the queue full), a call
   to an RPC that does CPU work (Validate, Import, Export, Schedule) is
   refused with RESOURCE_EXHAUSTED and a ``RetryInfo`` of when the first
   running job is expected to end (``WorkerPool.retry_hint``). Reads, stats,
   health and streams are never shed here.
2. The refusal is decided where gRPC looks up the call's handler, as the
   first generic handler (after the interceptors: the drain's gate, then
   authentication): shedding adds no interceptor to every call of the
   server, a health Check included. The handler it returns is request-streaming and
   aborts at once, so gRPC never reads, parses or buffers for us a request
   it is about to turn away; the wire does not know the difference.
3. A refusal does no per-call work beyond counting it: its status (message,
   ``google.rpc`` details, trailing metadata) and its handler are built once
   per retry hint, in steps of ``HINT_STEP_S``, and reused.

Why: a refusal used to cost what the call's request costs to receive and
parse: a burst of 5,000 pool-bound Validates (27 KB each) against a full pool
took 2.3x the time of as many health Checks to be told RESOURCE_EXHAUSTED
(bench/bench_shed.py). The interceptor that came next still ran for every
call and built each refusal's status anew: 190-235 µs of the event loop per
refusal against 108-132 µs per Check; here, 134-150 µs.

Before its request is read, a call's size is unknown, so a small Validate
that would have run inline on the event loop is refused too while the pool
is saturated. That is the point of shedding: the server is past its capacity
for work, and the retry hint brings the caller back when there is room.
"""

from __future__ import annotations

import math
from typing import Any

import grpc

from scheduleflow.server.dispatch.pool import WorkerPool
from scheduleflow.server.observe.stats import Stats
from scheduleflow.server.rpc.status import to_status

#: The RPCs whose work goes to the pool (or, when small, runs inline).
WORK_METHODS = frozenset(
    f"/scheduleflow.v1.ScheduleFlowService/{name}" for name in ("Validate", "Import", "Export", "Schedule")
)

#: Retry hints are rounded up to this step: at most (5 s - 50 ms) / 10 ms
#: prebuilt refusals, and the hint the caller reads is the one the message states.
HINT_STEP_S = 0.01

_REFUSED = "RESOURCE_EXHAUSTED"


class Shedder(grpc.GenericRpcHandler):  # type: ignore[misc]
    """Answers work calls with a prebuilt refusal while the pool is saturated (see the module).

    Registered before the service's own handler: for every other call, or
    while the pool has room, ``service`` returns None and gRPC asks the next
    handler.
    """

    def __init__(self, pool: WorkerPool, stats: Stats) -> None:
        self.pool = pool
        self.stats = stats
        #: One refusing handler per retry hint, in steps of HINT_STEP_S.
        self.refusals: dict[int, grpc.RpcMethodHandler] = {}

    def service(self, handler_call_details: Any) -> grpc.RpcMethodHandler | None:
        method: str = handler_call_details.method
        if method not in WORK_METHODS or not self.pool.saturated:
            return None
        self.pool.rejected += 1
        # Nothing ran, so there is no time to speak of: a refusal's latency is 0.
        self.stats.record(method, _REFUSED, 0.0)
        steps = math.ceil(self.pool.retry_hint() / HINT_STEP_S - 1e-9)
        handler = self.refusals.get(steps)
        if handler is None:
            handler = self.refusals[steps] = _refusing(to_status(self.pool.overloaded(steps * HINT_STEP_S)))
        return handler


def _refusing(status: grpc.Status) -> grpc.RpcMethodHandler:
    """A request-streaming handler that never reads its request and ends the call with ``status``."""
    code, details, trailing = status.code, status.details, tuple(status.trailing_metadata)

    async def refuse(requests: Any, context: grpc.aio.ServicerContext) -> None:
        await context.abort(code, details, trailing)

    return grpc.stream_unary_rpc_method_handler(refuse)
