"""A ghz-like load generator for unary gRPC calls, in Python (asyncio + grpc.aio).

Rules this module keeps:

1. Loopback only. ``check_target`` refuses any target that is not
   127.0.0.1, ::1 or localhost (which must resolve to loopback): a load
   generator pointed at someone else's server is an attack.
2. Every loop is bounded in count and in time. A run ends when its call count
   or its duration is reached, and in any case after ``max_run_s``; each call
   has a deadline; waiting for client processes has a timeout.
3. Bytes on the wire. The request is serialized once, in the parent, and sent
   as raw bytes; responses are not parsed. The figures describe the server and
   the gRPC stack, not protobuf parsing in the client.
4. What is counted: the calls that *complete* inside the measurement window
   (after the warm-up). Throughput and latency describe the same calls. Calls
   still in flight when the window closes are cancelled and reported apart
   (``cancelled_at_end``), never as errors; how long each had waited is kept
   (``in_flight_ms``), so ``latency_with_in_flight_ms`` gives percentiles
   that do not forget them (lower bounds: a server slower than the window
   is long would otherwise be judged by its luckiest calls only).

Several loads can run at once from one start signal (``run_many``: a mix),
and a load can send several requests in turn (``payloads``).

The load comes from ``processes`` client processes (``spawn``: no inherited
gRPC state), each with its share of the ``concurrency`` virtual clients. A
virtual client loops request -> response. Each process opens one channel
(one TCP connection: channels get a local subchannel pool, else gRPC would
share one connection between channels to the same target) per
``clients_per_connection`` virtual clients, so 1,000 clients make about 20
connections, as 1,000 real clients behind a few frontends would.

Use it as a module (``LoadSpec`` -> ``run`` -> ``LoadResult``) or as a CLI::

    python bench/load.py --call grpc.health.v1.Health/Check -c 200 -z 10 127.0.0.1:50051
    python bench/load.py --call scheduleflow.v1.ScheduleFlowService/Validate \\
        --json-file request.json -c 50 -n 5000 --out result.json 127.0.0.1:50051
"""

from __future__ import annotations

import argparse
import array
import asyncio
import contextlib
import importlib
import ipaddress
import json
import math
import multiprocessing
import queue
import socket
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MIB = 1024 * 1024

# Modules whose generated descriptors name the methods this tool can call by
# name with a JSON or factory payload (raw bytes work for any method).
_GENERATED_MODULES = (
    "scheduleflow.v1.service_pb2",
    "scheduleflow.v1.schedule_pb2",
    "grpc_health.v1.health_pb2",
)
_LOOPBACK_NAMES = ("localhost",)
# Waits that are not calls: connecting, spawning, collecting results.
_CONNECT_TIMEOUT_S = 30.0
_SPAWN_TIMEOUT_S = 60.0


# -- targets and payloads ------------------------------------------------------


def check_target(target: str) -> str:
    """``target`` if it is ``HOST:PORT`` on a loopback address, else ``ValueError``.

    Accepted hosts: 127.0.0.1 (any 127/8), ::1 (as ``[::1]:PORT``) and
    localhost, which must resolve to loopback addresses only.
    """
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"target {target!r}: give HOST:PORT, e.g. 127.0.0.1:50051 or [::1]:50051")
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if bare.lower() in _LOOPBACK_NAMES:
        try:
            infos = socket.getaddrinfo(bare, int(port), type=socket.SOCK_STREAM)
        except OSError as exc:
            raise ValueError(f"target {target!r}: cannot resolve {bare}: {exc}") from exc
        addresses = {info[4][0] for info in infos}
        if not addresses or not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
            raise ValueError(f"target {target!r}: {bare} resolves to {sorted(addresses)}, not only loopback")
        return f"{bare}:{port}"
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        raise ValueError(f"target {target!r}: only 127.0.0.1, [::1] or localhost are allowed") from None
    if not address.is_loopback:
        raise ValueError(f"target {target!r}: {bare} is not a loopback address; this tool only loads local servers")
    return f"[{bare}]:{port}" if address.version == 6 else f"{bare}:{port}"


def method_path(method: str) -> str:
    """``/package.Service/Method`` from ``package.Service/Method`` (or ``package.Service.Method``)."""
    name = method.lstrip("/")
    if "/" not in name:
        service, _, rpc = name.rpartition(".")
        name = f"{service}/{rpc}"
    service, _, rpc = name.partition("/")
    if not service or not rpc or "/" in rpc:
        raise ValueError(f"method {method!r}: give package.Service/Method")
    return f"/{service}/{rpc}"


def request_type(method: str) -> type[Any]:
    """The generated request class of ``method``, looked up in the known generated modules."""
    from google.protobuf import descriptor_pool, message_factory

    for module in _GENERATED_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    service, _, rpc = method_path(method)[1:].partition("/")
    try:
        descriptor = descriptor_pool.Default().FindServiceByName(service).methods_by_name[rpc]
    except KeyError:
        raise ValueError(f"method {method!r} is not in the generated modules {_GENERATED_MODULES}") from None
    return message_factory.GetMessageClass(descriptor.input_type)


def payload_from_json(method: str, text: str) -> bytes:
    """The request of ``method`` from its JSON form (proto3 JSON mapping), serialized."""
    from google.protobuf import json_format

    message = json_format.Parse(text, request_type(method)())
    return bytes(message.SerializeToString())


def payload_from_factory(method: str, factory: str | Callable[[], Any]) -> bytes:
    """The request built by ``factory`` (a callable or ``"module:function"``), serialized.

    The factory returns the request message or its serialized bytes.
    """
    if isinstance(factory, str):
        module, _, name = factory.partition(":")
        if not module or not name:
            raise ValueError(f"factory {factory!r}: give module:function")
        factory = getattr(importlib.import_module(module), name)
    made = factory()
    if isinstance(made, bytes | bytearray | memoryview):
        return bytes(made)
    expected = request_type(method).DESCRIPTOR.full_name
    if made.DESCRIPTOR.full_name != expected:
        raise ValueError(f"factory returned a {made.DESCRIPTOR.full_name}; {method} takes a {expected}")
    return bytes(made.SerializeToString())


# -- the run specification and its result --------------------------------------


@dataclass(frozen=True, kw_only=True)
class LoadSpec:
    """One load run: who to call, with what, how hard and for how long."""

    target: str
    method: str
    payload: bytes = b""
    payloads: tuple[bytes, ...] = ()
    """Several requests, sent in turn (each client process cycles through them); overrides ``payload``."""
    concurrency: int = 1
    clients_per_connection: int = 50
    processes: int = 1
    total: int | None = None
    """Stop after this many counted calls (split between processes)."""
    duration_s: float | None = None
    """Stop this long after the warm-up. With neither total nor duration: 10 s."""
    warmup_s: float = 0.0
    """Calls completing in this first period are not counted."""
    rate: float | None = None
    """At most this many calls per second in total (None: as fast as answers come)."""
    timeout_s: float = 30.0
    """The deadline of each call."""
    max_message_bytes: int = 80 * MIB
    max_run_s: float = 600.0
    """Hard cap on a run, warm-up included: the run stops by itself."""
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "target", check_target(self.target))
        object.__setattr__(self, "method", method_path(self.method))
        problems = []
        if self.concurrency < 1:
            problems.append("concurrency must be at least 1")
        if self.clients_per_connection < 1:
            problems.append("clients_per_connection must be at least 1")
        if not 1 <= self.processes <= self.concurrency:
            problems.append("processes must be between 1 and concurrency")
        if self.total is not None and self.total < self.processes:
            problems.append("total must be at least the number of processes")
        if self.duration_s is not None and self.duration_s <= 0:
            problems.append("duration_s must be positive")
        if self.warmup_s < 0:
            problems.append("warmup_s must be 0 or more")
        if self.rate is not None and self.rate <= 0:
            problems.append("rate must be positive")
        if self.timeout_s <= 0 or self.max_run_s <= 0:
            problems.append("timeout_s and max_run_s must be positive")
        if problems:
            raise ValueError("invalid load spec: " + "; ".join(problems))

    @property
    def effective_duration_s(self) -> float | None:
        return 10.0 if self.total is None and self.duration_s is None else self.duration_s

    def share(self, index: int) -> tuple[int, int | None]:
        """Virtual clients and call count of client process ``index``."""
        clients = self.concurrency // self.processes + (index < self.concurrency % self.processes)
        if self.total is None:
            return clients, None
        return clients, self.total // self.processes + (index < self.total % self.processes)

    def connections(self, index: int) -> int:
        return math.ceil(self.share(index)[0] / self.clients_per_connection)

    @property
    def requests(self) -> tuple[bytes, ...]:
        return self.payloads or (self.payload,)


@dataclass
class _ProcessResult:
    """What one client process measured (plain data: it crosses a pipe)."""

    latencies: bytes  # array('d') of seconds, counted calls only
    codes: dict[str, int]
    outside_codes: dict[str, int]  # calls that completed in the warm-up or after the window
    window_start: float  # time.monotonic(): system-wide on Linux and macOS
    window_end: float
    cancelled_at_end: int
    connections: int
    in_flight_ages: bytes = b""  # array('d') of seconds: how long each call cancelled at the end had waited


@dataclass
class LoadResult:
    """The merged figures of a run. Latencies in milliseconds.

    ``window_start``/``window_end`` are ``time.monotonic()`` readings (one
    clock for all processes on Linux and macOS) so a caller can line up its
    own samples (server CPU, memory) with the measurement window.
    """

    label: str
    target: str
    method: str
    payload_bytes: int
    concurrency: int
    connections: int
    processes: int
    count: int
    ok: int
    elapsed_s: float
    calls_per_s: float
    ok_per_s: float
    latency_ms: dict[str, float]
    histogram: list[dict[str, float]]
    codes: dict[str, int]
    outside_codes: dict[str, int]
    """Status codes of calls completed outside the window (warm-up, end): not counted, never hidden."""
    cancelled_at_end: int
    windows: list[tuple[float, float]]
    samples_ms: list[float] = field(default_factory=list, repr=False)
    """Every counted latency, sorted (not written to JSON)."""
    in_flight_ms: list[float] = field(default_factory=list, repr=False)
    """How long each call cancelled at the end had waited by then, sorted (not written to JSON)."""

    @property
    def latency_with_in_flight_ms(self) -> dict[str, float]:
        """Percentiles of the counted calls and the calls still in flight at the end, those at their age.

        An in-flight call's latency is at least its age, so these are lower
        bounds; unlike ``latency_ms`` they do not forget the calls that waited
        longest. When a server answers slower than the window is long (a queue
        of 1,000 clients in front of a few calls per second), the counted calls
        are only the lucky first ones, and this is the honest figure.
        """
        both = sorted(self.samples_ms + self.in_flight_ms)
        return {f"p{p}": percentile(both, p) for p in (50, 90, 99)} | {"calls": float(len(both))}

    @property
    def errors(self) -> int:
        return self.count - self.ok

    @property
    def error_codes(self) -> dict[str, int]:
        return {code: n for code, n in sorted(self.codes.items()) if code != "OK"}

    @property
    def outside_errors(self) -> dict[str, int]:
        return {code: n for code, n in sorted(self.outside_codes.items()) if code != "OK"}

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        del out["samples_ms"], out["in_flight_ms"]
        out["latency_with_in_flight_ms"] = self.latency_with_in_flight_ms
        return out

    def format_text(self) -> str:
        """A ghz-like summary."""
        lat = self.latency_ms
        outside = sum(self.outside_codes.values())
        lines = [
            f"Summary: {self.label or self.method} -> {self.target}",
            f"  Count:        {self.count}  ({self.concurrency} clients, {self.connections} connections, "
            f"{self.processes} processes)",
            f"  Total:        {self.elapsed_s:.2f} s",
            f"  Requests/sec: {self.calls_per_s:.2f}  (OK: {self.ok_per_s:.2f})",
            f"  Payload:      {self.payload_bytes} bytes",
            f"  Not counted:  {outside} calls outside the window (errors: {self.outside_errors or 0}), "
            f"{self.cancelled_at_end} in flight at the end",
            "",
            "Latency distribution:",
        ]
        if self.cancelled_at_end:
            bound = self.latency_with_in_flight_ms
            lines.insert(
                -2, f"  With those:   p50 >= {bound['p50']:.2f} ms, p99 >= {bound['p99']:.2f} ms (at their age)"
            )
        for key in ("min", "mean", "p50", "p90", "p95", "p99", "max"):
            lines.append(f"  {key:>4}: {lat.get(key, 0.0):10.2f} ms")
        lines += ["", "Histogram (upper bound, count):"]
        most = max((b["count"] for b in self.histogram), default=0) or 1
        for bucket in self.histogram:
            bar = "∎" * round(40 * bucket["count"] / most)
            lines.append(f"  {bucket['le_ms']:10.2f} ms [{int(bucket['count']):>7}] |{bar}")
        lines += ["", "Status code distribution:"]
        for code, n in sorted(self.codes.items(), key=lambda kv: -kv[1]):
            lines.append(f"  [{code}] {n} responses")
        return "\n".join(lines)


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(len(sorted_values) * p / 100))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def histogram(sorted_ms: Sequence[float]) -> list[dict[str, float]]:
    """Counts per 1-2-5 bucket (..., 1, 2, 5, 10 ms, ...) from the first non-empty one to the last."""
    if not sorted_ms:
        return []
    edges: list[float] = []
    decade, step = 0.01, 0
    while not edges or edges[-1] < sorted_ms[-1]:
        edges.append(round(decade * (1, 2, 5)[step], 6))
        step = (step + 1) % 3
        decade = decade * 10 if step == 0 else decade
    out: list[dict[str, float]] = []
    i = 0
    for upper in edges:
        n = 0
        while i < len(sorted_ms) and sorted_ms[i] <= upper:
            n += 1
            i += 1
        if n or out:
            out.append({"le_ms": upper, "count": n})
    return out


def _summarise(
    like: LoadResult | LoadSpec,
    *,
    samples_ms: list[float],
    codes: Counter[str],
    outside_codes: Counter[str],
    windows: list[tuple[float, float]],
    elapsed: float,
    connections: int,
    cancelled_at_end: int,
    payload_bytes: int,
    in_flight_ms: list[float] | None = None,
) -> LoadResult:
    ms = sorted(samples_ms)
    count = sum(codes.values())
    elapsed = max(elapsed, 1e-9)
    latency = {
        "min": ms[0] if ms else 0.0,
        "mean": sum(ms) / len(ms) if ms else 0.0,
        **{f"p{p}": percentile(ms, p) for p in (50, 90, 95, 99)},
        "max": ms[-1] if ms else 0.0,
    }
    return LoadResult(
        label=like.label,
        target=like.target,
        method=like.method,
        payload_bytes=payload_bytes,
        concurrency=like.concurrency,
        connections=connections,
        processes=like.processes,
        count=count,
        ok=codes.get("OK", 0),
        elapsed_s=elapsed,
        calls_per_s=count / elapsed,
        ok_per_s=codes.get("OK", 0) / elapsed,
        latency_ms=latency,
        histogram=histogram(ms),
        codes=dict(codes),
        outside_codes=dict(outside_codes),
        cancelled_at_end=cancelled_at_end,
        windows=windows,
        samples_ms=ms,
        in_flight_ms=sorted(in_flight_ms or []),
    )


def _merge(spec: LoadSpec, parts: list[_ProcessResult]) -> LoadResult:
    """The processes of one run ran at the same time: their windows overlap."""
    values = array.array("d")
    ages = array.array("d")
    codes: Counter[str] = Counter()
    outside: Counter[str] = Counter()
    for part in parts:
        values.frombytes(part.latencies)
        ages.frombytes(part.in_flight_ages)
        codes.update(part.codes)
        outside.update(part.outside_codes)
    window = (min(p.window_start for p in parts), max(p.window_end for p in parts))
    return _summarise(
        spec,
        samples_ms=[v * 1000 for v in values],
        codes=codes,
        outside_codes=outside,
        windows=[window],
        elapsed=window[1] - window[0],
        connections=sum(p.connections for p in parts),
        cancelled_at_end=sum(p.cancelled_at_end for p in parts),
        payload_bytes=len(spec.requests[0]),
        in_flight_ms=[v * 1000 for v in ages],
    )


def combine(results: Sequence[LoadResult]) -> LoadResult:
    """One result from runs of the same load made one after another (rounds of a cell)."""
    if not results:
        raise ValueError("nothing to combine")
    codes: Counter[str] = Counter()
    outside: Counter[str] = Counter()
    for r in results:
        codes.update(r.codes)
        outside.update(r.outside_codes)
    return _summarise(
        results[0],
        samples_ms=[v for r in results for v in r.samples_ms],
        codes=codes,
        outside_codes=outside,
        windows=[w for r in results for w in r.windows],
        elapsed=sum(r.elapsed_s for r in results),
        connections=max(r.connections for r in results),
        cancelled_at_end=sum(r.cancelled_at_end for r in results),
        payload_bytes=results[0].payload_bytes,
        in_flight_ms=[v for r in results for v in r.in_flight_ms],
    )


# -- one client process ----------------------------------------------------------


class _Window:
    """The measurement state of one client process (one event loop: no locks)."""

    def __init__(self, spec: LoadSpec, total: int | None, start: float, clients: int = 0, first: int = 0) -> None:
        duration = spec.effective_duration_s
        self.total = total
        self.start = start + spec.warmup_s
        self.planned_end = self.start + duration if duration is not None else math.inf
        self.hard_end = start + spec.max_run_s
        self.end = self.planned_end
        self.latencies = array.array("d")
        self.codes: Counter[str] = Counter()
        self.outside_codes: Counter[str] = Counter()
        self.counted = 0
        self.in_flight = 0
        self.done = asyncio.Event()
        self.rate_step = spec.processes / spec.rate if spec.rate else 0.0
        self.next_slot = start
        # The start of each virtual client's call in flight (nan: none), for the ages at the end.
        self.started = array.array("d", [math.nan]) * clients
        self.requests = spec.requests
        self.request_index = first

    def next_request(self) -> bytes:
        """The next request of the cycle (one request: always that one)."""
        request = self.requests[self.request_index % len(self.requests)]
        self.request_index += 1
        return request

    def in_flight_ages(self, now: float) -> array.array[float]:
        return array.array("d", (now - s for s in self.started if not math.isnan(s)))

    def may_start(self, now: float) -> bool:
        if self.done.is_set() or now >= min(self.planned_end, self.hard_end):
            return False
        # Count-bound: no more calls than the count still needs.
        return self.total is None or self.counted + self.in_flight < self.total

    def record(self, started: float, finished: float, code: str) -> None:
        if self.done.is_set() or finished < self.start or finished >= self.planned_end:
            self.outside_codes[code] += 1
            return
        self.latencies.append(finished - started)
        self.codes[code] += 1
        self.counted += 1
        if self.total is not None and self.counted >= self.total:
            self.end = finished
            self.done.set()


async def _virtual_client(call: Any, client: int, spec: LoadSpec, window: _Window) -> None:
    import grpc

    loop_time = time.monotonic
    while window.may_start(loop_time()):
        if window.rate_step:
            slot = window.next_slot
            window.next_slot = max(window.next_slot, loop_time()) + window.rate_step
            delay = slot - loop_time()
            if delay > 0:
                await asyncio.sleep(min(delay, window.hard_end - loop_time()))
            if not window.may_start(loop_time()):
                return
        payload = window.next_request()
        window.in_flight += 1
        started = window.started[client] = loop_time()
        try:
            await call(payload, timeout=spec.timeout_s)
            code = "OK"
        except grpc.aio.AioRpcError as exc:
            code = exc.code().name
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a client-side failure is a result too, not a crash of the run
            code = f"CLIENT_{type(exc).__name__}"
        finally:
            window.in_flight -= 1
            window.started[client] = math.nan
        window.record(started, loop_time(), code)


async def _drive(spec: LoadSpec, index: int, go: Any, ready: Any, key: Any = None) -> _ProcessResult:
    import grpc

    clients, total = spec.share(index)
    options = [
        ("grpc.max_send_message_length", spec.max_message_bytes),
        ("grpc.max_receive_message_length", spec.max_message_bytes),
        # A connection per channel, as separate clients would have.
        ("grpc.use_local_subchannel_pool", 1),
    ]
    channels = [grpc.aio.insecure_channel(spec.target, options=options) for _ in range(spec.connections(index))]
    try:
        await asyncio.wait_for(
            asyncio.gather(*(ch.channel_ready() for ch in channels)), timeout=min(_CONNECT_TIMEOUT_S, spec.max_run_s)
        )
        ready.put(("ready", index if key is None else key))
        loop = asyncio.get_running_loop()
        if not await loop.run_in_executor(None, go.wait, _SPAWN_TIMEOUT_S):
            raise TimeoutError("the parent never said go")
        # Raw bytes in, raw bytes out: no (de)serializer.
        calls = [ch.unary_unary(spec.method) for ch in channels]
        window = _Window(spec, total, time.monotonic(), clients, first=index)
        tasks = [
            asyncio.create_task(_virtual_client(calls[i // spec.clients_per_connection], i, spec, window))
            for i in range(clients)
        ]
        all_done = asyncio.create_task(asyncio.wait(tasks))
        stop = asyncio.create_task(window.done.wait())
        limit = min(window.planned_end, window.hard_end) - time.monotonic()
        await asyncio.wait({all_done, stop}, timeout=max(0.0, limit), return_when=asyncio.FIRST_COMPLETED)
        window.end = min(window.end, time.monotonic())
        window.done.set()
        cancelled = window.in_flight
        ages = window.in_flight_ages(time.monotonic())
        for task in (*tasks, all_done, stop):
            task.cancel()
        await asyncio.gather(*tasks, all_done, stop, return_exceptions=True)
        return _ProcessResult(
            latencies=window.latencies.tobytes(),
            codes=dict(window.codes),
            outside_codes=dict(window.outside_codes),
            window_start=window.start,
            window_end=max(window.start, window.end),
            cancelled_at_end=cancelled,
            connections=len(channels),
            in_flight_ages=ages.tobytes(),
        )
    finally:
        await asyncio.gather(*(ch.close() for ch in channels), return_exceptions=True)


def reap(procs: Sequence[Any], *queues: Any, timeout_s: float = 10.0) -> None:
    """Wait for helper processes to end (``timeout_s`` each), kill any still alive, close their queues."""
    for p in procs:
        p.join(timeout=timeout_s)
        if p.is_alive():
            p.kill()
            p.join(timeout=5)
    for q in queues:
        q.close()


def _client_process(spec: LoadSpec, index: int, go: Any, ready: Any, results: Any, key: Any = None) -> None:
    key = index if key is None else key
    try:
        result = asyncio.run(_drive(spec, index, go, ready, key))
        results.put(("ok", key, result))
    except BaseException:
        results.put(("error", key, traceback.format_exc()))


def run(spec: LoadSpec) -> LoadResult:
    """Run ``spec`` from ``spec.processes`` spawned client processes; merged figures."""
    return run_many([spec])[0]


def run_many(specs: Sequence[LoadSpec]) -> list[LoadResult]:
    """Run several loads at once (a mix), each from its own client processes.

    Every client process connects first; then one signal starts them all, so
    the measurement windows of the loads line up. One result per spec.
    """
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()
    ready = ctx.Queue()
    results = ctx.Queue()
    keys = [(s, i) for s, spec in enumerate(specs) for i in range(spec.processes)]
    procs = [
        ctx.Process(
            target=_client_process,
            args=(specs[s], i, go, ready, results, (s, i)),
            name=f"load-client-{s}-{i}",
            daemon=True,
        )
        for s, i in keys
    ]
    for p in procs:
        p.start()
    parts: dict[tuple[int, int], _ProcessResult] = {}
    failures: list[str] = []
    try:
        waiting = set(keys)
        deadline = time.monotonic() + _SPAWN_TIMEOUT_S + _CONNECT_TIMEOUT_S
        while waiting and time.monotonic() < deadline:
            try:
                kind, key = ready.get(timeout=0.2)
                waiting.discard(tuple(key))
            except queue.Empty:
                with contextlib.suppress(queue.Empty):
                    kind, key, detail = results.get_nowait()
                    failures.append(f"client {key}: {detail}")
                    break
        if waiting and not failures:
            targets = sorted({specs[s].target for s, _ in waiting})
            failures.append(f"client processes {sorted(waiting)} did not connect to {', '.join(targets)}")
        go.set()
        # Every process sends exactly one message; each run is bounded by max_run_s.
        longest = max(spec.max_run_s + spec.timeout_s for spec in specs)
        deadline = time.monotonic() + longest + _SPAWN_TIMEOUT_S
        while len(parts) + len(failures) < len(keys) and time.monotonic() < deadline:
            try:
                kind, key, detail = results.get(timeout=0.5)
            except queue.Empty:
                if not any(p.is_alive() for p in procs) and results.empty():
                    break
                continue
            if kind == "ok":
                parts[tuple(key)] = detail
            else:
                failures.append(f"client {key}: {detail}")
    finally:
        reap(procs, ready, results)
    if failures or len(parts) < len(keys):
        raise RuntimeError("load run failed:\n" + ("\n".join(failures) or "a client process vanished"))
    return [_merge(spec, [parts[(s, i)] for i in range(spec.processes)]) for s, spec in enumerate(specs)]


# -- the command line ------------------------------------------------------------


def _seconds(text: str) -> float:
    """``10``, ``10s``, ``500ms`` or ``2m`` as seconds."""
    for suffix, factor in (("ms", 0.001), ("s", 1.0), ("m", 60.0)):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="load.py",
        description="Load a local gRPC server with unary calls (ghz-like). Loopback targets only.",
    )
    parser.add_argument("target", help="HOST:PORT on 127.0.0.1, [::1] or localhost")
    parser.add_argument("--call", required=True, help="full method name, e.g. grpc.health.v1.Health/Check")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--binary-file", "-B", type=Path, help="the serialized request")
    source.add_argument("--json-file", type=Path, help="the request as JSON (proto3 JSON mapping)")
    source.add_argument("--data", "-d", help="the request as inline JSON")
    source.add_argument("--factory", help="module:function returning the request message or its bytes")
    parser.add_argument("--concurrency", "-c", type=int, default=50, help="virtual clients (default 50)")
    parser.add_argument("--clients-per-connection", type=int, default=50, help="virtual clients per connection")
    parser.add_argument("--processes", "-p", type=int, default=1, help="client processes (default 1)")
    parser.add_argument("--total", "-n", type=int, help="counted calls to make")
    parser.add_argument("--duration", "-z", type=_seconds, help="measure for this long (10s, 500ms, 2m)")
    parser.add_argument("--warmup", type=_seconds, default=0.0, help="uncounted warm-up period")
    parser.add_argument("--rate", "-r", type=float, help="at most this many calls per second in total")
    parser.add_argument("--timeout", "-t", type=_seconds, default=30.0, help="deadline of each call (default 30s)")
    parser.add_argument("--max-message-mib", type=int, default=80, help="client message size limit (default 80)")
    parser.add_argument("--max-run", type=_seconds, default=600.0, help="hard cap on the run (default 10m)")
    parser.add_argument("--out", "-o", type=Path, help="write the result as JSON here ('-' for stdout)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.binary_file is not None:
            payload = args.binary_file.read_bytes()
        elif args.json_file is not None:
            payload = payload_from_json(args.call, args.json_file.read_text())
        elif args.data is not None:
            payload = payload_from_json(args.call, args.data)
        elif args.factory is not None:
            payload = payload_from_factory(args.call, args.factory)
        else:
            payload = b""
        spec = LoadSpec(
            target=args.target,
            method=args.call,
            payload=payload,
            concurrency=args.concurrency,
            clients_per_connection=args.clients_per_connection,
            processes=args.processes,
            total=args.total,
            duration_s=args.duration,
            warmup_s=args.warmup,
            rate=args.rate,
            timeout_s=args.timeout,
            max_message_bytes=args.max_message_mib * MIB,
            max_run_s=args.max_run,
        )
    except (ValueError, OSError) as exc:
        print(f"load.py: {exc}", file=sys.stderr)
        return 2
    result = run(spec)
    if args.out is not None and str(args.out) == "-":
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(result.format_text())
        if args.out is not None:
            args.out.write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    return 0 if result.count else 1


if __name__ == "__main__":
    sys.exit(main())
