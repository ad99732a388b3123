#!/usr/bin/env bash
# Installs every reference peer into $WHARF_PEERS_DIR (default ~/.cache/wharf-peers),
# idempotently. Meant for .ci/run and for a developer's first checkout:
#   bash scripts/peers/install-all.sh && . scripts/peers/env.sh
# Select parts with arguments: nats, kafka, faults (default: all three; faults is what the
# reliability harness's clock-jump, power-loss and slow-fsync faults need: libfaketime, cc).
# `install-kafka.sh jvm|kcat|python` installs one Kafka peer alone.
# Exits non-zero when any install fails.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

parts=("$@")
if [[ ${#parts[@]} -eq 0 ]]; then
  parts=(nats)
  [[ -f "$here/install-kafka.sh" ]] && parts+=(kafka)
  parts+=(faults)
fi
for part in "${parts[@]}"; do
  script="$here/install-$part.sh"
  [[ -f $script ]] || { echo "[peers] ERROR: unknown part '$part' (no $script)" >&2; exit 2; }
  bash "$script"
done
# shellcheck source=env.sh
. "$here/env.sh"
echo "[peers] ready in $WHARF_PEERS_DIR: nats-server=$WHARF_NATS_SERVER_BIN nats=$WHARF_NATS_CLI_BIN kafka=${WHARF_KAFKA_HOME:-none} kcat=${WHARF_KCAT_BIN:-none} python=${WHARF_PYTHON_BIN:-none}" >&2
