# shellcheck shell=bash
# The `mlflow` service of scripts/services.sh (sourced by it): a real MLflow tracking server for the
# services profile's ModelVersionRegistry (connectors/mlflow), reached over its REST API.
#
# PyPI `mlflow==MLFLOW_VERSION` in a venv under MLFLOW_CACHE (outside the repo, like Kafka's jars and
# SeaweedFS: one install of a few minutes, then reused). Backend store: sqlite under SERVICES_DIR;
# artifacts: a local folder under SERVICES_DIR served by the server's artifact proxy
# (--serve-artifacts, `mlflow-artifacts:/` URIs), so clients need no access to the folder.
# One uvicorn worker, job execution off (no huey consumer): a small test instance on loopback.
#
# Port: MLFLOW_PORT (default 15000).

MLFLOW_VERSION=${MLFLOW_VERSION:-3.17.2}
MLFLOW_PORT=${MLFLOW_PORT:-15000}
MLFLOW_CACHE=${MLFLOW_CACHE:-${HOME:-/root}/.cache/gofuture/mlflow}
[[ $MLFLOW_CACHE == /* ]] || MLFLOW_CACHE=$PWD/$MLFLOW_CACHE
MLFLOW_WORKERS=${MLFLOW_WORKERS:-1}

mlflow_venv() { echo "$MLFLOW_CACHE/mlflow-$MLFLOW_VERSION"; }
mlflow_bin() { echo "$(mlflow_venv)/bin/mlflow"; }

mlflow_ports() { echo "$MLFLOW_PORT"; }
mlflow_marker() { mlflow_bin; }
mlflow_env() { echo "MLFLOW_URL=http://127.0.0.1:$MLFLOW_PORT"; }

ensure_mlflow() {
  local venv t stamp
  venv=$(mlflow_venv) stamp=$(mlflow_venv)/.complete
  [[ -x $(mlflow_bin) && -f $stamp ]] && return 0
  command -v python3 >/dev/null || die "mlflow: no python3 to create its venv"
  say "mlflow: installing mlflow==$MLFLOW_VERSION (PyPI) into $venv (one time; minutes)"
  t=$(now_ms)
  mkdir -p "$MLFLOW_CACHE"
  [[ -x $venv/bin/python ]] || python3 -m venv "$venv" >>"$INSTALL_LOG" 2>&1 || fail_install "python3 -m venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-input "mlflow==$MLFLOW_VERSION" >>"$INSTALL_LOG" 2>&1 || fail_install "pip install mlflow==$MLFLOW_VERSION"
  echo "$MLFLOW_VERSION" >"$stamp"
  say "mlflow: installed in $(since "$t")"
}

start_mlflow() {
  local dir
  dir=$(svc_dir mlflow)
  mkdir -p "$dir/artifacts"
  launch mlflow env MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false "$(mlflow_bin)" server \
    --host 127.0.0.1 --port "$MLFLOW_PORT" --workers "$MLFLOW_WORKERS" \
    --backend-store-uri "sqlite:///$dir/mlflow.db" \
    --serve-artifacts --artifacts-destination "$dir/artifacts"
}

# Ready when the REST API answers a registry call (the sqlite schema is migrated by then).
ready_mlflow() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MLFLOW_PORT/api/2.0/mlflow/registered-models/search?max_results=1" 2>/dev/null) || return 1
  [[ $code == 200 ]]
}

setup_mlflow() { :; }
