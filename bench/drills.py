"""The fault drills at a larger scale than CI runs them, with a verdict table.

    python bench/drills.py                  # every drill, long scale (several minutes)
    python bench/drills.py --quick          # the CI scale (what pytest runs)
    python bench/drills.py --only kill size # drills whose name contains one of the words
    python bench/drills.py --json out.json  # the figures as JSON too
    python bench/drills.py --only retrying --repeat 20   # each drill 20 times, then the spread of its figures

The drills themselves live in tests/integration/test_fault_drills.py and
tests/integration/test_bounded_drills.py (one definition, two scales), and
the refusal burst in bench/bench_shed.py (its fast version in the tests is
test_a_saturated_pool_refuses_work_before_reading_it and
tests/unit/rpc/test_shedding.py): each starts its own server, does the damage, checks
what the clients saw and returns its figures. A drill that finds a problem
fails its assertion: the verdict is FAIL with the assertion's first line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_shed import DRILLS as SHED_DRILLS  # noqa: E402
from tests.integration.test_bounded_drills import DRILLS as BOUNDED_DRILLS  # noqa: E402
from tests.integration.test_fault_drills import DRILLS as FAULT_DRILLS  # noqa: E402

DRILLS = {**FAULT_DRILLS, **BOUNDED_DRILLS, **SHED_DRILLS}


def run_one(name: str, *, quick: bool) -> dict[str, Any]:
    drill, ci_scale, long_scale = DRILLS[name]
    scale = ci_scale if quick else {**ci_scale, **long_scale}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="drill-") as tmp:
        try:
            figures = asyncio.run(drill(Path(tmp), **scale))
            verdict, reason = "PASS", ""
        except AssertionError as exc:
            figures, verdict = {}, "FAIL"
            reason = (str(exc).strip().splitlines() or ["(no message)"])[0]
        except Exception as exc:  # a drill that cannot run says why, and the others still run
            figures, verdict = {}, "ERROR"
            reason = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
    return {
        "drill": name,
        "scale": {k: list(v) if isinstance(v, tuple) else v for k, v in scale.items()},
        "verdict": verdict,
        "reason": reason,
        "seconds": round(time.monotonic() - started, 1),
        "figures": {k: v if isinstance(v, int | float | str) else str(v) for k, v in figures.items()},
    }


def table(rows: list[dict[str, Any]]) -> str:
    width = max(len(r["drill"]) for r in rows)
    lines = [f"{'drill':{width}}  verdict  seconds  note", f"{'-' * width}  -------  -------  ----"]
    for r in rows:
        lines.append(f"{r['drill']:{width}}  {r['verdict']:7}  {r['seconds']:7}  {r['reason'][:100]}")
    return "\n".join(lines)


def spread(runs: list[dict[str, Any]]) -> dict[str, str]:
    """min / median / max over the runs of each numeric figure (a drill's counts and times)."""
    values: dict[str, list[float]] = {}
    for run in runs:
        for key, value in run["figures"].items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                values.setdefault(key, []).append(value)
    return {key: f"{min(v):g} / {statistics.median(v):g} / {max(v):g} (sum {sum(v):g})" for key, v in values.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the CI scale")
    parser.add_argument("--only", nargs="+", default=[], help="run the drills whose name contains one of these")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--repeat", type=int, default=1, help="run each drill this many times (a rare failure shows)")
    args = parser.parse_args(argv)
    names = [n for n in DRILLS if not args.only or any(w.lower() in n.lower() for w in args.only)]
    if not names:
        parser.error(f"no drill matches {args.only}; drills: {', '.join(DRILLS)}")
    rows = []
    for name in names:
        runs = []
        for n in range(args.repeat):
            print(f"-- {name}{f' (run {n + 1} of {args.repeat})' if args.repeat > 1 else ''} ...", flush=True)
            row = run_one(name, quick=args.quick)
            runs.append(row)
            for key, value in row["figures"].items():
                print(f"   {key}: {value}")
            print(f"   => {row['verdict']} in {row['seconds']} s {row['reason']}", flush=True)
        rows.extend(runs)
        if args.repeat > 1:
            passed = sum(r["verdict"] == "PASS" for r in runs)
            print(f"== {name}: {passed} of {len(runs)} runs PASS; min / median / max:")
            for key, value in spread(runs).items():
                print(f"   {key}: {value}")
    print()
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0 if all(r["verdict"] == "PASS" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
