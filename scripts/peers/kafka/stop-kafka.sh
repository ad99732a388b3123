#!/usr/bin/env bash
# Stops a broker started by start-kafka.sh DATA_DIR: SIGTERM (controlled shutdown), then
# SIGKILL after 30 s. Idempotent. Add --clean to delete DATA_DIR afterwards.
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: stop-kafka.sh DATA_DIR [--clean]" >&2; exit 1; }
data="$1"
if [[ -f "$data/kafka.pid" ]]; then
  pid="$(cat "$data/kafka.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "[kafka] broker $pid did not stop within 30 s, killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$data/kafka.pid"
fi
if [[ ${2:-} == --clean ]]; then rm -rf "$data"; fi
