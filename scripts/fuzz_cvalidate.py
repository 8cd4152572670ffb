"""Fuzz the compiled Validate fast path under AddressSanitizer and UBSan.

    python scripts/fuzz_cvalidate.py               # 60 s
    python scripts/fuzz_cvalidate.py --seconds 25  # the short pass .ci/run makes

It builds ``_cvalidate.c`` once more, into a temporary folder, with
``-fsanitize=address,undefined`` (every UB check fatal, ``-fno-wrapv`` so
signed overflow counts), and runs a Python process with the sanitizer runtime
preloaded (``LD_PRELOAD``: Python itself is not instrumented) and
``PYTHONMALLOC=malloc`` (so ASan sees the request's own buffer, not a pymalloc
arena around it). In it, for the time given, it feeds the extension:

- schedules drawn by the differential tests' own strategies
  (tests/unit/dispatch/test_cvalidate.py), clean and dirty, and their
  mutations into every kind of finding;
- random byte edits of those requests (flips, cuts, insertions, deletions,
  splices, a varint written long), thousands a second.

Each answer is held to the fast path's rule (``assert_safe``): when it
answers, Python answers the same bytes. Exit 0 when nothing was found; a
sanitizer report or a differing answer (with the request in hex) exits
non-zero.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE = "scheduleflow.server.dispatch._cvalidate"
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-fno-wrapv"]


def _runtime(library: str) -> str:
    """The path of gcc's sanitizer runtime ``library``; exits if gcc has none."""
    found = subprocess.run(["gcc", f"-print-file-name={library}"], capture_output=True, text=True, check=True)
    path = found.stdout.strip()
    if not os.path.isabs(path) or not os.path.exists(path):
        sys.exit(f"gcc has no {library}: install gcc's sanitizer runtime (Debian: libasan8 and libubsan1, with gcc)")
    return path


def build(out_dir: Path) -> Path:
    """The extension compiled with the sanitizers, in ``out_dir``."""
    sys.path.insert(0, str(ROOT))
    from hatch_build import compile_extension  # the same compile as an install, sanitizers added

    return compile_extension(
        ROOT, out_dir, extra_compile_args=[*SANITIZE, "-O1", "-g"], extra_link_args=["-fsanitize=address,undefined"]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to fuzz (default: 60)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the byte edits (default: random)")
    parser.add_argument("--driver", metavar="SO", help=argparse.SUPPRESS)  # the sanitized process's side
    args = parser.parse_args()
    if args.driver:
        return drive(Path(args.driver), args.seconds, args.seed)

    asan = _runtime("libasan.so")
    with tempfile.TemporaryDirectory(prefix="fuzz-cvalidate-") as tmp:
        print("== building _cvalidate.c with ASan + UBSan", flush=True)
        built = build(Path(tmp))
        env = {
            **os.environ,
            "LD_PRELOAD": asan,
            "PYTHONMALLOC": "malloc",
            # Python keeps much of what it allocates until exit: leaks are not the question here.
            "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1:strict_string_checks=1",
            "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
        }
        command = [sys.executable, __file__, "--driver", str(built), "--seconds", str(args.seconds)]
        if args.seed is not None:
            command += ["--seed", str(args.seed)]
        print(f"== fuzzing for {args.seconds:g} s under the sanitizers", flush=True)
        return subprocess.run(command, env=env, cwd=ROOT).returncode


# -- the sanitized process ---------------------------------------------------------------


def _load_sanitized(path: Path) -> None:
    """Make ``path`` the extension that ``native`` loads, and check that it is."""
    import scheduleflow.server.dispatch as package

    spec = importlib.util.spec_from_file_location(MODULE, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[MODULE] = module
    package._cvalidate = module  # type: ignore[attr-defined]
    maps = Path("/proc/self/maps").read_text()
    if "libasan" not in maps or str(path) not in maps:
        sys.exit("the sanitizer runtime or the sanitized extension is not loaded: nothing would be found")


def drive(path: Path, seconds: float, seed: int | None) -> int:
    _load_sanitized(path)
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from scheduleflow.server.dispatch import native
    from tests.unit.dispatch import test_cvalidate as t

    if native.validate_clean is None:
        sys.exit("the sanitized extension did not load (see the ERROR above)")

    seed = random.randrange(2**32) if seed is None else seed
    rng = random.Random(seed)
    corpus: list[bytes] = []
    checked = answered = 0

    def check(raw: bytes) -> None:
        nonlocal checked, answered
        checked += 1
        answered += t.assert_safe(raw) is not None

    # Small rounds, so the time limit is kept to a round's length.
    rounds = settings(
        max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck), print_blob=True
    )

    @rounds
    @given(schedule=t.schedules(max_events=24, rules_may_break=True))
    def drawn(schedule: t.Schedule) -> None:
        raw = schedule.request.SerializeToString()
        if len(corpus) < 2000:
            corpus.append(raw)
        else:
            corpus[rng.randrange(len(corpus))] = raw
        check(raw)

    @rounds
    @given(schedule=t.schedules(max_events=12), data=st.data())
    def mutated(schedule: t.Schedule, data: st.DataObject) -> None:
        request = t.spb.ValidateRequest()
        request.CopyFrom(schedule.request)
        usable = [m for m in t.MUTATIONS if len(request.events.events) >= 2 or not m.needs_two]
        data.draw(st.sampled_from(usable), label="mutation").change(request, data)
        check(request.SerializeToString())

    started = time.monotonic()
    deadline = started + seconds
    while time.monotonic() < deadline:
        drawn()
        mutated()
        edits_until = min(deadline, time.monotonic() + 2.0)
        while time.monotonic() < edits_until:
            check(_edit(rng, corpus))
    print(
        f"fuzzed {checked} requests in {time.monotonic() - started:.0f} s (seed {seed}): {answered} answered by the C,"
        " every answer Python's bytes, no sanitizer report"
    )
    return 0


def _edit(rng: random.Random, corpus: list[bytes]) -> bytes:
    """A random edit or two of a request from the corpus."""
    raw = bytearray(rng.choice(corpus))
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(raw) + 1)
        kind = rng.randrange(6)
        if kind == 0 and raw:  # flip bits of one byte
            at = min(at, len(raw) - 1)
            raw[at] ^= rng.randrange(1, 256)
        elif kind == 1:  # cut the rest off
            del raw[at:]
        elif kind == 2:  # insert a few bytes (or an interesting one)
            raw[at:at] = rng.choice([bytes([rng.randrange(256)]), b"\xff" * rng.randint(1, 10), rng.randbytes(4)])
        elif kind == 3:  # delete a few bytes
            del raw[at : at + rng.randint(1, 4)]
        elif kind == 4:  # splice in the tail of another request
            other = rng.choice(corpus)
            raw[at:] = other[rng.randrange(len(other) + 1) :]
        elif raw:  # a byte with its continuation bit set, making a varint longer
            at = min(at, len(raw) - 1)
            raw[at : at + 1] = bytes([raw[at] | 0x80, 0x00])
    return bytes(raw)


if __name__ == "__main__":
    sys.exit(main())
