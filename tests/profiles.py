"""Hypothesis profiles: a quick one for ``scripts/test``, the thorough one for ``.ci/run``.

``HYPOTHESIS_PROFILE=ci`` (set by ``.ci/run``) runs every property test with
the example counts its author chose; the default profile runs a fifth of them
(at least 10), which keeps ``scripts/test`` inside its time budget while still
exercising each property. A test states its thorough count once, through
``examples(n)``, so both profiles follow from one number.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")
#: The share of each test's examples the default profile runs.
_QUICK_SHARE = 5


def examples(thorough: int) -> int:
    """``max_examples`` for a test whose thorough (CI) count is ``thorough``."""
    return thorough if PROFILE == "ci" else max(10, thorough // _QUICK_SHARE)


def load() -> None:
    # deadline=None: timings on a loaded 2-core machine are no verdict (no wall-clock assertions).
    settings.register_profile("default", max_examples=examples(100), deadline=None)
    settings.register_profile(
        "ci", max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
    )
    settings.load_profile(PROFILE)
