"""The external tools the tests run, found in one way.

Every tool is declared in ``scripts/tools.txt`` (with the Debian package that
brings it) and installed by ``scripts/setup``. A test asks for one with
``need("kubectl")`` and gets its path. When the tool is missing, the test is
skipped on a developer's machine, with a reason that names the tool and the
setup script (pytest's ``-ra`` summary lists it, and the run ends with one
line per missing tool); under ``CI=true`` it fails instead, because a gate
that silently skips half of what it checks proves nothing.

A tool absent from ``tools.txt`` is an error in the test, not a skip: the
declaration is what lets ``scripts/setup`` install it on a fresh machine.
"""

from __future__ import annotations

import functools
import glob
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS_FILE = ROOT / "scripts" / "tools.txt"

#: Begins the skip reason of a missing tool; the summary hook in conftest.py finds it there.
MISSING = "missing external tool"


@dataclass(frozen=True)
class Tool:
    name: str
    package: str
    #: Directories outside PATH where the package puts it (PostgreSQL's versioned bin/).
    search_glob: str | None
    purpose: str


@functools.cache
def declared() -> dict[str, Tool]:
    """``scripts/tools.txt``, by tool name."""
    tools: dict[str, Tool] = {}
    for number, line in enumerate(TOOLS_FILE.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split(maxsplit=3)
        if len(fields) < 3:
            raise ValueError(f"{TOOLS_FILE}:{number}: want 'tool package glob-or-dash [purpose]', got {line!r}")
        name, package, where = fields[:3]
        tools[name] = Tool(name, package, None if where == "-" else where, fields[3] if len(fields) > 3 else "")
    return tools


def find(name: str) -> str | None:
    """The path of a declared tool, or None: PATH first, then its declared directories (newest version first)."""
    tool = declared().get(name)
    if tool is None:
        raise KeyError(
            f"{name} is not declared in {TOOLS_FILE.relative_to(ROOT)}: add it there so scripts/setup installs it"
        )
    found = shutil.which(name)
    if found is None and tool.search_glob is not None:
        for directory in sorted(glob.glob(tool.search_glob), key=_version_key, reverse=True):
            found = shutil.which(name, path=directory)
            if found is not None:
                break
    return found


def _version_key(directory: str) -> tuple[int, ...]:
    """``/usr/lib/postgresql/15/bin`` sorts after ``.../9/bin``: numeric parts compare as numbers."""
    return tuple(int(part) for part in Path(directory).parts if part.isdigit())


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need(name: str) -> str:
    """The path of external tool ``name``; skip (locally) or fail (CI=true) when it is missing."""
    found = find(name)
    if found is not None:
        return found
    tool = declared()[name]
    message = f"{MISSING} {name} (Debian package {tool.package}): run scripts/setup"
    if in_ci():
        pytest.fail(f"{message} (CI=true: .ci/run runs scripts/setup, so a missing tool is a broken setup)")
    pytest.skip(message)
