#!/usr/bin/env bash
# Installs the NATS reference peers into $WHARF_PEERS_DIR/bin (idempotent):
#   nats-server v2.15.2 and the nats CLI (natscli) v0.5.0, built with `go install`.
# A binary is reused when `go version -m` shows the pinned module version.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "$here/common.sh"

# go_binary_has_version BIN MODULE VERSION: true when BIN was built from MODULE@VERSION.
go_binary_has_version() {
  local bin=$1 module=$2 version=$3
  [[ -x $bin ]] || return 1
  go version -m "$bin" 2>/dev/null | awk -v m="$module" -v v="$version" '$1=="mod" && $2==m && $3==v {found=1} END {exit !found}'
}

install_go_tool() {
  local name=$1 module=$2 pkg=$3 version=$4
  local bin="$WHARF_PEERS_BIN/$name"
  if go_binary_has_version "$bin" "$module" "$version"; then
    peers_log "$name $version already in $WHARF_PEERS_BIN"
    return 0
  fi
  peers_log "installing $name $version (go install $pkg@$version)"
  mkdir -p "$WHARF_PEERS_BIN"
  # Build into a scratch GOBIN and move into place only on success, so a failed
  # build never leaves a half-written binary that a later run would trust.
  local tmp
  tmp="$(mktemp -d "$WHARF_PEERS_DIR/.gobin.XXXXXX")"
  if ! GOBIN="$tmp" GOFLAGS="${GOFLAGS:--buildvcs=false}" go install "$pkg@$version"; then
    rm -rf "$tmp"
    peers_die "go install $pkg@$version failed"
  fi
  [[ -x "$tmp/$name" ]] || { rm -rf "$tmp"; peers_die "go install produced no $name binary"; }
  mv -f "$tmp/$name" "$bin"
  rm -rf "$tmp"
  go_binary_has_version "$bin" "$module" "$version" || peers_die "$bin does not report $module $version"
  peers_log "installed $bin"
}

main() {
  # CI's environment may lack the toolchain's directory on PATH.
  if ! command -v go >/dev/null 2>&1; then
    for d in /usr/local/go/bin /usr/lib/go/bin "${HOME:-/root}/go/bin"; do
      [[ -x $d/go ]] && PATH="$d:$PATH" && break
    done
  fi
  command -v go >/dev/null 2>&1 || peers_die "Go toolchain not found on PATH (needed to build nats-server and natscli)"
  install_go_tool nats-server github.com/nats-io/nats-server/v2 github.com/nats-io/nats-server/v2 "$NATS_SERVER_VERSION"
  install_go_tool nats github.com/nats-io/natscli github.com/nats-io/natscli/nats "$NATSCLI_VERSION"
  # Smoke test: both binaries must run.
  "$WHARF_PEERS_BIN/nats-server" --version >/dev/null || peers_die "nats-server does not run"
  "$WHARF_PEERS_BIN/nats" --version >/dev/null || peers_die "nats CLI does not run"
}

peers_locked main
