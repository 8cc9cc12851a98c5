#!/usr/bin/env bash
# kafka-producer-perf-test without a Kafka distribution: runs org.apache.kafka.tools.ProducerPerformance
# from org.apache.kafka:kafka-tools (fetched once with Maven into $SERVICES_CACHE/tools, beside the
# broker jars scripts/services.sh caches), on the broker jars' classpath. The pipeline bench's peer.
#
#   scripts/kafka-perf.sh fetch          fetch the jars if missing, print the classpath
#   scripts/kafka-perf.sh producer ARGS  ProducerPerformance ARGS (e.g. --topic t --num-records N ...)
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KAFKA_VERSION=${KAFKA_VERSION:-3.9.2}
SERVICES_CACHE=${SERVICES_CACHE:-${HOME:-/root}/.cache/gofuture/kafka-$KAFKA_VERSION}
TOOLS=$SERVICES_CACHE/tools
say() { printf 'kafka-perf: %s\n' "$*" >&2; }

fetch() {
  local stamp=$TOOLS/.complete tmp
  [[ -f $stamp && $(<"$stamp") == "$KAFKA_VERSION" ]] && return 0
  command -v mvn >/dev/null || { say "needs maven (apt-get install maven)"; exit 1; }
  say "fetching org.apache.kafka:kafka-tools:$KAFKA_VERSION with Maven into $TOOLS"
  mkdir -p "$TOOLS"
  tmp=$(mktemp -d "$TOOLS/.fetch.XXXXXX")
  if ! mvn -q -B -f "$ROOT/scripts/services/kafka-tools/pom.xml" -Dkafka.version="$KAFKA_VERSION" -Dkafka.libs="$tmp" \
    dependency:copy-dependencies >"$tmp.log" 2>&1; then
    tail -n 20 "$tmp.log" >&2; rm -rf "$tmp" "$tmp.log"; exit 1
  fi
  [[ -f $tmp/kafka-tools-$KAFKA_VERSION.jar ]] || { say "Maven brought no kafka-tools-$KAFKA_VERSION.jar"; rm -rf "$tmp"; exit 1; }
  mv -f "$tmp"/*.jar "$TOOLS"/
  rm -rf "$tmp" "$tmp.log"
  echo "$KAFKA_VERSION" >"$stamp"
}

case ${1:-} in
  fetch) fetch; echo "$TOOLS/*" ;;
  producer)
    shift; fetch
    # the tools' jars first (their own versions), then the broker's for anything they lack
    exec java -Xms128m -Xmx512m -Dlog4j.configuration=file:"$ROOT/scripts/services/kafka/log4j-tools.properties" \
      -cp "$TOOLS/*:$SERVICES_CACHE/*" org.apache.kafka.tools.ProducerPerformance "$@" ;;
  *) sed -n '2,7s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
