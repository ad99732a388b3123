#!/usr/bin/env bash
# Prepares nats.js 3.x's Deno test suites (jetstream/tests, kv/tests, obj/tests of nats-io/nats.js
# at tag v$VERSION) for `npm run compat` in $WHARF_PEERS_DIR/src/nats.js-$VERSION (outside the
# repo, never committed):
#   - the sources from a git checkout of nats-io/nats.js (the npm and JSR packages ship no tests):
#     core, jetstream, kv, obj, nst (the test launcher), transport-deno;
#   - the Deno standard library modules the tests and nst import (@std/assert, bytes, fmt, io and
#     their @std/internal), from a git checkout of denoland/std at tag $STD_TAG (assert 1.0.18,
#     fmt 1.0.9, bytes 1.0.6 as nats.js's deno.json names them; io 0.225.3 for the 0.225.2 named);
#   - Deno itself from the npm registry (`deno@$DENO_VERSION`, whose platform package carries the
#     binary), in .deno-npm;
#   - an import map, wharf-import-map.json, that replaces the jsr: specifiers (JSR is not a
#     registry this project may use) with the checkout's own modules (@nats-io/nats-core ->
#     core/src, @nats-io/jetstream -> jetstream/src, ...), the std checkout (every export of each
#     package's deno.json), and npm: packages where they exist (@nats-io/nkeys 2.0.3, @nats-io/nuid
#     3.0.0, @nats-io/jwt 0.0.11, js-sha256 0.11.1); and a scope per test directory mapping the bare
#     "nst" to that directory's nst.ts (which registers the Deno transport's connect, as each test
#     directory's own nst.ts is meant to);
#   - the npm packages cached in .deno-dir by `deno cache`, so a run needs no network.
# No test file is changed.
# Usage: natsjs3-setup.sh [NATS_JS_GIT [DENO_STD_GIT]]  (or WHARF_NATSJS3_GIT, WHARF_DENO_STD_GIT):
#   git clones (bare or not) of nats-io/nats.js and denoland/std. Without them and without an
#   earlier prepared copy this exits 3 and says how to get them.
# Prints the prepared directory on stdout. Idempotent: a complete copy is reused.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../peers/common.sh
source "$here/../peers/common.sh"

VERSION="${WHARF_NATSJS3_VERSION:-3.4.0}"
STD_TAG="${WHARF_DENO_STD_TAG:-release-2026.01.30}"
DENO_VERSION="${WHARF_DENO_VERSION:-2.9.6}"
dest="$WHARF_PEERS_DIR/src/nats.js-$VERSION"

if [[ -f $dest/.complete ]]; then
  echo "$dest"
  exit 0
fi
js_arg="${1:-${WHARF_NATSJS3_GIT:-}}"
std_arg="${2:-${WHARF_DENO_STD_GIT:-}}"
how="get them with: git clone --bare https://github.com/nats-io/nats.js JS_DIR; git clone --bare https://github.com/denoland/std STD_DIR; then run $0 JS_DIR STD_DIR (or set WHARF_NATSJS3_GIT and WHARF_DENO_STD_GIT)"
gitdir() { git -C "$1" rev-parse --absolute-git-dir 2>/dev/null || true; }
if [[ -z $js_arg || -z $std_arg ]]; then
  peers_log "nats.js 3.x tests: no prepared copy in $dest, and no git checkouts of nats-io/nats.js and denoland/std given"
  peers_log "nats.js 3.x tests: the npm and JSR packages ship no tests; $how"
  exit 3
fi
js_git="$(gitdir "$js_arg")"
std_git="$(gitdir "$std_arg")"
if [[ -z $js_git ]] || ! git --git-dir="$js_git" rev-parse -q --verify "refs/tags/v$VERSION^{commit}" >/dev/null 2>&1; then
  peers_log "nats.js 3.x tests: '$js_arg' is not a git checkout of nats-io/nats.js with the tag v$VERSION; $how"
  exit 3
fi
if [[ -z $std_git ]] || ! git --git-dir="$std_git" rev-parse -q --verify "refs/tags/$STD_TAG^{commit}" >/dev/null 2>&1; then
  peers_log "nats.js 3.x tests: '$std_arg' is not a git checkout of denoland/std with the tag $STD_TAG; $how"
  exit 3
fi

prepare() {
  local tmp
  tmp="$(mktemp -d "$WHARF_PEERS_DIR/src/.natsjs3.XXXXXX")"
  trap 'rm -rf "$tmp"' RETURN
  peers_log "nats.js 3.x tests: sources from $js_git at v$VERSION"
  git --git-dir="$js_git" archive "v$VERSION" core jetstream kv obj nst transport-deno | tar -x -C "$tmp"
  mkdir -p "$tmp/std"
  peers_log "nats.js 3.x tests: Deno std modules from $std_git at $STD_TAG"
  git --git-dir="$std_git" archive "$STD_TAG" assert bytes fmt internal io async | tar -x -C "$tmp/std"
  peers_log "nats.js 3.x tests: npm install deno@$DENO_VERSION"
  mkdir -p "$tmp/.deno-npm"
  ( cd "$tmp/.deno-npm" && echo '{"name":"wharf-deno","private":true}' > package.json && npm install --no-audit --no-fund --silent "deno@$DENO_VERSION" >/dev/null )
  [[ -x $tmp/.deno-npm/node_modules/.bin/deno ]] || peers_die "nats.js 3.x tests: deno did not install"
  node - "$tmp" <<'EOF'
const fs = require("fs"), path = require("path");
const root = process.argv[2];
const imports = {};
const own = { "@nats-io/nats-core": "core", "@nats-io/jetstream": "jetstream", "@nats-io/kv": "kv", "@nats-io/obj": "obj", "@nats-io/transport-deno": "transport-deno", "@nats-io/nst": "nst", nst: "nst" };
const exportsOf = (j) => (typeof j.exports === "string" ? { ".": j.exports } : j.exports);
for (const [name, dir] of Object.entries(own)) {
  const j = JSON.parse(fs.readFileSync(path.join(root, dir, "deno.json"), "utf8"));
  for (const [k, v] of Object.entries(exportsOf(j))) imports[name + (k === "." ? "" : k.slice(1))] = "./" + path.posix.join(dir, v);
}
Object.assign(imports, { "@nats-io/nkeys": "npm:@nats-io/nkeys@2.0.3", "@nats-io/nuid": "npm:@nats-io/nuid@3.0.0", "@nats-io/jwt": "npm:@nats-io/jwt@0.0.11", "js-sha256": "npm:js-sha256@0.11.1" });
for (const d of fs.readdirSync(path.join(root, "std"))) {
  const f = path.join(root, "std", d, "deno.json");
  if (!fs.existsSync(f)) continue;
  const j = JSON.parse(fs.readFileSync(f, "utf8"));
  for (const [k, v] of Object.entries(exportsOf(j))) imports[j.name + (k === "." ? "" : k.slice(1))] = "./" + path.posix.join("std", d, v);
}
const scopes = {};
for (const d of ["jetstream", "kv", "obj"]) scopes[`./${d}/tests/`] = { nst: `./${d}/tests/nst.ts` };
fs.writeFileSync(path.join(root, "wharf-import-map.json"), JSON.stringify({ imports, scopes }, null, 2) + "\n");
EOF
  peers_log "nats.js 3.x tests: deno cache (npm packages into .deno-dir)"
  ( cd "$tmp" && DENO_DIR="$tmp/.deno-dir" DENO_NO_UPDATE_CHECK=1 .deno-npm/node_modules/.bin/deno cache --no-config --import-map=wharf-import-map.json jetstream/tests/*_test.ts kv/tests/*_test.ts obj/tests/*_test.ts >/dev/null ) ||
    peers_die "nats.js 3.x tests: deno cache failed"
  touch "$tmp/.complete"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  trap - RETURN
}
mkdir -p "$WHARF_PEERS_DIR/src"
peers_locked prepare
echo "$dest"
