"""The client retries an idempotent call that got UNAVAILABLE, with backoff, within its deadline; nothing else."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from scheduleflow.client import AsyncClient, Client, ScheduleFlowError
from scheduleflow.client._resume import retry_delay


class _Failure(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode) -> None:
        self._code = code

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return f"failed with {self._code.name}"

    def trailing_metadata(self) -> tuple[()]:
        return ()


class _Rpc:
    """Fails with ``codes`` in turn, then answers "ok"; records each attempt's timeout."""

    def __init__(self, *codes: grpc.StatusCode) -> None:
        self.codes = list(codes)
        self.timeouts: list[float] = []

    def answer(self, timeout: float) -> str:
        self.timeouts.append(timeout)
        if self.codes:
            raise _Failure(self.codes.pop(0))
        return "ok"


class _AsyncRpc(_Rpc):
    async def __call__(self, request: Any, *, timeout: float, metadata: Any) -> str:
        return self.answer(timeout)


class _SyncRpc(_Rpc):
    def __call__(self, request: Any, *, timeout: float, metadata: Any) -> str:
        return self.answer(timeout)


UNAVAILABLE = grpc.StatusCode.UNAVAILABLE


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    # The backoff is tested on its own below; here it only must not make the tests wait.
    monkeypatch.setattr("scheduleflow.client._async.retry_delay", lambda attempt, hint: 0.001)
    monkeypatch.setattr("scheduleflow.client._sync.retry_delay", lambda attempt, hint: 0.001)


async def test_an_idempotent_call_is_retried_on_unavailable_until_it_succeeds() -> None:
    async with AsyncClient("127.0.0.1:1", timeout=30) as client:
        rpc = _AsyncRpc(UNAVAILABLE, UNAVAILABLE)
        assert await client._unary(rpc, None, None, idempotent=True) == "ok"  # type: ignore[arg-type]
        assert len(rpc.timeouts) == 3
        assert rpc.timeouts == sorted(rpc.timeouts, reverse=True)  # one deadline for all the attempts


async def test_a_call_that_may_have_written_is_not_retried() -> None:
    async with AsyncClient("127.0.0.1:1", timeout=30) as client:
        rpc = _AsyncRpc(UNAVAILABLE)
        with pytest.raises(ScheduleFlowError) as caught:
            await client._unary(rpc, None, None)  # type: ignore[arg-type]
        assert caught.value.code == UNAVAILABLE
        assert len(rpc.timeouts) == 1


@pytest.mark.parametrize(
    "code", [grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.CANCELLED, grpc.StatusCode.INTERNAL]
)
async def test_other_failures_are_not_retried(code: grpc.StatusCode) -> None:
    async with AsyncClient("127.0.0.1:1", timeout=30) as client:
        rpc = _AsyncRpc(code)
        with pytest.raises(ScheduleFlowError):
            await client._unary(rpc, None, None, idempotent=True)  # type: ignore[arg-type]
        assert len(rpc.timeouts) == 1


async def test_retries_stop_at_the_limit() -> None:
    async with AsyncClient("127.0.0.1:1", timeout=30, retries=2) as client:
        rpc = _AsyncRpc(*[UNAVAILABLE] * 5)
        with pytest.raises(ScheduleFlowError):
            await client._unary(rpc, None, None, idempotent=True)  # type: ignore[arg-type]
        assert len(rpc.timeouts) == 3
    async with AsyncClient("127.0.0.1:1", timeout=30, retries=0) as client:
        rpc = _AsyncRpc(UNAVAILABLE)
        with pytest.raises(ScheduleFlowError):
            await client._unary(rpc, None, None, idempotent=True)  # type: ignore[arg-type]
        assert len(rpc.timeouts) == 1


def test_the_blocking_client_retries_the_same_way() -> None:
    with Client("127.0.0.1:1", timeout=30) as client:
        rpc = _SyncRpc(UNAVAILABLE)
        assert client._unary(rpc, None, None, idempotent=True) == "ok"  # type: ignore[arg-type]
        assert len(rpc.timeouts) == 2


def test_the_backoff_grows_with_jitter_and_honours_the_servers_hint() -> None:
    first = [retry_delay(1, None) for _ in range(200)]
    third = [retry_delay(3, None) for _ in range(200)]
    assert min(first) >= 0.05 and max(first) <= 0.1
    assert min(third) >= 0.2 and max(third) <= 0.4
    assert len(set(first)) > 100  # jittered
    assert retry_delay(1, 1.5) == 1.5
    assert max(retry_delay(20, None) for _ in range(50)) <= 2.0
