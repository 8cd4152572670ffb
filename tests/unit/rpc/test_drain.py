"""The drain's gate and health servicer in memory: what is held, until when, and how Watch ends."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2

from scheduleflow.server.rpc.drain import DrainGate, DrainingHealth


class _Continuation:
    """Stands for the interceptors and handler after the gate: records who got through."""

    def __init__(self) -> None:
        self.through: list[str] = []

    async def __call__(self, details: str) -> str:
        self.through.append(details)
        return f"handler of {details}"


async def _settle_loop() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_the_gate_lets_calls_through_until_it_closes_then_holds_them_until_released() -> None:
    gate, after = DrainGate(), _Continuation()
    assert await gate.intercept_service(after, "before") == "handler of before"
    closing = asyncio.ensure_future(gate.close(settle_s=60, until=time.monotonic() + 60))
    await _settle_loop()
    held = [asyncio.ensure_future(gate.intercept_service(after, f"held {k}")) for k in range(3)]
    await _settle_loop()
    assert after.through == ["before"] and gate.held == 3
    gate.release()
    assert await asyncio.gather(*held) == [f"handler of held {k}" for k in range(3)]
    # Once released, nothing is held any more.
    assert await gate.intercept_service(after, "after") == "handler of after"
    assert gate.held == 3
    closing.cancel()


async def test_closing_ends_only_once_arrivals_stop() -> None:
    gate, after = DrainGate(), _Continuation()
    closing = asyncio.ensure_future(gate.close(settle_s=0.5, until=time.monotonic() + 60))
    held = []
    # Arrivals spread over more than the settling time: each one moves the end.
    for k in range(5):
        await asyncio.sleep(0.15)
        assert not closing.done()
        held.append(asyncio.ensure_future(gate.intercept_service(after, str(k))))
    await asyncio.wait_for(closing, 30)
    assert gate.held == 5 and after.through == []
    gate.release()
    await asyncio.gather(*held)


async def test_closing_ends_at_its_limit_while_calls_keep_coming() -> None:
    gate, after = DrainGate(), _Continuation()
    closing = asyncio.ensure_future(gate.close(settle_s=60, until=time.monotonic() + 0.05))
    held = []
    while not closing.done():  # a client that never pauses
        held.append(asyncio.ensure_future(gate.intercept_service(after, "again")))
        await asyncio.sleep(0.005)
    await closing
    gate.release()
    await asyncio.gather(*held)
    assert len(after.through) == len(held) == gate.held


class _WatchContext:
    """Stands for a server-streaming call's context: what Watch wrote and how it ended."""

    def __init__(self, fail_writes: bool = False) -> None:
        self.written: list[str] = []
        self.wrote = asyncio.Event()
        self.fail_writes = fail_writes

    async def write(self, reply: health_pb2.HealthCheckResponse) -> None:
        if self.fail_writes:
            raise ConnectionError("the client went away")
        self.written.append(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))
        self.wrote.set()

    async def abort(self, code: grpc.StatusCode, details: str) -> None:
        raise _Aborted(code, details)


class _Aborted(Exception):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(code, details)
        self.code = code


async def _next_write(context: _WatchContext) -> None:
    await asyncio.wait_for(context.wrote.wait(), 30)
    context.wrote.clear()


async def test_health_watch_says_not_serving_then_ends_unavailable_when_the_drain_stops_grpc() -> None:
    servicer = DrainingHealth()
    context = _WatchContext()
    watch = asyncio.ensure_future(servicer.Watch(health_pb2.HealthCheckRequest(service=""), context))
    await _next_write(context)
    await servicer.enter_graceful_shutdown()
    await _next_write(context)
    assert context.written == ["SERVING", "NOT_SERVING"] and not watch.done()
    servicer.end_watches()
    with pytest.raises(_Aborted) as ended:
        await asyncio.wait_for(watch, 30)
    assert ended.value.code == grpc.StatusCode.UNAVAILABLE


async def test_a_health_watch_that_fails_by_itself_keeps_its_own_error() -> None:
    servicer: Any = DrainingHealth()
    with pytest.raises(ConnectionError):
        await asyncio.wait_for(
            servicer.Watch(health_pb2.HealthCheckRequest(service=""), _WatchContext(fail_writes=True)), 30
        )
