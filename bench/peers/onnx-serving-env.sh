#!/usr/bin/env bash
# Creates (or reuses) the venv of the predict suite's ONNX serving peer (bench/peers/onnx_serving.py):
# PyPI packages pinned in bench/peers/onnx-serving-requirements.txt, in a venv under
# ~/.cache/gofuture/onnx-serving/ (outside the repo, like the mlflow venv of scripts/services.sh:
# one install of a minute or two, then reused while the requirements file is unchanged).
#
#   bench/peers/onnx-serving-env.sh            install what is missing; prints the venv's python path
#   ONNX_SERVING_CACHE=DIR ...                 another cache folder
set -Eeuo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REQ=$HERE/onnx-serving-requirements.txt
CACHE=${ONNX_SERVING_CACHE:-${HOME:-/root}/.cache/gofuture/onnx-serving}
want=$(sha256sum "$REQ" | cut -d' ' -f1)
VENV=$CACHE/venv-${want:0:12}
STAMP=$VENV/.complete
PY=${PYTHON:-python3}

if [[ -x $VENV/bin/python && -f $STAMP ]]; then
  echo "$VENV/bin/python"
  exit 0
fi
command -v "$PY" >/dev/null || { echo "onnx-serving-env: no $PY on PATH" >&2; exit 1; }
t0=$SECONDS
mkdir -p "$CACHE"
[[ -x $VENV/bin/python ]] || "$PY" -m venv "$VENV" >&2
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-input -r "$REQ" >&2
echo "$want" >"$STAMP"
echo "onnx-serving-env: $VENV ready in $((SECONDS - t0))s" >&2
echo "$VENV/bin/python"
