# shellcheck shell=bash
# Headless Chromium for the services suite's browser test (test/integration/dashboard.test.ts, driven
# by playwright-core): Debian's `chromium` (and `fonts-liberation`, so screenshots have text),
# installed by `scripts/services.sh up` when missing. Not a service: nothing runs until a test
# launches the browser, so it has no port, pid or `down`. `up` with no service named (as
# `npm run test:services` and CI call it) installs it; CHROMIUM_INSTALL=always|never overrides.

CHROMIUM_BIN=${CHROMIUM_BIN:-/usr/bin/chromium}
CHROMIUM_INSTALL=${CHROMIUM_INSTALL:-auto}
CHROMIUM_PACKAGES=(chromium fonts-liberation)

# ensure_chromium SERVICE...: installs the browser when every service was asked for (or always/never).
ensure_chromium() {
  local pkg t missing=()
  case $CHROMIUM_INSTALL in
    never) return 0 ;;
    always) ;;
    *) [[ "$*" == "${ALL_SERVICES[*]}" ]] || return 0 ;;
  esac
  for pkg in "${CHROMIUM_PACKAGES[@]}"; do installed "$pkg" || missing+=("$pkg"); done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || die "chromium: missing ${missing[*]} (and no apt-get to install them)"
  say "chromium: installing ${missing[*]} (log: $INSTALL_LOG)"
  t=$(now_ms)
  if ((!APT_UPDATED)); then
    as_root apt-get update -qq >>"$INSTALL_LOG" 2>&1 || fail_install "apt-get update"
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=300 "${missing[@]}" >>"$INSTALL_LOG" 2>&1 || fail_install "apt-get install ${missing[*]}"
  [[ -x $CHROMIUM_BIN ]] || die "chromium: installed, but $CHROMIUM_BIN is not there"
  say "chromium: installed in $(since "$t")"
}
