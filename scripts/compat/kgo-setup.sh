#!/usr/bin/env bash
# Prepares franz-go's pkg/kgo test binary for `npm run compat` (idempotent):
# the module github.com/twmb/franz-go@$VERSION from the Go module proxy (its zip carries the
# _test.go files), copied to $WHARF_PEERS_DIR/src/franz-go-$VERSION and compiled with
# `go test -c` into kgo.test there. Prints the directory on stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../peers/common.sh
source "$here/../peers/common.sh"
VERSION="${WHARF_FRANZ_GO_VERSION:-v1.22.3}"
dest="$WHARF_PEERS_DIR/src/franz-go-$VERSION"
if [[ -x $dest/kgo.test && -f $dest/.complete ]]; then
  echo "$dest"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  for d in /usr/local/go/bin /usr/lib/go/bin "${HOME:-/root}/go/bin"; do
    [[ -x $d/go ]] && PATH="$d:$PATH" && break
  done
fi
command -v go >/dev/null 2>&1 || peers_die "franz-go tests: Go toolchain not found (needed to build pkg/kgo's tests)"

prepare() {
  peers_log "franz-go tests: go mod download github.com/twmb/franz-go@$VERSION"
  local src
  src="$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "github.com/twmb/franz-go@$VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [[ -n $src && -d $src/pkg/kgo ]] || peers_die "franz-go tests: module download gave no pkg/kgo"
  local tmp
  tmp="$(mktemp -d "$WHARF_PEERS_DIR/src/.franz.XXXXXX")"
  cp -r "$src/." "$tmp/"
  chmod -R u+w "$tmp"
  peers_log "franz-go tests: go test -c ./pkg/kgo"
  ( cd "$tmp" && GOFLAGS=-mod=mod go test -c -o kgo.test ./pkg/kgo ) || { rm -rf "$tmp"; peers_die "franz-go tests: build failed"; }
  touch "$tmp/.complete"
  rm -rf "$dest"
  mv "$tmp" "$dest"
}
mkdir -p "$WHARF_PEERS_DIR/src"
peers_locked prepare
echo "$dest"
