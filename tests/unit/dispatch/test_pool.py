"""The worker pool: results and errors across the pipe, backpressure, deadlines, crashes, shutdown.

Pools are small (one worker, tiny queues) so that a ``sleep`` job holding the
only worker makes the queue's state certain; every pool is closed by ``async with``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from scheduleflow.server.core.errors import InvalidInput, Overloaded, Unavailable
from scheduleflow.server.dispatch.errors import DeadlineExpired, JobBudgetExceeded, JobFailed
from scheduleflow.server.dispatch.pool import PoolStats, WorkerPool

#: Long enough to still be running when the test acts on it; tests never wait it out.
HOLD_S = 30.0
#: A safety net against hanging the suite if a job is never settled; not a timing assertion.
NO_HANG_S = 20.0


async def _until(pool: WorkerPool, condition: Callable[[PoolStats], bool]) -> None:
    """Wait for the pool's state, not for a length of time (it has no event to wait on)."""
    for _ in range(int(NO_HANG_S / 0.005)):
        if condition(pool.stats()):
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"the pool never got there: {pool.stats()}")


async def _hold_the_only_worker(pool: WorkerPool, seconds: float = HOLD_S) -> asyncio.Task[float]:
    task = asyncio.create_task(pool.run("sleep", seconds))
    await _until(pool, lambda s: s.busy == 1)
    return task


async def _queue_one(pool: WorkerPool, *args: object, timeout: float | None = None) -> asyncio.Task[object]:
    queued_before = pool.stats().queued
    task = asyncio.create_task(pool.run("echo", *args, timeout=timeout))
    await _until(pool, lambda s: s.queued == queued_before + 1)
    return task


async def _kill_the_worker_running(pool: WorkerPool, task: asyncio.Task[float]) -> None:
    """End the held job without waiting it out."""
    [pid] = pool.stats().pids
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(Unavailable):
        await asyncio.wait_for(task, NO_HANG_S)


async def test_echo_round_trips_plain_data() -> None:
    value = {"bytes": b"\x00\xff", "list": [1, 2.5, None], "text": "Zoë"}
    async with WorkerPool(1, 4) as pool:
        assert await pool.run("echo", value) == value
        assert pool.stats().completed == 1


async def test_big_bytes_cross_the_pipe_out_of_band_both_ways_intact() -> None:
    # Above the out-of-band threshold, as a job's only argument and beside others.
    document = os.urandom(3 << 20)
    async with WorkerPool(1, 4) as pool:
        assert await pool.run("echo", document) == document
        assert await pool.run("echo", (document, b"small", 7)) == (document, b"small", 7)
        # Views travel as bytes, large or small, and inside a holder list too.
        assert await pool.run("echo", [memoryview(document)[1:], memoryview(b"tiny")]) == [document[1:], b"tiny"]
        assert pool.stats().completed == 3


async def test_the_pool_keeps_no_arguments_or_answer_once_a_job_is_done() -> None:
    """A finished job's document (its argument, or an export's answer) is not
    held by the pool until the worker's next job: 64 MB each in a server."""
    document = os.urandom(1 << 20)
    before = sys.getrefcount(document)
    async with WorkerPool(1, 4) as pool:
        answer = await pool.run("echo", document)
        # The feeder thread lets go of the job once the worker says it stays.
        for _ in range(int(NO_HANG_S / 0.005)):
            if sys.getrefcount(document) == before and sys.getrefcount(answer) == 2:
                break
            await asyncio.sleep(0.005)
        assert sys.getrefcount(document) == before
        assert sys.getrefcount(answer) == 2  # ``answer`` and getrefcount's own argument


async def test_a_worker_left_much_larger_by_a_job_is_replaced_before_its_next_job() -> None:
    async with WorkerPool(1, 4, retire_growth=32 << 20) as pool:
        [first] = pool.stats().pids
        assert await pool.run("grow", 1 << 20) == 1 << 20  # a little: it stays
        assert pool.stats().pids == (first,)
        assert await pool.run("grow", 64 << 20) == 65 << 20  # held: it retires
        await _until(pool, lambda s: s.pids != (first,) and 0 not in s.pids)
        # The successor starts small and serves; a retirement is not a crash.
        assert await pool.run("grow", 0) == 0
        assert pool.stats().worker_retirements == 1
        assert pool.stats().worker_restarts == 0


_HOLDER = """
import asyncio
from scheduleflow.server.dispatch.pool import WorkerPool

async def main() -> None:
    async with WorkerPool(1, 1) as pool:
        job = asyncio.ensure_future(pool.run("sleep", 120))
        while not pool.stats().busy:
            await asyncio.sleep(0.01)
        print(pool.stats().pids[0], flush=True)
        await job

if __name__ == "__main__":
    asyncio.run(main())
"""


def test_a_worker_dies_with_its_server_even_mid_job(tmp_path: Path) -> None:
    # Left alive, it would finish its job after the crash: an import nobody is
    # told about would commit while a restarted server serves the database.
    script = tmp_path / "holder.py"
    script.write_text(_HOLDER)
    with subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True) as holder:
        try:
            assert holder.stdout is not None
            worker = int(holder.stdout.readline())
        finally:
            holder.kill()  # SIGKILL: no cleanup of its own runs
    for _ in range(int(NO_HANG_S / 0.02)):  # its job would hold it 120 s
        if not _running(worker):
            break
        time.sleep(0.02)
    assert not _running(worker), "the worker outlived its server"


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def test_a_domain_error_raised_in_the_worker_comes_back_as_itself() -> None:
    async with WorkerPool(1, 4) as pool:
        with pytest.raises(InvalidInput, match=r"not a valid scheduleflow\.v1\.ValidateRequest") as caught:
            await pool.run("validate_inline", b"\xff\xff\xff not a protobuf", 100)
        assert caught.value.violations  # its details crossed the pipe too
        assert pool.stats().failed == 1


async def test_an_unexpected_exception_in_a_job_is_job_failed_with_its_traceback() -> None:
    async with WorkerPool(1, 4) as pool:
        with pytest.raises(JobFailed) as caught:
            await pool.run("sleep", -1)  # time.sleep refuses a negative length
        assert "ValueError" in caught.value.detail
        assert await pool.run("echo", "still serving") == "still serving"


async def test_arguments_that_cannot_be_pickled_fail_only_their_job() -> None:
    async with WorkerPool(1, 4) as pool:
        with pytest.raises(JobFailed) as caught:
            await asyncio.wait_for(pool.run("echo", lambda: None), NO_HANG_S)
        assert "pickle" in caught.value.detail
        assert await pool.run("echo", 1) == 1


async def test_a_full_queue_refuses_the_next_job_with_a_retry_hint() -> None:
    async with WorkerPool(1, 1) as pool:
        held = await _hold_the_only_worker(pool)
        queued = await _queue_one(pool, "second")
        with pytest.raises(Overloaded) as caught:
            await pool.run("echo", "third")
        assert caught.value.retry_after_s > 0
        assert pool.stats().rejected == 1
        await _kill_the_worker_running(pool, held)
        assert await queued == "second"  # the queued job was kept, and runs next


async def test_a_queued_job_whose_timeout_passes_is_dropped_with_deadline_expired() -> None:
    async with WorkerPool(1, 2) as pool:
        held = await _hold_the_only_worker(pool)
        late = await _queue_one(pool, "late", timeout=0.01)
        await asyncio.sleep(0.05)  # let its deadline pass while the worker is held
        await _kill_the_worker_running(pool, held)
        with pytest.raises(DeadlineExpired):
            await late
        stats = pool.stats()
        assert stats.dropped == 1
        assert stats.completed == 0  # it never reached a worker


async def test_a_queued_job_with_time_left_runs() -> None:
    async with WorkerPool(1, 2) as pool:
        held = await _hold_the_only_worker(pool)
        patient = await _queue_one(pool, "patient", timeout=NO_HANG_S)
        await _kill_the_worker_running(pool, held)
        assert await patient == "patient"
        assert pool.stats().dropped == 0


async def test_a_cancelled_queued_job_never_runs() -> None:
    async with WorkerPool(1, 2) as pool:
        held = await _hold_the_only_worker(pool)
        cancelled = await _queue_one(pool, "unwanted")
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        await _kill_the_worker_running(pool, held)
        assert await pool.run("echo", "next") == "next"
        stats = pool.stats()
        assert stats.dropped == 1
        assert stats.completed == 1  # "next" alone: "unwanted" was skipped


async def test_a_killed_worker_fails_its_job_as_unavailable_and_is_replaced() -> None:
    async with WorkerPool(1, 1) as pool:
        [old_pid] = pool.stats().pids
        held = await _hold_the_only_worker(pool)
        await _kill_the_worker_running(pool, held)
        stats = pool.stats()
        assert stats.worker_restarts == 1
        [new_pid] = stats.pids
        assert new_pid not in (0, old_pid)
        assert await pool.run("echo", "after") == "after"


async def _replaced(pool: WorkerPool, old_pid: int, *, serves: bool = True) -> None:
    """The worker that ran the stopped job is gone and a fresh one is idle (and ``serves``)."""
    await _until(pool, lambda s: s.busy == 0 and s.pids[0] not in (0, old_pid))
    assert not psutil.pid_exists(old_pid) or psutil.Process(old_pid).status() == psutil.STATUS_ZOMBIE
    if serves:
        assert await pool.run("echo", "after") == "after"
    assert pool.stats().worker_restarts == 0  # stopped on purpose: not counted as a crash


async def test_a_running_job_whose_caller_cancels_ends_with_its_worker() -> None:
    async with WorkerPool(1, 1) as pool:
        held = await _hold_the_only_worker(pool)
        [old_pid] = pool.stats().pids
        held.cancel()
        with pytest.raises(asyncio.CancelledError):
            await held
        assert pool.stats().stopped_cancelled == 1
        await _replaced(pool, old_pid)


async def test_a_running_job_whose_deadline_passes_is_stopped_with_deadline_expired() -> None:
    async with WorkerPool(1, 1) as pool:
        [old_pid] = pool.stats().pids
        with pytest.raises(DeadlineExpired) as caught:
            await asyncio.wait_for(pool.run("sleep", HOLD_S, timeout=0.2), NO_HANG_S)
        assert caught.value.started
        assert pool.stats().stopped_deadline == 1
        await _replaced(pool, old_pid)


async def test_a_job_over_the_servers_budget_is_stopped() -> None:
    async with WorkerPool(1, 1, max_job_s=0.2) as pool:
        [old_pid] = pool.stats().pids
        with pytest.raises(JobBudgetExceeded) as caught:
            await asyncio.wait_for(pool.run("sleep", HOLD_S, timeout=NO_HANG_S), NO_HANG_S)
        assert caught.value.budget_s == 0.2
        stats = pool.stats()
        assert (stats.stopped_budget, stats.stopped_deadline) == (1, 0)
        # Not another job: on a loaded machine even an echo may take 0.2 s.
        await _replaced(pool, old_pid, serves=False)


async def test_a_job_that_answers_in_time_keeps_its_worker() -> None:
    async with WorkerPool(1, 1, max_job_s=NO_HANG_S) as pool:
        [pid] = pool.stats().pids
        assert await pool.run("sleep", 0.01, timeout=NO_HANG_S) == 0.01
        stats = pool.stats()
        assert stats.pids == (pid,)
        assert (stats.stopped_cancelled, stats.stopped_deadline, stats.stopped_budget) == (0, 0, 0)


async def test_close_fails_queued_jobs_as_unavailable() -> None:
    async with WorkerPool(1, 2) as pool:
        held = await _hold_the_only_worker(pool, seconds=1.0)
        first, second = await _queue_one(pool, 1), await _queue_one(pool, 2)
        await pool.close()
        for queued in (first, second):
            with pytest.raises(Unavailable, match="shutting down"):
                await queued
        assert await held == 1.0  # the job already running was allowed to finish


async def test_a_closed_pool_refuses_new_jobs() -> None:
    async with WorkerPool(1, 2) as pool:
        pass
    with pytest.raises(Unavailable, match="shutting down"):
        await pool.run("echo", 1)


async def test_stats_can_still_be_read_after_close() -> None:
    async with WorkerPool(1, 2) as pool:
        await pool.run("echo", 1)
    stats = pool.stats()
    assert stats.completed == 1
    assert stats.pids == (0,)
