"""tests/profiles.py: every property test follows the hypothesis profile."""

from __future__ import annotations

import re

import pytest

from tests import profiles
from tests.tools import ROOT


def test_the_quick_profile_runs_a_fifth_and_the_ci_profile_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(profiles, "PROFILE", "ci")
    assert profiles.examples(150) == 150
    monkeypatch.setattr(profiles, "PROFILE", "default")
    assert profiles.examples(150) == 30
    assert profiles.examples(20) == 10  # never fewer than ten


def test_no_test_pins_a_literal_example_count() -> None:
    """A literal max_examples would run in full in scripts/test's quick profile: write examples(n)."""
    pinned = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "tests").rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"max_examples\s*=\s*\d", line)
    ]
    assert not pinned, f"use max_examples=examples(n) (tests/profiles.py): {pinned}"
