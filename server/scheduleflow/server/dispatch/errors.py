"""What the pool raises besides the domain errors: a job that never started, or one that crashed."""

from __future__ import annotations


class DeadlineExpired(Exception):
    """The caller's deadline passed before a worker could start the job."""


class JobFailed(Exception):
    """A job raised something unexpected in the worker; ``detail`` is its traceback."""

    def __init__(self, job: str, detail: str) -> None:
        super().__init__(f"job {job} failed in a worker")
        self.detail = detail
