"""Time slots: a weekly grid in local time, and local times the clocks skip or
repeat landing on the documented instant (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.generate import generate
from scheduleflow.server.core.model import Event, FindingCode, Severity
from scheduleflow.server.core.playlist import Daypart, PlaybackOrder, ScheduleRules, SlotContent, TimeSlot
from tests.unit.core.test_generate import HOUR, MIN, T0, item, regular, request

LONDON = "Europe/London"


def _z(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()) * 1_000_000


GRID = [f"{h:02d}:{m:02d}" for h in range(5) for m in (0, 30)]

#: Where each slot of GRID starts on London's 2025 change days (the README's worked example).
SPRING = {  # 30 Mar: 01:00 GMT -> 02:00 BST at 01:00Z
    "00:00": "2025-03-30T00:00", "00:30": "2025-03-30T00:30",
    "01:00": None, "01:30": None,  # skipped: they take effect at 01:00Z, which 02:00 then holds
    "02:00": "2025-03-30T01:00", "02:30": "2025-03-30T01:30", "03:00": "2025-03-30T02:00",
    "03:30": "2025-03-30T02:30", "04:00": "2025-03-30T03:00", "04:30": "2025-03-30T03:30",
}  # fmt: skip
AUTUMN = {  # 26 Oct: 02:00 BST -> 01:00 GMT at 01:00Z
    "00:00": "2025-10-25T23:00", "00:30": "2025-10-25T23:30",
    "01:00": "2025-10-26T00:00", "01:30": "2025-10-26T00:30",  # repeated: the first occurrence (BST)
    "02:00": "2025-10-26T02:00", "02:30": "2025-10-26T02:30", "03:00": "2025-10-26T03:00",
    "03:30": "2025-10-26T03:30", "04:00": "2025-10-26T04:00", "04:30": "2025-10-26T04:30",
}  # fmt: skip


def _grid(start: str, end: str) -> tuple[list[Event], list[object]]:
    items = [item(f"s{t.replace(':', '')}", 600, category="grid") for t in GRID]
    slots = tuple(TimeSlot(t, SlotContent.ITEM, f"s{t.replace(':', '')}") for t in GRID)
    req = request(items, start=_z(start), span_us=_z(end) - _z(start), rules=ScheduleRules(time_slots=slots))
    req = req.__class__(**{**{f: getattr(req, f) for f in req.__dataclass_fields__}, "time_zone": LONDON})
    result = generate(req)
    return regular(result), list(result.report.findings)


@pytest.mark.parametrize(("day", "expected", "start", "end"), [
    ("spring", SPRING, "2025-03-30T00:00", "2025-03-30T05:00"),
    ("autumn", AUTUMN, "2025-10-25T23:00", "2025-10-26T05:00"),
])  # fmt: skip
def test_a_slot_grid_over_the_change_days_lands_every_slot_on_the_documented_instant(
    day: str, expected: dict[str, str | None], start: str, end: str
) -> None:
    events, findings = _grid(start, end)
    first_of: dict[str, int] = {}
    for e in events:
        first_of.setdefault(e.metadata["item_id"], e.start_us)
    for local, instant in expected.items():
        key = f"s{local.replace(':', '')}"
        if instant is None:
            assert key not in first_of, (local, first_of.get(key))
        else:
            assert first_of.get(key) == _z(instant), (day, local)
    # Each slot holds until the next: every event airs the slot it starts in.
    bounds = sorted((_z(v), f"s{k.replace(':', '')}") for k, v in expected.items() if v is not None)
    for e in events:
        holder = [slot for at, slot in bounds if at <= e.start_us][-1]
        assert e.metadata["item_id"] == holder
    codes = sorted((f.code, f.severity) for f in findings)  # type: ignore[attr-defined]
    if day == "spring":
        assert codes == [(FindingCode.NONEXISTENT_LOCAL_TIME, Severity.INFO)] * 2
    else:
        assert codes == [(FindingCode.AMBIGUOUS_LOCAL_TIME, Severity.INFO)] * 2


def test_a_slot_can_take_the_second_occurrence_of_a_repeated_hour() -> None:
    items = [item("late", 600), item("other", 600)]
    slot = TimeSlot("01:30", SlotContent.ITEM, "late", length_us=30 * MIN, second_occurrence=True)
    req = request(items, start=_z("2025-10-26T00:00"), span_us=3 * HOUR, rules=ScheduleRules(time_slots=(slot,)))
    req = req.__class__(**{**{f: getattr(req, f) for f in req.__dataclass_fields__}, "time_zone": LONDON})
    late = [e.start_us for e in regular(generate(req)) if e.metadata["item_id"] == "late"]
    assert late[0] == _z("2025-10-26T01:30")  # GMT, the second 01:30


def test_a_daypart_boundary_in_the_skipped_hour_is_an_info_finding() -> None:
    items = [item("n", 600, category="night"), item("o", 600)]
    rules = ScheduleRules(dayparts=(Daypart("01:30", "02:30", categories=("night",)),))
    req = request(items, start=_z("2025-03-30T00:00"), span_us=4 * HOUR, rules=rules)
    req = req.__class__(**{**{f: getattr(req, f) for f in req.__dataclass_fields__}, "time_zone": LONDON})
    result = generate(req)
    # 01:30 is skipped: the daypart starts at the change, 01:00Z, and runs to 02:30 BST (01:30Z).
    inside = [e for e in regular(result) if _z("2025-03-30T01:00") <= e.start_us < _z("2025-03-30T01:30")]
    assert inside[0].start_us == _z("2025-03-30T01:00")
    assert {e.metadata["item_id"] for e in inside} == {"n"}
    (finding,) = result.report.findings
    assert finding.code is FindingCode.NONEXISTENT_LOCAL_TIME
    assert finding.location is not None and finding.location.field == "rules.dayparts[0].start_local"
    assert "01:00:00Z" in finding.message


def test_show_slots_air_the_next_episode_and_the_rest_fills_from_the_playlist() -> None:
    shows = [item(f"news{ep}", 1800, show="News", episode=ep) for ep in range(1, 6)]
    music = [item(f"m{k}", 180) for k in range(30)]
    slot = TimeSlot("20:00", SlotContent.SHOW, "News", days_of_week=(1, 2, 3, 4, 5), length_us=30 * MIN)
    # 2026-01-01 is a Thursday: Thursday, Friday, then the weekend, then Monday.
    req = request(
        [*shows, *music], span_us=5 * 24 * HOUR, order=PlaybackOrder.SHUFFLE, rules=ScheduleRules(time_slots=(slot,))
    )
    result = generate(req)
    news = [(e.start_us, e.metadata["episode"]) for e in regular(result) if e.metadata.get("show") == "News"]
    assert news == [
        (T0 + 20 * HOUR, "1"),
        (T0 + 24 * HOUR + 20 * HOUR, "2"),
        (T0 + 4 * 24 * HOUR + 20 * HOUR, "3"),
    ]
    assert result.report.fill_ratio == 1.0
    assert result.state.episodes["News"] == "news3"


def test_fixed_events_win_over_slots() -> None:
    items = [item("a", 600), item("b", 600)]
    slot = TimeSlot("10:00", SlotContent.ITEM, "a")
    fixed = Event("live", T0 + 10 * HOUR, 20 * MIN, fixed_start=True)
    result = generate(request(items, span_us=12 * HOUR, rules=ScheduleRules(time_slots=(slot,)), fixed=[fixed]))
    assert any(e.id == "live" and e.start_us == T0 + 10 * HOUR for e in result.events)
    after = [e for e in regular(result) if e.start_us >= T0 + 10 * HOUR]
    assert after and all(e.metadata["item_id"] == "a" for e in after)


@pytest.mark.parametrize(
    ("slot", "field"),
    [
        (TimeSlot("25:00", SlotContent.ITEM, "a"), "rules.time_slots[0].start_local"),
        (TimeSlot("10:00", SlotContent.SHOW, "nope"), "rules.time_slots[0]"),
        (TimeSlot("10:00", SlotContent.ITEM, "a", days_of_week=(8,)), "rules.time_slots[0].days_of_week"),
        (TimeSlot("10:00", SlotContent.ITEM, "a", length_us=-1), "rules.time_slots[0].length"),
    ],
)
def test_bad_slots_are_refused_with_the_field(slot: TimeSlot, field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        generate(request([item("a", 600)], rules=ScheduleRules(time_slots=(slot,))))
    assert [v.where.field for v in exc.value.violations] == [field]
