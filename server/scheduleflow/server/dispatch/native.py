"""The compiled fast path of Validate (``_cvalidate.c``), when it was built.

The extension is built at install time when a C compiler and the Python
headers are there (``hatch_build.py``); without them ScheduleFlow installs and
runs on the Python path alone, which gives the same answers more slowly.
"""

from __future__ import annotations

from collections.abc import Callable

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import MAX_DURATION_US, MAX_INSTANT_US, MIN_INSTANT_US
from scheduleflow.server.messages import convert

#: Raw ValidateRequest bytes -> the ValidateResponse bytes of a clean schedule, or None.
ValidateClean = Callable[[bytes], "bytes | None"]


def _load() -> ValidateClean | None:
    try:
        from scheduleflow.server.dispatch import _cvalidate
    except ImportError:
        return None
    # One source for the limits: the model's, not copies in C.
    _cvalidate.set_limits(MIN_INSTANT_US, MAX_INSTANT_US, MAX_DURATION_US)
    compiled = _cvalidate.validate_clean

    def validate_clean(raw: bytes) -> bytes | None:
        found = compiled(raw)
        if found is None:
            return None
        time_zone, response = found
        # Instants need no zone, but a request naming a zone that does not
        # exist is refused: the Python path's first check, with its error.
        convert.check_zone(time_zone, "time_zone")
        return response

    return validate_clean


#: None when the extension was not built.
validate_clean: ValidateClean | None = _load()


def select(mode: str) -> ValidateClean | None:
    """The fast path a server started with ``--native MODE`` uses."""
    if mode == "off":
        return None
    if mode == "on" and validate_clean is None:
        raise InvalidInput(
            "--native on: the compiled Validate fast path (scheduleflow.server.dispatch._cvalidate) is not built; "
            "install a C compiler and the Python headers (e.g. gcc, python3-dev) and reinstall ScheduleFlow, "
            "or start with --native auto"
        )
    return validate_clean
