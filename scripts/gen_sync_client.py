"""Write the blocking client (client/.../_sync.py) from the asyncio one (_async.py).

unasync (httpcore's tool) rewrites tokens, not text: ``async``/``await`` go,
``__aenter__`` becomes ``__enter__``, ``AsyncIterator`` ``Iterator``, and the
names below as listed. ruff then sorts the imports, turns ``for x in y: yield
x`` into ``yield from y`` and formats the result as it formats the rest of the
tree. One source, so the two clients cannot drift apart.

    python scripts/gen_sync_client.py          # regenerate
    python scripts/gen_sync_client.py --check  # exit 1 if _sync.py is stale
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import unasync

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "client" / "scheduleflow" / "client"
SOURCE = PACKAGE / "_async.py"
TARGET = PACKAGE / "_sync.py"

#: Token replacements beyond unasync's own (it knows the dunders and typing names).
REPLACEMENTS = {
    "AsyncClient": "Client",
    "asyncio": "time",  # the module is imported for asyncio.sleep only
    "open_aio_channel": "open_channel",
}
HEADER = "# Generated from _async.py by scripts/gen_sync_client.py (unasync); do not edit.\n"


def _generate(into: Path) -> Path:
    """Write the generated module into ``into`` and return its path."""
    source = into / "_async.py"
    source.write_text(SOURCE.read_text())
    unasync.unasync_files(
        [str(source)], [unasync.Rule(fromdir="_async.py", todir="_sync.py", additional_replacements=REPLACEMENTS)]
    )
    target = into / "_sync.py"
    target.write_text(HEADER + target.read_text())
    ruff = str(Path(sys.executable).with_name("ruff"))
    config = ["--config", str(ROOT / "pyproject.toml")]  # the tree's settings, though the file sits outside it
    # What the renaming leaves for the linter: imports out of order
    # (AsyncIterator -> Iterator) and "for x in y: yield x" where a sync
    # generator says "yield from".
    fixes = [
        "check",
        "--quiet",
        "--fix",
        "--unsafe-fixes",
        "--select",
        "I001,UP028",
        *config,
        target_name := str(target),
    ]
    subprocess.run([ruff, *fixes], check=True)
    subprocess.run([ruff, "format", "--quiet", *config, target_name], check=True)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if _sync.py differs from freshly generated code")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        fresh = _generate(Path(tmp)).read_text()
    if args.check:
        if not TARGET.exists() or TARGET.read_text() != fresh:
            print(f"{TARGET.relative_to(ROOT)} is stale: run python scripts/gen_sync_client.py", file=sys.stderr)
            return 1
        print("sync client is up to date")
        return 0
    TARGET.write_text(fresh)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
