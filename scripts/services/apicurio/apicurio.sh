# shellcheck shell=bash
# The `apicurio` service of scripts/services.sh (sourced by it): Apicurio Registry, a real schema
# registry with a Confluent-compatible REST API (`/apis/ccompat/v7`), for the services profile's
# Avro event contracts (connectors/schema-registry, kind `confluent`).
#
# Built once from Maven Central (scripts/services/apicurio/pom.xml: the quarkus-maven-plugin turns
# the published io.apicurio:apicurio-registry-app jar into a runnable Quarkus app; why 2.4.2 and
# what had to be left out: docs/decisions/0022-avro.md) into APICURIO_CACHE, outside the repo like
# Kafka's jars; then `java -jar app/apicurio-runtime-1-runner.jar`. Storage:
# Apicurio's default in-memory H2 (a test instance: schemas live as long as the process). Global
# compatibility rule BACKWARD, as Confluent's registry defaults to.
#
# Port: APICURIO_PORT (default 18081).

APICURIO_VERSION=${APICURIO_VERSION:-2.4.2.Final}
APICURIO_PORT=${APICURIO_PORT:-18081}
APICURIO_CACHE=${APICURIO_CACHE:-${HOME:-/root}/.cache/gofuture/apicurio-$APICURIO_VERSION}
[[ $APICURIO_CACHE == /* ]] || APICURIO_CACHE=$PWD/$APICURIO_CACHE
APICURIO_HEAP_OPTS=${APICURIO_HEAP_OPTS:--Xms128m -Xmx512m}

apicurio_jar() { echo "$APICURIO_CACHE/app/apicurio-runtime-1-runner.jar"; }
apicurio_ports() { echo "$APICURIO_PORT"; }
apicurio_marker() { apicurio_jar; }
apicurio_env() { echo "SCHEMA_REGISTRY_URL=http://127.0.0.1:$APICURIO_PORT/apis/ccompat/v7"; }

ensure_apicurio() {
  local stamp=$APICURIO_CACHE/.complete tmp t
  [[ -f $stamp && -f $(apicurio_jar) ]] && return 0
  command -v java >/dev/null || die "apicurio: no java (Debian openjdk-17-jre-headless)"
  command -v mvn >/dev/null || die "apicurio: no mvn (Debian maven)"
  say "apicurio: building Apicurio Registry $APICURIO_VERSION from Maven Central into $APICURIO_CACHE (one time; minutes)"
  t=$(now_ms)
  mkdir -p "$APICURIO_CACHE"
  tmp=$(mktemp -d "$APICURIO_CACHE/.build.XXXXXX")
  mvn -q -B -f "$HELPERS/apicurio/pom.xml" -Dapicurio.version="$APICURIO_VERSION" -Dapicurio.out="$tmp" \
    package >>"$INSTALL_LOG" 2>&1 || { rm -rf "$tmp"; fail_install "mvn package (Apicurio Registry $APICURIO_VERSION)"; }
  # Apicurio's application.properties asks for Quarkus' legacy-jar packaging: a runner jar and lib/
  [[ -f $tmp/apicurio-runtime-1-runner.jar && -d $tmp/lib ]] || { rm -rf "$tmp"; die "apicurio: the Quarkus build made no apicurio-runtime-1-runner.jar"; }
  rm -rf "$APICURIO_CACHE/app"
  mkdir -p "$APICURIO_CACHE/app"
  mv "$tmp/apicurio-runtime-1-runner.jar" "$tmp/lib" "$APICURIO_CACHE/app/"
  rm -rf "$tmp"
  echo "$APICURIO_VERSION" >"$stamp"
  say "apicurio: built in $(since "$t")"
}

start_apicurio() {
  local heap
  read -ra heap <<<"$APICURIO_HEAP_OPTS"
  launch apicurio java "${heap[@]}" -Djava.awt.headless=true \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$APICURIO_PORT" \
    -Dregistry.rules.global.compatibility=BACKWARD \
    -Dquarkus.log.console.level=WARN \
    -jar "$(apicurio_jar)"
}

# Ready when the ccompat API answers (storage initialised by then).
ready_apicurio() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$APICURIO_PORT/apis/ccompat/v7/subjects" 2>/dev/null) || return 1
  [[ $code == 200 ]]
}

setup_apicurio() { :; }
