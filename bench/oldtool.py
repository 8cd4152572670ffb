"""The old tool's architecture, rebuilt as a baseline server for the benchmark.

The tool ScheduleFlow replaces answered each validation by spawning a fresh
Python process (at most 4 at once, a task queue in front) and piping the
request through it. This server does the same behind the same gRPC method,
so the benchmark compares architectures, not validators:

- ``scheduleflow.v1.ScheduleFlowService/Validate`` is a generic handler with
  raw bytes in and out; each call waits for one of ``--max-processes`` slots
  (an ``asyncio.Semaphore``), then runs ``python -c`` with
  ``scheduleflow.server.dispatch.jobs.validate_general`` (the Python validator: the
  old tool had no compiled path) on the request bytes from stdin and answers
  with the bytes it writes to stdout;
- ``grpc.health.v1.Health/Check`` is served directly (no process).

It prints the same ready line as the real server
(``scheduleflow-server listening on HOST:PORT``) so one launcher starts both,
binds only to loopback, and stops on SIGTERM, killing its children.

    python bench/oldtool.py --listen 127.0.0.1:0
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

SERVICE = "scheduleflow.v1.ScheduleFlowService"
MIB = 1024 * 1024

# What each spawned process runs: the validator of today, so the only
# difference from the real server is the process per request.
CHILD_CODE = """\
import sys
from scheduleflow.server.core.errors import ScheduleFlowError
from scheduleflow.server.dispatch.jobs import validate_general
try:
    sys.stdout.buffer.write(validate_general(sys.stdin.buffer.read(), 1000, ""))
except ScheduleFlowError as exc:
    sys.stderr.write(exc.message)
    sys.exit(3)
"""
_BAD_INPUT_EXIT = 3
_LOOPBACK = ("127.0.0.1", "[::1]", "localhost")


class OldValidate:
    """One process per request, at most ``limit`` at once."""

    def __init__(self, limit: int) -> None:
        self.slots = asyncio.Semaphore(limit)
        self.running: set[asyncio.subprocess.Process] = set()

    async def validate(self, raw: bytes, context: grpc.aio.ServicerContext) -> bytes:
        async with self.slots:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                CHILD_CODE,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            self.running.add(proc)
            try:
                out, err = await proc.communicate(raw)
            except asyncio.CancelledError:
                # The caller went away (deadline, cancel): do not leave the child running.
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
                raise
            finally:
                self.running.discard(proc)
        if proc.returncode == _BAD_INPUT_EXIT:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, err.decode(errors="replace")[:500])
        if proc.returncode != 0:
            await context.abort(grpc.StatusCode.INTERNAL, f"the validator process exited with {proc.returncode}")
        return out

    def kill_all(self) -> None:
        for proc in list(self.running):
            with contextlib.suppress(ProcessLookupError):
                proc.kill()


async def serve(listen: str, limit: int) -> None:
    old = OldValidate(limit)
    server = grpc.aio.server(
        options=[("grpc.max_receive_message_length", 80 * MIB), ("grpc.max_send_message_length", 80 * MIB)],
    )
    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                SERVICE,
                {"Validate": grpc.unary_unary_rpc_method_handler(old.validate)},  # raw bytes: no (de)serializers
            ),
        )
    )
    checker = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(checker, server)
    port = server.add_insecure_port(listen)
    await server.start()
    for name in ("", SERVICE):
        await checker.set(name, health_pb2.HealthCheckResponse.SERVING)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    host = listen.rpartition(":")[0]
    print(f"scheduleflow-server listening on {host}:{port}", flush=True)
    await stop.wait()
    old.kill_all()
    await server.stop(1.0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="The old tool's process-per-request architecture (benchmark baseline)."
    )
    parser.add_argument("--listen", default="127.0.0.1:0", help="loopback HOST:PORT (default 127.0.0.1:0)")
    parser.add_argument("--max-processes", type=int, default=4, help="validator processes at once (default 4)")
    args = parser.parse_args(argv)
    if args.listen.rpartition(":")[0] not in _LOOPBACK or args.max_processes < 1:
        parser.error("--listen must be a loopback HOST:PORT and --max-processes at least 1")
    asyncio.run(serve(args.listen, args.max_processes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
