#!/usr/bin/env bash
# The compatibility smoke stage of CI: a short subset of every suite against Wharf (a few
# minutes on 2 cores, plus building the franz-go and librdkafka tests on a fresh machine).
# Every test of a subset must pass, each subset must run as many tests as its suite states
# (Suite.smokeTests), and a time limit, a runner that dies early, pytest's exit code or a
# collection error fail the stage; so does a peer that is not installed: nothing is skipped
# unless named in WHARF_COMPAT_SKIP (comma-separated suite ids, e.g. WHARF_COMPAT_SKIP=natsjs),
# which is printed as such.
#   bash scripts/compat/smoke.sh
# Needs the reference peers (bash scripts/peers/install-all.sh) and, for the nats.js suite,
# its prepared tests (bash scripts/compat/natsjs-setup.sh <git dir of nats-io/nats.node>), and the
# same for confluent-kafka-python (ckpy-setup.sh) and nats.js 3.x (natsjs3-setup.sh). nats.go's
# JetStream tests come from the Go module proxy (natsgo-setup.sh, run by the suite); the Kafka
# Streams applications from Maven Central (kstreams-setup.sh, run by the suite: needs java 17+,
# mvn, and unshare for a network namespace: root, or unprivileged user namespaces).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=../peers/env.sh
. scripts/peers/env.sh

all=(natsjs natscli kgo ckpy librdkafka natsgo natsjs3 kstreams)
skip=",${WHARF_COMPAT_SKIP:-},"
# nats.js 3.x's Deno tests exist only in git checkouts (natsjs3-setup.sh): where none was prepared
# and none is named, the suite is skipped, loudly, as not checked.
peers="${WHARF_PEERS_DIR:-$HOME/.cache/wharf-peers}"
if [[ ! -f "$peers/src/nats.js-3.4.0/.complete" && ( -z "${WHARF_NATSJS3_GIT:-}" || -z "${WHARF_DENO_STD_GIT:-}" ) && $skip != *",natsjs3,"* ]]; then
  echo "!!! [compat smoke] nats.js 3.x Deno tests are not prepared here (scripts/compat/natsjs3-setup.sh JS_GIT STD_GIT): NOT CHECKED" >&2
  skip="${skip}natsjs3,"
fi
suites=()
for s in "${all[@]}"; do
  if [[ $skip == *",$s,"* ]]; then
    echo "!!! [compat smoke] suite '$s' SKIPPED because WHARF_COMPAT_SKIP names it: its figures are NOT checked in this run" >&2
  else
    suites+=("$s")
  fi
done
[[ ${#suites[@]} -gt 0 ]] || { echo "[compat smoke] every suite is skipped: nothing checked" >&2; exit 1; }

echo "== compat smoke: building"
npm run --silent build
echo "== compat smoke: ${suites[*]}"
list="$(IFS=,; echo "${suites[*]}")"
# The whole stage is bounded too; `timeout` exits 124 when it strikes, which fails CI.
timeout --kill-after=30 1500 node dist/scripts/compat/run.js --smoke --suite "$list"
