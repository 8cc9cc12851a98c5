# shellcheck shell=bash
# The `prometheus` and `alertmanager` services of scripts/services.sh (sourced by it): Debian's
# `prometheus` 2.42 and `prometheus-alertmanager` 0.25, with the repo's alerting rules
# (operations/prometheus/rules) and Alertmanager sending to the platform's `POST /alerts/webhook`.
#
# Prometheus scrapes the targets listed in $SERVICES_DIR/prometheus/targets/*.json (file_sd), and
# also loads $SERVICES_DIR/prometheus/rules.d/*.yml; `POST /-/reload` re-reads both (lifecycle API
# on). Alertmanager's webhook URL is ALERTS_WEBHOOK_URL, its bearer token the file
# $SERVICES_DIR/alertmanager/webhook-token (ALERTS_WEBHOOK_TOKEN, written on every start); a test
# that runs its own platform rewrites alertmanager.yml from the same template and POSTs /-/reload.
# Clustering (gossip) is off: no port but ALERTMANAGER_PORT is opened.

PROMETHEUS_PORT=${PROMETHEUS_PORT:-19090}
ALERTMANAGER_PORT=${ALERTMANAGER_PORT:-19095}
PROMETHEUS_SCRAPE_INTERVAL=${PROMETHEUS_SCRAPE_INTERVAL:-2s}
PROMETHEUS_EVAL_INTERVAL=${PROMETHEUS_EVAL_INTERVAL:-2s}
PROMETHEUS_RULES_DIR=${PROMETHEUS_RULES_DIR:-$ROOT/operations/prometheus/rules}
ALERTMANAGER_GROUP_WAIT=${ALERTMANAGER_GROUP_WAIT:-1s}
ALERTMANAGER_GROUP_INTERVAL=${ALERTMANAGER_GROUP_INTERVAL:-2s}
ALERTS_WEBHOOK_URL=${ALERTS_WEBHOOK_URL:-http://127.0.0.1:4000/alerts/webhook}
ALERTS_WEBHOOK_TOKEN=${ALERTS_WEBHOOK_TOKEN:-gofuture-dev-alerts-token}

prometheus_bin() { command -v prometheus || echo /usr/bin/prometheus; }
alertmanager_bin() { command -v prometheus-alertmanager || echo /usr/bin/prometheus-alertmanager; }

prometheus_env() { echo "PROMETHEUS_URL=http://127.0.0.1:$PROMETHEUS_PORT"; }
alertmanager_env() { echo "ALERTMANAGER_URL=http://127.0.0.1:$ALERTMANAGER_PORT"; }

# The scrape timeout must not exceed the interval.
prometheus_timeout() { echo "$PROMETHEUS_SCRAPE_INTERVAL"; }

start_prometheus() {
  local dir
  dir=$(svc_dir prometheus)
  mkdir -p "$dir/data" "$dir/targets" "$dir/rules.d"
  render "$HELPERS/prometheus/prometheus.yml.in" DIR="$dir" RULES_DIR="$PROMETHEUS_RULES_DIR" \
    SCRAPE_INTERVAL="$PROMETHEUS_SCRAPE_INTERVAL" SCRAPE_TIMEOUT="$(prometheus_timeout)" \
    EVAL_INTERVAL="$PROMETHEUS_EVAL_INTERVAL" ALERTMANAGER_PORT="$ALERTMANAGER_PORT" >"$dir/prometheus.yml"
  launch prometheus "$(prometheus_bin)" --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --storage.tsdb.retention.time=1d --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --web.enable-lifecycle
}

start_alertmanager() {
  local dir
  dir=$(svc_dir alertmanager)
  mkdir -p "$dir/data"
  printf '%s' "$ALERTS_WEBHOOK_TOKEN" >"$dir/webhook-token"
  chmod 600 "$dir/webhook-token"
  render "$HELPERS/prometheus/alertmanager.yml.in" DIR="$dir" WEBHOOK_URL="$ALERTS_WEBHOOK_URL" \
    GROUP_WAIT="$ALERTMANAGER_GROUP_WAIT" GROUP_INTERVAL="$ALERTMANAGER_GROUP_INTERVAL" >"$dir/alertmanager.yml"
  launch alertmanager "$(alertmanager_bin)" --config.file="$dir/alertmanager.yml" --storage.path="$dir/data" \
    --web.listen-address="127.0.0.1:$ALERTMANAGER_PORT" --cluster.listen-address=
}

ready_prometheus() { curl -sf -o /dev/null "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" 2>/dev/null; }
ready_alertmanager() { curl -sf -o /dev/null "http://127.0.0.1:$ALERTMANAGER_PORT/-/ready" 2>/dev/null; }

setup_prometheus() { :; }
setup_alertmanager() { :; }
