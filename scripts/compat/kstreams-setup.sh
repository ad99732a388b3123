#!/usr/bin/env bash
# Prepares the Java Kafka Streams applications of the `kstreams` compat suite (idempotent):
#   - $WHARF_PEERS_DIR/kstreams-4.3.1: org.apache.kafka:kafka-streams-examples:4.3.1 (the demos),
#     kafka-streams:4.3.1 with its `test` jar (StreamsSmokeTest, BrokerCompatibilityTest and their
#     drivers) and kafka-clients:4.3.1:test, resolved with Maven from Maven Central;
#   - $WHARF_PEERS_DIR/kstreams-4.4.0: kafka-streams:4.4.0 and its dependencies, for the tests of
#     the streams group protocol (KIP-1071) with a 4.4 application (test/kafka/streams-group-java).
# Each directory gets libs/ and classpath.txt (plus log4j2 so the applications can log). Prints the
# 4.3.1 directory on stdout. The jars stay in the peers cache: nothing is committed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../peers/common.sh
source "$here/../peers/common.sh"
LOG4J_VERSION=2.25.3
DEP_PLUGIN_VERSION=3.8.1

# resolve DIR DEPENDENCY-XML...: the dependencies' runtime closure into DIR/libs.
resolve() {
  local dest="$1"; shift
  local want
  want="$(printf '%s\n' "$@" | cksum | cut -d' ' -f1)"
  if [[ -f $dest/.complete && "$(cat "$dest/.complete")" == "$want" && -f $dest/classpath.txt ]]; then
    return 0
  fi
  command -v java >/dev/null 2>&1 || peers_die "kstreams: java not found (Kafka Streams needs Java 17+)"
  command -v mvn >/dev/null 2>&1 || peers_die "kstreams: mvn not found (needed to resolve the Kafka Streams jars)"
  mkdir -p "$WHARF_PEERS_DIR"
  local tmp
  tmp="$(mktemp -d "$WHARF_PEERS_DIR/.kstreams.XXXXXX")"
  {
    printf '<?xml version="1.0" encoding="UTF-8"?>\n<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
    printf '  <modelVersion>4.0.0</modelVersion><groupId>wharf.peers</groupId><artifactId>kstreams</artifactId><version>1</version><packaging>pom</packaging>\n  <dependencies>\n'
    printf '    %s\n' "$@"
    printf '    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>%s</version></dependency>\n' "$LOG4J_VERSION"
    printf '    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>%s</version></dependency>\n' "$LOG4J_VERSION"
    printf '  </dependencies>\n</project>\n'
  } >"$tmp/pom.xml"
  peers_log "kstreams: resolving $(basename "$dest") with Maven"
  if ! (cd "$tmp" && mvn -B -q -Dstyle.color=never -f pom.xml \
      "org.apache.maven.plugins:maven-dependency-plugin:${DEP_PLUGIN_VERSION}:copy-dependencies" \
      -DoutputDirectory="$tmp/libs" -DincludeScope=runtime >&2); then
    rm -rf "$tmp"
    peers_die "kstreams: Maven could not resolve $(basename "$dest")"
  fi
  cat >"$tmp/log4j2.properties" <<'PROPS'
# Kafka Streams applications of the compat suite and tests: warnings and state changes on stdout.
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = STDOUT
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss.SSS} %p %c{1} %m%n
logger.streams.name = org.apache.kafka.streams.KafkaStreams
logger.streams.level = info
PROPS
  (cd "$tmp/libs" && ls ./*.jar | sed "s|^\./|$dest/libs/|" | sort | paste -sd: -) >"$tmp/classpath.txt"
  printf '%s' "$want" >"$tmp/.complete"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  peers_log "kstreams: $(basename "$dest") ready ($(ls "$dest/libs" | wc -l) jars)"
}

dep() { printf '<dependency><groupId>org.apache.kafka</groupId><artifactId>%s</artifactId><version>%s</version>%s</dependency>' "$1" "$2" "${3:+<classifier>$3</classifier>}"; }

prepare() {
  resolve "$WHARF_PEERS_DIR/kstreams-4.3.1" \
    "$(dep kafka-streams-examples 4.3.1)" "$(dep kafka-streams 4.3.1)" "$(dep kafka-streams 4.3.1 test)" \
    "$(dep kafka-clients 4.3.1)" "$(dep kafka-clients 4.3.1 test)"
  resolve "$WHARF_PEERS_DIR/kstreams-4.4.0" "$(dep kafka-streams 4.4.0)" "$(dep kafka-clients 4.4.0)"
}
mkdir -p "$WHARF_PEERS_DIR"
peers_locked prepare
echo "$WHARF_PEERS_DIR/kstreams-4.3.1"
