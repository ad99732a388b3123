# shellcheck shell=bash
# Source this file (`. scripts/peers/env.sh`) to put the cached reference peers on PATH
# and export the variables the tests and benchmarks read:
#   WHARF_PEERS_DIR, WHARF_NATS_SERVER_BIN, WHARF_NATS_CLI_BIN,
#   WHARF_KAFKA_HOME, WHARF_KAFKA_START, WHARF_KAFKA_STOP, WHARF_KAFKA_CLASSPATH (when Kafka is
#   installed), WHARF_KCAT_BIN, WHARF_PYTHON_BIN (a python with confluent_kafka).
# It installs nothing; run scripts/peers/install-all.sh first.
__wharf_peers_here="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)"
# shellcheck source=common.sh
. "$__wharf_peers_here/common.sh"
case ":$PATH:" in
  *":$WHARF_PEERS_BIN:"*) ;;
  *) PATH="$WHARF_PEERS_BIN:$PATH" ;;
esac
export PATH
export WHARF_NATS_SERVER_BIN="$WHARF_PEERS_BIN/nats-server"
export WHARF_NATS_CLI_BIN="$WHARF_PEERS_BIN/nats"
if [ -d "$WHARF_PEERS_DIR/kafka" ]; then
  export WHARF_KAFKA_HOME="$WHARF_PEERS_DIR/kafka"
  export WHARF_KAFKA_START="$WHARF_KAFKA_HOME/bin/start-kafka.sh"
  export WHARF_KAFKA_STOP="$WHARF_KAFKA_HOME/bin/stop-kafka.sh"
  if [ -f "$WHARF_KAFKA_HOME/classpath.txt" ]; then
    WHARF_KAFKA_CLASSPATH="$(cat "$WHARF_KAFKA_HOME/classpath.txt")"
    export WHARF_KAFKA_CLASSPATH
  fi
fi
if command -v kcat >/dev/null 2>&1; then
  WHARF_KCAT_BIN="$(command -v kcat)"
  export WHARF_KCAT_BIN
fi
if [ -x "$WHARF_PEERS_DIR/venv/bin/python" ]; then
  export WHARF_PYTHON_BIN="$WHARF_PEERS_DIR/venv/bin/python"
fi
unset __wharf_peers_here
