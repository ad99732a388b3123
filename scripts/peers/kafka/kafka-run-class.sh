#!/usr/bin/env bash
# Runs a class of the reference Kafka installation with its classpath, e.g.
#   kafka-run-class.sh org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:PORT --list
#   kafka-run-class.sh org.apache.kafka.tools.ConsoleProducer ...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
home="$(dirname "$here")"
exec java -Xmx256m "-Dlog4j2.configurationFile=$home/config/log4j2.yaml" -cp "$(cat "$home/classpath.txt")" "$@"
