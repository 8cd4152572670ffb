"""Regenerate the Python code of protos/ into client/scheduleflow/v1/.

The proto path equals the import path (protos/scheduleflow/v1/x.proto ->
scheduleflow.v1.x_pb2), so the generated imports are correct as protoc writes
them and nothing is rewritten afterwards.

    python scripts/gen_protos.py          # regenerate
    python scripts/gen_protos.py --check  # exit 1 if the checked-in code is stale
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

from grpc_tools import protoc  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
OUT = ROOT / "client"
PACKAGE = Path("scheduleflow") / "v1"
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")


def _generate(into: Path) -> None:
    import grpc_tools

    well_known = Path(grpc_tools.__file__).parent / "_proto"
    protos = sorted(str(p.relative_to(PROTOS)) for p in (PROTOS / PACKAGE).glob("*.proto"))
    args = [
        "protoc",
        f"-I{PROTOS}",
        f"-I{well_known}",
        f"--python_out={into}",
        f"--pyi_out={into}",
        f"--grpc_python_out={into}",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    (into / PACKAGE / "__init__.py").write_text(
        '"""Generated from protos/scheduleflow/v1 by scripts/gen_protos.py; do not edit."""\n'
    )


def _generated(root: Path) -> dict[str, Path]:
    files = {p.name: p for p in (root / PACKAGE).iterdir() if p.name.endswith(GENERATED_SUFFIXES)}
    files["__init__.py"] = root / PACKAGE / "__init__.py"
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if client/ differs from freshly generated code")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        fresh_root = Path(tmp)
        (fresh_root / PACKAGE).mkdir(parents=True)
        _generate(fresh_root)
        fresh = _generated(fresh_root)
        if args.check:
            current = _generated(OUT) if (OUT / PACKAGE).exists() else {}
            stale = sorted(
                name
                for name in fresh.keys() | current.keys()
                if name not in fresh
                or name not in current
                or not filecmp.cmp(fresh[name], current[name], shallow=False)
            )
            if stale:
                print("generated code is out of date; run python scripts/gen_protos.py:", *stale, file=sys.stderr)
                return 1
            print("generated code is up to date")
            return 0
        (OUT / PACKAGE).mkdir(parents=True, exist_ok=True)
        for old in _generated(OUT).values():
            old.unlink(missing_ok=True)
        for name, path in fresh.items():
            shutil.copyfile(path, OUT / PACKAGE / name)
    print(f"generated {len(fresh)} files into {OUT / PACKAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
