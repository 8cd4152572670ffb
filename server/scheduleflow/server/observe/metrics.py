"""Prometheus metrics, served over HTTP on the port the configuration names.

The figures come from the same places as GetStats (``stats.Stats`` records
every call; the pool and the hub are read when Prometheus scrapes), so the two
views never disagree. Store latency is measured by wrapping the store.

Metric names follow Prometheus conventions: ``_total`` counters, ``_seconds``
histograms, base units.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from scheduleflow.server.dispatch.pool import WorkerPool
from scheduleflow.server.live.hub import UpdateHub
from scheduleflow.server.observe.stats import Stats
from scheduleflow.server.store import Store

#: Latency buckets from 1 ms to 2 min: small calls take milliseconds, a 64 MB
#: import tens of seconds.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class Metrics:
    """The server's metrics in their own registry (so tests can run several servers)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.calls = Counter(
            "scheduleflow_rpc_calls",
            "Calls handled, by full method name and status code.",
            ["method", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "scheduleflow_rpc_latency_seconds",
            "Time from a call's arrival to its answer, by method.",
            ["method"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.store_latency = Histogram(
            "scheduleflow_store_latency_seconds",
            "Time a store operation took, by operation.",
            ["operation"],
            buckets=_BUCKETS,
            registry=self.registry,
        )

        self.http_requests = Counter(
            "scheduleflow_http_requests",
            "Requests to the HTTP port (schedule page, JSON, live), by route and HTTP status.",
            ["route", "code"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "scheduleflow_http_latency_seconds",
            "Time from an HTTP request's arrival to its answer (live streams: to their start), by route.",
            ["route"],
            buckets=_BUCKETS,
            registry=self.registry,
        )

    def observe_call(self, method: str, code: str, seconds: float) -> None:
        self.calls.labels(method, code).inc()
        self.latency.labels(method).observe(seconds)

    def observe_http(self, route: str, code: int, seconds: float) -> None:
        self.http_requests.labels(route, str(code)).inc()
        self.http_latency.labels(route).observe(seconds)

    def watch(
        self,
        pool: WorkerPool,
        hub: UpdateHub,
        stats: Stats,
        *,
        store_up: Callable[[], bool] = lambda: True,
        ready: Callable[[], bool] = lambda: True,
    ) -> None:
        """Read the pool, the hub and the server's health at every scrape."""
        self.registry.register(_LiveCollector(pool, hub, stats, store_up, ready))

    def exposition(self) -> tuple[bytes, str]:
        """The text a scrape gets, and its content type (for the HTTP port's /metrics)."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def serve(self, listen: str) -> int:
        """Serve /metrics on HOST:PORT (port 0 picks one); returns the port."""
        host, _, port = listen.rpartition(":")
        server, _thread = start_http_server(int(port), addr=host.strip("[]"), registry=self.registry)
        self._http = server
        return int(server.server_port)

    def close(self) -> None:
        http = getattr(self, "_http", None)
        if http is not None:
            http.shutdown()
            http.server_close()

    def timed_store(self, store: Store) -> Store:
        """``store`` with every coroutine method timed into the store histogram."""
        return _TimedStore(store, self.store_latency)


class _LiveCollector(Collector):
    def __init__(
        self, pool: WorkerPool, hub: UpdateHub, stats: Stats, store_up: Callable[[], bool], ready: Callable[[], bool]
    ) -> None:
        self.pool = pool
        self.hub = hub
        self.stats = stats
        self.store_up = store_up
        self.ready = ready

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        p = self.pool.stats()
        for name, value, help_text in (
            ("scheduleflow_pool_size", p.size, "Worker processes in the pool."),
            ("scheduleflow_pool_busy", p.busy, "Workers running a job."),
            ("scheduleflow_pool_queued", p.queued, "Jobs waiting for a worker."),
            ("scheduleflow_pool_queue_capacity", p.queue_capacity, "Jobs that may wait before calls are shed."),
            ("scheduleflow_open_streams", self.stats.open_streams, "WatchSchedule streams open."),
            ("scheduleflow_open_pages", self.stats.open_pages, "Schedule pages following a channel live (SSE)."),
            ("scheduleflow_watchers", self.hub.watchers, "Subscriptions to the update hub (streams and pages)."),
            (
                "scheduleflow_watch_buffered_bytes",
                self.hub.total_bytes,
                "Bytes of changes buffered for watchers that have not read them (see --watch-buffer-total-bytes).",
            ),
            ("scheduleflow_store_up", int(self.store_up()), "1 while the store answers its health ping, else 0."),
            (
                "scheduleflow_ready",
                int(self.ready()),
                "1 while this replica serves (store up, not draining), else 0: what readiness probes see.",
            ),
        ):
            yield GaugeMetricFamily(name, help_text, value=value)
        for name, value, help_text in (
            ("scheduleflow_pool_completed", p.completed, "Jobs the pool finished."),
            ("scheduleflow_pool_failed", p.failed, "Jobs that failed (incl. crashed workers)."),
            ("scheduleflow_pool_rejected", p.rejected, "Calls shed because the queue was full."),
            ("scheduleflow_pool_worker_restarts", p.worker_restarts, "Workers replaced after dying."),
            (
                "scheduleflow_pool_worker_retirements",
                p.worker_retirements,
                "Workers replaced because a job left them much larger than they started.",
            ),
            ("scheduleflow_pool_dropped", p.dropped, "Queued jobs dropped: deadline passed or caller gone."),
            (
                "scheduleflow_pool_jobs_stopped_cancelled",
                p.stopped_cancelled,
                "Running jobs stopped with their worker: the caller went away.",
            ),
            (
                "scheduleflow_pool_jobs_stopped_deadline",
                p.stopped_deadline,
                "Running jobs stopped with their worker: the call's deadline passed.",
            ),
            (
                "scheduleflow_pool_jobs_stopped_budget",
                p.stopped_budget,
                "Running jobs stopped with their worker: over --max-job-seconds.",
            ),
            ("scheduleflow_inline_calls", self.stats.inline, "Calls small enough to run on the event loop."),
            (
                "scheduleflow_validate_fast_calls",
                self.stats.validate_fast,
                "Validates of clean schedules the compiled fast path answered on the event loop.",
            ),
            ("scheduleflow_changes_published", self.hub.published, "Committed changes fanned out to watchers."),
            (
                "scheduleflow_watch_overflows",
                self.hub.overflows,
                "Watchers resynchronised because their buffer overflowed (changes, bytes or the total).",
            ),
            (
                "scheduleflow_watch_resyncs",
                self.stats.resyncs,
                "Snapshots sent to streams that fell behind or whose resume point the log no longer held.",
            ),
        ):
            yield CounterMetricFamily(name, help_text, value=value)


class _TimedStore:
    """Delegates to a store, timing its coroutine methods."""

    def __init__(self, store: Store, histogram: Histogram) -> None:
        self._store = store
        self._histogram = histogram

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if name.startswith("_") or not callable(attr) or not _is_coroutine_function(attr):
            return attr
        histogram = self._histogram.labels(name)

        @wraps(attr)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await attr(*args, **kwargs)
            finally:
                histogram.observe(time.perf_counter() - started)

        return timed


def _is_coroutine_function(fn: Callable[..., Any]) -> bool:
    import inspect

    return inspect.iscoroutinefunction(fn)
