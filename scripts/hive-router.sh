#!/usr/bin/env bash
# Hive Router (crate hive-router 0.2.0, MIT), the query engine of the services profile and
# production (docs/decisions/0026-gateway-engines.md). Built once with cargo into a cache, like
# Kafka's jars in scripts/services.sh; every later call uses the cache.
#
#   scripts/hive-router.sh build        build into the cache unless it is there; print the binary path
#   scripts/hive-router.sh path         print the binary path (exit 3 when not built)
#   scripts/hive-router.sh up  SUPERGRAPH CONFIG_JSON   start the router in the background (pid file)
#   scripts/hive-router.sh down         stop what `up` started (by pid file, never by name)
#
# Cold build: ~25 min on 2 cores (rustc 1.95). `--locked` is required (a newer dependency breaks the
# build); the `graphiql` feature is required (without it the build script fetches an npm package the
# registry lacks); 0.3.x needs rustc 1.97. Env: HIVE_ROUTER_CACHE (default ~/.cache/gofuture/hive-router-0.2.0),
# HIVE_ROUTER_DIR (pid and log of `up`, default .services/hive-router), HIVE_ROUTER_PORT (the
# http.port of CONFIG_JSON, probed for readiness; default 4100).
set -Eeuo pipefail

VERSION=0.2.0
CACHE=${HIVE_ROUTER_CACHE:-${HOME:-/root}/.cache/gofuture/hive-router-$VERSION}
BIN=$CACHE/bin/hive_router
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR=${HIVE_ROUTER_DIR:-$ROOT/.services/hive-router}
PORT=${HIVE_ROUTER_PORT:-4100}

say() { printf 'hive-router: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
usage() { sed -n '2,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

build() {
  if [[ -x $BIN ]]; then
    say "cached: $BIN"
    echo "$BIN"
    return 0
  fi
  command -v cargo >/dev/null || die "cargo not found (rustup, rustc >= 1.95 < 1.97 for 0.2.0)"
  mkdir -p "$CACHE"
  say "building hive-router $VERSION with cargo (cold: ~25 min on 2 cores); log: $CACHE/build.log"
  local t0=$SECONDS
  if ! cargo install hive-router --version "$VERSION" --locked --features graphiql --root "$CACHE" >"$CACHE/build.log" 2>&1; then
    tail -30 "$CACHE/build.log" >&2
    die "cargo install failed (log: $CACHE/build.log)"
  fi
  say "built in $((SECONDS - t0)) s"
  echo "$BIN"
}

up() {
  local supergraph=${1:-} config=${2:-}
  [[ -n $supergraph && -n $config ]] || die "usage: up SUPERGRAPH CONFIG_JSON"
  [[ -x $BIN ]] || build >/dev/null
  mkdir -p "$RUN_DIR"
  if [[ -f $RUN_DIR/pid ]] && kill -0 "$(cat "$RUN_DIR/pid")" 2>/dev/null; then
    say "already running (pid $(cat "$RUN_DIR/pid"))"
    return 0
  fi
  cp "$supergraph" "$RUN_DIR/supergraph.graphql"
  cp "$config" "$RUN_DIR/router.config.json"
  (cd "$RUN_DIR" && ROUTER_CONFIG_FILE_PATH=$RUN_DIR/router.config.json SUPERGRAPH_FILE_PATH=$RUN_DIR/supergraph.graphql \
    nohup "$BIN" >"$RUN_DIR/router.log" 2>&1 & echo $! >"$RUN_DIR/pid")
  local i
  for ((i = 0; i < 300; i++)); do
    if curl -s -o /dev/null -X POST -H 'content-type: application/json' --data '{"query":"{__typename}"}' "http://127.0.0.1:$PORT/graphql"; then
      say "ready on http://127.0.0.1:$PORT/graphql (pid $(cat "$RUN_DIR/pid"))"
      return 0
    fi
    kill -0 "$(cat "$RUN_DIR/pid")" 2>/dev/null || { tail -20 "$RUN_DIR/router.log" >&2; die "router exited"; }
    sleep 0.1
  done
  die "not ready after 30 s (log: $RUN_DIR/router.log)"
}

down() {
  [[ -f $RUN_DIR/pid ]] || { say "not running"; return 0; }
  local pid
  pid=$(cat "$RUN_DIR/pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    local i
    for ((i = 0; i < 30; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$RUN_DIR/pid"
  say "stopped (pid $pid)"
}

case ${1:-} in
  build) build ;;
  path) [[ -x $BIN ]] && echo "$BIN" || exit 3 ;;
  up) shift; up "$@" ;;
  down) down ;;
  *) usage; exit 2 ;;
esac
