#!/usr/bin/env bash
# Prepares confluent-kafka-python's integration tests for `npm run compat` in
# $WHARF_PEERS_DIR/src/confluent-kafka-python-$VERSION (outside the repo, never committed):
#   - tests/ from a git checkout of confluentinc/confluent-kafka-python at that release
#     (the PyPI sdist ships no tests, and no allowed registry carries them),
#   - a venv with confluent-kafka[schemaregistry,avro,json,protobuf]==$VERSION, pytest and the test helpers from
#     PyPI, and trivup from the tarball the repository ships in tests/trivup (imported by the
#     fixtures; not used in bring-your-own-broker mode).
# Usage: ckpy-setup.sh [GIT_DIR]  GIT_DIR (a clone of confluentinc/confluent-kafka-python, bare or
#        not) defaults to $WHARF_CKPY_GIT. Exit 3, saying how to get one: cannot be installed here.
# Prints the prepared directory on stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../peers/common.sh
source "$here/../peers/common.sh"
VERSION="${WHARF_CKPY_VERSION:-2.15.0}"
dest="$WHARF_PEERS_DIR/src/confluent-kafka-python-$VERSION"
if [[ -f $dest/.complete ]]; then
  echo "$dest"
  exit 0
fi
git_arg="${1:-${WHARF_CKPY_GIT:-}}"
how="get one with: git clone --bare https://github.com/confluentinc/confluent-kafka-python DIR, then run $0 DIR (or set WHARF_CKPY_GIT=DIR)"
if [[ -z $git_arg ]]; then
  peers_log "confluent-kafka-python tests: no prepared copy in $dest and no git checkout given (argument or WHARF_CKPY_GIT)"
  peers_log "confluent-kafka-python tests: the PyPI sdist of confluent-kafka $VERSION ships no tests; $how"
  exit 3
fi
# A work tree's .git or a bare repository.
git_dir="$(git -C "$git_arg" rev-parse --absolute-git-dir 2>/dev/null || true)"
rev=""
if [[ -n $git_dir ]]; then
  for r in "refs/tags/v$VERSION" HEAD; do
    c="$(git --git-dir="$git_dir" rev-parse -q --verify "$r^{commit}" 2>/dev/null || true)"
    [[ -n $c ]] || continue
    if git --git-dir="$git_dir" show "$c:src/confluent_kafka/src/confluent_kafka.h" 2>/dev/null | grep -q "CFL_VERSION_STR \"$VERSION\""; then rev=$c; break; fi
  done
fi
if [[ -z $rev ]]; then
  peers_log "confluent-kafka-python tests: '$git_arg' is not a git checkout with release $VERSION (tag v$VERSION)"
  peers_log "confluent-kafka-python tests: $how"
  exit 3
fi

prepare() {
  local tmp
  tmp="$(mktemp -d "$WHARF_PEERS_DIR/src/.ckpy.XXXXXX")"
  trap 'rm -rf "$tmp"' RETURN
  git --git-dir="$git_dir" archive "$rev" tests | tar -x -C "$tmp"
  peers_log "confluent-kafka-python tests: venv with confluent-kafka[schemaregistry]==$VERSION"
  python3 -m venv "$tmp/venv"
  "$tmp/venv/bin/pip" install --quiet --disable-pip-version-check \
    "confluent-kafka[schemaregistry,avro,json,protobuf]==$VERSION" pytest pytest-timeout pytest-asyncio async-timeout requests-mock respx \
    "$tmp/tests/trivup/"trivup-*.tar.gz
  "$tmp/venv/bin/python" -c 'import confluent_kafka, sys; v = confluent_kafka.__version__; sys.exit(0 if v == sys.argv[1] else f"confluent_kafka {v}, expected {sys.argv[1]}")' "$VERSION"
  touch "$tmp/.complete"
  rm -rf "$dest"
  mv "$tmp" "$dest"
}
mkdir -p "$WHARF_PEERS_DIR/src"
peers_locked prepare
echo "$dest"
