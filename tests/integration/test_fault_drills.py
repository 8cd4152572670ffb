"""Fault drills: the server under load while things go wrong, with a verdict each.

Every drill is a coroutine ``drill_*(tmp, **scale)`` that starts its own
server, does the damage, asserts what the clients saw (never a wall-clock
threshold beyond generous timeouts) and returns the figures it measured. The
tests below run them at CI scale, assert the verdict their figures carry and
print them (``pytest -s``); ``bench/drills.py`` runs the same drills at a
larger scale and prints a table. They take a minute together: marked ``slow``,
they run in ``.ci/run`` (and ``scripts/test --slow``), not by default.

1. kill -9 of pool workers under load: only the running calls fail, UNAVAILABLE
   and retryable; the pool is whole again.
2. SIGTERM while imports and watchers run: every acknowledged import survives a
   restart; refusals are UNAVAILABLE; watchers end with UNAVAILABLE and resume
   with nothing lost; exit code 0.
3. Hundreds of streams that never read: other callers and a reading watcher
   are not slowed, memory stays bounded, the idle streams are resynchronised.
4. 10,000 concurrent calls from one process: OK or RESOURCE_EXHAUSTED, never
   UNKNOWN/INTERNAL, never a hang.
5. A request of exactly --max-message-mib, and one byte more.

(PostgreSQL going away under load is covered by tests/integration/test_replicas.py.)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import psutil
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb
from scheduleflow.v1 import service_pb2_grpc
from tests.serverproc import launch, start_server

pytestmark = pytest.mark.slow

SERVICE = "/scheduleflow.v1.ScheduleFlowService"
MIB = 1 << 20
BASE_TS = 1_763_769_600  # 2025-11-22T00:00:00Z
CALL_TIMEOUT = 120.0

Stub = service_pb2_grpc.ScheduleFlowServiceStub


# -- helpers ------------------------------------------------------------------


def open_channel(address: str, *options: tuple[str, Any]) -> tuple[grpc.aio.Channel, Stub]:
    """A channel of its own (not shared with other channels to the same address)."""
    channel = grpc.aio.insecure_channel(
        address,
        options=[
            ("grpc.use_local_subchannel_pool", 1),
            ("grpc.max_receive_message_length", 80 * MIB),
            ("grpc.max_send_message_length", 80 * MIB),
            *options,
        ],
    )
    return channel, service_pb2_grpc.ScheduleFlowServiceStub(channel)


def code_of(result: object) -> str:
    if isinstance(result, grpc.aio.AioRpcError):
        return result.code().name
    if isinstance(result, BaseException):
        return f"{type(result).__name__}: {result}"
    return "OK"


def has_retry_info(err: grpc.aio.AioRpcError) -> bool:
    status = rpc_status.from_call(err)  # type: ignore[arg-type]
    return status is not None and any(d.Is(error_details_pb2.RetryInfo.DESCRIPTOR) for d in status.details)


def validate_request(n: int, *, seed: int = 0) -> spb.ValidateRequest:
    """n back-to-back one-minute events: about 40 bytes each on the wire.

    97 assets in rotation return every 97 minutes, inside the 2-hour cooldown:
    past 97 events every repeat is a (warning) finding, so the Python path
    does the work and a pool job lasts long enough to be killed mid-run (the
    compiled fast path answers a clean schedule in a fraction of the time).
    """
    return spb.ValidateRequest(
        events=spb.EventList(
            events=[
                pb.Event(
                    id=f"e{seed}-{i}",
                    start_time={"seconds": BASE_TS + 60 * i},
                    duration={"seconds": 60},
                    asset_id=f"a{i % 97}",
                )
                for i in range(n)
            ]
        ),
        rules=pb.ValidationRules(asset_cooldown={"seconds": 7200}),
    )


def document(channel: str, tag: str, n: int, *, title: str = "") -> bytes:
    """A native JSON document of n one-minute events whose ids carry ``tag``."""
    return json.dumps(
        {
            "scheduleflow": 1,
            "channel": {"id": channel, "time_zone": "UTC"},
            "events": [
                {
                    "id": f"{tag}-{i}",
                    "start": dt.datetime.fromtimestamp(BASE_TS + 60 * i, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "duration": "PT1M",
                    "asset_id": f"a{i % 50}",
                    "title": title or tag,
                }
                for i in range(n)
            ],
        }
    ).encode()


def import_request(channel: str, content: bytes, key: str = "") -> spb.ImportRequest:
    return spb.ImportRequest(
        channel_id=channel,
        document=pb.Document(content=content),
        mode=spb.IMPORT_MODE_REPLACE_ALL,
        idempotency_key=key,
    )


async def stats_of(stub: Stub) -> spb.GetStatsResponse:
    reply: spb.GetStatsResponse = await stub.GetStats(spb.GetStatsRequest(), timeout=10)
    return reply


async def wait_for_stats(
    stub: Stub, ok: Callable[[spb.GetStatsResponse], bool], *, timeout: float = 30, what: str = ""
) -> spb.GetStatsResponse:
    """Poll GetStats until ``ok`` (bounded by ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        stats = await stats_of(stub)
        if ok(stats):
            return stats
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: pool={stats.pool} open_streams={stats.open_streams}")
        await asyncio.sleep(0.02)


def codes_of(stats: spb.GetStatsResponse, method: str) -> dict[str, int]:
    for rpc in stats.rpcs:
        if rpc.method.endswith(f"/{method}"):
            return dict(rpc.codes)
    return {}


def bug_codes(stats: spb.GetStatsResponse) -> dict[str, dict[str, int]]:
    """Per method, the INTERNAL/UNKNOWN counts the server itself recorded."""
    return {
        rpc.method: {c: n for c, n in rpc.codes.items() if c in ("INTERNAL", "UNKNOWN")}
        for rpc in stats.rpcs
        if any(c in ("INTERNAL", "UNKNOWN") for c in rpc.codes)
    }


async def poll(condition: Callable[[], bool], *, timeout: float, step: float = 0.01) -> None:
    """Wait until ``condition()`` holds, at most ``timeout`` seconds (the caller asserts)."""
    for _ in range(int(timeout / step) + 1):
        if condition():
            return
        await asyncio.sleep(step)


async def health_of(address: str) -> str:
    async with grpc.aio.insecure_channel(address) as channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
        name: str = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
        return name


def report(title: str, figures: dict[str, Any]) -> None:
    print(f"\n[{title}]")
    for key, value in figures.items():
        print(f"  {key}: {value}")


# -- drill 1: kill -9 of pool workers under load --------------------------------


async def drill_worker_kill_under_load(
    tmp: Path, *, workers: int = 2, calls: int = 200, events: int = 3000, kills: int = 2
) -> dict[str, Any]:
    """Many concurrent pool-bound Validate calls; SIGKILL a busy worker ``kills`` times."""
    args = ("--workers", str(workers), "--inline-max-bytes", "0", "--queue-capacity", str(2 * calls))
    with start_server(tmp, *args) as srv:
        channel, stub = open_channel(srv.address)
        async with channel:
            requests = [validate_request(events, seed=i) for i in range(calls)]
            started = time.monotonic()
            tasks = [asyncio.ensure_future(stub.Validate(r, timeout=CALL_TIMEOUT)) for r in requests]
            victims: list[int] = []
            recovery_s: list[float] = []
            try:
                for k in range(kills):
                    # Every worker busy and work still waiting: the kill lands mid-load.
                    busy = await wait_for_stats(
                        stub,
                        lambda s: s.pool.busy == workers and s.pool.queued >= 2 * workers,
                        what="a busy pool with a backlog",
                    )
                    victim = busy.pool.worker_pids[k % workers]
                    killed_at = time.monotonic()
                    os.kill(victim, signal.SIGKILL)
                    victims.append(victim)
                    await wait_for_stats(
                        stub,
                        lambda s, k=k: s.pool.worker_restarts == k + 1 and len(s.pool.worker_pids) == workers,
                        what=f"replacement #{k + 1}",
                    )
                    recovery_s.append(time.monotonic() - killed_at)
                results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 300)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            load_s = time.monotonic() - started
            codes = Counter(code_of(r) for r in results)
            failed = [i for i, r in enumerate(results) if not isinstance(r, spb.ValidateResponse)]
            # The verdict on what the clients saw.
            assert set(codes) <= {"OK", "UNAVAILABLE"}, codes
            assert codes["UNAVAILABLE"] == kills, f"each kill must fail exactly the call it was running: {codes}"
            for i in failed:
                err = results[i]
                assert isinstance(err, grpc.aio.AioRpcError) and has_retry_info(err), err
            assert all(r.summary.event_count == events for r in results if isinstance(r, spb.ValidateResponse))
            # The failed calls are retryable: a retry succeeds.
            retried = await asyncio.gather(*(stub.Validate(requests[i], timeout=CALL_TIMEOUT) for i in failed))
            assert all(r.summary.event_count == events for r in retried)
            after = await stats_of(stub)
        pids = list(after.pool.worker_pids)
        live_children = {p.pid for p in psutil.Process(srv.pid).children(recursive=True)}
        assert after.pool.worker_restarts == kills, after.pool
        assert len(pids) == workers and not set(pids) & set(victims), (pids, victims)
        assert set(pids) <= live_children, (pids, live_children)
        validate_codes = codes_of(after, "Validate")
        assert validate_codes == {"OK": calls, "UNAVAILABLE": kills}, validate_codes
        assert not bug_codes(after), bug_codes(after)
        assert await health_of(srv.address) == "SERVING"
    return {
        "calls": calls,
        "events per call": events,
        "kills": kills,
        "client codes": dict(codes),
        "retries OK": len(retried),
        "time to replace a worker (s)": [round(s, 3) for s in recovery_s],
        "load duration (s)": round(load_s, 2),
        "worker_restarts": after.pool.worker_restarts,
        "worker pids": f"{pids} (killed {victims})",
    }


async def test_killing_busy_workers_under_load_fails_only_their_calls_retryably(tmp_path: Path) -> None:
    figures = await drill_worker_kill_under_load(tmp_path)
    report("drill 1: kill -9 of pool workers under load", figures)
    kills = figures["kills"]
    assert figures["client codes"] == {"OK": figures["calls"] - kills, "UNAVAILABLE": kills}, figures
    assert figures["retries OK"] == kills, figures
    assert figures["worker_restarts"] == kills, figures


# -- drill 2: SIGTERM while imports and watchers run -----------------------------


@dataclass
class Writer:
    channel: str
    name: str
    #: (k, revision, events) of every acknowledged import, in order.
    acked: list[tuple[int, int, int]] = field(default_factory=list)
    error: grpc.aio.AioRpcError | None = None

    def doc(self, k: int) -> tuple[bytes, int]:
        # Small documents run inline, larger ones in the pool; the largest take
        # long enough to be in flight when SIGTERM arrives.
        n = (40, 400, 40, 3000)[k % 4]
        return document(self.channel, f"{self.channel}/{self.name}/{k}", n), n

    def key(self, k: int) -> str:
        return f"{self.name}-{k}"


@dataclass
class Watcher:
    channel: str
    held: int = -1
    changes: list[int] = field(default_factory=list)
    holes: list[tuple[int, int]] = field(default_factory=list)
    ended: str = ""


async def _write(stub: Stub, writer: Writer, limit: int) -> None:
    for k in range(1, limit + 1):
        content, n = writer.doc(k)
        try:
            reply = await stub.Import(import_request(writer.channel, content, writer.key(k)), timeout=CALL_TIMEOUT)
        except grpc.aio.AioRpcError as err:
            writer.error = err
            return
        assert not reply.replayed
        writer.acked.append((k, reply.revision, n))


def _observe(watcher: Watcher, msg: spb.WatchScheduleResponse) -> None:
    kind = msg.WhichOneof("update")
    if kind == "snapshot" and msg.snapshot.last_chunk:
        watcher.held = msg.snapshot.revision
    elif kind == "change":
        if msg.change.revision != watcher.held + 1:
            watcher.holes.append((watcher.held, msg.change.revision))
        watcher.held = msg.change.revision
        watcher.changes.append(msg.change.revision)


async def _watch(stub: Stub, watcher: Watcher) -> None:
    call = stub.WatchSchedule(spb.WatchScheduleRequest(channel_ids=[watcher.channel]))
    try:
        async for msg in call:
            _observe(watcher, msg)
        watcher.ended = "ended without a status"
    except grpc.aio.AioRpcError as err:
        watcher.ended = err.code().name


async def _read_burst(stub: Stub, n: int) -> tuple[list[asyncio.Future[Any]], list[int]]:
    """``n`` small Validate calls at once; the list counts the ones answered so far."""
    answered = [0]

    async def one() -> object:
        try:
            return await stub.Validate(validate_request(5), timeout=CALL_TIMEOUT)
        except grpc.aio.AioRpcError as err:
            return err
        finally:
            answered[0] += 1

    return [asyncio.ensure_future(one()) for _ in range(n)], answered


async def drill_sigterm_under_writes(
    tmp: Path,
    *,
    channels: int = 4,
    writers_per_channel: int = 2,
    before_term: int = 3,
    limit: int = 300,
    burst: int = 800,
) -> dict[str, Any]:
    """Concurrent idempotent imports into ``channels`` channels, a watcher on each, and a
    burst of ``burst`` small reads in flight; SIGTERM mid-load."""
    store = tmp / "sigterm.db"
    names = [f"term{c}.example" for c in range(channels)]
    writers = [Writer(ch, f"w{j}") for ch in names for j in range(writers_per_channel)]
    watchers = [Watcher(ch) for ch in names]
    srv = launch(tmp, "--store", str(store), "--workers", "2", "--grace-s", "30")
    try:
        channel, stub = open_channel(srv.address)
        async with channel:
            watch_tasks = [asyncio.ensure_future(_watch(stub, w)) for w in watchers]
            await wait_for_stats(stub, lambda s: s.open_streams == channels, what="the watchers")
            write_tasks = [asyncio.ensure_future(_write(stub, w, limit)) for w in writers]
            await poll(lambda: min(len(w.acked) for w in writers) >= before_term, timeout=60)
            # Calls in flight at the signal: a burst, SIGTERM as soon as the first is answered.
            reads, answered = await _read_burst(stub, burst)
            await poll(lambda: answered[0] >= 1, timeout=30, step=0.001)
            acked_at_term = sum(len(w.acked) for w in writers)
            termed_at = time.monotonic()
            srv.process.send_signal(signal.SIGTERM)
            done, pending = await asyncio.wait([*write_tasks, *watch_tasks, *reads], timeout=90)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for task in done:
                task.result()  # an assertion inside a writer surfaces here
            assert not pending, f"{len(pending)} calls or streams did not end after SIGTERM"
        exit_code = srv.process.wait(60)
        drain_s = time.monotonic() - termed_at
        log = srv.log()
    finally:
        srv.terminate()

    # What the clients saw. A wrong status is recorded and the durability
    # checks still run, so one verdict tells both.
    errors = Counter(w.error.code().name for w in writers if w.error is not None)
    refusals = Counter(
        f"{w.error.code().name}: {(w.error.details() or '')[:60]}" for w in writers if w.error is not None
    )
    live_changes = sum(len(w.changes) for w in watchers)
    assert all(w.acked for w in writers), "a writer got nothing acknowledged before SIGTERM"
    assert all(w.error is not None for w in writers), "a writer hit the limit: SIGTERM came too late"
    problems: list[str] = []
    read_codes = Counter(code_of(r.result()) for r in reads)
    if set(read_codes) - {"OK", "UNAVAILABLE"}:
        problems.append(f"calls in flight at SIGTERM must complete or get UNAVAILABLE: {dict(read_codes)}")
    # Never CANCELLED: gRPC core resets the calls queued in it or arriving as
    # the server stops, and the drain stops it when there are none (rpc/drain.py).
    if set(errors) - {"UNAVAILABLE"}:
        problems.append(f"calls refused while draining must get UNAVAILABLE, not {dict(errors)}: {dict(refusals)}")
    if [w.ended for w in watchers] != ["UNAVAILABLE"] * channels:
        problems.append(f"watch streams must end with UNAVAILABLE: {[w.ended for w in watchers]}")
    assert all(not w.holes for w in watchers), [w.holes for w in watchers]
    assert exit_code == 0, log[-3000:]
    # The newest acknowledged import of each channel: what it must hold after the restart.
    newest = {ch: max((a for w in writers if w.channel == ch for a in w.acked), key=lambda a: a[1]) for ch in names}
    owner = {ch: next(w for w in writers if w.channel == ch and newest[ch] in w.acked) for ch in names}

    # Restart on the same file: every acknowledged import is there.
    restarted = launch(tmp, "--store", str(store), "--workers", "1")
    replays = 0
    try:
        channel, stub = open_channel(restarted.address)
        async with channel:
            for ch in names:
                k, revision, n = newest[ch]
                stored = await stub.GetChannel(spb.GetChannelRequest(channel_id=ch), timeout=30)
                assert (stored.revision, stored.event_count) == (revision, n), (ch, stored, newest[ch])
                ids = await _event_ids(stub, ch)
                prefix = f"{ch}/{owner[ch].name}/{k}-"
                assert len(ids) == n and all(i.startswith(prefix) for i in ids), (ch, len(ids), n, prefix)
            # Every acknowledged import is remembered: its retry replays the same revision.
            for w in writers:
                for k, revision, _ in w.acked:
                    content, _ = w.doc(k)
                    again = await stub.Import(import_request(w.channel, content, w.key(k)), timeout=60)
                    assert (again.replayed, again.revision) == (True, revision), (w.channel, w.name, k, again)
                    replays += 1
            # A watcher resumes from the revision it held and misses nothing.
            resumed = [await _resume(stub, w, newest[w.channel][1]) for w in watchers]
    finally:
        restarted.terminate()
    figures = {
        "channels x writers": f"{channels} x {writers_per_channel}",
        "acknowledged before SIGTERM / in all": f"{acked_at_term} / {sum(len(w.acked) for w in writers)}",
        "writers' errors": dict(errors),
        "how writers were refused": dict(refusals),
        f"burst of {burst} small reads in flight at SIGTERM": dict(read_codes),
        "acknowledged imports replayed after restart": replays,
        "watchers ended with": dict(Counter(w.ended for w in watchers)),
        "changes seen live / after resume": f"{live_changes} / {sum(map(len, resumed))}",
        "SIGTERM to exit (s)": round(drain_s, 2),
        "exit code": exit_code,
    }
    assert not problems, "\n".join(problems) + f"\n(nothing acknowledged was lost) {figures}"
    return figures


async def _event_ids(stub: Stub, channel: str) -> list[str]:
    """Every stored event id of a channel, page by page."""
    ids: list[str] = []
    token = ""
    for _ in range(1000):
        page = await stub.ListEvents(spb.ListEventsRequest(channel_id=channel, page_token=token), timeout=30)
        ids.extend(e.id for e in page.events)
        token = page.next_page_token
        if not token:
            return ids
    raise AssertionError(f"{channel}: more than 1000 pages")


async def _resume(stub: Stub, watcher: Watcher, final: int) -> list[int]:
    """Resume a watcher from what it held; read until it holds ``final``."""
    call = stub.WatchSchedule(
        spb.WatchScheduleRequest(
            channel_ids=[watcher.channel],
            from_revisions={watcher.channel: max(watcher.held, 0)},
            heartbeat_interval={"nanos": 200_000_000},
        )
    )
    got: list[int] = []
    try:
        for _ in range(10_000):
            if watcher.held == final:
                break
            msg = await asyncio.wait_for(call.read(), 10)
            assert msg is not grpc.aio.EOF
            kind = msg.WhichOneof("update")
            assert not (kind == "snapshot" and msg.snapshot.resync), "the change log should reach back"
            if kind == "change":
                got.append(msg.change.revision)
            _observe(watcher, msg)
    finally:
        call.cancel()
    assert watcher.held == final and not watcher.holes, (watcher, final)
    # Live and resumed together: every revision once, in order, up to the last acknowledged one.
    if watcher.changes:
        assert watcher.changes == list(range(watcher.changes[0], final + 1)), watcher.changes
    return got


async def test_sigterm_during_writes_loses_no_acknowledged_import_and_ends_streams(tmp_path: Path) -> None:
    figures = await drill_sigterm_under_writes(tmp_path)
    report("drill 2: SIGTERM under load with writes", figures)
    assert figures["exit code"] == 0, figures
    assert set(figures["writers' errors"]) == {"UNAVAILABLE"}, figures
    assert set(figures["watchers ended with"]) == {"UNAVAILABLE"}, figures
    assert set(figures[next(k for k in figures if k.startswith("burst of"))]) <= {"OK", "UNAVAILABLE"}, figures
    acknowledged_before, acknowledged = map(int, figures["acknowledged before SIGTERM / in all"].split(" / "))
    assert 0 < acknowledged_before <= acknowledged, figures
    assert figures["acknowledged imports replayed after restart"] > 0, figures


# -- drill 3: hundreds of streams that never read --------------------------------


async def drill_idle_streams(
    tmp: Path, *, streams: int = 200, changes: int = 25, events: int = 300, buffer: int = 4
) -> dict[str, Any]:
    """``streams`` WatchSchedule streams that never read, while a watcher and other calls go on."""
    ch = "idle.example"
    with start_server(tmp, "--workers", "1", "--watch-buffer", str(buffer)) as srv:
        channel, stub = open_channel(srv.address)
        # The idle streams on connections of their own, with the receive window
        # kept at 64 KB: once it is full the server cannot write to them.
        idle_channels = [open_channel(srv.address, ("grpc.http2.bdp_probe", 0)) for _ in range(2)]
        idle_calls: list[Any] = []
        reader = Watcher(ch)
        try:
            first = await stub.Import(import_request(ch, document(ch, "v0", events)), timeout=60)
            live = stub.WatchSchedule(spb.WatchScheduleRequest(channel_ids=[ch]))
            snap = await asyncio.wait_for(live.read(), 30)
            _observe(reader, snap)
            assert reader.held == first.revision
            rss_before = srv.rss_bytes()
            for i in range(streams):
                _, idle_stub = idle_channels[i % len(idle_channels)]
                idle_calls.append(idle_stub.WatchSchedule(spb.WatchScheduleRequest(channel_ids=[ch])))
            await wait_for_stats(stub, lambda s: s.open_streams >= streams + 1, what="the idle streams")

            async def read_live() -> None:
                while True:
                    msg = await live.read()
                    if msg is grpc.aio.EOF:
                        return
                    _observe(reader, msg)
                    if msg.WhichOneof("update") == "snapshot":
                        reader.ended = "resynchronised"

            reading = asyncio.ensure_future(read_live())
            revisions, side_calls, started = [], 0, time.monotonic()
            for n in range(1, changes + 1):
                reply = await stub.Import(import_request(ch, document(ch, "v0", events, title=f"t{n}")), timeout=60)
                revisions.append(reply.revision)
                # Other callers are not held up by the idle streams.
                checked = await stub.Validate(validate_request(20, seed=n), timeout=30)
                assert checked.summary.event_count == 20
                got = await stub.GetChannel(spb.GetChannelRequest(channel_id=ch), timeout=30)
                assert got.revision == reply.revision
                side_calls += 2
                # ... and the reading watcher gets this change (bounded wait).
                await poll(lambda: reader.held >= reply.revision or reading.done(), timeout=10)  # noqa: B023
                assert reader.held == reply.revision, (reader, reply.revision)
            busy_s = time.monotonic() - started
            rss_after = srv.rss_bytes()
            reading.cancel()
            await asyncio.gather(reading, return_exceptions=True)
            live.cancel()
            assert reader.changes == revisions and not reader.holes and not reader.ended, reader
            assert rss_after < 2 * rss_before + 100 * MIB, (rss_before, rss_after)

            # Now read the idle streams: each was resynchronised to the newest
            # revision instead of having every change buffered for it.
            delivered: list[int] = []
            for call in idle_calls:
                delivered.append(await _until_resync(call, revisions[-1], changes))
            stats = await stats_of(stub)
        finally:
            for call in idle_calls:
                call.cancel()
            for idle_channel, _ in idle_channels:
                await idle_channel.close()
            await channel.close()
        assert not bug_codes(stats), bug_codes(stats)
    return {
        "idle streams": streams,
        f"changes (each ~{events * 100 // 1000} KB)": changes,
        "side calls OK during the changes": side_calls,
        "reading watcher got": f"{len(reader.changes)}/{changes} changes in order",
        "server RSS before / after (MiB)": f"{rss_before / MIB:.1f} / {rss_after / MIB:.1f}",
        "changes an idle stream had buffered before its resync (max)": max(delivered),
        "time for the changes (s)": round(busy_s, 2),
    }


async def _until_resync(call: Any, newest: int, changes: int) -> int:
    """Read an idle stream until its resync snapshot; the number of changes before it."""
    seen = 0
    for _ in range(changes + 50):
        msg = await asyncio.wait_for(call.read(), 30)
        assert msg is not grpc.aio.EOF
        kind = msg.WhichOneof("update")
        if kind == "change":
            seen += 1
        elif kind == "snapshot" and msg.snapshot.resync:
            assert msg.snapshot.revision == newest, msg.snapshot.revision
            assert seen < changes, "every change was buffered for a stream that did not read"
            return seen
    raise AssertionError(f"no resync snapshot after {seen} changes")


async def test_streams_that_never_read_do_not_slow_others_or_grow_memory(tmp_path: Path) -> None:
    figures = await drill_idle_streams(tmp_path)
    report("drill 3: streams that never read", figures)
    changes = next(v for k, v in figures.items() if k.startswith("changes (each"))
    assert figures["reading watcher got"] == f"{changes}/{changes} changes in order", figures
    assert figures["changes an idle stream had buffered before its resync (max)"] < changes, figures
    assert figures["side calls OK during the changes"] > 0, figures


# -- drill 4: 10,000 concurrent calls from one process -----------------------------


async def drill_call_flood(
    tmp: Path, *, calls: int = 10_000, connections: int = 4, server_args: tuple[str, ...] = ()
) -> dict[str, Any]:
    """``calls`` small inline Validate calls all at once, over ``connections`` connections."""
    with start_server(tmp, "--workers", "1", *server_args) as srv:
        opened = [open_channel(srv.address) for _ in range(connections)]
        try:
            request = validate_request(5)
            started = time.monotonic()

            async def one(i: int) -> object:
                try:
                    return await opened[i % connections][1].Validate(request, timeout=CALL_TIMEOUT)
                except grpc.aio.AioRpcError as err:
                    return err

            results = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(calls))), 300)
            flood_s = time.monotonic() - started
            codes = Counter(code_of(r) for r in results)
            at_limit = sum(isinstance(r, grpc.aio.AioRpcError) and "its limit" in (r.details() or "") for r in results)
            assert set(codes) <= {"OK", "RESOURCE_EXHAUSTED"}, codes
            assert codes["OK"] > 0, codes
            assert all(r.summary.event_count == 5 for r in results if isinstance(r, spb.ValidateResponse))
            after = await opened[0][1].Validate(request, timeout=30)
            assert after.summary.event_count == 5
            stats = await stats_of(opened[0][1])
        finally:
            for ch, _ in opened:
                await ch.close()
        assert not bug_codes(stats), bug_codes(stats)
        assert await health_of(srv.address) == "SERVING"
        rss = srv.rss_bytes()
    return {
        "calls": calls,
        "server flags": " ".join(server_args) or "(defaults)",
        "codes": dict(codes),
        "shed at --max-concurrent-rpcs": at_limit,
        "duration (s)": round(flood_s, 2),
        "calls/s": round(calls / flood_s),
        "server RSS after (MiB)": round(rss / MIB, 1),
    }


async def test_ten_thousand_concurrent_calls_end_ok_or_shed(tmp_path: Path) -> None:
    figures = await drill_call_flood(tmp_path)
    report("drill 4: 10,000 concurrent calls", figures)
    assert set(figures["codes"]) <= {"OK", "RESOURCE_EXHAUSTED"}, figures
    assert sum(figures["codes"].values()) == figures["calls"], figures
    assert figures["codes"]["OK"] > 0, figures


OVER_THE_LIMIT = ("--max-concurrent-rpcs", "100", "--inline-max-bytes", "0", "--queue-capacity", "10000")


async def test_ten_thousand_concurrent_calls_over_the_concurrency_limit_are_shed(tmp_path: Path) -> None:
    # Every call waits on the pool (--inline-max-bytes 0) in a queue long
    # enough to hold them all, so calls overlap: tiny inline ones finish too
    # fast for 100 to be in flight at once, and a short queue sheds them first.
    figures = await drill_call_flood(tmp_path, server_args=OVER_THE_LIMIT)
    report("drill 4b: 10,000 concurrent calls, --max-concurrent-rpcs 100", figures)
    assert figures["shed at --max-concurrent-rpcs"] > 0, f"100 at a time: some must be shed {figures}"
    assert figures["codes"]["OK"] > 0, figures
    assert sum(figures["codes"].values()) == figures["calls"], figures


# -- drill 5: a request of exactly the size limit, and one byte more -------------


def import_of_size(channel: str, size: int) -> spb.ImportRequest:
    """A valid Import whose serialized size is exactly ``size`` bytes (JSON padded with spaces)."""
    body = document(channel, "edge", 10)
    request = import_request(channel, body)
    pad = size - request.ByteSize()
    for _ in range(5):  # the length prefixes grow with the content: converge
        request = import_request(channel, body + b" " * max(pad, 0))
        pad += size - request.ByteSize()
    assert request.ByteSize() == size, (request.ByteSize(), size)
    return request


async def drill_size_limit(tmp: Path, *, mib: int = 1) -> dict[str, Any]:
    limit = mib * MIB
    with start_server(tmp, "--workers", "1", "--max-message-mib", str(mib)) as srv:
        channel, stub = open_channel(srv.address)
        async with channel:
            at_limit = import_of_size("edge.example", limit)
            accepted = await stub.Import(at_limit, timeout=60)
            assert accepted.revision == 1
            over = import_of_size("over.example", limit + 1)
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.Import(over, timeout=60)
            over_code, over_details = refused.value.code().name, refused.value.details()
            assert over_code == "RESOURCE_EXHAUSTED", (over_code, over_details)
            # Nothing of the refused request was stored; the server carries on.
            with pytest.raises(grpc.aio.AioRpcError) as missing:
                await stub.GetChannel(spb.GetChannelRequest(channel_id="over.example"), timeout=10)
            assert missing.value.code() == grpc.StatusCode.NOT_FOUND, "the oversized import created its channel"
            # The same edge for a Validate, and a normal call afterwards.
            validate_at = spb.ValidateRequest(document=at_limit.document)
            validate_at.document.content += b" " * (limit - validate_at.ByteSize())
            assert validate_at.ByteSize() == limit
            checked = await stub.Validate(validate_at, timeout=60)
            assert checked.summary.event_count == 10
            stored = await stub.GetChannel(spb.GetChannelRequest(channel_id="edge.example"), timeout=10)
            assert (stored.revision, stored.event_count) == (1, 10)
            stats = await stats_of(stub)
        assert not bug_codes(stats), bug_codes(stats)
        assert await health_of(srv.address) == "SERVING"
    return {
        "limit (bytes)": limit,
        "Import of exactly the limit": f"OK, revision {accepted.revision}",
        "Validate of exactly the limit": "OK",
        "one byte over": f"{over_code}: {over_details}",
    }


async def test_a_request_of_exactly_the_size_limit_passes_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    figures = await drill_size_limit(tmp_path)
    report("drill 5: the message size limit", figures)
    assert figures["Import of exactly the limit"] == "OK, revision 1", figures
    assert figures["one byte over"].startswith("RESOURCE_EXHAUSTED"), figures


async def drill_response_limit(tmp: Path, *, mib: int = 1) -> dict[str, Any]:
    """Responses that would be larger than --max-message-mib: the server must refuse them itself.

    Today the handler builds the response and returns it; gRPC then fails to
    send it (RESOURCE_EXHAUSTED "Sent message larger than max") after all the
    work, while GetStats records the call as OK. The verdict: whatever the
    client gets, the server decided it (rich status details) and counted it.
    """
    limit = mib * MIB
    with start_server(tmp, "--workers", "1", "--max-message-mib", str(mib)) as srv:
        channel, stub = open_channel(srv.address)
        async with channel:
            # A stored channel whose document fits the limit, exported in a wordier format.
            content = document("wordy.example", "w", limit // 200)
            assert len(content) < limit
            await stub.Import(import_request("wordy.example", content), timeout=120)
            year = pb.TimeWindow(start_time={"seconds": BASE_TS}, end_time={"seconds": BASE_TS + 365 * 86400})
            items = [pb.PlaylistItem(id=f"p{i}", asset_id=f"a{i}", duration={"seconds": 1200}) for i in range(4)]
            # Each call made only when its turn comes, so the stats before and after are its own.
            calls: dict[str, Callable[[], Any]] = {
                "Export": lambda: stub.Export(
                    spb.ExportRequest(channel_id="wordy.example", format=pb.DOCUMENT_FORMAT_XMLTV, pretty=True),
                    timeout=120,
                ),
                "Schedule": lambda: stub.Schedule(
                    spb.ScheduleRequest(channel_id="year.example", window=year, playlist=pb.Playlist(items=items)),
                    timeout=120,
                ),
            }
            seen: dict[str, str] = {}
            problems: list[str] = []
            for name, make in calls.items():
                before = codes_of(await stats_of(stub), name)
                try:
                    await make()
                    client_code, decided = "OK", True
                except grpc.aio.AioRpcError as err:
                    client_code = err.code().name
                    decided = rpc_status.from_call(err) is not None  # type: ignore[arg-type]
                    seen[name] = f"{client_code}: {err.details()}"
                else:
                    seen[name] = "OK"
                after = codes_of(await stats_of(stub), name)
                recorded = {c: n - before.get(c, 0) for c, n in after.items() if n != before.get(c, 0)}
                if recorded != {client_code: 1}:
                    problems.append(f"{name}: the client got {client_code}, the server recorded {recorded}")
                if not decided:
                    problems.append(f"{name}: {client_code} came from gRPC, not from the server: {seen[name]}")
                assert client_code in ("OK", "INVALID_ARGUMENT", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION"), seen
        assert await health_of(srv.address) == "SERVING"
    figures: dict[str, Any] = {"limit (bytes)": limit, **{f"{k} too big for one response": v for k, v in seen.items()}}
    assert not problems, "\n".join(problems) + f"\n{figures}"
    return figures


async def test_a_response_larger_than_the_limit_is_refused_by_the_server_and_counted(tmp_path: Path) -> None:
    figures = await drill_response_limit(tmp_path)
    report("drill 5b: responses over the message size limit", figures)
    answers = {k: v for k, v in figures.items() if k.endswith("too big for one response")}
    assert set(answers) == {"Export too big for one response", "Schedule too big for one response"}, figures
    assert all(
        v.split(":")[0] in ("INVALID_ARGUMENT", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION") for v in answers.values()
    ), figures


Drill = Callable[..., Awaitable[dict[str, Any]]]
#: name -> (drill, CI scale, long scale) for bench/drills.py
DRILLS: dict[str, tuple[Drill, dict[str, Any], dict[str, Any]]] = {
    "kill -9 workers under load": (
        drill_worker_kill_under_load,
        {},
        {"calls": 600, "events": 3000, "kills": 6},
    ),
    "SIGTERM under writes": (
        drill_sigterm_under_writes,
        {},
        {"channels": 16, "writers_per_channel": 4, "before_term": 10, "limit": 2000},
    ),
    "streams that never read": (drill_idle_streams, {}, {"streams": 1000, "changes": 60}),
    "concurrent call flood": (drill_call_flood, {}, {"calls": 30_000, "connections": 8}),
    "call flood over --max-concurrent-rpcs": (
        drill_call_flood,
        {"server_args": OVER_THE_LIMIT},
        {"calls": 30_000, "connections": 8, "server_args": OVER_THE_LIMIT},
    ),
    "size limit edge": (drill_size_limit, {}, {"mib": 64}),
    "responses over the size limit": (drill_response_limit, {}, {}),
}
