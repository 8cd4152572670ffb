"""WatchSchedule as a playout system uses it: a snapshot, then every change in
order; resume after a reconnect with nothing lost or doubled; heartbeats; a
slow consumer resynchronised; streams ended with UNAVAILABLE on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb
from scheduleflow.v1 import service_pb2_grpc
from tests.serverproc import ServerProcess, start_server

# One worker runs this module: its module-scoped server starts once (pytest-xdist --dist loadgroup).
pytestmark = pytest.mark.xdist_group("watch")

HOUR = 3600


def rfc(ts: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def doc(channel: str, events: list[tuple[str, int, int]], *, title: str = "") -> bytes:
    base = 1_763_769_600
    return json.dumps(
        {
            "scheduleflow": 1,
            "channel": {"id": channel, "time_zone": "UTC"},
            "events": [
                {"id": eid, "start": rfc(base + off), "duration": dur, "asset_id": f"a-{eid}", "title": title or eid}
                for eid, off, dur in events
            ],
        }
    ).encode()


async def read_to_the_end(call: grpc.aio.UnaryStreamCall) -> None:
    """Read until the stream fails (or ends: then fail the test)."""
    while (await asyncio.wait_for(call.read(), 10)) is not grpc.aio.EOF:
        pass
    raise AssertionError("the stream ended without a status")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ServerProcess]:
    with start_server(tmp_path_factory.mktemp("watch"), "--inline-max-bytes", "0") as running:
        yield running  # type: ignore[misc]


async def stub_for(
    address: str, *options: tuple[str, int]
) -> tuple[grpc.aio.Channel, service_pb2_grpc.ScheduleFlowServiceStub]:
    # Its own connection: streams on one connection share its flow-control window.
    channel = grpc.aio.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1), *options])
    return channel, service_pb2_grpc.ScheduleFlowServiceStub(channel)


async def import_doc(
    stub: service_pb2_grpc.ScheduleFlowServiceStub,
    channel: str,
    content: bytes,
    mode: int = spb.IMPORT_MODE_REPLACE_ALL,
) -> spb.ImportResponse:
    return await stub.Import(
        spb.ImportRequest(channel_id=channel, document=pb.Document(content=content), mode=mode), timeout=30
    )


async def next_update(
    call: grpc.aio.UnaryStreamCall, kind: str | None = None, timeout: float = 10
) -> spb.WatchScheduleResponse:
    while True:
        msg: spb.WatchScheduleResponse = await asyncio.wait_for(call.read(), timeout)
        assert msg is not grpc.aio.EOF
        if kind is None or msg.WhichOneof("update") == kind:
            return msg


async def test_a_watcher_gets_a_snapshot_then_every_change_in_revision_order(server: ServerProcess) -> None:
    channel, stub = await stub_for(server.address)
    async with channel:
        await import_doc(stub, "order.example", doc("order.example", [("a", 0, HOUR)]))
        call = stub.WatchSchedule(spb.WatchScheduleRequest(channel_ids=["order.example"]))
        snap = (await next_update(call, "snapshot")).snapshot
        assert (snap.revision, [e.id for e in snap.events], snap.resync, snap.last_chunk) == (1, ["a"], False, True)
        await import_doc(stub, "order.example", doc("order.example", [("a", 0, HOUR), ("b", HOUR, HOUR)]))
        await import_doc(stub, "order.example", doc("order.example", [("b", HOUR, HOUR)], title="renamed"))
        first = (await next_update(call, "change")).change
        second = (await next_update(call, "change")).change
        call.cancel()
    assert (first.revision, [e.id for e in first.added], list(first.removed_event_ids)) == (2, ["b"], [])
    assert (second.revision, [e.id for e in second.updated], list(second.removed_event_ids)) == (3, ["b"], ["a"])
    assert second.updated[0].title == "renamed"


async def test_resuming_from_a_revision_sends_exactly_the_missed_changes(server: ServerProcess) -> None:
    channel, stub = await stub_for(server.address)
    async with channel:
        for n in range(1, 6):
            await import_doc(
                stub, "resume.example", doc("resume.example", [(f"e{i}", i * HOUR, HOUR) for i in range(n)])
            )
        call = stub.WatchSchedule(
            spb.WatchScheduleRequest(channel_ids=["resume.example"], from_revisions={"resume.example": 3})
        )
        got = [(await next_update(call)).change for _ in range(2)]
        await import_doc(stub, "resume.example", doc("resume.example", [("only", 0, HOUR)]))
        live = (await next_update(call, "change")).change
        call.cancel()
    assert [c.revision for c in got] == [4, 5]
    assert [e.id for e in got[0].added] == ["e3"]
    assert live.revision == 6


async def test_a_watcher_of_a_channel_that_does_not_exist_yet_sees_it_appear(server: ServerProcess) -> None:
    channel, stub = await stub_for(server.address)
    async with channel:
        call = stub.WatchSchedule(spb.WatchScheduleRequest(channel_ids=["later.example"]))
        snap = (await next_update(call, "snapshot")).snapshot
        await import_doc(stub, "later.example", doc("later.example", [("x", 0, 60)]))
        change = (await next_update(call, "change")).change
        await stub.DeleteChannel(spb.DeleteChannelRequest(channel_id="later.example"), timeout=10)
        gone = (await next_update(call, "change")).change
        call.cancel()
    assert (snap.revision, len(snap.events)) == (0, 0)
    assert (change.revision, [e.id for e in change.added]) == (1, ["x"])
    assert gone.channel_deleted
    assert gone.revision == 2


async def test_heartbeats_carry_the_revisions_held_when_nothing_changes(server: ServerProcess) -> None:
    channel, stub = await stub_for(server.address)
    async with channel:
        await import_doc(stub, "beat.example", doc("beat.example", [("a", 0, 60)]))
        call = stub.WatchSchedule(
            spb.WatchScheduleRequest(channel_ids=["beat.example"], heartbeat_interval={"nanos": 200_000_000})
        )
        await next_update(call, "snapshot")
        beat = (await next_update(call, "heartbeat", timeout=5)).heartbeat
        call.cancel()
    assert dict(beat.revisions) == {"beat.example": 1}


async def test_watching_nothing_is_refused_with_the_field_named(server: ServerProcess) -> None:
    channel, stub = await stub_for(server.address)
    async with channel:
        call = stub.WatchSchedule(spb.WatchScheduleRequest())
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call.read()
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "channel_ids" in (err.value.details() or "")


@pytest.mark.slow  # a drill: a flood of changes past a stalled watcher
async def test_a_consumer_that_falls_behind_is_resynchronised_and_others_are_not_slowed(tmp_path: Path) -> None:
    with start_server(tmp_path, "--watch-buffer", "3") as srv:
        channel, stub = await stub_for(srv.address)
        # Without BDP probing the receive window stays at 64 KB, so a reader that
        # stops reading stops the server's writes to it.
        slow_channel, slow_stub = await stub_for(srv.address, ("grpc.http2.bdp_probe", 0))
        async with channel, slow_channel:
            big = [(f"e{i}", i * 60, 60) for i in range(3000)]  # ~300 KB a change
            await import_doc(stub, "slow.example", doc("slow.example", big))
            slow = slow_stub.WatchSchedule(spb.WatchScheduleRequest(channel_ids=["slow.example"]))
            fast = stub.WatchSchedule(spb.WatchScheduleRequest(channel_ids=["slow.example"]))
            await next_update(slow, "snapshot")
            await next_update(fast, "snapshot")
            revisions = []
            for n in range(12):
                reply = await import_doc(stub, "slow.example", doc("slow.example", big, title=f"v{n}"))
                revisions.append(reply.revision)
                # The fast watcher keeps up, change by change.
                assert (await next_update(fast, "change")).change.revision == reply.revision
            # The slow one never read while 12 big changes went by: it is told to
            # replace what it holds, and then carries on from the newest revision.
            seen_resync = None
            for _ in range(40):
                msg = await next_update(slow)
                if msg.WhichOneof("update") == "snapshot" and msg.snapshot.resync:
                    seen_resync = msg.snapshot
                    break
            assert seen_resync is not None
            assert seen_resync.revision == revisions[-1]
            slow.cancel()
            fast.cancel()


async def test_sigterm_ends_streams_with_unavailable(tmp_path: Path) -> None:
    with start_server(tmp_path) as srv:
        channel, stub = await stub_for(srv.address)
        async with channel:
            call = stub.WatchSchedule(spb.WatchScheduleRequest(channel_ids=["term.example"]))
            await next_update(call, "snapshot")
            srv.process.send_signal(signal.SIGTERM)
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await read_to_the_end(call)
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE
        assert srv.process.wait(30) == 0
