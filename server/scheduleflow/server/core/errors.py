"""Domain errors: expected failures that carry what the caller must fix.

The tree::

    ScheduleFlowError            base; never raised itself
    ├── InvalidInput             bad request or document     -> INVALID_ARGUMENT
    │     .violations            [(field or "line:col", what to fix)]
    ├── NotFound                 no such channel             -> NOT_FOUND
    ├── AlreadyExists                                        -> ALREADY_EXISTS
    ├── RevisionMismatch         optimistic concurrency      -> ABORTED
    ├── FailedPrecondition       state forbids the call      -> FAILED_PRECONDITION
    ├── Overloaded               queue full                  -> RESOURCE_EXHAUSTED + RetryInfo
    ├── Unavailable              draining, worker crash, db  -> UNAVAILABLE (retryable)
    ├── Unauthenticated          no or unknown bearer token  -> UNAUTHENTICATED
    ├── PermissionDenied         the token's role is too low -> PERMISSION_DENIED
    └── NotImplementedYet        RPC not built yet           -> UNIMPLEMENTED

The status mapping itself lives in ``scheduleflow.server.rpc.status`` (the only
module that knows gRPC); these classes only name the category, so the core
stays free of gRPC and the errors pickle across the process pool.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scheduleflow.server.core.model import Location


@dataclass(frozen=True, slots=True)
class Violation:
    """One thing wrong with the input: where and what to do."""

    where: Location
    description: str

    def describe(self) -> str:
        place = []
        if self.where.line:
            place.append(f"line {self.where.line}" + (f", column {self.where.column}" if self.where.column else ""))
        if self.where.field:
            place.append(self.where.field)
        return f"{' '.join(place)}: {self.description}" if place else self.description


#: How much of a caller's own text an error quotes: enough to recognise it,
#: never so much that the status outgrows the transport's metadata limit
#: (16 KiB by default: a status that does not fit arrives as the transport's
#: RESOURCE_EXHAUSTED instead of the error).
QUOTE_CHARS = 200


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` as an error may quote it: its first ``limit`` characters, then "…"."""
    return text if len(text) <= limit else text[:limit] + "…"


_LONG_RUN = re.compile(r"\S{" + str(QUOTE_CHARS + 1) + ",}")


def shorten(text: str) -> str:
    """``text`` with every run of more than ``QUOTE_CHARS`` non-blanks quoted by its prefix.

    The net under the sources: what a hostile document makes long (a name, a
    key, an id, a timestamp) is one run without blanks, wherever a message
    (or libxml2's own) echoes it.
    """
    if len(text) <= QUOTE_CHARS:
        return text
    return _LONG_RUN.sub(lambda m: quote(m.group()), text)


class ScheduleFlowError(Exception):
    """Base of the expected failures."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple[object, ...]:
        # Keep subclasses picklable across the pool regardless of their __init__.
        return (_rebuild, (type(self), self.__dict__))


def _rebuild(cls: type[ScheduleFlowError], state: dict[str, object]) -> ScheduleFlowError:
    err = cls.__new__(cls)
    Exception.__init__(err, state.get("message", ""))
    err.__dict__.update(state)
    return err


class InvalidInput(ScheduleFlowError):
    """The request or document is wrong; ``violations`` say where and how."""

    def __init__(self, message: str, violations: list[Violation] | None = None) -> None:
        super().__init__(message)
        self.violations = violations or []

    @classmethod
    def at(cls, description: str, *, line: int = 0, column: int = 0, field: str = "") -> InvalidInput:
        """One violation at one place; the message names the place too."""
        violation = Violation(Location(line, column, field), description)
        return cls(violation.describe(), [violation])


class NotFound(ScheduleFlowError):
    pass


class AlreadyExists(ScheduleFlowError):
    pass


class RevisionMismatch(ScheduleFlowError):
    def __init__(self, message: str, *, expected: int, actual: int) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class FailedPrecondition(ScheduleFlowError):
    pass


class Overloaded(ScheduleFlowError):
    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Unavailable(ScheduleFlowError):
    def __init__(self, message: str, *, retry_after_s: float = 0.1) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class NotImplementedYet(ScheduleFlowError):
    pass


class Unauthenticated(ScheduleFlowError):
    """The call carries no valid ``authorization: Bearer <token>`` header."""


class PermissionDenied(ScheduleFlowError):
    """The caller is known, but its role does not allow this call."""
