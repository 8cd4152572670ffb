"""What the engine did and had to bend: the tally behind ``ScheduleReport``.

Rules:

1. The engine records as it goes (plays, relaxations, unfilled spans, filler,
   waiting); the report is built once at the end from those counts.
2. Every bent rule is counted; at most ``max_relaxations`` are listed, and
   their message is built only when listed (a year of an impossible cooldown
   bends a rule ~175,000 times).
3. Spans and instants in messages are for people: ``1h30m``, ``2026-01-01T06:00:00Z``.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial

from scheduleflow.server.core.generate_items import SEC, Item
from scheduleflow.server.core.model import Finding, Window
from scheduleflow.server.core.playlist import ItemPlays, Relaxation, ScheduleReport, ScheduleRules

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Tally:
    """Counts of one generation run, turned into its report by ``report``."""

    def __init__(self, n_items: int, max_relaxations: int) -> None:
        self.max_relaxations = max_relaxations
        self.play_count = [0] * n_items
        self.play_last = [0] * n_items
        self.play_min = [0] * n_items
        self.play_max = [0] * n_items
        self.relaxations: list[Relaxation] = []
        self.relax_count: dict[str, int] = {}
        self.relax_worst: dict[str, int] = {}
        self.unfilled: list[tuple[int, int]] = []
        self.filler_events = 0
        self.waited_us = 0
        self.fixed_overlaps = 0
        #: Free-form notes the engine adds (e.g. about history it read).
        self.extra_notes: list[str] = []

    def play(self, i: int, start: int) -> None:
        n = self.play_count[i]
        if n:
            spacing = start - self.play_last[i]
            if n == 1 or spacing < self.play_min[i]:
                self.play_min[i] = spacing
            if spacing > self.play_max[i]:
                self.play_max[i] = spacing
        self.play_count[i] = n + 1
        self.play_last[i] = start

    def leave_unfilled(self, start: int, end: int) -> None:
        if self.unfilled and self.unfilled[-1][1] == start:
            self.unfilled[-1] = (self.unfilled[-1][0], end)
        else:
            self.unfilled.append((start, end))

    def check_rules(self, it: Item, start: int, event_id: str) -> None:
        """Record every rule a play of ``it`` at ``start`` bends."""
        for last, key, span, rule in it.checks:
            prev = last.get(key)
            if prev is not None and start - prev < span:
                why = partial(_describe, rule, key, span, start, prev)
                self.relaxed(rule, event_id, it.id, span - (start - prev), why)
        for starts, key, span, rule in it.look:
            p = bisect.bisect_right(starts, start)
            if p < len(starts) and starts[p] - start < span:
                why = partial(_describe, rule, key, span, start, starts[p])
                self.relaxed(rule, event_id, it.id, span - (starts[p] - start), why)

    def relaxed(self, rule: str, event_id: str, item_id: str, shortfall: int, message: Callable[[], str]) -> None:
        self.relax_count[rule] = self.relax_count.get(rule, 0) + 1
        self.relax_worst[rule] = max(self.relax_worst.get(rule, 0), shortfall)
        if len(self.relaxations) < self.max_relaxations:
            self.relaxations.append(Relaxation(rule, event_id, item_id, shortfall, message()))

    def report(
        self, window: Window, items: Sequence[Item], rules: ScheduleRules, findings: Sequence[Finding] = ()
    ) -> ScheduleReport:
        span = window.end_us - window.start_us
        unfilled_us = sum(b - a for a, b in self.unfilled)
        plays = tuple(
            ItemPlays(it.id, self.play_count[k], self.play_min[k], self.play_max[k]) for k, it in enumerate(items)
        )
        return ScheduleReport(
            fill_ratio=(span - unfilled_us) / span,
            unfilled=tuple(Window(a, b) for a, b in self.unfilled),
            repeats=sum(n - 1 for n in self.play_count if n > 1),
            relaxations=tuple(self.relaxations),
            plays=plays,
            filler_events=self.filler_events,
            notes=tuple(self._notes(span, unfilled_us, items, rules)),
            findings=tuple(findings),
        )

    def _notes(self, span: int, unfilled_us: int, items: Sequence[Item], rules: ScheduleRules) -> list[str]:
        notes: list[str] = []
        total = sum(it.dur for it in items)
        if 0 < total < rules.item_cooldown_us and span > total:
            notes.append(
                f"the item cooldown ({span_text(rules.item_cooldown_us)}) is longer than one pass through the whole "
                f"playlist ({span_text(total)}): no item can come round again in time"
            )
        too_long = [it.id for it in items if it.dur > span]
        if too_long:
            notes.append(
                f"{len(too_long)} item(s) are longer than the window and never air: {', '.join(too_long[:10])}"
            )
        if self.fixed_overlaps:
            notes.append(f"{self.fixed_overlaps} fixed event(s) overlap an earlier one; they are kept as given")
        notes.extend(self.extra_notes)
        for rule in sorted(self.relax_count):
            notes.append(
                f"relaxed {_label(rule)} {self.relax_count[rule]} time(s), "
                f"the largest shortfall {span_text(self.relax_worst[rule])}"
            )
        total_relaxed = sum(self.relax_count.values())
        if total_relaxed > len(self.relaxations):
            notes.append(f"only the first {len(self.relaxations)} of {total_relaxed} relaxations are listed")
        if self.waited_us:
            notes.append(
                f"spent {span_text(self.waited_us)} waiting (with filler, if any) for items to become eligible"
            )
        if unfilled_us:
            notes.append(
                f"{span_text(unfilled_us)} in {len(self.unfilled)} span(s) left unfilled: the material does not fit "
                "exactly; add short filler items or set rules.gap_filler_asset_id"
            )
        return notes


def _describe(rule: str, key: str, span: int, start: int, other: int) -> str:
    what = "item" if rule == "item_cooldown" else rule.split("_", 1)[0]
    if other < start:
        where = f"{span_text(start - other)} after its play at {instant_text(other)}"
    else:
        where = f"{span_text(other - start)} before its fixed play at {instant_text(other)}"
    return f"{what} {key!r} starts {where}; the {_label(rule)} is {span_text(span)}"


def _label(rule: str) -> str:
    return rule.replace("_", " ")


def span_text(us: int) -> str:
    """A span for people: '1h30m', '45s', '0.25s'."""
    seconds, frac = divmod(us, SEC)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    out = (f"{h}h" if h else "") + (f"{m}m" if m else "")
    if s or frac or not out:
        out += f"{s}" + (f".{frac:06d}".rstrip("0") if frac else "") + "s"
    return out


def instant_text(us: int) -> str:
    return (_EPOCH + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%SZ")
