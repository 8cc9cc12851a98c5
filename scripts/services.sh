#!/usr/bin/env bash
# Real backing services for the `services` profile, on loopback, data under $SERVICES_DIR:
# Kafka 3.9 (KRaft, one broker+controller), ClickHouse (Debian 18.16), Redis 7, PostgreSQL 15,
# an S3 server for the lake (SeaweedFS built from its Go module; moto with S3_SERVER=moto),
# Prometheus + Alertmanager (Debian) with the repo's alerting rules, and an MLflow tracking server
# for the model registry (PyPI mlflow in a cached venv), and Apicurio Registry (built from Maven Central)
# as the Confluent-compatible schema registry of the Avro event contracts; `up` also installs Debian's
# chromium for the browser test (scripts/services/chromium.sh).
#
#   scripts/services.sh up     [service...]   install what is missing, start, wait until ready
#   scripts/services.sh down   [service...]   stop what `up` started (by pid file, never by name)
#   scripts/services.sh status [service...]   state, pid and ports; exit 3 unless all are ready
#   scripts/services.sh env    [service...]   print the `export ...` line that `up` prints
#
# Services: kafka, clickhouse (ch), redis, postgres (pg), s3, prometheus, alertmanager, mlflow, apicurio. None named: all.
# Test-only instances: no passwords, trust auth, loopback only. Usage and numbers: docs/services.md.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HELPERS=$ROOT/scripts/services
SERVICES_DIR=${SERVICES_DIR:-$ROOT/.services}
KAFKA_VERSION=${KAFKA_VERSION:-3.9.2}
SERVICES_CACHE=${SERVICES_CACHE:-${HOME:-/root}/.cache/gofuture/kafka-$KAFKA_VERSION}
[[ $SERVICES_DIR == /* ]] || SERVICES_DIR=$PWD/$SERVICES_DIR   # services run from their own folder
[[ $SERVICES_CACHE == /* ]] || SERVICES_CACHE=$PWD/$SERVICES_CACHE
KAFKA_PORT=${KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-19093}
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
KAFKA_JVM_OPTS=${KAFKA_JVM_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true}
CLICKHOUSE_HTTP_PORT=${CLICKHOUSE_HTTP_PORT:-18123}
CLICKHOUSE_TCP_PORT=${CLICKHOUSE_TCP_PORT:-19000}
REDIS_PORT=${REDIS_PORT:-16379}
PG_PORT=${PG_PORT:-15432}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
SERVICES_TIMEOUT=${SERVICES_TIMEOUT:-120}
ALL_SERVICES=(kafka clickhouse redis postgres s3)
ALL_SERVICES+=(prometheus alertmanager)
# shellcheck source=services/s3/s3.sh
source "$HELPERS/s3/s3.sh"
# shellcheck source=services/prometheus/prometheus.sh
source "$HELPERS/prometheus/prometheus.sh"
ALL_SERVICES+=(mlflow)
# shellcheck source=services/mlflow/mlflow.sh
source "$HELPERS/mlflow/mlflow.sh"
ALL_SERVICES+=(apicurio)
# shellcheck source=services/apicurio/apicurio.sh
source "$HELPERS/apicurio/apicurio.sh"
# shellcheck source=services/chromium.sh
source "$HELPERS/chromium.sh"
INSTALL_LOG=$SERVICES_DIR/install.log
POLICY_RC=/usr/sbin/policy-rc.d
POLICY_RC_OURS=0
APT_UPDATED=0

say() { printf 'services: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
now_ms() { local t=${EPOCHREALTIME//[.,]/}; echo $((t / 1000)); }
since() { local ms=$(($(now_ms) - $1)); printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100)); }

usage() { sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

canonical() {
  case $1 in
    kafka) echo kafka ;;
    clickhouse | ch) echo clickhouse ;;
    redis) echo redis ;;
    postgres | postgresql | pg) echo postgres ;;
    s3) echo s3 ;;
    prometheus | prom) echo prometheus ;;
    alertmanager | am) echo alertmanager ;;
    mlflow) echo mlflow ;;
    apicurio | schema-registry) echo apicurio ;;
    *) return 1 ;;
  esac
}

svc_dir() { echo "$SERVICES_DIR/$1"; }
pid_file() { echo "$SERVICES_DIR/$1/$1.pid"; }
log_file() { echo "$SERVICES_DIR/$1/$1.log"; }

ports_of() {
  case $1 in
    kafka) echo "$KAFKA_PORT $KAFKA_CONTROLLER_PORT" ;;
    clickhouse) echo "$CLICKHOUSE_HTTP_PORT $CLICKHOUSE_TCP_PORT" ;;
    redis) echo "$REDIS_PORT" ;;
    postgres) echo "$PG_PORT" ;;
    s3) s3_ports ;;
    prometheus) echo "$PROMETHEUS_PORT" ;;
    alertmanager) echo "$ALERTMANAGER_PORT" ;;
    mlflow) mlflow_ports ;;
    apicurio) apicurio_ports ;;
  esac
}

# What the command line of the service's main process contains.
marker_of() {
  case $1 in
    kafka) echo kafka.Kafka ;;
    clickhouse) echo clickhouse-server ;;
    redis) echo redis-server ;;
    postgres) echo "$PG_BIN/postgres" ;;
    s3) s3_marker ;;
    prometheus) prometheus_bin ;;
    alertmanager) alertmanager_bin ;;
    mlflow) mlflow_marker ;;
    apicurio) apicurio_marker ;;
  esac
}

env_of() {
  case $1 in
    kafka) echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT" ;;
    clickhouse) echo "CLICKHOUSE_URL=http://127.0.0.1:$CLICKHOUSE_HTTP_PORT" ;;
    redis) echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT" ;;
    postgres) echo "PG_URL=postgres://postgres@127.0.0.1:$PG_PORT/gofuture" ;;
    s3) s3_env ;;
    prometheus) prometheus_env ;;
    alertmanager) alertmanager_env ;;
    mlflow) mlflow_env ;;
    apicurio) apicurio_env ;;
  esac
}

# ---------------------------------------------------------------- processes and ports

cmdline_of() { [[ -r /proc/$1/cmdline ]] && tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline"; }
# A live process (a zombie has an empty command line).
alive() { local c; c=$(cmdline_of "$1") && [[ -n $c ]]; }

# Prints the pid from the service's pid file when that process is alive and is the service.
running_pid() {
  local file pid cmd
  file=$(pid_file "$1")
  [[ -s $file ]] || return 1
  read -r pid <"$file" || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  cmd=$(cmdline_of "$pid") || return 1
  [[ $cmd == *"$(marker_of "$1")"* ]] || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Starts a service's command detached in its own session (so its process group id is its pid),
# from its folder, output appended to its log, and records the pid.
launch() {
  local svc=$1
  shift
  # 9>&-: the service must not inherit (and so hold) our lock on $SERVICES_DIR/.lock.
  (cd "$(svc_dir "$svc")" && exec setsid "$@" </dev/null >>"$(log_file "$svc")" 2>&1 9>&-) &
  local pid=$! i
  echo "$pid" >"$(pid_file "$svc")"
  # Until the forked subshell has become the service (or died), it does not look like one.
  for ((i = 0; i < 100; i++)); do
    [[ $(cmdline_of "$pid") != *"$(marker_of "$svc")"* ]] || return 0
    alive "$pid" || return 0
    sleep 0.05
  done
}

# TERM (postgres: INT, its "fast" shutdown; TERM would wait for clients to leave), wait, then KILL
# the process group that `launch` made.
stop_pid() {
  local svc=$1 pid=$2 sig=TERM grace=30 i
  [[ $svc == postgres ]] && sig=INT
  kill -s "$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  say "$svc (pid $pid) still running after ${grace}s: KILL"
  kill -s KILL -- "-$pid" 2>/dev/null || kill -s KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
}

# ---------------------------------------------------------------- installing

as_root() {
  if ((EUID == 0)); then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

packages_of() {
  case $1 in
    kafka | apicurio)
      command -v java >/dev/null || echo default-jre-headless
      command -v mvn >/dev/null || echo maven
      ;;
    clickhouse) echo clickhouse-server clickhouse-client ;;
    redis) echo redis-server redis-tools ;;
    postgres) echo postgresql-15 postgresql-client-15 ;;
    prometheus) echo prometheus ;;
    alertmanager) echo prometheus-alertmanager ;;
  esac
}

fail_install() {
  say "error: $1 failed; last lines of $INSTALL_LOG:"
  tail -n 25 "$INSTALL_LOG" | sed 's/^/  | /' >&2
  exit 1
}

# Debian's postinst scripts start their system instance through invoke-rc.d unless policy-rc.d
# says no (exit 101). We never want those instances: ours run on their own ports and data dirs.
block_service_starts() {
  [[ -e $POLICY_RC ]] && return 0
  as_root sh -c "printf '#!/bin/sh\n# written by scripts/services.sh for the length of one apt-get install\nexit 101\n' >$POLICY_RC && chmod 755 $POLICY_RC"
  POLICY_RC_OURS=1
}
unblock_service_starts() {
  if ((POLICY_RC_OURS)); then
    as_root rm -f "$POLICY_RC"
    POLICY_RC_OURS=0
  fi
}
trap unblock_service_starts EXIT

ensure_packages() {
  local svc pkg t missing=()
  for svc; do
    for pkg in $(packages_of "$svc"); do
      installed "$pkg" || [[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
    done
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || die "missing packages: ${missing[*]} (and no apt-get to install them)"
  say "installing ${missing[*]} (log: $INSTALL_LOG)"
  t=$(now_ms)
  if ((!APT_UPDATED)); then
    as_root apt-get update -qq >>"$INSTALL_LOG" 2>&1 || fail_install "apt-get update"
    APT_UPDATED=1
  fi
  block_service_starts
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=300 "${missing[@]}" >>"$INSTALL_LOG" 2>&1 || fail_install "apt-get install"
  unblock_service_starts
  say "installed in $(since "$t")"
}

# Kafka has no Debian package: Maven copies kafka_2.13 and its runtime jars into SERVICES_CACHE.
ensure_kafka_jars() {
  local stamp=$SERVICES_CACHE/.complete tmp t
  if [[ -f $stamp ]]; then
    [[ $(<"$stamp") == "$KAFKA_VERSION" ]] && return 0
    die "$SERVICES_CACHE holds Kafka $(<"$stamp"), not $KAFKA_VERSION: point SERVICES_CACHE elsewhere"
  fi
  say "fetching org.apache.kafka:kafka_2.13:$KAFKA_VERSION with Maven into $SERVICES_CACHE"
  t=$(now_ms)
  mkdir -p "$SERVICES_CACHE"
  tmp=$(mktemp -d "$SERVICES_CACHE/.fetch.XXXXXX")
  mvn -q -B -f "$HELPERS/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" -Dkafka.libs="$tmp" \
    dependency:copy-dependencies >>"$INSTALL_LOG" 2>&1 || { rm -rf "$tmp"; fail_install "mvn dependency:copy-dependencies"; }
  [[ -f $tmp/kafka_2.13-$KAFKA_VERSION.jar ]] || { rm -rf "$tmp"; die "Maven brought no kafka_2.13-$KAFKA_VERSION.jar"; }
  mv -f "$tmp"/*.jar "$SERVICES_CACHE"/
  rmdir "$tmp"
  echo "$KAFKA_VERSION" >"$stamp"
  say "fetched $(find "$SERVICES_CACHE" -name '*.jar' | wc -l) jars in $(since "$t")"
}

# ---------------------------------------------------------------- per service: start

render() { # render TEMPLATE KEY=VALUE... : replaces every @KEY@
  local text kv
  text=$(<"$1")
  shift
  for kv; do text=${text//@${kv%%=*}@/${kv#*=}}; done
  printf '%s\n' "$text"
}

kafka_java() { # kafka_java LOG4J_FILE: sets JAVA_CMD, the JVM command line for Kafka's classes
  local heap opts
  read -ra heap <<<"$KAFKA_HEAP_OPTS"
  read -ra opts <<<"$KAFKA_JVM_OPTS"
  JAVA_CMD=(java "${heap[@]}" "${opts[@]}" "-Dlog4j.configuration=file:$1" -cp "$SERVICES_CACHE/*")
}

start_kafka() {
  local dir data cid
  dir=$(svc_dir kafka) data=$(svc_dir kafka)/data
  mkdir -p "$data"
  render "$HELPERS/kafka/server.properties.in" KAFKA_PORT="$KAFKA_PORT" \
    KAFKA_CONTROLLER_PORT="$KAFKA_CONTROLLER_PORT" DATA_DIR="$data" >"$dir/server.properties"
  cp "$HELPERS/kafka/log4j.properties" "$HELPERS/kafka/log4j-tools.properties" "$dir/"
  if [[ ! -f $data/meta.properties ]]; then
    kafka_java "$dir/log4j-tools.properties"
    [[ $(cat "$dir/cluster-id" 2>/dev/null) =~ ^[A-Za-z0-9_-]{22}$ ]] ||
      "${JAVA_CMD[@]}" kafka.tools.StorageTool random-uuid 2>>"$(log_file kafka)" >"$dir/cluster-id" || return 1
    cid=$(<"$dir/cluster-id")
    "${JAVA_CMD[@]}" kafka.tools.StorageTool format -t "$cid" -c "$dir/server.properties" --ignore-formatted \
      >>"$(log_file kafka)" 2>&1 || return 1
  fi
  kafka_java "$dir/log4j.properties"
  launch kafka "${JAVA_CMD[@]}" kafka.Kafka "$dir/server.properties"
}

clickhouse_server_bin() { command -v clickhouse-server || echo /usr/sbin/clickhouse-server; }

start_clickhouse() {
  local dir data
  dir=$(svc_dir clickhouse) data=$(svc_dir clickhouse)/data
  mkdir -p "$data"/{tmp,user_files,format_schemas}
  render "$HELPERS/clickhouse/config.xml.in" CLICKHOUSE_HTTP_PORT="$CLICKHOUSE_HTTP_PORT" \
    CLICKHOUSE_TCP_PORT="$CLICKHOUSE_TCP_PORT" DATA_DIR="$data" CONF_DIR="$dir" >"$dir/config.xml"
  cp "$HELPERS/clickhouse/users.xml" "$dir/users.xml"
  launch clickhouse "$(clickhouse_server_bin)" --config-file="$dir/config.xml"
}

start_redis() {
  local dir data
  dir=$(svc_dir redis) data=$(svc_dir redis)/data
  mkdir -p "$data"
  render "$HELPERS/redis/redis.conf.in" REDIS_PORT="$REDIS_PORT" DATA_DIR="$data" >"$dir/redis.conf"
  launch redis redis-server "$dir/redis.conf"
}

# PostgreSQL refuses to run as root: as root, initdb and postgres run as the `postgres` user.
PG_AS=()
pg_as() {
  if ((EUID == 0)); then
    id -u postgres >/dev/null 2>&1 || die "no 'postgres' OS user (package postgresql-common makes it)"
    PG_AS=(setpriv --reuid=postgres --regid=postgres --init-groups)
  fi
}

start_postgres() {
  local dir data
  dir=$(svc_dir postgres) data=$(svc_dir postgres)/data
  pg_as
  if [[ ! -s $data/PG_VERSION ]]; then
    mkdir -p "$data"
    chmod 700 "$data"
    ((EUID != 0)) || chown postgres:postgres "$data"
    "${PG_AS[@]}" test -w "$data" ||
      die "user postgres cannot write $data: a parent folder is not searchable by it (set SERVICES_DIR)"
    (cd "$dir" && "${PG_AS[@]}" "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C) \
      >>"$(log_file postgres)" 2>&1 || return 1
  fi
  # fsync=off: a test instance; a clean `down` still flushes everything, only an OS crash loses data.
  launch postgres "${PG_AS[@]}" "$PG_BIN/postgres" -D "$data" -c listen_addresses=127.0.0.1 \
    -c port="$PG_PORT" -c unix_socket_directories= -c wal_level=logical -c max_wal_senders=16 \
    -c max_replication_slots=16 -c fsync=off
}

# ---------------------------------------------------------------- per service: ready, then setup

ready_kafka() { port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$(log_file kafka)"; }
ready_clickhouse() { port_open "$CLICKHOUSE_TCP_PORT" && ch_query 'SELECT 1' >/dev/null 2>&1; }
ready_redis() { [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }
ready_postgres() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

ch_query() { clickhouse-client --host 127.0.0.1 --port "$CLICKHOUSE_TCP_PORT" -q "$1"; }

setup_kafka() { :; }
setup_redis() { :; }
setup_clickhouse() { ch_query 'CREATE DATABASE IF NOT EXISTS gofuture'; }
setup_postgres() {
  "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qtA -v ON_ERROR_STOP=1 <<'SQL'
SELECT 'CREATE ROLE gofuture LOGIN REPLICATION'
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gofuture')\gexec
SELECT 'CREATE DATABASE gofuture OWNER gofuture'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'gofuture')\gexec
SQL
}

fail_start() { # fail_start SVC REASON: report, show the log, stop what we started
  local pid log
  log=$(log_file "$1")
  say "error: $1 $2; last lines of $log:"
  { tail -n 30 "$log" 2>/dev/null || true; } | sed 's/^/  | /' >&2
  if pid=$(running_pid "$1"); then stop_pid "$1" "$pid"; fi
  rm -f "$(pid_file "$1")"
  return 1
}

wait_ready() {
  local svc=$1 deadline=$((SECONDS + SERVICES_TIMEOUT))
  while ((SECONDS < deadline)); do
    running_pid "$svc" >/dev/null || { fail_start "$svc" "exited while starting"; return 1; }
    "ready_$svc" && return 0
    sleep 0.25
  done
  fail_start "$svc" "not ready after ${SERVICES_TIMEOUT}s"
}

# ---------------------------------------------------------------- commands

cmd_up() {
  local t0 svc pid port t started=() failed=()
  t0=$(now_ms)
  ensure_packages "$@"
  ensure_chromium "$@"
  [[ " $* " != *" kafka "* ]] || ensure_kafka_jars
  [[ " $* " != *" s3 "* ]] || ensure_s3
  [[ " $* " != *" mlflow "* ]] || ensure_mlflow
  [[ " $* " != *" apicurio "* ]] || ensure_apicurio
  for svc; do
    mkdir -p "$(svc_dir "$svc")"
    if pid=$(running_pid "$svc"); then
      say "$svc: already running (pid $pid)"
      continue
    fi
    [[ ! -e $(pid_file "$svc") ]] || { say "$svc: removing stale pid file"; rm -f "$(pid_file "$svc")"; }
    for port in $(ports_of "$svc"); do
      if port_open "$port"; then
        say "error: $svc: port $port is already taken by another process (set its *_PORT)"
        failed+=("$svc")
        continue 2
      fi
    done
    local log
    log=$(log_file "$svc")
    [[ ! -f $log ]] || mv -f "$log" "$log.1"
    if "start_$svc"; then started+=("$svc"); else fail_start "$svc" "failed to start" || failed+=("$svc"); fi
  done
  for svc; do
    [[ " ${failed[*]} " != *" $svc "* ]] || continue
    t=$(now_ms)
    if wait_ready "$svc" && "setup_$svc" >/dev/null; then
      [[ " ${started[*]} " != *" $svc "* ]] || say "$svc: ready on $(ports_of "$svc" | tr ' ' ,) (pid $(running_pid "$svc"), waited $(since "$t"))"
    else
      failed+=("$svc")
    fi
  done
  ((${#failed[@]} == 0)) || die "not up: ${failed[*]}"
  say "up in $(since "$t0"): $*"
  cmd_env "$@"
}

cmd_down() {
  local svc pid i
  for ((i = $# ; i >= 1; i--)); do
    svc=${!i}
    if pid=$(running_pid "$svc"); then
      stop_pid "$svc" "$pid"
      rm -f "$(pid_file "$svc")"
      say "$svc: stopped (pid $pid)"
    elif [[ -e $(pid_file "$svc") ]]; then
      rm -f "$(pid_file "$svc")"
      say "$svc: not running (stale pid file removed)"
    else
      say "$svc: not running"
    fi
  done
}

cmd_status() {
  local svc pid state all_ready=0
  printf '%-11s %-9s %-8s %-12s %s\n' SERVICE STATE PID PORTS DATA
  for svc; do
    if pid=$(running_pid "$svc"); then
      if "ready_$svc" 2>/dev/null; then state=ready; else state=starting all_ready=3; fi
    else
      pid=- all_ready=3
      if [[ -e $(pid_file "$svc") ]]; then state=stale; else state=stopped; fi
    fi
    printf '%-11s %-9s %-8s %-12s %s\n' "$svc" "$state" "$pid" "$(ports_of "$svc" | tr ' ' ,)" "$(svc_dir "$svc")"
  done
  return "$all_ready"
}

cmd_env() {
  local svc vars=()
  for svc; do vars+=("$(env_of "$svc")"); done
  echo "export ${vars[*]}"
}

main() {
  local cmd=${1:-} name svc services=()
  shift || true
  case $cmd in
    up | down | status | env) ;;
    -h | --help | help) usage; return 0 ;;
    *) usage >&2; return 2 ;;
  esac
  (($#)) || set -- "${ALL_SERVICES[@]}"
  for name; do
    svc=$(canonical "$name") || die "unknown service '$name' (kafka, clickhouse, redis, postgres, s3, prometheus, alertmanager, mlflow, apicurio)"
    [[ " ${services[*]} " == *" $svc "* ]] || services+=("$svc")
  done
  if [[ $cmd == up || $cmd == down ]]; then
    mkdir -p "$SERVICES_DIR"
    exec 9>"$SERVICES_DIR/.lock"
    flock -w 900 9 || die "another services.sh holds $SERVICES_DIR/.lock"
  fi
  "cmd_$cmd" "${services[@]}"
}

main "$@"
