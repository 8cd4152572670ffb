# Shared by scripts/serve, scripts/setup and scripts/test: where the
# project-local virtualenv is, and whether it is current (pyproject.toml, the
# build hook and the C source of the Validate fast path older than its
# install). Nothing here installs: that is scripts/_install.sh, which only
# scripts/setup and scripts/serve source. Sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SCHEDULEFLOW_VENV:-$ROOT/.venv}"

# True when .venv holds the project with these extras, as pyproject.toml,
# the build hook and the C source now are.
venv_current() {
  local stamp="$VENV/.installed-$1"
  [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && ! [ "$ROOT/pyproject.toml" -nt "$stamp" ] \
    && ! [ "$ROOT/hatch_build.py" -nt "$stamp" ] && ! [ "$ROOT/server/scheduleflow/server/dispatch/_cvalidate.c" -nt "$stamp" ]
}
