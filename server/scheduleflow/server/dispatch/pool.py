"""A capped pool of worker processes for CPU work, with a bounded queue.

Why not ``concurrent.futures.ProcessPoolExecutor``: when one of its workers
dies (SIGKILL, OOM killer) the whole executor turns ``BrokenProcessPool`` and
every queued and running call fails; it cannot drop a queued job whose caller
went away, and its queue has no bound. Here each worker is a process with one
pipe, driven by one thread in the server process, so:

- a dead worker fails only the job it was running (``Unavailable``: retry),
  and is replaced at once;
- at most ``capacity`` jobs wait; one more fails fast with ``Overloaded``
  (RESOURCE_EXHAUSTED with a retry hint) instead of growing a backlog;
- a job whose deadline passed while it waited, or whose caller cancelled, is
  dropped before it reaches a worker;
- a job that is running when its caller cancels, its deadline passes or it
  has used ``max_job_s`` (the server's budget for any one job) ends with its
  worker: the process is killed (SIGKILL: immediate, whatever the job is
  doing, pure Python or lxml's C) and a fresh one from the fork server takes
  its place. Cooperative stopping was rejected: a check between steps cannot
  interrupt one long C call (a parse, a sort), so it is not as sure. A worker
  killed mid-commit leaves nothing: SQLite's WAL and PostgreSQL roll the
  transaction back, and the caller, gone or told DEADLINE_EXCEEDED, was never
  told it succeeded;
- workers start from a ``forkserver`` (or ``spawn``) context before the gRPC
  server starts: forking a process that holds gRPC threads can hang.

Jobs are names of top-level functions in ``scheduleflow.server.dispatch.jobs`` taking
and returning plain data (bytes, dataclasses of the core): no live objects
cross the pipe.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import select
import signal
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any

from scheduleflow.server.core.errors import Overloaded, ScheduleFlowError, Unavailable
from scheduleflow.server.dispatch.errors import DeadlineExpired, JobBudgetExceeded, JobFailed
from scheduleflow.server.dispatch.memory import configure_malloc, release_memory

log = logging.getLogger("scheduleflow.pool")

_STOP = b"stop"


#: What a worker says after each job, once it has cleaned up.
_STAYING = b"s"
_RETIRING = b"r"

#: See WorkerPool.max_job_s: far above any job a limit allows (a 64 MiB import
#: takes about 20 s on one shared core), far below "forever".
DEFAULT_MAX_JOB_S = 60.0

#: See WorkerPool.retire_growth. Measured: a 100k-event import leaves a worker
#: about 55 MiB larger than it started, a 250k one about 75 MiB.
DEFAULT_RETIRE_GROWTH = 48 << 20

#: Bytes at least this long cross the pipe as messages of their own, after the
#: pickle that names them: inside it they would be one more copy of a 64 MB
#: document on each side for as long as the pickle lives.
_OUT_OF_BAND_BYTES = 1 << 16


def _big(value: Any) -> Any:
    if type(value) is list:  # a holder a job empties to own what it holds
        return [_big(item) for item in value]
    if type(value) in (bytes, memoryview) and len(value) >= _OUT_OF_BAND_BYTES:
        return pickle.PickleBuffer(value)
    if type(value) is memoryview:  # small: a view does not pickle, its bytes do
        return value.tobytes()
    return value


def _nbytes(value: Any) -> int:
    """How many bytes of ``bytes`` a job's arguments hold at their top levels."""
    if type(value) in (tuple, list):
        return sum(_nbytes(item) for item in value)
    return len(value) if type(value) is bytes else 0


def _encode(value: tuple[Any, Any]) -> list[bytes | memoryview]:
    """The messages for a (name, args) job or a (kind, value) reply: a pickle
    that says how many buffers follow, then the big bytes, out of band."""
    first, second = value
    second = tuple(_big(a) for a in second) if type(second) is tuple else _big(second)
    buffers: list[pickle.PickleBuffer] = []
    head = pickle.dumps((first, second), protocol=5, buffer_callback=buffers.append)
    return [len(buffers).to_bytes(4, "big") + head, *(buffer.raw() for buffer in buffers)]


def _send(conn: multiprocessing.connection.Connection, messages: list[bytes | memoryview]) -> None:
    for message in messages:
        conn.send_bytes(message)


def _recv(conn: multiprocessing.connection.Connection, message: bytes) -> Any:
    """What ``_send`` sent, from its first message (the rest is read here)."""
    count = int.from_bytes(message[:4], "big")
    buffers = [conn.recv_bytes() for _ in range(count)]
    return pickle.loads(memoryview(message)[4:], buffers=buffers)


@dataclass(slots=True)
class _Job:
    name: str
    args: tuple[Any, ...]
    deadline: float | None
    future: asyncio.Future[Any]
    queued_at: float
    #: When a worker took it (0: still queued).
    started_at: float = 0.0
    #: The worker running it, and the timer that ends it at its deadline or budget.
    worker: _Worker | None = None
    timer: asyncio.TimerHandle | None = None


@dataclass(frozen=True, slots=True)
class PoolStats:
    size: int
    busy: int
    queued: int
    queue_capacity: int
    completed: int
    failed: int
    rejected: int
    worker_restarts: int
    dropped: int
    pids: tuple[int, ...]
    worker_retirements: int = 0
    #: Running jobs ended with their worker: the caller cancelled, its deadline
    #: passed, or the job used its whole budget (``max_job_s``).
    stopped_cancelled: int = 0
    stopped_deadline: int = 0
    stopped_budget: int = 0


#: After a job whose request or answer was larger than this, the worker hands freed heap
#: back to the OS: measured, a 54 MiB Validate left a worker at 385 MiB idle.
_TRIM_AFTER_BYTES = 1 << 20


def _rss_bytes() -> int:
    """This process's resident memory (Linux; 0 elsewhere: never retire)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _exit_with_server(conn: multiprocessing.connection.Connection) -> None:
    """End this worker the moment the server's end of its pipe closes.

    A worker that outlived a killed server would finish its job: an import
    nobody will be told about would commit after the crash, perhaps while a
    restarted server already serves the same database. Between jobs the loop
    sees the pipe close by itself; during one, this thread does. (Dying with
    the parent does not help: the parent is the fork server, which lives on
    while any worker does.) The pipe is a socket pair: its peer closing is
    POLLRDHUP, never confused with a message arriving. Linux; elsewhere the
    worker stops when it next reads the pipe.
    """
    rdhup = getattr(select, "POLLRDHUP", 0)
    if not rdhup:
        return
    poller = select.poll()
    poller.register(conn.fileno(), rdhup)

    def watch() -> None:
        while True:
            for _, event in poller.poll():
                if event & (rdhup | select.POLLHUP | select.POLLERR | select.POLLNVAL):
                    os._exit(1)

    threading.Thread(target=watch, name="exit-with-server", daemon=True).start()


def _worker_main(conn: multiprocessing.connection.Connection, retire_growth: int = 0) -> None:
    """The loop of one worker process: a request in, a result out, until it
    stops, or retires (see ``WorkerPool``'s ``retire_growth``)."""
    # The server process handles SIGINT/SIGTERM and stops workers itself; a
    # worker dying on the terminal's Ctrl-C would fail its job for nothing.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _exit_with_server(conn)
    from scheduleflow.server.dispatch import worker_store

    configure_malloc()
    try:
        _serve(conn, retire_growth)
    finally:
        worker_store.close_all()


def _serve(conn: multiprocessing.connection.Connection, retire_growth: int) -> None:
    import gc

    from scheduleflow.server.dispatch import jobs

    start_rss = _rss_bytes()
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if message == _STOP:
            return
        name, args = _recv(conn, message)
        big = _nbytes(args) > _TRIM_AFTER_BYTES  # before the job empties a holder
        # Jobs build large acyclic structures; the cyclic collector would scan
        # them again and again (measured: 1M-event validation 40 % slower).
        # Reference counting frees them; one collection after the job is enough.
        gc.disable()
        try:
            reply: tuple[str, Any] = ("ok", jobs.run(name, *args))
        except ScheduleFlowError as exc:
            reply = ("error", exc)
        except Exception:
            reply = ("crash", traceback.format_exc())
        finally:
            gc.enable()
        # An export is a small request with a big answer: either way the job
        # held large structures.
        big = big or (type(reply[1]) is bytes and len(reply[1]) > _TRIM_AFTER_BYTES)
        try:
            _send(conn, _encode(reply))
        except (EOFError, OSError):
            return
        del reply, args
        gc.collect(1)
        if big:
            release_memory()
        # A big job leaves the heap fragmented: memory that Python and malloc
        # keep and no trim gives back. A fresh worker from the fork server
        # costs milliseconds. Said after every job, so the feeder sends the
        # next one only to a worker that stays.
        retiring = retire_growth > 0 and start_rss > 0 and _rss_bytes() - start_rss > retire_growth
        try:
            conn.send_bytes(_RETIRING if retiring else _STAYING)
        except (EOFError, OSError):
            return
        if retiring:
            return


class _Worker:
    """One worker process and the thread that feeds it."""

    def __init__(self, pool: WorkerPool, index: int) -> None:
        self.pool = pool
        self.index = index
        self.inbox: collections.deque[_Job | None] = collections.deque()
        self.wakeup = threading.Event()
        self.process: multiprocessing.process.BaseProcess | None = None
        self.conn: multiprocessing.connection.Connection | None = None
        self.current: _Job | None = None
        self.thread = threading.Thread(target=self._feed, name=f"pool-feeder-{index}", daemon=True)
        #: Between the event loop, which may kill the process for a job that
        #: must end, and this feeder: ``answered`` is the job whose answer has
        #: been read (too late to kill for it), ``killed_for`` the job the
        #: process was killed for (its end of the pipe is not a crash).
        self.lock = threading.Lock()
        self.answered: _Job | None = None
        self.killed_for: _Job | None = None

    def spawn(self) -> None:
        parent, child = self.pool.ctx.Pipe(duplex=True)
        process = self.pool.ctx.Process(
            target=_worker_main, args=(child, self.pool.retire_growth), name=f"scheduleflow-worker-{self.index}"
        )
        process.daemon = True
        process.start()
        child.close()
        with self.lock:
            self.process, self.conn = process, parent

    @property
    def pid(self) -> int:
        try:
            return self.process.pid or 0 if self.process is not None else 0
        except ValueError:
            # Process closed: the pool has closed, or the feeder thread is between
            # closing a dead worker and spawning its replacement.
            return 0

    def give(self, job: _Job | None) -> None:
        self.inbox.append(job)
        self.wakeup.set()

    def _feed(self) -> None:
        while True:
            self.wakeup.wait()
            self.wakeup.clear()
            while self.inbox:
                job = self.inbox.popleft()
                if job is None:
                    self._stop_process()
                    return
                self._run(job)
                # Not held while this thread waits for the next: a finished
                # job's arguments and answer can be a 64 MB document each.
                del job

    def _run(self, job: _Job) -> None:
        assert self.conn is not None
        try:
            messages = _encode((job.name, job.args))
        except Exception:
            # Arguments that cannot cross the pipe are the caller's bug: fail this
            # job alone; an exception here would end the feeder thread, leaving the
            # call waiting forever and the worker lost to the pool.
            self.pool._finished(self, job, error=JobFailed(job.name, traceback.format_exc()))
            return
        # Sent, the arguments are not needed here again, yet the job may live
        # on (``killed_for``): they can be a 64 MB document.
        job.args = ()
        try:
            _send(self.conn, messages)
            del messages
            reply = _recv(self.conn, self.conn.recv_bytes())
            with self.lock:
                killed = self.killed_for is job
                if not killed:
                    self.answered = job
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            with self.lock:
                killed = self.killed_for is job
            if not killed:
                self._died(job, exc)
                return
        if killed:
            # Ended on purpose (see WorkerPool.stop_job); the job's future is settled.
            self._respawn(exiting=False)
            self.pool._finished(self, job, error=Unavailable("the job was stopped"))
            return
        self._answered(job, reply)

    def _died(self, job: _Job, exc: BaseException) -> None:
        code = self.process.exitcode if self.process is not None else None
        log.warning(
            "worker %d (pid %d) died running %s (exit code %s): replacing it", self.index, self.pid, job.name, code
        )
        self._replace()
        self.pool._finished(
            self,
            job,
            error=Unavailable(
                f"the worker running this call died ({type(exc).__name__}); it has been replaced: retry the call",
                retry_after_s=0.05,
            ),
        )

    def _answered(self, job: _Job, reply: tuple[str, Any]) -> None:
        assert self.conn is not None
        kind, value = reply
        if kind == "ok":
            self.pool._finished(self, job, result=value)
        elif kind == "error":
            self.pool._finished(self, job, error=value)
        else:
            self.pool._finished(self, job, error=JobFailed(job.name, value))
        del reply, value
        # The answer is on its way; now whether the worker stays. A job the
        # pool gives it meanwhile waits in the inbox until this is settled.
        try:
            retiring = self.conn.recv_bytes() == _RETIRING
        except (EOFError, OSError):
            log.warning("worker %d (pid %d) died after its job: replacing it", self.index, self.pid)
            self._replace()
            return
        if retiring:
            self._retire()

    def _retire(self) -> None:
        """Replace a worker that said it leaves after its answer."""
        old = self.pid
        if self._respawn(exiting=True):
            self.pool.retired += 1
            log.info("worker %d (pid %d) retired after a big job; pid %d replaces it", self.index, old, self.pid)

    def _replace(self) -> None:
        """Replace a worker that died."""
        if self._respawn(exiting=False):
            self.pool.restarts += 1

    def kill_for(self, job: _Job) -> bool:
        """Kill the process now if it is still working on ``job`` (event loop side)."""
        with self.lock:
            # Answered: too late. Killed already: its deadline passed, then the
            # caller's cancellation came too (counted once).
            if self.answered is job or self.killed_for is job:
                return False
            # Between processes (a retiring worker being replaced) the job has
            # not been sent: the feeder sees the mark and drops it.
            self.killed_for = job
            if self.process is not None:
                with contextlib.suppress(Exception):
                    self.process.kill()
        return True

    def _respawn(self, *, exiting: bool) -> bool:
        """Close the worker's pipe, end its process and start a fresh one;
        False when the pool is closing (no fresh one). A worker ``exiting`` on
        its own gets a few seconds to do so before it is killed. The lock is
        held only to swap the process: ``kill_for`` runs on the event loop."""
        with self.lock:
            conn, process = self.conn, self.process
            self.conn = self.process = None
        with contextlib.suppress(Exception):
            if conn is not None:
                conn.close()
        if process is not None:
            if exiting:
                process.join(timeout=5)
            with contextlib.suppress(Exception):
                process.kill()
            process.join(timeout=5)
            with contextlib.suppress(Exception):
                process.close()
        if self.pool.closing:
            return False
        self.spawn()
        return True

    def _stop_process(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.send_bytes(_STOP)
            with contextlib.suppress(Exception):
                self.conn.close()
        if self.process is not None:
            self.process.join(timeout=5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(timeout=5)
            with contextlib.suppress(Exception):
                self.process.close()


class WorkerPool:
    """``size`` worker processes behind a queue of at most ``capacity`` jobs.

    Use as an async context manager, entered before the gRPC server starts.
    """

    def __init__(
        self,
        size: int,
        capacity: int,
        *,
        start_method: str = "forkserver",
        retire_growth: int = DEFAULT_RETIRE_GROWTH,
        max_job_s: float = DEFAULT_MAX_JOB_S,
    ) -> None:
        if size < 1 or capacity < 0:
            raise ValueError("a pool needs at least one worker and a non-negative capacity")
        self.size = size
        self.capacity = capacity
        #: A worker still this many bytes larger than it started after a job
        #: (and a trim, after a big one) is replaced; 0 never.
        self.retire_growth = retire_growth
        self.retired = 0
        #: The longest any one job may run in a worker before it is ended.
        self.max_job_s = max_job_s
        self.stopped = {"cancelled": 0, "deadline": 0, "budget": 0}
        ctx: Any
        if start_method == "forkserver":
            ctx = multiprocessing.get_context("forkserver")
            # Import the job modules once in the fork server, not in every worker.
            ctx.set_forkserver_preload(["scheduleflow.server.dispatch.jobs"])
        else:
            ctx = multiprocessing.get_context(start_method)
        self.ctx: Any = ctx
        self.closing = False
        self.restarts = 0
        self.completed = self.failed = self.rejected = self.dropped = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._workers: list[_Worker] = []
        self._idle: list[_Worker] = []
        self._queue: collections.deque[_Job] = collections.deque()
        #: Moving mean of a job's time in a worker (dispatch to answer).
        self._mean_service_s = 0.01

    async def __aenter__(self) -> WorkerPool:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._workers = [_Worker(self, i) for i in range(self.size)]

        # Starting processes blocks (the fork server answers over a socket).
        def spawn_all() -> None:
            for w in self._workers:
                w.spawn()

        await asyncio.to_thread(spawn_all)
        for w in self._workers:
            w.thread.start()
        self._idle = list(self._workers)

    async def close(self) -> None:
        self.closing = True
        while self._queue:
            job = self._queue.popleft()
            if not job.future.done():
                job.future.set_exception(Unavailable("the server is shutting down: retry on another replica"))
        for w in self._workers:
            w.give(None)

        def join_all() -> None:
            for w in self._workers:
                w.thread.join(timeout=10)

        await asyncio.to_thread(join_all)

    def stats(self) -> PoolStats:
        return PoolStats(
            size=self.size,
            busy=self.size - len(self._idle),
            queued=len(self._queue),
            queue_capacity=self.capacity,
            completed=self.completed,
            failed=self.failed,
            rejected=self.rejected,
            worker_restarts=self.restarts,
            worker_retirements=self.retired,
            stopped_cancelled=self.stopped["cancelled"],
            stopped_deadline=self.stopped["deadline"],
            stopped_budget=self.stopped["budget"],
            dropped=self.dropped,
            pids=tuple(w.pid for w in self._workers),
        )

    async def run(self, name: str, *args: Any, timeout: float | None = None) -> Any:
        """Run job ``name`` with ``args`` (plain, picklable data) in a worker.

        Raises ``Overloaded`` when the queue is full, ``DeadlineExpired`` when
        ``timeout`` seconds pass before a worker takes the job, ``Unavailable``
        if the worker dies or the pool closes, a ``ScheduleFlowError`` that the
        job raised, or ``JobFailed`` for anything else it raised.
        """
        if self.closing:
            raise Unavailable("the server is shutting down: retry on another replica")
        loop = asyncio.get_running_loop()
        now = time.monotonic()
        job = _Job(name, args, now + timeout if timeout is not None else None, loop.create_future(), now)
        if self._idle:
            self._dispatch(self._idle.pop(), job)
        elif len(self._queue) < self.capacity:
            self._queue.append(job)
        else:
            raise self.refusal()
        try:
            return await job.future
        except asyncio.CancelledError:
            # The caller went away: a queued job is skipped when its turn comes
            # (its future is cancelled); a running one ends with its worker.
            job.future.cancel()
            self._stop_job(job, "cancelled")
            raise

    @property
    def saturated(self) -> bool:
        """Every worker busy and the queue full: the next job would be refused."""
        return not self._idle and len(self._queue) >= self.capacity

    def refusal(self) -> Overloaded:
        """The error for a job refused now (counted), with the hint ``retry_hint`` gives."""
        self.rejected += 1
        return self.overloaded(self.retry_hint())

    def overloaded(self, wait: float) -> Overloaded:
        """The error that refuses a job while the pool is saturated, with the hint ``wait`` (not counted)."""
        return Overloaded(
            f"the server is busy: {self.capacity} jobs are waiting for {self.size} workers; retry in {wait:.2f} s",
            retry_after_s=wait,
        )

    def retry_hint(self) -> float:
        """How long until the queue has room: until the first running job is expected to end.

        A job takes the mean service time (dispatch to answer); one that has
        already run longer is expected to run as long again. At least 50 ms,
        at most 5 s (past that, the caller had better try another replica).
        """
        now = time.monotonic()
        mean = self._mean_service_s
        soonest = min(
            (max(mean - ran, ran) for ran in (now - w.current.started_at for w in self._workers if w.current)),
            default=mean,
        )
        return max(0.05, min(5.0, soonest))

    def _dispatch(self, worker: _Worker, job: _Job) -> None:
        assert self._loop is not None
        worker.current = job
        job.worker = worker
        job.started_at = now = time.monotonic()
        end = now + self.max_job_s
        if job.deadline is not None:
            end = min(end, job.deadline)
        job.timer = self._loop.call_later(max(0.0, end - now), self._expire, job)
        worker.give(job)

    def _expire(self, job: _Job) -> None:
        """A running job's deadline or budget is over: fail it and end its worker."""
        if job.future.done():
            return
        if job.deadline is not None and job.deadline <= job.started_at + self.max_job_s:
            reason = "deadline"
            error: Exception = DeadlineExpired(
                f"job {job.name}: the call's deadline passed while it ran; its work was stopped", started=True
            )
        else:
            reason = "budget"
            error = JobBudgetExceeded(
                f"the work took more than {self.max_job_s:g} s, the server's limit for one call "
                "(--max-job-seconds): it was stopped; split the document or window into smaller calls",
                budget_s=self.max_job_s,
            )
        job.future.set_exception(error)
        self._stop_job(job, reason)

    def _stop_job(self, job: _Job, reason: str) -> None:
        """End the worker still running ``job`` (if it is) and count why."""
        if job.timer is not None:
            job.timer.cancel()
            job.timer = None
        worker = job.worker
        if worker is None or worker.current is not job:
            return
        if worker.kill_for(job):
            self.stopped[reason] += 1
            log.info(
                "stopped job %s after %.3f s in worker %d: %s",
                job.name,
                time.monotonic() - job.started_at,
                worker.index,
                {"cancelled": "its caller went away", "deadline": "its deadline passed", "budget": "over budget"}[
                    reason
                ],
            )

    def _finished(self, worker: _Worker, job: _Job, *, result: Any = None, error: BaseException | None = None) -> None:
        """Called on the worker's feeder thread; hands over to the event loop."""
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):  # loop closed during shutdown
            self._loop.call_soon_threadsafe(self._settle, worker, job, result, error)

    def _settle(self, worker: _Worker, job: _Job, result: Any, error: BaseException | None) -> None:
        if job.started_at:
            self._mean_service_s = 0.9 * self._mean_service_s + 0.1 * (time.monotonic() - job.started_at)
        if job.timer is not None:
            job.timer.cancel()
            job.timer = None
        job.worker = None
        worker.current = None
        with worker.lock:
            # Settled, the job cannot be killed for any more (``_stop_job``
            # sees the worker's ``current`` is not it). Kept until the worker's
            # next job, its future held the answer: an export's 64 MB stayed
            # in the server long after the call.
            if worker.answered is job:
                worker.answered = None
        if error is None:
            self.completed += 1
        else:
            self.failed += 1
        if not job.future.done():
            if error is None:
                job.future.set_result(result)
            else:
                job.future.set_exception(error)
        self._next_for(worker)

    def _next_for(self, worker: _Worker) -> None:
        now = time.monotonic()
        while self._queue:
            job = self._queue.popleft()
            if job.future.done():  # cancelled by its caller while waiting
                self.dropped += 1
                continue
            if job.deadline is not None and now >= job.deadline:
                self.dropped += 1
                job.future.set_exception(DeadlineExpired(f"job {job.name} waited past its deadline"))
                continue
            self._dispatch(worker, job)
            return
        if not self.closing:
            self._idle.append(worker)


def worker_pids(pool: WorkerPool) -> list[int]:
    """The process ids of the pool's workers (for operators and fault drills)."""
    return [pid for pid in pool.stats().pids if pid]


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
