#!/usr/bin/env bash
# Prepares librdkafka's own test suite (tests/ of Debian's librdkafka source package) for
# `npm run compat` in $WHARF_PEERS_DIR/src/librdkafka-$VERSION (outside the repo, never committed):
#   - the source package from Debian's archive, through a private apt configuration that adds
#     `deb-src` to the machine's own suites (the system's apt configuration and lists are not
#     touched: the private sources and lists live in $WHARF_PEERS_DIR/apt-src),
#   - the build dependencies from Debian (apt-get install of the named packages),
#   - librdkafka and its test binary: ./configure && make libs && make -C tests build (-j2).
# Idempotent: a prepared copy (marker .complete) is reused. Every step is bounded in time.
# Usage: librdkafka-setup.sh          Prints the prepared directory on stdout.
# Env: WHARF_LIBRDKAFKA_VERSION (default 2.0.2, Debian bookworm's), WHARF_PEERS_DIR.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../peers/common.sh
source "$here/../peers/common.sh"
VERSION="${WHARF_LIBRDKAFKA_VERSION:-2.0.2}"
dest="$WHARF_PEERS_DIR/src/librdkafka-$VERSION"
if [[ -f $dest/.complete && -x $dest/tests/test-runner ]]; then
  echo "$dest"
  exit 0
fi

# Build dependencies of tests/ (Debian's Build-Depends of librdkafka, less debhelper; rapidjson
# is used by the stats tests; build-essential brings dpkg-dev, which `apt-get source` needs).
DEPS=(build-essential pkg-config python3 zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev rapidjson-dev)

aptdir="$WHARF_PEERS_DIR/apt-src"
APT_OPTS=(-o "Dir::Etc::sourcelist=$aptdir/sources.list" -o "Dir::Etc::sourceparts=$aptdir/sources.list.d"
  -o "Dir::State::Lists=$aptdir/lists" -o "Dir::Cache=$aptdir/cache" -o "APT::Sandbox::User=root")

# The machine's suites, each also as deb-src: deb822 files get "Types: deb deb-src", one-line
# files a deb-src copy of each deb line.
private_sources() {
  rm -rf "$aptdir/sources.list.d"
  mkdir -p "$aptdir/sources.list.d" "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
  : >"$aptdir/sources.list"
  local f n=0
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    sed -n -E 's/^[[:space:]]*deb([[:space:]])/deb\1/p; s/^[[:space:]]*deb([[:space:]])/deb-src\1/p' "$f" >>"$aptdir/sources.list"
    n=$((n + 1))
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    sed -E 's/^Types:.*$/Types: deb deb-src/' "$f" >"$aptdir/sources.list.d/$(basename "$f")"
    n=$((n + 1))
  done
  [[ $n -gt 0 ]] || peers_die "no apt sources in /etc/apt to derive deb-src entries from"
}

install_deps() {
  local missing=() p
  for p in "${DEPS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  peers_log "librdkafka tests: apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get "${APT_OPTS[@]}" install -y --no-install-recommends "${missing[@]}" >&2
}

prepare() {
  [[ -f $dest/.complete && -x $dest/tests/test-runner ]] && return 0
  command -v apt-get >/dev/null || { peers_log "librdkafka tests: apt-get not found (Debian's source package is needed)"; exit 3; }
  private_sources
  peers_log "librdkafka tests: apt-get update (private lists in $aptdir)"
  timeout 600 apt-get "${APT_OPTS[@]}" -q update >&2
  install_deps
  local tmp
  tmp="$(mktemp -d "$WHARF_PEERS_DIR/src/.librdkafka.XXXXXX")"
  trap 'rm -rf "$tmp"' RETURN
  peers_log "librdkafka tests: apt-get source librdkafka (want $VERSION)"
  local debver
  debver="$(apt-cache "${APT_OPTS[@]}" showsrc librdkafka | sed -n -E "s/^Version: ($VERSION-.*)$/\1/p" | head -n1)"
  [[ -n $debver ]] || { peers_log "librdkafka tests: Debian has no source package of librdkafka $VERSION"; exit 3; }
  (cd "$tmp" && timeout 600 apt-get "${APT_OPTS[@]}" -q source "librdkafka=$debver" >&2)
  [[ -d $tmp/librdkafka-$VERSION/tests ]] || peers_die "apt-get source gave no librdkafka-$VERSION/tests"
  local src="$tmp/librdkafka-$VERSION"
  peers_log "librdkafka tests: building librdkafka $VERSION and tests/test-runner (make -j2)"
  # curl is only for the OIDC token fetch (test 0126, SASL/OAUTHBEARER: not applicable here).
  (cd "$src" && timeout 300 ./configure --disable-curl >"$tmp/configure.log" 2>&1) || { tail -n 30 "$tmp/configure.log" >&2; peers_die "configure failed"; }
  (cd "$src" && timeout 1800 nice make -j2 libs >"$tmp/make.log" 2>&1) || { tail -n 30 "$tmp/make.log" >&2; peers_die "make libs failed"; }
  (cd "$src" && timeout 1800 nice make -j2 -C tests build >"$tmp/make-tests.log" 2>&1) || { tail -n 30 "$tmp/make-tests.log" >&2; peers_die "make -C tests build failed"; }
  [[ -x $src/tests/test-runner ]] || peers_die "no tests/test-runner after the build"
  echo "$debver" >"$src/.debian-version"
  touch "$src/.complete"
  rm -rf "$dest"
  mv "$src" "$dest"
}
mkdir -p "$WHARF_PEERS_DIR/src"
peers_locked prepare
echo "$dest"
