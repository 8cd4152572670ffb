"""Build the compiled Validate fast path (server/scheduleflow/server/dispatch/_cvalidate.c).

Hatchling packs pure Python; this hook compiles the one C extension with
setuptools' ``build_ext`` (which knows the interpreter's compiler flags) and
adds it to the wheel. For an editable install (``pip install -e``, what
scripts/test does) it is built in place, beside the source, because the
editable install imports straight from ``server/``.

The extension is optional: without a C compiler or the Python headers the
build warns and goes on, and the server answers every Validate in Python
(``--native on`` then refuses to start; tests/unit/dispatch/test_cvalidate.py
fails and says why). SCHEDULEFLOW_NATIVE_BUILD=off skips it deliberately.

With a compiler and headers present, a compile error fails the install: the
source is ours and compiles with warnings as errors (``-Wall -Wextra
-Werror``), so an error means a broken source or a new compiler's new
warning, either of which someone must look at, not a reason to ship slower
code quietly.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import sysconfig
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

MODULE = "scheduleflow.server.dispatch._cvalidate"
SOURCE = Path("server/scheduleflow/server/dispatch/_cvalidate.c")


#: Warnings are errors: the C parses untrusted bytes, and a warning there is a bug until shown otherwise.
WARNINGS = ["-Wall", "-Wextra", "-Werror"]


def missing_toolchain() -> str:
    """What is missing to compile a C extension here ("" if nothing)."""
    # setuptools takes $CC over the interpreter's own compiler, and so do we.
    compiler = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    if not compiler or shutil.which(compiler[0]) is None:
        return f"no C compiler ({' '.join(compiler) or 'cc'} not found)"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        return "no Python headers (Python.h; e.g. the python3-dev package)"
    return ""


def compile_extension(
    root: Path, out_dir: Path, *, extra_compile_args: Sequence[str] = (), extra_link_args: Sequence[str] = ()
) -> Path:
    """Compile the extension into ``out_dir``; the path of the built file.

    ``extra_*_args`` come after the defaults (scripts/fuzz_cvalidate.py adds
    the sanitizers).
    """
    from setuptools import Distribution, Extension
    from setuptools.command.build_ext import build_ext

    ext = Extension(
        MODULE,
        [str(root / SOURCE)],
        extra_compile_args=["-O2", *WARNINGS, *extra_compile_args],
        extra_link_args=list(extra_link_args),
    )
    dist = Distribution({"name": "scheduleflow-native", "ext_modules": [ext]})
    cmd = build_ext(dist)
    cmd.build_lib = str(out_dir / "lib")
    cmd.build_temp = str(out_dir / "temp")
    cmd.ensure_finalized()
    cmd.run()
    return Path(cmd.get_ext_fullpath(MODULE))


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]  # generic over its config
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or os.environ.get("SCHEDULEFLOW_NATIVE_BUILD") == "off":
            return
        root = Path(self.root)
        missing = missing_toolchain()
        if missing:  # the Python path serves
            print(
                f"warning: the Validate fast path was not built: {missing}. ScheduleFlow will answer every "
                "Validate in Python. Install a C compiler and the Python headers and reinstall to build it.",
                file=sys.stderr,
            )
            return
        work = Path(tempfile.mkdtemp(prefix="scheduleflow-native-"))
        try:
            built = compile_extension(root, work)
        except Exception as exc:
            shutil.rmtree(work, ignore_errors=True)
            # Not swallowed: the compiler's own messages are above this one.
            raise RuntimeError(
                f"compiling {SOURCE} failed ({exc}); fix the error above, or install without the fast path"
                " with SCHEDULEFLOW_NATIVE_BUILD=off"
            ) from exc
        relative = Path(*MODULE.split(".")[:-1]) / built.name
        if version == "editable":
            target = root / "server" / relative
            shutil.copyfile(built, target)
        else:
            kept = Path(self.directory) / "native" / built.name
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(built, kept)
            build_data["force_include"][str(kept)] = str(relative)
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
        shutil.rmtree(work, ignore_errors=True)
