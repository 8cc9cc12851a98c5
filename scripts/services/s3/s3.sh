# shellcheck shell=bash
# The `s3` service of scripts/services.sh (sourced by it): an S3 server for the lake's LakeStore.
#
# S3_SERVER=seaweedfs (default): SeaweedFS (`weed server -s3`: master, volume, filer and S3 gateway
#   in one process), built once from its Go module with `go build` into S3_CACHE (outside the repo,
#   like Kafka's jars). Conditional PUT (If-None-Match: *) backs putIfAbsent.
# S3_SERVER=moto: moto's S3 server (PyPI `moto[server]`, a server built for testing) in a venv
#   under S3_CACHE; the fallback when Go or the module is not there.
#
# Ports: S3_PORT (S3 API, default 18333) and the six after it (master, volume, filer, http + grpc).

S3_SERVER=${S3_SERVER:-seaweedfs}
S3_PORT=${S3_PORT:-18333}
SEAWEEDFS_MODULE=${SEAWEEDFS_MODULE:-github.com/seaweedfs/seaweedfs}
SEAWEEDFS_VERSION=${SEAWEEDFS_VERSION:-v0.0.0-20261109003541-7506e5f91cd6}
MOTO_VERSION=${MOTO_VERSION:-5.2.5}
S3_CACHE=${S3_CACHE:-${HOME:-/root}/.cache/gofuture/s3}
[[ $S3_CACHE == /* ]] || S3_CACHE=$PWD/$S3_CACHE
S3_ACCESS_KEY=${S3_ACCESS_KEY:-gofuture}
S3_SECRET_KEY=${S3_SECRET_KEY:-gofuture-secret}

s3_weed_bin() { echo "$S3_CACHE/seaweedfs-$SEAWEEDFS_VERSION/weed"; }
s3_moto_bin() { echo "$S3_CACHE/moto-$MOTO_VERSION/bin/moto_server"; }

s3_ports() {
  local p=$S3_PORT
  echo "$p $((p + 1)) $((p + 2)) $((p + 3)) $((p + 4)) $((p + 5)) $((p + 6))"
}

s3_marker() {
  case $S3_SERVER in
    moto) s3_moto_bin ;;
    *) s3_weed_bin ;;
  esac
}

s3_env() { echo "S3_ENDPOINT=http://127.0.0.1:$S3_PORT"; }

# SeaweedFS's go.mod has replace directives, so `go install mod@version` refuses it: the module is
# downloaded (Go module proxy), copied out of the read-only module cache and built in place.
ensure_s3_seaweedfs() {
  local bin dir src t
  bin=$(s3_weed_bin)
  [[ -x $bin ]] && return 0
  command -v go >/dev/null || die "s3: no Go toolchain to build SeaweedFS (or set S3_SERVER=moto)"
  say "s3: building SeaweedFS $SEAWEEDFS_VERSION from its Go module into $(dirname "$bin") (one time; minutes)"
  t=$(now_ms)
  dir=$(go mod download -json "$SEAWEEDFS_MODULE@$SEAWEEDFS_VERSION" 2>>"$INSTALL_LOG" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -n $dir && -d $dir ]] || fail_install "go mod download $SEAWEEDFS_MODULE@$SEAWEEDFS_VERSION"
  src=$S3_CACHE/.src-$SEAWEEDFS_VERSION
  rm -rf "$src" && mkdir -p "$S3_CACHE" && cp -r "$dir" "$src" && chmod -R u+w "$src"
  (cd "$src" && GOFLAGS=-buildvcs=false go build -o "$bin.tmp" ./weed) >>"$INSTALL_LOG" 2>&1 || { rm -rf "$src"; fail_install "go build SeaweedFS"; }
  mv -f "$bin.tmp" "$bin"
  rm -rf "$src"
  say "s3: built SeaweedFS in $(since "$t")"
}

ensure_s3_moto() {
  local venv t
  venv=$S3_CACHE/moto-$MOTO_VERSION
  [[ -x $(s3_moto_bin) ]] && return 0
  say "s3: installing moto[server]==$MOTO_VERSION (PyPI) into $venv"
  t=$(now_ms)
  python3 -m venv "$venv" >>"$INSTALL_LOG" 2>&1 || fail_install "python3 -m venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION" >>"$INSTALL_LOG" 2>&1 || fail_install "pip install moto[server]"
  say "s3: installed moto in $(since "$t")"
}

ensure_s3() {
  case $S3_SERVER in
    seaweedfs) ensure_s3_seaweedfs ;;
    moto) ensure_s3_moto ;;
    *) die "s3: S3_SERVER must be seaweedfs or moto, not '$S3_SERVER'" ;;
  esac
}

start_s3() {
  local dir data p=$S3_PORT
  dir=$(svc_dir s3) data=$(svc_dir s3)/data
  mkdir -p "$data"
  if [[ $S3_SERVER == moto ]]; then
    launch s3 "$(s3_moto_bin)" -H 127.0.0.1 -p "$p"
    return
  fi
  # every listener on loopback and on our ports; the optional side servers (Iceberg, Lance) off
  launch s3 "$(s3_weed_bin)" server -s3 -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$data" \
    -master.port=$((p + 1)) -master.port.grpc=$((p + 2)) -volume.port=$((p + 3)) -volume.port.grpc=$((p + 4)) \
    -filer.port=$((p + 5)) -filer.port.grpc=$((p + 6)) -s3.port="$p" -s3.port.iceberg=0 -s3.port.lance=0 \
    -s3.localSocket="$dir/s3.sock" -master.volumeSizeLimitMB=64 -volume.max=20 -volume.preStopSeconds=0
}

# Ready when the S3 API answers at all (SeaweedFS: its filer and volume server are registered too).
ready_s3() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$S3_PORT/" 2>/dev/null) || return 1
  [[ $code =~ ^[234] ]]
}

setup_s3() { :; }
