"""What the pool raises besides the domain errors: a job out of time, or one that crashed."""

from __future__ import annotations


class DeadlineExpired(Exception):
    """The caller's deadline passed before a worker could start the job, or
    (``started``) while it ran, and the work was stopped."""

    def __init__(self, message: str, *, started: bool = False) -> None:
        super().__init__(message)
        self.started = started


class JobBudgetExceeded(Exception):
    """A job ran longer than the server allows any one job (``--max-job-seconds``) and was stopped."""

    def __init__(self, message: str, *, budget_s: float) -> None:
        super().__init__(message)
        self.message = message
        self.budget_s = budget_s


class JobFailed(Exception):
    """A job raised something unexpected in the worker; ``detail`` is its traceback."""

    def __init__(self, job: str, detail: str) -> None:
        super().__init__(f"job {job} failed in a worker")
        self.detail = detail
