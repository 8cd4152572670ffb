"""Start the real server as a subprocess on a loopback port, for integration tests and benches."""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil
from prometheus_client.parser import text_string_to_metric_families


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    address: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_bytes(self) -> int:
        """Resident memory of the server and every process under it."""
        return self._summed(lambda p: int(p.memory_info().rss))

    def pss_bytes(self) -> int:
        """Proportional set size of the server and every process under it: the
        memory they hold together, each shared page counted once (summed RSS
        counts the interpreter pages the workers share with their forkserver
        once per process)."""
        return self._summed(lambda p: int(p.memory_full_info().pss))

    def _summed(self, measure: Callable[[psutil.Process], int]) -> int:
        """``measure`` of the server plus each live process under it."""
        me = psutil.Process(self.process.pid)
        total = measure(me)
        for child in me.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += measure(child)
        return total

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def page_url(self, timeout: float = 5) -> str:
        """The schedule page's address (server started with --http-listen)."""
        deadline = time.monotonic() + timeout
        while not (found := re.search(r"schedule page on (\S+)", self.log())):
            assert time.monotonic() < deadline, f"no schedule page in the log:\n{self.log()}"
            time.sleep(0.1)
        return found.group(1)

    def metrics(self, timeout: float = 5, *, url: str = "") -> dict[str, float]:
        """Every sample of the server's /metrics (started with --metrics-listen,
        or at ``url``), keyed ``name{label=value,...}`` with the labels sorted."""
        deadline = time.monotonic() + timeout
        while not url:
            if found := re.search(r"metrics on (http://\S+/metrics)", self.log()):
                url = found.group(1)
            assert time.monotonic() < deadline, f"no metrics endpoint in the log:\n{self.log()}"
            time.sleep(0.1)
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            text = reply.read().decode()
        values: dict[str, float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                values[f"{sample.name}{{{labels}}}"] = sample.value
        return values

    def terminate(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout)
        finally:
            if self.process.stdout is not None:
                self.process.stdout.close()


@contextlib.contextmanager
def start_server(
    tmp: Path, *args: str, env: dict[str, str] | None = None, ready_timeout: float = 60
) -> Iterator[ServerProcess]:
    """Run ``scheduleflow-server --listen 127.0.0.1:0`` until the block ends (then SIGTERM)."""
    server = launch(tmp, *args, env=env, ready_timeout=ready_timeout)
    try:
        yield server
    finally:
        server.terminate()


def launch(tmp: Path, *args: str, env: dict[str, str] | None = None, ready_timeout: float = 60) -> ServerProcess:
    tmp.mkdir(parents=True, exist_ok=True)
    log_path = tmp / f"server-{time.monotonic_ns()}.log"
    argv: Sequence[str] = [
        sys.executable,
        "-m",
        # Not scheduleflow.server.app: pool workers re-import the main module
        # (see scheduleflow/server/__main__.py).
        "scheduleflow.server",
        "--listen",
        "127.0.0.1:0",
        *(() if "--store" in args else ("--store", str(tmp / "store.db"))),
        *(() if "--workers" in args else ("--workers", "2")),
        *args,
    ]
    log_file = log_path.open("w")
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=log_file, text=True, env={**os.environ, **(env or {})}
    )
    log_file.close()
    assert process.stdout is not None
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            line = process.stdout.readline()
            if line.startswith("scheduleflow-server listening on "):
                return ServerProcess(process, line.rsplit(" ", 1)[1].strip(), log_path)
            if not line and process.poll() is not None:
                break
        elif process.poll() is not None:
            break
    process.kill()
    process.wait()
    process.stdout.close()
    raise RuntimeError(f"server did not start: {log_path.read_text(errors='replace')}")
