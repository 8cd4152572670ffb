"""The server as operators and load balancers see it: health, reflection,
load shedding, deadlines, crashed workers and draining on SIGTERM.

Each test that disturbs a server starts its own on a loopback port.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import descriptor_pb2
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb
from scheduleflow.v1 import service_pb2_grpc
from tests.serverproc import ServerProcess, start_server

REPO = Path(__file__).resolve().parents[2]


def big_validate(n: int, *, seed: int = 0) -> spb.ValidateRequest:
    """A Validate of n back-to-back events: large enough to go to the pool and take a while.

    97 assets in rotation return every 97 minutes, inside the 2-hour cooldown:
    every repeat is a finding, so the Python path does the work (the compiled
    fast path answers only clean schedules, and in a fraction of the time).
    """
    return spb.ValidateRequest(
        events=spb.EventList(
            events=[
                pb.Event(
                    id=f"e{seed}-{i}",
                    start_time={"seconds": 1_760_000_000 + 60 * i},
                    duration={"seconds": 60},
                    asset_id=f"a{i % 97}",
                )
                for i in range(n)
            ]
        ),
        rules=pb.ValidationRules(asset_cooldown={"seconds": 7200}),
    )


@pytest.fixture
async def lone_server(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[ServerProcess]:
    args = getattr(request, "param", ())
    with start_server(tmp_path, *args) as server:
        yield server


async def stub_for(server: ServerProcess) -> tuple[grpc.aio.Channel, service_pb2_grpc.ScheduleFlowServiceStub]:
    channel = grpc.aio.insecure_channel(
        server.address,
        options=[("grpc.max_receive_message_length", 80 << 20), ("grpc.max_send_message_length", 80 << 20)],
    )
    return channel, service_pb2_grpc.ScheduleFlowServiceStub(channel)


def details_of(err: grpc.aio.AioRpcError) -> list[object]:
    status = rpc_status.from_call(err)  # type: ignore[arg-type]
    assert status is not None, f"no rich status details on {err.code()}: {err.details()}"
    out: list[object] = []
    for any_detail in status.details:
        for cls in (error_details_pb2.BadRequest, error_details_pb2.RetryInfo, error_details_pb2.ErrorInfo):
            if any_detail.Is(cls.DESCRIPTOR):
                msg = cls()
                any_detail.Unpack(msg)
                out.append(msg)
    return out


# Health and reflection only read: they share the session's server (tests/integration/conftest.py).
async def test_health_is_serving_for_the_server_and_the_service(server: ServerProcess) -> None:
    async with grpc.aio.insecure_channel(server.address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", "scheduleflow.v1.ScheduleFlowService"):
            reply = await health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.aio.AioRpcError) as unknown:
            await health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
        assert unknown.value.code() == grpc.StatusCode.NOT_FOUND


async def _reflect(
    channel: grpc.aio.Channel, request: reflection_pb2.ServerReflectionRequest
) -> reflection_pb2.ServerReflectionResponse:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    call = stub.ServerReflectionInfo(iter([request]), timeout=5)
    async for reply in call:
        return reply
    raise AssertionError("no reflection reply")


@pytest.mark.parametrize(
    "symbol",
    [
        "scheduleflow.v1.ScheduleFlowService.Validate",  # what ghz asks for
        "scheduleflow.v1.ScheduleFlowService.WatchSchedule",
        "scheduleflow.v1.ScheduleFlowService",
        "scheduleflow.v1.ValidateRequest",
        "scheduleflow.v1.Event",
        "scheduleflow.v1.FindingCode.FINDING_CODE_OVERLAP",
    ],
)
async def test_reflection_resolves_methods_services_messages_and_enum_values(
    server: ServerProcess, symbol: str
) -> None:
    async with grpc.aio.insecure_channel(server.address) as channel:
        reply = await _reflect(channel, reflection_pb2.ServerReflectionRequest(file_containing_symbol=symbol))
    assert reply.WhichOneof("message_response") == "file_descriptor_response", reply
    files = [
        descriptor_pb2.FileDescriptorProto.FromString(raw)
        for raw in reply.file_descriptor_response.file_descriptor_proto
    ]
    names = {f.name for f in files}
    # The file and its imports come back, so a client can build the method's types.
    assert "scheduleflow/v1/schedule.proto" in names
    if "Service" in symbol or "Request" in symbol:
        service_file = next(f for f in files if f.name == "scheduleflow/v1/service.proto")
        assert "Validate" in {m.name for s in service_file.service for m in s.method}


async def test_reflection_lists_services_under_v1alpha_and_v1(server: ServerProcess) -> None:
    async with grpc.aio.insecure_channel(server.address) as channel:
        reply = await _reflect(channel, reflection_pb2.ServerReflectionRequest(list_services=""))
        listed = {s.name for s in reply.list_services_response.service}
        assert {"scheduleflow.v1.ScheduleFlowService", "grpc.health.v1.Health"} <= listed
        # grpc.reflection.v1 carries the same messages; newer grpcurl/ghz ask it first.
        v1 = channel.stream_stream(
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
        )
        call = v1(
            iter(
                [
                    reflection_pb2.ServerReflectionRequest(
                        file_containing_symbol="scheduleflow.v1.ScheduleFlowService.Export"
                    )
                ]
            ),
            timeout=5,
        )
        replies = [r async for r in call]
    assert replies[0].WhichOneof("message_response") == "file_descriptor_response"


def test_protos_compile_alone_with_stock_protoc(tmp_path: Path) -> None:
    """ghz --proto and other languages' generators read the .proto files with only the well-known types."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{REPO / 'protos'}",
            f"--descriptor_set_out={tmp_path / 'set.pb'}",
            "--include_imports",
            "scheduleflow/v1/service.proto",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    files = descriptor_pb2.FileDescriptorSet.FromString((tmp_path / "set.pb").read_bytes()).file
    imported = {f.name for f in files} - {"scheduleflow/v1/service.proto", "scheduleflow/v1/schedule.proto"}
    assert all(name.startswith("google/protobuf/") for name in imported), imported


@pytest.mark.parametrize(
    "lone_server", [("--workers", "1", "--queue-capacity", "1", "--inline-max-bytes", "0")], indirect=True
)
async def test_a_full_queue_sheds_calls_with_resource_exhausted_and_a_retry_hint(lone_server: ServerProcess) -> None:
    channel, stub = await stub_for(lone_server)
    async with channel:
        requests = [big_validate(60_000, seed=i) for i in range(6)]
        results = await asyncio.gather(*(stub.Validate(r, timeout=120) for r in requests), return_exceptions=True)
        stats = await stub.GetStats(spb.GetStatsRequest(), timeout=5)
    rejected = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    served = [r for r in results if isinstance(r, spb.ValidateResponse)]
    assert len(served) + len(rejected) == len(requests)
    # One running and one waiting fit; the rest arrive while both are taken.
    assert served
    assert len(rejected) >= 2, [err.code() for err in rejected]
    for err in rejected:
        assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        hints = [d for d in details_of(err) if isinstance(d, error_details_pb2.RetryInfo)]
        assert hints and hints[0].retry_delay.ToTimedelta().total_seconds() > 0
    assert stats.pool.rejected == len(rejected)
    assert all(r.summary.event_count == 60_000 for r in served)


@pytest.mark.slow  # a drill: hundreds of thousands of events to hold a worker busy
@pytest.mark.parametrize("lone_server", [("--workers", "1", "--inline-max-bytes", "0")], indirect=True)
async def test_a_call_whose_deadline_passes_in_the_queue_is_never_started(lone_server: ServerProcess) -> None:
    channel, stub = await stub_for(lone_server)
    async with channel:
        hog = asyncio.ensure_future(stub.Validate(big_validate(600_000), timeout=120))
        await _until_the_worker_is_busy(stub)  # the hog is on the only worker, for a second or more
        with pytest.raises(grpc.aio.AioRpcError) as late:
            await stub.Validate(big_validate(2_000, seed=1), timeout=0.3)
        assert late.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        await hog
        # The expired job is dropped when the worker frees up, not run.
        for _ in range(50):
            stats = await stub.GetStats(spb.GetStatsRequest(), timeout=5)
            if stats.pool.dropped:
                break
            await asyncio.sleep(0.1)
    assert stats.pool.dropped == 1
    assert stats.pool.completed == 1


@pytest.mark.slow  # a drill: hundreds of thousands of events to hold a worker busy
@pytest.mark.parametrize("lone_server", [("--workers", "1", "--inline-max-bytes", "0")], indirect=True)
async def test_a_killed_worker_fails_only_its_call_retryably_and_is_replaced(lone_server: ServerProcess) -> None:
    channel, stub = await stub_for(lone_server)
    async with channel:
        before = await stub.GetStats(spb.GetStatsRequest(), timeout=5)
        (victim,) = before.pool.worker_pids
        doomed = asyncio.ensure_future(stub.Validate(big_validate(600_000), timeout=120))
        await _until_the_worker_is_busy(stub)  # validating 600k events takes it a second or more
        os.kill(victim, signal.SIGKILL)
        with pytest.raises(grpc.aio.AioRpcError) as crashed:
            await doomed
        assert crashed.value.code() == grpc.StatusCode.UNAVAILABLE
        assert any(isinstance(d, error_details_pb2.RetryInfo) for d in details_of(crashed.value))
        after_reply = await stub.Validate(big_validate(1_000), timeout=60)
        after = await stub.GetStats(spb.GetStatsRequest(), timeout=5)
    assert after_reply.summary.event_count == 1_000
    assert after.pool.worker_restarts == 1
    assert victim not in after.pool.worker_pids and len(after.pool.worker_pids) == 1
    health = await _check_health(lone_server.address)
    assert health == health_pb2.HealthCheckResponse.SERVING


async def _until_the_worker_is_busy(stub: service_pb2_grpc.ScheduleFlowServiceStub) -> None:
    """Wait for the pool's state, not for a guess of how long a job takes to arrive."""
    for _ in range(1000):
        if (await stub.GetStats(spb.GetStatsRequest(), timeout=5)).pool.busy:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the job never reached the worker")


async def _check_health(address: str) -> int:
    async with grpc.aio.insecure_channel(address) as channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        return int(reply.status)


@pytest.mark.slow  # a drill: hundreds of thousands of events to hold a worker busy
async def test_sigterm_drains_in_flight_calls_refuses_new_ones_and_exits_cleanly(tmp_path: Path) -> None:
    with start_server(tmp_path, "--workers", "1", "--inline-max-bytes", "0", "--grace-s", "20") as server:
        channel, stub = await stub_for(server)
        async with channel:
            health = health_pb2_grpc.HealthStub(channel)
            watch = health.Watch(health_pb2.HealthCheckRequest(service=""))
            first = await watch.read()
            assert first.status == health_pb2.HealthCheckResponse.SERVING
            in_flight = asyncio.ensure_future(stub.Validate(big_validate(200_000), timeout=120))
            await _until_the_worker_is_busy(stub)  # in flight for certain when SIGTERM comes
            server.process.send_signal(signal.SIGTERM)
            change = await asyncio.wait_for(watch.read(), 10)
            assert change.status == health_pb2.HealthCheckResponse.NOT_SERVING
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.Validate(big_validate(10), timeout=5)
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
            finished = await in_flight
            assert finished.summary.event_count == 200_000
            watch.cancel()
        assert server.process.wait(30) == 0
        assert "draining" in server.log()
