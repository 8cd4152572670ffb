# Shared by scripts/serve, scripts/setup and scripts/test: a project-local virtualenv with the
# project installed (editable), made on first use and refreshed when
# pyproject.toml or the C source of the Validate fast path changes (an
# editable install builds that extension in place). Sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SCHEDULEFLOW_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"

# True when .venv holds the project with these extras, as pyproject.toml,
# the build hook and the C source now are.
venv_current() {
  local stamp="$VENV/.installed-$1"
  [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && ! [ "$ROOT/pyproject.toml" -nt "$stamp" ] \
    && ! [ "$ROOT/hatch_build.py" -nt "$stamp" ] && ! [ "$ROOT/server/scheduleflow/server/dispatch/_cvalidate.c" -nt "$stamp" ]
}

ensure_venv() {
  local extras="$1" stamp="$VENV/.installed-$1"
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
  fi
  if ! venv_current "$extras"; then
    echo "installing scheduleflow${extras:+[$extras]} into $VENV ..." >&2
    "$VENV/bin/python" -m pip install --quiet -e "$ROOT${extras:+[$extras]}" 2> >(grep -v "^WARNING: Location" >&2)
    touch "$stamp"
  fi
}
