#!/usr/bin/env bash
# Creates (or reuses) the Python virtualenv the lake tests read our Delta tables with:
# `.venv/` in the repo (gitignored), pinned packages from scripts/python/requirements.txt.
#
#   scripts/python-env.sh          install what is missing; prints the venv's python path
#   PYTHON_ENV_DIR=DIR ...         another venv folder
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${PYTHON_ENV_DIR:-$ROOT/.venv}
REQ=$ROOT/scripts/python/requirements.txt
STAMP=$VENV/.requirements.sha256
PY=${PYTHON:-python3}

want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [[ -x $VENV/bin/python && -f $STAMP && $(<"$STAMP") == "$want" ]]; then
  echo "$VENV/bin/python"
  exit 0
fi
command -v "$PY" >/dev/null || { echo "python-env: no $PY on PATH" >&2; exit 1; }
t0=$SECONDS
[[ -x $VENV/bin/python ]] || "$PY" -m venv "$VENV" >&2
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-input -r "$REQ" >&2
echo "$want" >"$STAMP"
echo "python-env: $VENV ready in $((SECONDS - t0))s" >&2
echo "$VENV/bin/python"
