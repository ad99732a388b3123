// The short form of the reliability harness, run by npm test (and so by CI): one round of a few
// workload x fault pairs against Wharf, each with a 4 s traffic window, chosen to cover every
// workload and the faults that found or could find bugs cheaply. A round fails on any property
// violation; its message names the seed (WHARF_RELIABILITY_SEED replays the same schedule, as
// `npm run reliability -- --seed S` does). The long form is `npm run reliability`.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { faultsFor, TARGETS, WORKLOADS } from './catalog.js';
import { runRound } from './round.js';

const SEED = Number(process.env.WHARF_RELIABILITY_SEED ?? 1);
const DURATION_MS = 4_000;
const PAIRS: Array<[string, string]> = [
  ['kafka-queue', 'kill-9'],
  ['kafka-queue', 'power-loss'],
  ['kafka-queue', 'torn-tail'],
  ['kafka-txn', 'kill-9'],
  ['kafka-rpw', 'none'],
  ['nats-core', 'none'],
  ['jetstream', 'kill-9'],
  ['jetstream', 'disk-full'],
  ['kv', 'none'],
  ['kv', 'pause'],
  ['cross-protocol', 'kill-9'],
];

for (const [workload, fault] of PAIRS) {
  test(`reliability short form: ${workload} under ${fault} (seed ${SEED})`, { timeout: 150_000 }, async (t) => {
    const out = await runRound({ workload: WORKLOADS[workload]!(), fault: faultsFor(DURATION_MS)[fault]!(), targetName: 'wharf', makeTarget: TARGETS.wharf!, seed: SEED, durationMs: DURATION_MS, verbose: false });
    if (out.skipped) {
      t.skip(out.skipped);
      return;
    }
    assert.deepEqual(out.violations, [], `seed ${SEED}: ${out.violations.join('\n')}`);
    assert.ok(out.acknowledged > 0, `seed ${SEED}: nothing was acknowledged (${out.notes.join('; ')})`);
  });
}

// Once every round has passed or failed, a handle some client of a round left open must not keep
// this file's process alive: a clean-clone CI run (4 December 2026, 03:58) saw this file hang
// for 14 minutes after its last round passed, idle, with 3 sockets open and no child process.
// Not diagnosed yet: the handles still open are printed, then the process exits with the runner's
// exit code (an unref'd timer fires only when something else keeps the process up).
after(() => {
  setTimeout(() => {
    process.stderr.write(`reliability short form: handles still open after the last round: ${JSON.stringify(process.getActiveResourcesInfo())}\n`);
    process.exit();
  }, 10_000).unref();
});
