"""Benchmark: reconciling a 24-hour as-run of 2,000 events against Validate of
the same events, side by side in one run (the issue's bar: "comparable").

    .venv/bin/python bench/bench_reconcile.py             # 2,000 events, best of 7
    .venv/bin/python bench/bench_reconcile.py --events 20000

It builds a day of ``--events`` events (25 fps, BXF timecodes), exports it as
a BXF Schedule, and an as-run log of the same day as BXF AsRun where every
event aired but one in seven is late, one in eleven short, one in
thirteen substituted, one in seventeen missing, plus a few unscheduled
fillers. Then it times, with the CPU time of the process (best of N):

- reconcile job:  the ReconcileAsRun worker's work: read the BXF as-run
  (``jobs.parse_asrun_document``) and reconcile it (``jobs.reconcile_entries``);
- validate job:   the Validate worker's work on the day as a BXF document
  (``jobs.validate_general``: read it, check it);
- the same two with the as-run and the day in ScheduleFlow JSON;
- validate events: Validate of the day as events in the request;
- core only:      ``core.reconcile.reconcile`` vs ``core.validate.validate_events``
  on already-read events.

and prints each time and the ratios reconcile/validate. Not a test: the
figures depend on the machine; the suite never asserts on times.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any


def _best(fn: Callable[[], Any], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    from scheduleflow.server.core.model import ChannelInfo, Event, EventKind, Window
    from scheduleflow.server.core.reconcile import AsRunEntry, Thresholds, reconcile
    from scheduleflow.server.core.timecode import RATES, frames_of, frames_to_us
    from scheduleflow.server.core.timeparse import parse_instant
    from scheduleflow.server.core.validate import Rules, validate_events
    from scheduleflow.server.dispatch import jobs
    from scheduleflow.server.formats import Format, render_document
    from scheduleflow.server.formats.asrun import render_asrun
    from scheduleflow.server.messages import convert
    from scheduleflow.v1 import schedule_pb2 as pb
    from scheduleflow.v1 import service_pb2 as spb

    n = args.events
    day = parse_instant("2025-06-02T00:00:00Z").us
    rate = RATES["25"]
    slot = frames_to_us(24 * 3600 * 25 // n, rate)  # a whole number of frames
    assert frames_of(slot, rate) is not None
    kinds = [EventKind.PROGRAM, EventKind.COMMERCIAL, EventKind.PROMO, EventKind.FILLER]
    events = [
        Event(
            f"e{i:05d}",
            day + i * slot,
            slot,
            f"H{i % 400:04d}",
            f"Item {i}",
            kinds[i % 4],
            i % 50 == 0,
            {"bxf.frame_rate": "25"},
        )
        for i in range(n)
    ]
    channel = ChannelInfo("bench.tv", "Bench", "UTC")
    schedule = render_document(Format.BXF, channel, events)

    entries: list[AsRunEntry] = []
    for i, e in enumerate(events):
        if i % 17 == 5:
            continue  # missed
        start, length, asset = e.start_us, e.duration_us, e.asset_id
        if i % 7 == 3:
            start += 3_000_000
        if i % 11 == 4:
            length -= 5_000_000
        if i % 13 == 6:
            asset = "SUB-" + asset
        entries.append(AsRunEntry(f"r{i}", e.id, start, length, asset, e.title, "Aired Without Discrepancy"))
    for k in range(n // 100):
        entries.append(AsRunEntry(f"x{k}", "", day + 24 * 3600 * 1_000_000 + k * 60_000_000, 30_000_000, f"FILL{k}"))
    asrun = render_asrun(Format.BXF, channel, entries)
    asrun_json = render_asrun(Format.JSON, channel, entries)
    schedule_json = render_document(Format.JSON, channel, events)
    window = Window(day, day + 25 * 3600 * 1_000_000)
    thresholds = Thresholds()

    def reconcile_job() -> None:
        got, _ = jobs.parse_asrun_document(asrun, pb.DOCUMENT_FORMAT_BXF, "UTC")
        jobs.reconcile_entries("bench.tv", events, got, window, thresholds)

    def reconcile_json_job() -> None:
        got, _ = jobs.parse_asrun_document(asrun_json, pb.DOCUMENT_FORMAT_JSON, "UTC")
        jobs.reconcile_entries("bench.tv", events, got, window, thresholds)

    validate_json_raw = spb.ValidateRequest(
        document=pb.Document(format=pb.DOCUMENT_FORMAT_JSON, content=schedule_json)
    ).SerializeToString()
    validate_doc = spb.ValidateRequest(document=pb.Document(format=pb.DOCUMENT_FORMAT_BXF, content=schedule))
    validate_doc_raw = validate_doc.SerializeToString()
    validate_events_raw = spb.ValidateRequest(
        events=spb.EventList(events=convert.events_to_pb(events))
    ).SerializeToString()
    parsed, _ = jobs.parse_asrun_document(asrun, pb.DOCUMENT_FORMAT_BXF, "UTC")
    report, _ = jobs.reconcile_entries("bench.tv", events, parsed, window, thresholds)

    cases = {
        "reconcile job (read BXF as-run + reconcile)": reconcile_job,
        "validate job (read BXF schedule + validate)": lambda: jobs.validate_general(validate_doc_raw, 1000),
        "reconcile job (read JSON as-run + reconcile)": reconcile_json_job,
        "validate job (read JSON schedule + validate)": lambda: jobs.validate_general(validate_json_raw, 1000),
        "validate job (events in the request)": lambda: jobs.validate_general(validate_events_raw, 1000),
        "core reconcile (events already read)": lambda: reconcile(events, parsed, window=window, thresholds=thresholds),
        "core validate_events (events already read)": lambda: validate_events(events, rules=Rules()),
    }
    times = {name: _best(fn, args.repeats) for name, fn in cases.items()}
    print(
        f"{n} planned events over 24 h, {len(entries)} as-run entries; as-run {len(asrun) / 1024:.0f} KiB, "
        f"schedule {len(schedule) / 1024:.0f} KiB; best of {args.repeats}, CPU time"
    )
    print(f"outcomes: {', '.join(f'{k.lower()} {v}' for k, v in report.summary.outcomes.items() if v)}")
    for name, took in times.items():
        print(f"  {name:46s} {took * 1000:8.1f} ms")
    t = list(times.values())
    print(f"ratio reconcile / validate, both reading BXF:       {t[0] / t[1]:.2f}")
    print(f"ratio reconcile / validate, both reading JSON:      {t[2] / t[3]:.2f}")
    print(f"ratio reconcile (BXF) / validate (events in proto): {t[0] / t[4]:.2f}")
    print(f"ratio core reconcile / core validate_events:        {t[5] / t[6]:.2f}")


if __name__ == "__main__":
    main()
