#!/usr/bin/env bash
# Installs the Kafka reference peers into $WHARF_PEERS_DIR (idempotent):
#   - Apache Kafka 4.4.0 (broker, tools, clients and their dependencies) resolved with Maven
#     into $WHARF_PEERS_DIR/kafka/libs, plus start/stop scripts for a single-node KRaft broker;
#   - kcat (with librdkafka) from Debian's packages (apt-get);
#   - confluent-kafka from PyPI, in a virtualenv at $WHARF_PEERS_DIR/venv.
# Parts can be chosen: install-kafka.sh [jvm] [kcat] [python]  (default: all three).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "$here/common.sh"

KAFKA_DIR="$WHARF_PEERS_DIR/kafka"
LOG4J_VERSION=2.25.3
DEP_PLUGIN_VERSION=3.8.1

install_kafka_jvm() {
  local stamp="$KAFKA_DIR/.installed"
  local want="kafka_${KAFKA_SCALA}-${KAFKA_VERSION} log4j-${LOG4J_VERSION}-slf4j1 scripts-$(cat "$here/kafka/"*.sh | cksum | cut -d' ' -f1)"
  if [[ -f $stamp && "$(cat "$stamp")" == "$want" && -f "$KAFKA_DIR/classpath.txt" ]]; then
    peers_log "Kafka $KAFKA_VERSION already in $KAFKA_DIR"
    return 0
  fi
  command -v java >/dev/null 2>&1 || peers_die "java not found (Kafka $KAFKA_VERSION needs Java 17+)"
  command -v mvn >/dev/null 2>&1 || peers_die "mvn not found (needed to resolve Kafka $KAFKA_VERSION)"
  peers_log "resolving Kafka $KAFKA_VERSION with Maven into $KAFKA_DIR/libs"
  local tmp
  tmp="$(mktemp -d "$WHARF_PEERS_DIR/.kafka.XXXXXX")"
  cat >"$tmp/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>wharf.peers</groupId>
  <artifactId>kafka-reference</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_${KAFKA_SCALA}</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-clients</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>${LOG4J_VERSION}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>${LOG4J_VERSION}</version></dependency>
  </dependencies>
</project>
POM
  if ! (cd "$tmp" && mvn -B -q -Dstyle.color=never -f pom.xml \
      "org.apache.maven.plugins:maven-dependency-plugin:${DEP_PLUGIN_VERSION}:copy-dependencies" \
      -DoutputDirectory="$tmp/libs" -DincludeScope=runtime); then
    rm -rf "$tmp"
    peers_die "Maven could not resolve Kafka $KAFKA_VERSION"
  fi
  ls "$tmp/libs/kafka_${KAFKA_SCALA}-${KAFKA_VERSION}.jar" "$tmp/libs/kafka-tools-${KAFKA_VERSION}.jar" "$tmp/libs/kafka-clients-${KAFKA_VERSION}.jar" >/dev/null \
    || { rm -rf "$tmp"; peers_die "Kafka jars missing after resolution"; }
  mkdir -p "$tmp/bin" "$tmp/config"
  cp "$here/kafka/"*.sh "$tmp/bin/"
  chmod +x "$tmp/bin/"*.sh
  cp "$here/kafka/log4j2.yaml" "$tmp/config/log4j2.yaml"
  rm -rf "$KAFKA_DIR"
  mv "$tmp" "$KAFKA_DIR"
  (cd "$KAFKA_DIR/libs" && ls *.jar | sort | sed "s|^|$KAFKA_DIR/libs/|" | paste -sd: -) >"$KAFKA_DIR/classpath.txt"
  # Smoke test: the tools run on this Java.
  if ! java -cp "$(cat "$KAFKA_DIR/classpath.txt")" kafka.tools.StorageTool random-uuid >/dev/null 2>"$KAFKA_DIR/smoke.err"; then
    cat "$KAFKA_DIR/smoke.err" >&2
    peers_die "Kafka $KAFKA_VERSION does not run (StorageTool random-uuid failed)"
  fi
  printf '%s' "$want" >"$stamp"
  peers_log "installed Kafka $KAFKA_VERSION in $KAFKA_DIR ($(ls "$KAFKA_DIR/libs" | wc -l) jars)"
}

install_kcat() {
  if command -v kcat >/dev/null 2>&1 && kcat -V >/dev/null 2>&1; then
    peers_log "kcat already installed: $(kcat -V 2>&1 | head -1)"
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 || peers_die "kcat missing and apt-get not available"
  peers_log "installing kcat (and librdkafka) with apt-get"
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q >/dev/null || peers_die "apt-get update failed"
  $sudo apt-get install -y -q kcat >/dev/null || peers_die "apt-get install kcat failed"
  kcat -V >/dev/null 2>&1 || peers_die "kcat does not run after install"
}

install_python() {
  local venv="$WHARF_PEERS_DIR/venv"
  local spec="confluent-kafka${CONFLUENT_KAFKA_VERSION:+==$CONFLUENT_KAFKA_VERSION}"
  if [[ -x "$venv/bin/python" ]] && [[ "$("$venv/bin/python" -c 'import confluent_kafka; print(confluent_kafka.__version__)' 2>/dev/null)" == "${CONFLUENT_KAFKA_VERSION:-}" ]]; then
    peers_log "confluent-kafka $CONFLUENT_KAFKA_VERSION already in $venv"
    return 0
  fi
  command -v python3 >/dev/null 2>&1 || peers_die "python3 not found"
  peers_log "installing $spec into $venv"
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv" || peers_die "python3 -m venv failed"
  "$venv/bin/pip" install -q --disable-pip-version-check "$spec" || peers_die "pip install $spec failed"
  "$venv/bin/python" -c 'import confluent_kafka' || peers_die "confluent_kafka does not import"
}

main() {
  local parts=("$@")
  [[ ${#parts[@]} -eq 0 ]] && parts=(jvm kcat python)
  for p in "${parts[@]}"; do
    case $p in
      jvm) install_kafka_jvm ;;
      kcat) install_kcat ;;
      python) install_python ;;
      *) peers_die "unknown part $p (jvm, kcat, python)" ;;
    esac
  done
}

peers_locked main "$@"
