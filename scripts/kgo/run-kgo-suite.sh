#!/usr/bin/env bash
# Runs franz-go's kgo integration test suite against a Wharf broker (the CLI, fresh data dir).
#   scripts/kgo/run-kgo-suite.sh [franz-go version, default v1.22.3] [extra go test args...]
# Needs Go (the module comes through the Go module proxy) and a built tree (npx tsc).
# KGO_TEST_RECORDS defaults to 20000 here (the suite's own default is 500000) to keep it short.
set -euo pipefail
version="${1:-v1.22.3}"
shift || true
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
data="$work/data"
mkdir -p "$data"
dir="$(go mod download -json "github.com/twmb/franz-go@$version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
cp -r "$dir" "$work/franz-go"
chmod -R u+w "$work/franz-go"
port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
node "$root/dist/src/cli/main.js" --host 127.0.0.1 --port 0 --http-port -1 --kafka-port "$port" --data-dir "$data" \
  --fsync never --group-initial-rebalance-delay 0 --log-level warn >"$work/wharf.log" 2>&1 &
wharf=$!
trap 'kill $wharf 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
cd "$work/franz-go/pkg/kgo"
set +e
KGO_SEEDS="127.0.0.1:$port" KGO_TEST_RF=1 KGO_TEST_RECORDS="${KGO_TEST_RECORDS:-20000}" \
  go test -count=1 -timeout 20m -v . "$@" >"$work/kgo.txt" 2>&1
rc=$?
set -e
grep -E '^\s*--- FAIL' "$work/kgo.txt" || true
echo "top-level: $(grep -cE '^--- PASS' "$work/kgo.txt") passed, $(grep -cE '^--- FAIL' "$work/kgo.txt") failed, $(grep -cE '^--- SKIP' "$work/kgo.txt") skipped;" \
  "with subtests: $(grep -cE '^\s*--- PASS' "$work/kgo.txt") passed"
tail -1 "$work/kgo.txt"
exit $rc
