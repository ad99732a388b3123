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
# same for confluent-kafka-python (ckpy-setup.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=../peers/env.sh
. scripts/peers/env.sh

all=(natsjs natscli kgo ckpy librdkafka)
skip=",${WHARF_COMPAT_SKIP:-},"
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
