#!/usr/bin/env bash
# Prepares nats.go's JetStream integration tests for `npm run compat` (idempotent; CI can run it,
# everything comes from the Go module proxy):
#   - the module github.com/nats-io/nats.go@$VERSION (its zip carries ./jetstream/test and ./test),
#     copied to $WHARF_PEERS_DIR/src/nats.go-$VERSION (the module cache is read-only),
#   - its test dependencies through go_test.mod (orbit.go/ntf-client, the client of the ntf
#     tester protocol that scripts/compat/ntf-tester.ts serves),
#   - two test binaries built there with `go test -c -modfile=go_test.mod -tags=internal_testing`:
#     jetstream.test (./jetstream/test) and legacy.test (./test: js_test.go, kv_test.go and
#     object_test.go among the core tests; the suite selects them by name).
# Prints the directory on stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../peers/common.sh
source "$here/../peers/common.sh"
VERSION="${WHARF_NATS_GO_VERSION:-v1.53.0}"
dest="$WHARF_PEERS_DIR/src/nats.go-$VERSION"
if [[ -x $dest/jetstream.test && -x $dest/legacy.test && -f $dest/.complete ]]; then
  echo "$dest"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  for d in /usr/local/go/bin /usr/lib/go/bin "${HOME:-/root}/go/bin"; do
    [[ -x $d/go ]] && PATH="$d:$PATH" && break
  done
fi
command -v go >/dev/null 2>&1 || peers_die "nats.go tests: Go toolchain not found (needed to build the JetStream tests)"

prepare() {
  peers_log "nats.go tests: go mod download github.com/nats-io/nats.go@$VERSION"
  local src
  src="$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "github.com/nats-io/nats.go@$VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [[ -n $src && -d $src/jetstream/test && -f $src/go_test.mod ]] || peers_die "nats.go tests: module download gave no jetstream/test or go_test.mod"
  local tmp
  tmp="$(mktemp -d "$WHARF_PEERS_DIR/src/.natsgo.XXXXXX")"
  cp -r "$src/." "$tmp/"
  chmod -R u+w "$tmp"
  peers_log "nats.go tests: go test -c ./jetstream/test ./test (go_test.mod, -tags=internal_testing)"
  ( cd "$tmp" &&
    GOFLAGS=-mod=mod go test -c -modfile=go_test.mod -tags=internal_testing -vet=off -o jetstream.test ./jetstream/test &&
    GOFLAGS=-mod=mod go test -c -modfile=go_test.mod -tags=internal_testing -vet=off -o legacy.test ./test ) ||
    { rm -rf "$tmp"; peers_die "nats.go tests: build failed"; }
  touch "$tmp/.complete"
  rm -rf "$dest"
  mv "$tmp" "$dest"
}
mkdir -p "$WHARF_PEERS_DIR/src"
peers_locked prepare
echo "$dest"
