"""Build the compiled Validate fast path (server/scheduleflow/server/dispatch/_cvalidate.c).

Hatchling packs pure Python; this hook compiles the one C extension with
setuptools' ``build_ext`` (which knows the interpreter's compiler flags) and
adds it to the wheel. For an editable install (``pip install -e``, what
scripts/test does) it is built in place, beside the source, because the
editable install imports straight from ``server/``.

The extension is optional: without a C compiler or the Python headers the
build warns and goes on, and the server answers every Validate in Python
(``--native on`` then refuses to start; tests/unit/test_cvalidate.py fails
and says why). SCHEDULEFLOW_NATIVE_BUILD=off skips it deliberately.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

MODULE = "scheduleflow.server.dispatch._cvalidate"
SOURCE = Path("server/scheduleflow/server/dispatch/_cvalidate.c")


def compile_extension(root: Path, out_dir: Path) -> Path:
    """Compile the extension into ``out_dir``; the path of the built file."""
    from setuptools import Distribution, Extension
    from setuptools.command.build_ext import build_ext

    ext = Extension(MODULE, [str(root / SOURCE)], extra_compile_args=["-O2", "-Wall"])
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
        work = Path(tempfile.mkdtemp(prefix="scheduleflow-native-"))
        try:
            built = compile_extension(root, work)
        except Exception as exc:  # no compiler, no headers: the Python path serves
            print(
                f"warning: the Validate fast path was not built ({exc}); ScheduleFlow will answer every "
                "Validate in Python. Install a C compiler and the Python headers and reinstall to build it.",
                file=sys.stderr,
            )
            shutil.rmtree(work, ignore_errors=True)
            return
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
