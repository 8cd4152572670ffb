"""Validate: one test per finding code, the summary, ordering, and how cost grows."""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Iterable

import pytest

from scheduleflow.server.core.model import Event, Finding, FindingCode, Location, Severity, Window
from scheduleflow.server.core.timeparse import zone
from scheduleflow.server.core.validate import InputEvent, Rules, ValidationReport, validate, validate_events
from tests.unit.core._core_helpers import HOUR, MINUTE, utc_us

#: 2025-11-22T00:00:00Z; tests place events in minutes after it.
T0 = utc_us(2025, 11, 22)


def at(minutes: float) -> int:
    return T0 + int(minutes * MINUTE)


def ev(id: str, start_min: float, dur_min: float, asset: str = "", **kw: object) -> InputEvent:
    return InputEvent(id, at(start_min), int(dur_min * MINUTE), asset_id=asset or f"asset-{id}", **kw)  # type: ignore[arg-type]


def of(report: ValidationReport, code: FindingCode) -> list[Finding]:
    return [f for f in report.findings if f.code is code]


def codes(report: ValidationReport) -> set[FindingCode]:
    return {f.code for f in report.findings}


def back_to_back(ids: Iterable[str], minutes: int = 30) -> list[InputEvent]:
    return [ev(id, i * minutes, minutes) for i, id in enumerate(ids)]


# -- a clean schedule --------------------------------------------------------


def test_back_to_back_schedule_has_no_findings_and_is_valid() -> None:
    report = validate(back_to_back("abcd"))
    assert report.findings == ()
    assert report.valid
    assert report.summary.event_count == 4
    assert report.summary.span == Window(at(0), at(120))


def test_touching_events_are_neither_overlap_nor_gap() -> None:
    report = validate([ev("a", 0, 60), ev("b", 60, 30)])
    assert report.findings == ()
    assert report.summary.gap_total_us == 0
    assert report.summary.overlap_total_us == 0


def test_events_come_back_sorted_by_utc_start() -> None:
    inputs = [
        InputEvent("late", "2025-11-22T12:00:00+01:00", HOUR),  # 11:00Z
        InputEvent("early", "2025-11-22T09:00:00Z", HOUR),  # 09:00Z
        InputEvent("middle", at(10 * 60), HOUR),  # 10:00Z
    ]
    report = validate(inputs)
    assert [e.id for e in report.events] == ["early", "middle", "late"]
    assert [e.start_us for e in report.events] == [at(9 * 60), at(10 * 60), at(11 * 60)]


# -- one test per finding code ----------------------------------------------


def test_duplicate_id_is_an_error_pointing_at_both_places() -> None:
    report = validate([ev("a", 0, 30), ev("b", 30, 30), ev("a", 60, 30)])
    [finding] = of(report, FindingCode.DUPLICATE_ID)
    assert finding.severity is Severity.ERROR
    assert finding.event_ids == ("a",)
    assert finding.location == Location(field="events[2]")
    assert "events[0]" in finding.message
    assert not report.valid


def test_same_asset_twice_at_the_same_start_is_a_duplicate_entry() -> None:
    report = validate([ev("a", 0, 30, asset="news"), ev("b", 0, 30, asset="news"), ev("c", 0, 30, asset="film")])
    [finding] = of(report, FindingCode.DUPLICATE_ENTRY)
    assert finding.severity is Severity.WARNING
    assert finding.event_ids == ("a", "b")
    assert finding.span == Window(at(0), at(0))


def test_same_asset_at_different_starts_is_not_a_duplicate_entry() -> None:
    report = validate([ev("a", 0, 30, asset="news"), ev("b", 30, 30, asset="news")])
    assert FindingCode.DUPLICATE_ENTRY not in codes(report)


def test_unreadable_start_is_an_invalid_timestamp_and_the_event_is_left_out() -> None:
    report = validate([ev("a", 0, 30), InputEvent("b", "half past nine", 30 * MINUTE)])
    [finding] = of(report, FindingCode.INVALID_TIMESTAMP)
    assert finding.severity is Severity.ERROR
    assert finding.event_ids == ("b",)
    assert finding.location == Location(field="events[1]")
    assert "'half past nine'" in finding.message
    assert [e.id for e in report.events] == ["a"]


def test_local_start_skipped_by_dst_is_a_nonexistent_local_time() -> None:
    report = validate([InputEvent("a", "2025-03-30T01:30:00", HOUR)], tz=zone("Europe/London"))
    [finding] = report.findings
    assert finding.code is FindingCode.NONEXISTENT_LOCAL_TIME
    assert finding.severity is Severity.ERROR
    assert finding.event_ids == ("a",)


def test_local_start_repeated_by_dst_is_an_ambiguous_local_time() -> None:
    report = validate([InputEvent("a", "2025-11-02T01:30:00", HOUR)], tz=zone("America/New_York"))
    [finding] = report.findings
    assert finding.code is FindingCode.AMBIGUOUS_LOCAL_TIME
    assert finding.severity is Severity.ERROR


def test_overlap_names_both_events_and_the_overlapping_span() -> None:
    report = validate([ev("a", 0, 60), ev("b", 30, 60)])
    [finding] = report.findings
    assert finding.code is FindingCode.OVERLAP
    assert finding.severity is Severity.ERROR
    assert finding.event_ids == ("a", "b")
    assert finding.span == Window(at(30), at(60))
    assert "PT30M" in finding.message
    assert report.summary.overlap_total_us == 30 * MINUTE


def test_events_inside_a_long_event_each_overlap_it() -> None:
    report = validate([ev("film", 0, 120), ev("b", 10, 20), ev("c", 60, 20)])
    assert [f.event_ids for f in of(report, FindingCode.OVERLAP)] == [("film", "b"), ("film", "c")]
    assert report.summary.overlap_total_us == 40 * MINUTE


def test_overlap_total_counts_time_covered_by_three_events_once() -> None:
    # a 0-120, b 30-90, c 60-75: two or more events cover 30-90 only.
    report = validate([ev("a", 0, 120), ev("b", 30, 60), ev("c", 60, 15)])
    assert report.summary.overlap_total_us == 60 * MINUTE


def test_gap_is_a_warning_between_the_events_around_it() -> None:
    report = validate([ev("a", 0, 60), ev("b", 65, 30)])
    [finding] = report.findings
    assert finding.code is FindingCode.GAP
    assert finding.severity is Severity.WARNING
    assert finding.event_ids == ("a", "b")
    assert finding.span == Window(at(60), at(65))
    assert report.summary.gap_total_us == 5 * MINUTE
    assert report.valid


def test_gap_after_a_long_event_starts_at_its_end_not_at_the_last_one() -> None:
    report = validate([ev("film", 0, 120), ev("b", 10, 20), ev("c", 130, 10)])
    [gap] = of(report, FindingCode.GAP)
    assert gap.event_ids == ("film", "c")
    assert gap.span == Window(at(120), at(130))


@pytest.mark.parametrize(
    ("gap_us", "reported"),
    [(5 * MINUTE - 1, False), (5 * MINUTE, False), (5 * MINUTE + 1, True)],
)
def test_only_gaps_longer_than_the_threshold_are_reported_but_all_are_counted(gap_us: int, reported: bool) -> None:
    first = InputEvent("a", T0, HOUR, asset_id="x")
    second = InputEvent("b", T0 + HOUR + gap_us, HOUR, asset_id="y")
    report = validate([first, second], rules=Rules(gap_threshold_us=5 * MINUTE))
    assert (FindingCode.GAP in codes(report)) is reported
    assert report.summary.gap_total_us == gap_us


def test_ignore_gaps_reports_none_but_still_counts_dead_air() -> None:
    report = validate([ev("a", 0, 60), ev("b", 90, 30)], rules=Rules(ignore_gaps=True))
    assert report.findings == ()
    assert report.summary.gap_total_us == 30 * MINUTE


def test_window_edges_left_empty_are_gaps() -> None:
    report = validate([ev("a", 60, 60), ev("b", 120, 60)], window=Window(at(0), at(240)))
    gaps = of(report, FindingCode.GAP)
    assert [(g.span, g.event_ids) for g in gaps] == [
        (Window(at(0), at(60)), ("a",)),
        (Window(at(180), at(240)), ("b",)),
    ]
    assert report.summary.gap_total_us == 120 * MINUTE


def test_events_filling_the_window_exactly_leave_no_gap() -> None:
    report = validate(back_to_back("ab", 60), window=Window(at(0), at(120)))
    assert report.findings == ()


def test_an_empty_window_is_one_gap() -> None:
    report = validate([], window=Window(at(0), at(60)))
    [gap] = report.findings
    assert gap.code is FindingCode.GAP
    assert gap.span == Window(at(0), at(60))
    assert gap.event_ids == ()
    assert report.summary.gap_total_us == 60 * MINUTE
    assert report.summary.span is None


def test_an_empty_window_counts_as_dead_air_even_when_gaps_are_not_reported() -> None:
    report = validate([], window=Window(at(0), at(60)), rules=Rules(ignore_gaps=True))
    assert report.findings == ()
    assert report.summary.gap_total_us == 60 * MINUTE


def test_window_edge_gaps_obey_the_threshold() -> None:
    report = validate([ev("a", 5, 50)], window=Window(at(0), at(60)), rules=Rules(gap_threshold_us=5 * MINUTE))
    assert report.findings == ()
    assert report.summary.gap_total_us == 10 * MINUTE


@pytest.mark.parametrize("duration_us", [0, -MINUTE])
def test_zero_or_negative_duration_is_invalid_and_takes_no_time_on_the_timeline(duration_us: int) -> None:
    report = validate([ev("a", 0, 60), InputEvent("z", at(30), duration_us, asset_id="z")])
    [finding] = report.findings
    assert finding.code is FindingCode.INVALID_DURATION
    assert finding.severity is Severity.ERROR
    assert finding.event_ids == ("z",)
    assert finding.location == Location(field="events[1]")
    assert "must be positive" in finding.message
    assert report.summary.overlap_total_us == 0
    assert "z" in {e.id for e in report.events}


@pytest.mark.parametrize(
    ("start_min", "dur_min", "outside"),
    [(-10, 20, True), (50, 20, True), (-10, 80, True), (0, 60, False), (10, 20, False)],
)
def test_event_reaching_beyond_the_window_is_outside_it(start_min: int, dur_min: int, outside: bool) -> None:
    report = validate([ev("a", start_min, dur_min)], window=Window(at(0), at(60)), rules=Rules(ignore_gaps=True))
    found = of(report, FindingCode.OUTSIDE_WINDOW)
    assert bool(found) is outside
    if outside:
        assert found[0].severity is Severity.WARNING
        assert found[0].event_ids == ("a",)


def test_asset_again_within_its_cooldown_is_a_breach() -> None:
    report = validate(
        [ev("first", 0, 30, asset="hit"), ev("other", 30, 149, asset="x"), ev("again", 179, 30, asset="hit")],
        rules=Rules(asset_cooldown_us=3 * HOUR),
    )
    [finding] = of(report, FindingCode.COOLDOWN_BREACH)
    assert finding.severity is Severity.WARNING
    assert finding.event_ids == ("first", "again")
    assert finding.span == Window(at(0), at(179))
    assert "2025-11-22T03:00:00Z" in finding.message  # the earliest allowed start


def test_cooldown_is_measured_start_to_start() -> None:
    report = validate(
        [ev("first", 0, 30, asset="hit"), ev("other", 30, 150, asset="x"), ev("again", 180, 30, asset="hit")],
        rules=Rules(asset_cooldown_us=3 * HOUR),
    )
    assert FindingCode.COOLDOWN_BREACH not in codes(report)


def test_a_zero_cooldown_turns_the_rule_off() -> None:
    report = validate([*back_to_back("ab"), ev("c", 60, 30, asset="asset-a")])
    assert FindingCode.COOLDOWN_BREACH not in codes(report)


@pytest.mark.parametrize("what", ["artist", "category"])
def test_same_artist_or_category_within_separation_is_a_breach(what: str) -> None:
    rules = Rules(artist_separation_us=HOUR, ignore_gaps=True)
    if what == "category":
        rules = Rules(category_separation_us=HOUR, ignore_gaps=True)
    report = validate(
        [
            ev("a", 0, 4, metadata={what: "Queen"}),
            ev("b", 4, 4, metadata={what: "Abba"}),
            ev("c", 8, 4, metadata={what: "Queen"}),
            ev("d", 68, 4, metadata={what: "Queen"}),  # an hour after c: allowed
        ],
        rules=rules,
    )
    [finding] = report.findings
    assert finding.code is FindingCode.SEPARATION_BREACH
    assert finding.severity is Severity.WARNING
    assert finding.event_ids == ("a", "c")
    assert f"{what} 'Queen'" in finding.message


def test_artist_separation_ignores_events_without_an_artist() -> None:
    report = validate(back_to_back("abc"), rules=Rules(artist_separation_us=HOUR))
    assert report.findings == ()


@pytest.mark.parametrize(
    ("event", "field", "named"),
    [
        (InputEvent("", at(0), MINUTE), "events[0].id", "no id"),
        (InputEvent("a", None, MINUTE), "events[0].start", "no start"),
        (InputEvent("a", at(0), None), "events[0].duration", "no duration"),
        (InputEvent("a", None, None), "events[0].start", "no start and no duration"),
    ],
)
def test_missing_field_is_an_error_naming_the_field(event: InputEvent, field: str, named: str) -> None:
    report = validate([event])
    [finding] = report.findings
    assert finding.code is FindingCode.MISSING_FIELD
    assert finding.severity is Severity.ERROR
    assert finding.location == Location(field=field)
    assert named in finding.message
    assert report.events == ()


def test_missing_field_keeps_the_line_of_a_document() -> None:
    report = validate([InputEvent("a", None, MINUTE, location=Location(line=7, column=3))])
    assert report.findings[0].location == Location(line=7, column=3)


def test_starts_given_with_offsets_fold_into_one_info_finding() -> None:
    inputs = [InputEvent(f"e{i}", f"2025-11-22T{10 + i:02d}:00:00+01:00", HOUR) for i in range(3)]
    report = validate([*inputs, InputEvent("z", "2025-11-22T12:00:00Z", HOUR)])
    [finding] = report.findings
    assert finding.code is FindingCode.NORMALISED_TIMESTAMP
    assert finding.severity is Severity.INFO
    assert finding.event_ids == ("e0", "e1", "e2")
    assert finding.message.startswith("3 start(s) given as a UTC offset")
    assert report.summary.info_count == 1
    assert report.valid


def test_folded_finding_lists_ten_ids_and_counts_the_rest() -> None:
    inputs = [InputEvent(f"e{i:02d}", f"2025-11-22T{i:02d}:00:00+00:30", HOUR) for i in range(12)]
    report = validate(inputs, rules=Rules(ignore_gaps=True))
    [finding] = of(report, FindingCode.NORMALISED_TIMESTAMP)
    assert len(finding.event_ids) == 10
    assert finding.message.startswith("12 start(s)")
    assert "and 2 more" in finding.message


def test_local_starts_fold_separately_from_offsets() -> None:
    inputs = [
        InputEvent("local", "2025-11-22T09:00:00", HOUR),
        InputEvent("offset", "2025-11-22T11:00:00+01:00", HOUR),
    ]
    report = validate(inputs, tz=zone("Europe/London"))
    folded = of(report, FindingCode.NORMALISED_TIMESTAMP)
    assert sorted(f.event_ids for f in folded) == [("local",), ("offset",)]
    assert any("local time in Europe/London" in f.message for f in folded)


# -- severities and the summary ----------------------------------------------


def test_warnings_and_infos_alone_leave_a_schedule_valid() -> None:
    report = validate(
        [InputEvent("a", "2025-11-22T01:30:00+01:00", HOUR, asset_id="x"), ev("b", 100, 20)],
        window=Window(at(0), at(180)),
    )
    assert report.summary.error_count == 0
    assert report.summary.warning_count == 3  # gap before, between and after
    assert report.summary.info_count == 1
    assert report.valid


def test_counts_stay_complete_when_findings_are_truncated() -> None:
    # Each event overlaps the next: 29 overlaps, 5 kept.
    inputs = [ev(f"e{i:02d}", i * 10, 15) for i in range(30)]
    report = validate(inputs, rules=Rules(max_findings=5))
    assert len(report.findings) == 5
    assert report.summary.error_count == 29
    assert report.summary.findings_truncated
    assert report.summary.overlap_total_us == 29 * 5 * MINUTE


def test_findings_are_not_marked_truncated_when_all_fit() -> None:
    report = validate([ev("a", 0, 15), ev("b", 10, 15)], rules=Rules(max_findings=1))
    assert len(report.findings) == 1
    assert not report.summary.findings_truncated


def test_unique_items_lists_each_asset_most_frequent_first() -> None:
    assets = ["news", "ad", "news", "film", "ad", "news", "ad", "weather"]
    report = validate([ev(f"e{i}", i * 10, 10, asset=a) for i, a in enumerate(assets)])
    assert report.summary.unique_items == (("ad", 3), ("news", 3), ("film", 1), ("weather", 1))


def test_span_runs_from_the_first_start_to_the_latest_end() -> None:
    report = validate([ev("film", 0, 240), ev("b", 30, 10), ev("c", 60, 10)])
    assert report.summary.span == Window(at(0), at(240))


def test_prior_findings_are_kept_and_counted() -> None:
    prior = Finding(FindingCode.INVALID_TIMESTAMP, Severity.ERROR, "line 3: bad start", (), Location(line=3))
    report = validate(back_to_back("ab"), prior_findings=[prior])
    assert report.findings == (prior,)
    assert not report.valid


def test_findings_are_ordered_by_time_after_those_without_a_place() -> None:
    report = validate([ev("a", 0, 30), ev("b", 60, 30), ev("c", 70, 30), ev("a", 200, 10)])
    assert [f.code for f in report.findings] == [
        FindingCode.DUPLICATE_ID,
        FindingCode.GAP,
        FindingCode.OVERLAP,
        FindingCode.GAP,
    ]


def test_validate_events_uses_the_locations_it_is_given() -> None:
    events = [Event("a", at(0), 0), Event("b", at(0), MINUTE)]
    report = validate_events(events, locations=[Location(line=4), Location(line=9)])
    [finding] = report.findings
    assert finding.code is FindingCode.INVALID_DURATION
    assert finding.location == Location(line=4)


# -- cost --------------------------------------------------------------------


def _shuffled_schedule(n: int) -> list[InputEvent]:
    """n events in random order, with overlaps, gaps and repeats for every rule to look at."""
    rng = random.Random(n)
    assets = [f"a{i}" for i in range(50)]
    metadata = [{"artist": f"r{i}", "category": f"c{i % 5}"} for i in range(30)]
    inputs = []
    start = T0
    for i in range(n):
        duration = rng.randint(1, 5) * MINUTE
        start += -2 * MINUTE if i % 7 == 0 else (MINUTE if i % 11 == 0 else 0)
        inputs.append(InputEvent(f"e{i}", start, duration, asset_id=assets[i % 50], metadata=metadata[i % 30]))
        start += duration
    rng.shuffle(inputs)
    return inputs


def _cpu_seconds_to_validate(inputs: list[InputEvent], *, best_of: int) -> float:
    rules = Rules(asset_cooldown_us=HOUR, artist_separation_us=30 * MINUTE, category_separation_us=MINUTE)
    best = float("inf")
    for _ in range(best_of):
        # As in the pool's workers: no cyclic collector during the job, whose
        # full passes grow with the heap and would blur what validate costs.
        gc.collect()
        gc.disable()
        try:
            began = time.process_time()
            report = validate(inputs, rules=rules)
            best = min(best, time.process_time() - began)
        finally:
            gc.enable()
        assert report.summary.error_count > len(inputs) // 10  # the overlaps are there to find
    return best


@pytest.mark.slow
def test_cpu_time_grows_near_linearly_with_the_number_of_events() -> None:
    # CPU time of this process, as a ratio: never wall-clock seconds.
    small = _cpu_seconds_to_validate(_shuffled_schedule(20_000), best_of=3)
    large = _cpu_seconds_to_validate(_shuffled_schedule(200_000), best_of=1)
    # n log n predicts about 12x for 10x the events; comparing all pairs, 100x.
    assert large / small <= 25


def test_a_cooldown_that_ends_after_9999_is_reported_not_a_crash() -> None:
    last_day = utc_us(9999, 12, 31, 23, 59, 58)
    report = validate(
        [InputEvent("a", last_day, 1_000_000, "x"), InputEvent("b", last_day + 1_000_000, 1_000_000, "x")],
        rules=Rules(asset_cooldown_us=24 * HOUR),
    )
    [breach] = report.findings
    assert breach.code is FindingCode.COOLDOWN_BREACH
    assert "10000-01-01T23:59:58Z" in breach.message
