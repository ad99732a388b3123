#!/usr/bin/env bash
# Prepares the nats.js (npm `nats` 2.x, repository nats-io/nats.node) test suite for
# `npm run compat` in $WHARF_PEERS_DIR/src/nats.node-$VERSION (outside the repo, never committed):
#   - the package itself (index.js, lib/) from the npm registry (`npm pack nats@$VERSION`),
#   - its test/ directory from a git checkout of nats-io/nats.node at tag v$VERSION
#     (the npm tarball ships no tests, and no allowed registry carries them),
#   - the test runner (ava 5) and nats-jwt from the npm registry.
# Usage: natsjs-setup.sh [GIT_DIR]   GIT_DIR (a clone of nats-io/nats.node, bare or not) defaults
#        to $WHARF_NATSJS_GIT. Without a checkout and without an earlier prepared copy this
#        exits 3 and says how to get one (the suite cannot be installed here).
# One change to the suite's harness, none to its tests: test/helpers/launcher.js gives the server
# 1000 ms to write its ports file, sized for nats-server (a Go binary that starts in
# milliseconds); the stand-in is a Node process that on a loaded 2-core machine may need more, so
# that budget becomes 10000 ms (the launcher still waits for the server's /varz before a test
# runs). Applied to earlier prepared copies too.
# Prints the prepared directory on stdout. Idempotent: a complete copy is reused.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../peers/common.sh
source "$here/../peers/common.sh"

VERSION="${WHARF_NATSJS_VERSION:-2.29.3}"
dest="$WHARF_PEERS_DIR/src/nats.node-$VERSION"

# The launcher's ports-file budget (see above); exits non-zero if the launcher is not as expected.
patch_launcher() {
  local f="$1/test/helpers/launcher.js"
  [[ -f $1/.launcher-budget ]] && return 0
  node -e '
    const fs = require("fs");
    const f = process.argv[1];
    const s = fs.readFileSync(f, "utf8");
    const from = "          1000,\n          { name: \"read ports file\" },";
    if (!s.includes(from)) { console.error("launcher.js: the ports-file wait is not where expected"); process.exit(1); }
    fs.writeFileSync(f, s.replace(from, from.replace("1000,", "10000,")));
  ' "$f"
  touch "$1/.launcher-budget"
}

if [[ -f $dest/.complete ]]; then
  peers_locked patch_launcher "$dest"
  echo "$dest"
  exit 0
fi
git_arg="${1:-${WHARF_NATSJS_GIT:-}}"
how="get one with: git clone --bare https://github.com/nats-io/nats.node DIR, then run $0 DIR (or set WHARF_NATSJS_GIT=DIR)"
if [[ -z $git_arg ]]; then
  peers_log "nats.js tests: no prepared copy in $dest and no git checkout of nats-io/nats.node given (argument or WHARF_NATSJS_GIT)"
  peers_log "nats.js tests: the npm tarball of nats@$VERSION ships no tests; $how"
  exit 3
fi
# A work tree's .git or a bare repository.
git_dir="$(git -C "$git_arg" rev-parse --absolute-git-dir 2>/dev/null || true)"
if [[ -z $git_dir ]] || ! git --git-dir="$git_dir" rev-parse -q --verify "refs/tags/v$VERSION^{commit}" >/dev/null 2>&1; then
  peers_log "nats.js tests: '$git_arg' is not a git checkout of nats-io/nats.node with the tag v$VERSION"
  peers_log "nats.js tests: $how"
  exit 3
fi

prepare() {
  local tmp
  tmp="$(mktemp -d "$WHARF_PEERS_DIR/src/.natsjs.XXXXXX")"
  trap 'rm -rf "$tmp"' RETURN
  peers_log "nats.js tests: npm pack nats@$VERSION"
  ( cd "$tmp" && npm pack --silent "nats@$VERSION" >/dev/null )
  tar -xzf "$tmp/nats-$VERSION.tgz" -C "$tmp"
  local pkg="$tmp/package"
  peers_log "nats.js tests: test/ from $git_dir at v$VERSION"
  git --git-dir="$git_dir" archive "v$VERSION" test | tar -x -C "$pkg"
  # A package.json with the runtime dependencies of the release and only the test-time tools
  # the suite needs (no nyc, typescript, deno checks). No "ava" key: the runner passes its own
  # ava config (files, the demo.nats.io hook).
  node -e '
    const fs = require("fs");
    const p = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const out = {
      name: p.name, version: p.version, main: p.main, types: p.types, private: true,
      dependencies: p.dependencies,
      devDependencies: { ava: "5.3.1", "nats-jwt": "0.0.9" },
    };
    fs.writeFileSync(process.argv[1], JSON.stringify(out, null, 2) + "\n");
  ' "$pkg/package.json"
  peers_log "nats.js tests: npm install (ava, nats-jwt, runtime deps)"
  ( cd "$pkg" && npm install --no-audit --no-fund --silent >/dev/null )
  [[ -x $pkg/node_modules/.bin/ava ]] || peers_die "nats.js tests: ava did not install"
  patch_launcher "$pkg"
  touch "$pkg/.complete"
  rm -rf "$dest"
  mv "$pkg" "$dest"
}
mkdir -p "$WHARF_PEERS_DIR/src"
peers_locked prepare
echo "$dest"
