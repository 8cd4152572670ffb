"""Shedding at the door, on a real gRPC server in this process: a refused call
never reaches the service's handler or a deserializer, and its status is built
once per retry hint, not once per call (counted, not timed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest

from scheduleflow.client.errors import ScheduleFlowError
from scheduleflow.server.core.errors import Overloaded
from scheduleflow.server.observe.stats import Stats
from scheduleflow.server.rpc.shedding import WORK_METHODS, Shedder

VALIDATE = "/scheduleflow.v1.ScheduleFlowService/Validate"
GET_STATS = "/scheduleflow.v1.ScheduleFlowService/GetStats"


@dataclass
class FakePool:
    """The part of WorkerPool the shedder reads: saturation, the hint, the count, the error."""

    saturated: bool = True
    hint: float = 0.25
    rejected: int = 0
    built: list[float] = field(default_factory=list)

    def retry_hint(self) -> float:
        return self.hint

    def overloaded(self, wait: float) -> Overloaded:
        self.built.append(wait)
        return Overloaded(f"the server is busy; retry in {wait:.2f} s", retry_after_s=wait)


class CountingService(grpc.GenericRpcHandler):  # type: ignore[misc]
    """Stands for the service: counts the requests it deserializes and the calls it serves."""

    def __init__(self) -> None:
        self.deserialized = 0
        self.served = 0

    def _deserialize(self, raw: bytes) -> bytes:
        self.deserialized += 1
        return raw

    async def _serve(self, request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        self.served += 1
        return b""

    def service(self, handler_call_details: Any) -> grpc.RpcMethodHandler | None:
        return grpc.unary_unary_rpc_method_handler(self._serve, request_deserializer=self._deserialize)


@pytest.fixture
async def served() -> AsyncIterator[tuple[FakePool, Stats, CountingService, grpc.aio.Channel]]:
    pool, stats, service = FakePool(), Stats(), CountingService()
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((Shedder(pool, stats), service))  # type: ignore[arg-type]
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield pool, stats, service, channel
    finally:
        await channel.close()
        await server.stop(None)


async def _call(channel: grpc.aio.Channel, method: str, body: bytes) -> grpc.aio.AioRpcError | None:
    try:
        await channel.unary_unary(method)(body, timeout=10)
    except grpc.aio.AioRpcError as err:
        return err
    return None


def _retry_delay(err: grpc.aio.AioRpcError) -> float:
    retry_after = ScheduleFlowError.from_rpc_error(err).retry_after
    assert retry_after is not None, f"no RetryInfo in {err}"
    return retry_after


async def test_a_refused_call_never_reaches_the_service_or_a_deserializer(served: Any) -> None:
    pool, stats, service, channel = served
    body = b"\x0a" + b"x" * 20_000  # read, it would be a (bad) request of 20 KB
    for _ in range(20):
        err = await _call(channel, VALIDATE, body)
        assert err is not None and err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert (service.deserialized, service.served) == (0, 0)
    assert pool.rejected == 20
    assert stats.methods[VALIDATE].codes["RESOURCE_EXHAUSTED"] == 20
    # The same calls pass once the pool has room: the counters above can move.
    pool.saturated = False
    assert await _call(channel, VALIDATE, body) is None
    assert (service.deserialized, service.served) == (1, 1)
    assert pool.rejected == 20


async def test_only_work_calls_are_shed(served: Any) -> None:
    pool, _, service, channel = served
    assert GET_STATS not in WORK_METHODS
    assert await _call(channel, GET_STATS, b"") is None
    assert (service.served, pool.rejected) == (1, 0)


async def test_a_refusal_is_built_once_per_hint_step_and_carries_that_hint(served: Any) -> None:
    pool, _, _, channel = served
    hints = [0.25, 0.25, 0.2501, 0.31, 0.25, 0.31]
    delays = []
    for hint in hints:
        pool.hint = hint
        err = await _call(channel, VALIDATE, b"")
        assert err is not None
        delays.append(_retry_delay(err))
        assert f"retry in {delays[-1]:.2f} s" in (err.details() or "")
    # Rounded up to the step, never below what the pool said.
    assert delays == pytest.approx([0.25, 0.25, 0.26, 0.31, 0.25, 0.31])
    assert all(d >= h for d, h in zip(delays, hints, strict=True))
    assert pool.built == pytest.approx([0.25, 0.26, 0.31])
