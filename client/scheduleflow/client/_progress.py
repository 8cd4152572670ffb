"""Progress lines on stderr for the slow CLI commands (large imports and validations).

On a terminal the current step ticks its elapsed time in place; elsewhere
(``--progress`` into a log) each step is one plain line, so logs stay clean.
Nothing is printed unless enabled: stdout carries the result, and scripts
that read stderr for errors must not find progress chatter there.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import TextIO


class Progress:
    """Reports the steps of one command on ``stream`` when ``enabled``."""

    def __init__(self, stream: TextIO, *, enabled: bool) -> None:
        self._stream = stream
        self._enabled = enabled
        self._tty = enabled and stream.isatty()

    def step(self, message: str) -> None:
        """One line for a step that is quick or already done."""
        if self._enabled:
            print(message, file=self._stream, flush=True)

    @contextlib.contextmanager
    def waiting(self, message: str, *, interval: float = 0.5) -> Iterator[None]:
        """A step of unknown length: on a terminal its elapsed time ticks until the block ends."""
        if not self._tty:
            self.step(message + "...")
            yield
            return
        started = time.monotonic()
        done = threading.Event()

        def tick() -> None:
            while not done.wait(interval):
                self._stream.write(f"\r{message}... {time.monotonic() - started:.1f}s")
                self._stream.flush()

        ticker = threading.Thread(target=tick, name="scheduleflow-progress", daemon=True)
        self._stream.write(f"{message}...")
        self._stream.flush()
        ticker.start()
        try:
            yield
        finally:
            done.set()
            ticker.join()
            self._stream.write(f"\r{message}... {time.monotonic() - started:.1f}s\n")
            self._stream.flush()
