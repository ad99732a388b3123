#!/usr/bin/env bash
# Installs every reference peer into $WHARF_PEERS_DIR (default ~/.cache/wharf-peers),
# idempotently. Meant for .ci/run and for a developer's first checkout:
#   bash scripts/peers/install-all.sh && . scripts/peers/env.sh
# Select parts with arguments: nats (default: all available parts).
# Exits non-zero when any install fails.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

parts=("$@")
if [[ ${#parts[@]} -eq 0 ]]; then
  parts=(nats)
  [[ -f "$here/install-kafka.sh" ]] && parts+=(kafka)
fi
for part in "${parts[@]}"; do
  script="$here/install-$part.sh"
  [[ -f $script ]] || { echo "[peers] ERROR: unknown part '$part' (no $script)" >&2; exit 2; }
  bash "$script"
done
# shellcheck source=env.sh
. "$here/env.sh"
echo "[peers] ready in $WHARF_PEERS_DIR: $(ls "$WHARF_PEERS_DIR/bin" 2>/dev/null | tr '\n' ' ')" >&2
