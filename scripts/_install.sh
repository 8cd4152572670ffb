# Makes or refreshes the project-local virtualenv (an editable install, which
# builds the Validate fast path's C extension in place). Sourced by
# scripts/setup and scripts/serve, never by scripts/test. Sourced, not run.
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
PY="${PYTHON:-python3}"

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
