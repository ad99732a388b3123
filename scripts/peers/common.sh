# shellcheck shell=bash
# Shared settings of the reference-peer scripts. Sourced, never run.
# Peers are cached outside the repo so that every clone on this machine reuses them.

: "${WHARF_PEERS_DIR:=${HOME:-/root}/.cache/wharf-peers}"
export WHARF_PEERS_DIR
WHARF_PEERS_BIN="$WHARF_PEERS_DIR/bin"

# Pinned versions of the reference peers.
NATS_SERVER_VERSION=v2.15.2
NATSCLI_VERSION=v0.5.0
KAFKA_VERSION=4.4.0
KAFKA_SCALA=2.13
CONFLUENT_KAFKA_VERSION="${CONFLUENT_KAFKA_VERSION:-2.16.1}"

peers_log() { printf '[peers] %s\n' "$*" >&2; }
peers_die() { printf '[peers] ERROR: %s\n' "$*" >&2; exit 1; }

# Run a command with a lock on the cache so that concurrent installs do not race.
peers_locked() {
  mkdir -p "$WHARF_PEERS_DIR"
  if command -v flock >/dev/null 2>&1; then
    ( flock -w 1800 9 || peers_die "could not lock $WHARF_PEERS_DIR/.lock"; "$@" ) 9>"$WHARF_PEERS_DIR/.lock"
  else
    "$@"
  fi
}
