#!/usr/bin/env bash
# What the reliability harness's faults need from the machine (test/reliability/faults/):
#   - libfaketime (Debian's package) for clock-jump, preloaded into the broker under test;
#   - a C compiler (cc) for the LD_PRELOAD fsync shim of power-loss and slow-fsync.
# Installed with apt-get when missing (as root, or through sudo), idempotently. Without them the
# harness skips those faults and says why; this script makes CI and a developer's machine run them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
. "$here/common.sh"

have_faketime() {
  local d
  for d in /usr/lib/x86_64-linux-gnu/faketime /usr/lib/aarch64-linux-gnu/faketime /usr/lib/faketime; do
    [[ -f $d/libfaketime.so.1 ]] && return 0
  done
  return 1
}

missing=()
have_faketime || missing+=(libfaketime)
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
if [[ ${#missing[@]} -eq 0 ]]; then
  peers_log "fault tools present (libfaketime, cc)"
  exit 0
fi
command -v apt-get >/dev/null 2>&1 || peers_die "missing ${missing[*]} and apt-get not available: install them to run the clock-jump, power-loss and slow-fsync faults"
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
peers_log "installing ${missing[*]} with apt-get (reliability faults)"
$sudo apt-get update -q >/dev/null || peers_die "apt-get update failed"
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null || peers_die "apt-get install ${missing[*]} failed"
have_faketime || peers_die "libfaketime.so.1 not found after installing libfaketime"
peers_log "installed ${missing[*]}"
