"""As-run reconciliation: each outcome on written cases, and generated schedules
perturbed in known ways, every perturbation reported with its kind and amount."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduleflow.server.core.model import Event, Window
from scheduleflow.server.core.reconcile import AsRunEntry, Outcome, Thresholds, reconcile
from tests.profiles import examples

S = 1_000_000


def _plan(n: int, length: int = 30 * S) -> list[Event]:
    return [Event(f"e{i}", i * length, length, f"a{i}") for i in range(n)]


def _aired(e: Event, *, delay: int = 0, stretch: int = 0, asset: str | None = None, status: str = "") -> AsRunEntry:
    return AsRunEntry(
        f"r-{e.id}",
        e.id,
        e.start_us + delay,
        e.duration_us + stretch,
        e.asset_id if asset is None else asset,
        "",
        status,
    )


def _outcomes(report_findings: tuple[object, ...]) -> list[tuple[str, str, str, int]]:
    return [(f.outcome.value, f.planned_id, f.asrun_id, f.amount_us) for f in report_findings]  # type: ignore[attr-defined]


def test_a_log_that_matches_the_plan_is_all_as_planned() -> None:
    plan = _plan(5)
    report = reconcile(plan, [_aired(e) for e in plan])
    assert {f.outcome for f in report.findings} == {Outcome.AS_PLANNED}
    assert report.summary.on_time_percent == 100.0 and report.summary.total_deviation_us == 0


def test_tolerances_are_parameters() -> None:
    plan = _plan(1)
    entry = _aired(plan[0], delay=2 * S, stretch=-2 * S)
    strict = reconcile(plan, [entry])
    assert _outcomes(strict.findings) == [("LATE", "e0", "r-e0", 2 * S), ("SHORT", "e0", "r-e0", 2 * S)]
    lenient = reconcile(plan, [entry], thresholds=Thresholds(on_time_tolerance_us=3 * S, duration_tolerance_us=3 * S))
    assert _outcomes(lenient.findings) == [("AS_PLANNED", "e0", "r-e0", 0)]
    assert lenient.summary.total_deviation_us == 4 * S  # deviations are summed whatever the tolerance


def test_an_entry_without_an_id_is_matched_by_asset_near_its_start() -> None:
    plan = _plan(3)
    entry = AsRunEntry("manual", "", plan[1].start_us + 5 * S, plan[1].duration_us, "a1")
    report = reconcile(plan, [_aired(plan[0]), entry, _aired(plan[2])])
    assert ("LATE", "e1", "manual", 5 * S) in _outcomes(report.findings)


def test_an_entry_over_an_unreported_event_is_a_substitution_and_one_over_nothing_is_unscheduled() -> None:
    plan = _plan(2)
    other = AsRunEntry("x", "", plan[1].start_us, plan[1].duration_us, "zz")
    late_night = AsRunEntry("y", "", 10_000 * S, 10 * S, "zz")
    report = reconcile(plan, [_aired(plan[0]), other, late_night])
    got = _outcomes(report.findings)
    assert ("SUBSTITUTED", "e1", "x", 0) in got
    assert ("UNSCHEDULED", "", "y", 10 * S) in got
    assert report.summary.aired == 3 and report.summary.planned == 2


def test_the_window_limits_what_counts_as_missed() -> None:
    plan = _plan(10)
    report = reconcile(plan, [_aired(plan[0])], window=Window(0, 60 * S))
    assert _outcomes(report.findings) == [("AS_PLANNED", "e0", "r-e0", 0), ("MISSED", "e1", "", 30 * S)]


# ---- generated perturbations

_KINDS = ("ok", "late", "early", "short", "long", "substituted", "swapped", "missed", "not_aired", "unscheduled")


@st.composite
def _perturbed(draw: st.DrawFn) -> tuple[list[Event], list[AsRunEntry], dict[str, tuple[str, int]]]:
    n = draw(st.integers(1, 40))
    lengths = draw(st.lists(st.integers(10, 600), min_size=n, max_size=n))
    plan, t = [], 0
    for i, length in enumerate(lengths):
        plan.append(Event(f"e{i}", t * S, length * S, f"a{i}"))
        t += length
    entries: list[AsRunEntry] = []
    expected: dict[str, tuple[str, int]] = {}
    for e in plan:
        kind = draw(st.sampled_from(_KINDS[:-1]))
        amount = draw(st.integers(2, 9)) * S  # beyond the 1 s tolerance, within every event
        if kind == "ok":
            entries.append(_aired(e))
            expected[e.id] = ("AS_PLANNED", 0)
        elif kind == "late":
            entries.append(_aired(e, delay=amount))
            expected[e.id] = ("LATE", amount)
        elif kind == "early":
            entries.append(_aired(e, delay=-amount))
            expected[e.id] = ("EARLY", amount)
        elif kind == "short":
            entries.append(_aired(e, stretch=-amount))
            expected[e.id] = ("SHORT", amount)
        elif kind == "long":
            entries.append(_aired(e, stretch=amount))
            expected[e.id] = ("LONG", amount)
        elif kind == "substituted":
            entries.append(_aired(e, asset=f"other-{e.id}"))
            expected[e.id] = ("SUBSTITUTED", 0)
        elif kind == "swapped":
            # Put on air by hand in the event's slot: no id, another asset.
            entries.append(AsRunEntry(f"s-{e.id}", "", e.start_us, e.duration_us, f"other-{e.id}"))
            expected[e.id] = ("SUBSTITUTED", 0)
        elif kind == "missed":
            expected[e.id] = ("MISSED", e.duration_us)
        else:
            entries.append(_aired(e, status="Did not air"))
            expected[e.id] = ("MISSED", 0)
    for k in range(draw(st.integers(0, 3))):
        entry = AsRunEntry(f"u{k}", "", (t + 100 + 50 * k) * S, 20 * S, f"extra{k}")
        entries.append(entry)
        expected[entry.id] = ("UNSCHEDULED", 20 * S)
    order = draw(st.permutations(range(len(entries))))
    return plan, [entries[i] for i in order], expected


@settings(max_examples=examples(150), deadline=None)
@given(case=_perturbed())
def test_every_perturbation_is_reported_with_its_kind_and_amount(
    case: tuple[list[Event], list[AsRunEntry], dict[str, tuple[str, int]]],
) -> None:
    plan, entries, expected = case
    report = reconcile(plan, entries)
    got = {(f.planned_id or f.asrun_id): (f.outcome.value, f.amount_us) for f in report.findings}
    assert len(report.findings) == len(expected)  # one finding per perturbation, no more
    assert got == expected
    for f in report.findings:
        # Ids on both sides: the as-run side is empty only for an event nobody reported.
        assert f.planned_id or f.outcome is Outcome.UNSCHEDULED
        assert f.asrun_id or (f.outcome is Outcome.MISSED and expected[f.planned_id][1] > 0)
    on_time = sum(1 for kind, _ in expected.values() if kind in ("AS_PLANNED", "SHORT", "LONG"))
    assert report.summary.on_time == on_time
    assert report.summary.outcomes["MISSED"] == sum(kind == "MISSED" for kind, _ in expected.values())
