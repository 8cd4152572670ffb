"""The page's time grid: local days as long as they really are, hour marks, and
the bounds that keep a view to the window it shows."""

from __future__ import annotations

from datetime import date

import pytest

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.web import timeline

PARIS = "Europe/Paris"


def test_a_spring_forward_day_has_23_hours_and_no_0200() -> None:
    grid = timeline.view_grid({"date": "2025-03-30"}, PARIS)
    (day,) = grid.days
    assert day.hours == 23
    labels = [t.label for t in grid.ticks]
    assert len(labels) == 23
    assert labels[:3] == ["00:00", "01:00", "03:00"]
    assert "02:00" not in labels
    assert [t.shift for t in grid.ticks].count(True) == 1
    assert grid.ticks[2].offset == "+02:00"


def test_a_fall_back_day_has_25_hours_and_0200_twice() -> None:
    grid = timeline.view_grid({"date": "2025-10-26"}, PARIS)
    assert grid.days[0].hours == 25
    labels = [t.label for t in grid.ticks]
    assert labels.count("02:00") == 2
    assert grid.ticks[3].shift and grid.ticks[3].offset == "+01:00"


def test_utc_days_are_always_24_hours() -> None:
    grid = timeline.view_grid({"date": "2025-03-30", "zone": "utc", "days": "7"}, PARIS)
    assert grid.zone == "UTC"
    assert [d.hours for d in grid.days] == [24] * 7
    assert len(grid.ticks) == 7 * 24


def test_a_week_over_the_change_has_one_short_day() -> None:
    grid = timeline.view_grid({"date": "2025-03-27", "days": "7"}, PARIS)
    assert [d.hours for d in grid.days] == [24, 24, 24, 23, 24, 24, 24]
    assert (grid.window.end_us - grid.window.start_us) // 3_600_000_000 == 167


def test_a_day_starts_where_midnight_is_skipped() -> None:
    # Santiago moved its clocks from 00:00 to 01:00 on 2024-09-08.
    grid = timeline.view_grid({"date": "2024-09-08"}, "America/Santiago")
    assert grid.days[0].hours == 23
    assert grid.ticks[0].label == "01:00"


def test_today_is_the_default_date() -> None:
    grid = timeline.view_grid({}, PARIS, today=date(2025, 6, 1))
    assert grid.days[0].date == "2025-06-01"


def test_an_explicit_window_is_split_at_local_midnights() -> None:
    grid = timeline.view_grid({"start": "2025-03-29T12:00:00Z", "end": "2025-03-30T12:00:00Z"}, PARIS)
    assert [d.date for d in grid.days] == ["2025-03-29", "2025-03-30"]


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"date": "2025-13-01"}, "date", "month must be in 1..12"),
        ({"date": "tomorrow"}, "date", "YYYY-MM-DD"),
        ({"days": "8"}, "days", "1 to 7 days"),
        ({"days": "0"}, "days", "at least 1"),
        ({"days": "two"}, "days", "whole number"),
        ({"zone": "mars"}, "zone", "local"),
        ({"start": "2025-01-01T00:00:00Z"}, "end", "both start and end"),
        ({"start": "2025-01-01T00:00:00Z", "end": "2025-02-01T00:00:00Z"}, "end", "at most 8 days"),
        ({"start": "2025-01-02T00:00:00Z", "end": "2025-01-01T00:00:00Z"}, "end", "after start"),
        ({"start": "2025-01-01T00:00:00", "end": "2025-01-02T00:00:00Z"}, "start", "add 'Z' or an offset"),
        ({"start": "yesterday", "end": "2025-01-02T00:00:00Z"}, "start", "yesterday"),
    ],
)
def test_bad_parameters_name_the_parameter_and_the_fix(params: dict[str, str], field: str, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        timeline.view_grid(params, PARIS)
    assert caught.value.violations[0].where.field == field
    assert words in caught.value.message


def test_rules_take_seconds_or_iso_spans() -> None:
    rules = timeline.view_rules({"cooldown": "3600", "artist_separation": "PT30M"}, 50)
    assert rules.asset_cooldown_us == 3_600_000_000
    assert rules.artist_separation_us == 1_800_000_000
    assert rules.max_findings == 50
    with pytest.raises(InvalidInput, match="cooldown"):
        timeline.view_rules({"cooldown": "soon"}, 50)
