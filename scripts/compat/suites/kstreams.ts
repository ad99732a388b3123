// Java Kafka Streams 4.3.1 applications, unmodified, against Wharf: the demos of
// org.apache.kafka:kafka-streams-examples:4.3.1 and the system-test applications of
// kafka-streams:4.3.1:test (StreamsSmokeTest, BrokerCompatibilityTest), each run the way Kafka's
// system tests run it against an external broker (scripts/compat/kstreams/cases.ts says how and
// what counts as a pass). The jars come from Maven Central (kstreams-setup.sh, into the peers
// cache). The cases run in a network namespace of their own, where the broker listens on
// localhost:9092, the address three of the demos hard-code: `unshare --net` as root, else
// `unshare --user --map-root-user --net` (unprivileged user namespaces). The control runs the
// same cases against the peers' Apache Kafka 4.4 (`--against kafka`).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyResult, failure, run, type Context, type Diagnosis, type Mode, type Suite, type SuiteResult } from '../lib.js';
import { CASES } from '../kstreams/cases.js';
import type { CaseOutcome } from '../kstreams/main.js';

/** Failures understood in earlier runs, shown beside the observed text when it matches. */
const KNOWN: readonly Diagnosis[] = [
  {
    test: 'StreamsSmokeTest exactly_once_v2 crash',
    match: /Transaction verification failed: Offset for partition \S+ is larger than topic endOffset: (\d+) > \d+/,
    diagnosis:
      "a race in the 4.3.1 driver's verifyAllTransactionFinished (moved into SmokeTestDriver by apache/kafka#20718): each second it takes the high watermarks with one ListOffsets (read_uncommitted endOffsets) and the last stable offsets with a later one (read_committed position after seekToEnd), while the third processor still commits; a commit marker written between the two makes the later LSO one past the earlier high watermark, which it takes for an error. The broker keeps LSO <= HW at every moment (src/core/log/partition.ts); the longer the processor's backlog when the driver stops producing, the likelier the race",
  },
];

const VERSION = 'Apache Kafka Streams 4.3.1 (kafka-streams-examples, kafka-streams test jar)';

export const kstreams: Suite = {
  id: 'kstreams',
  name: 'Java Kafka Streams 4.3.1 applications',
  control: 'kafka',
  smokeTests: CASES.filter((c) => c.smoke).length,
  async run(ctx: Context, mode: Mode): Promise<SuiteResult> {
    const t0 = Date.now();
    const result = emptyResult(this.id, this.name, VERSION);
    const setup = await run('bash', [join(ctx.repo, 'scripts', 'compat', 'kstreams-setup.sh')], { timeoutMs: 900_000, env: process.env });
    if (setup.code !== 0) {
      result.status = 'unavailable';
      result.notes.push(`kstreams-setup.sh failed (exit ${setup.code}): ${setup.stderr.trim().split('\n').slice(-3).join(' / ')}`);
      return result;
    }
    const dir = setup.stdout.trim().split('\n').pop()!;
    if (ctx.target === 'kafka' && !existsSync(join(ctx.peersDir, 'kafka', 'bin', 'start-kafka.sh'))) {
      result.status = 'unavailable';
      result.notes.push('the reference Kafka 4.4 is not installed (bash scripts/peers/install-all.sh)');
      return result;
    }
    const out = join(ctx.work, 'kstreams-results.json');
    const target = ctx.target === 'kafka' ? 'kafka' : 'wharf';
    const selected = CASES.filter((c) => mode !== 'smoke' || c.smoke);
    ctx.log(`kstreams: ${selected.length} application run(s) against ${target} in a network namespace of their own`);
    // As root a network namespace alone; otherwise in a user namespace of its own, as its root.
    const ns = process.getuid?.() === 0 ? ['--net'] : ['--user', '--map-root-user', '--net'];
    const r = await run('unshare', [...ns, '--', process.execPath, join(ctx.repo, 'dist', 'scripts', 'compat', 'kstreams', 'main.js'), '--target', target, '--mode', mode, '--dir', dir, '--out', out, '--work', ctx.work], {
      timeoutMs: mode === 'smoke' ? 900_000 : 3_600_000,
      env: { ...process.env, WHARF_PEERS_DIR: ctx.peersDir },
    });
    if (r.stderr) for (const l of r.stderr.trim().split('\n').filter((x) => x.startsWith('[compat]'))) ctx.log(l.replace(/^\[compat\] /, ''));
    let outcomes: CaseOutcome[] = [];
    let finished = false;
    if (existsSync(out)) {
      const j = JSON.parse(readFileSync(out, 'utf8')) as { finished: boolean; results: CaseOutcome[] };
      outcomes = j.results;
      finished = j.finished;
    }
    for (const o of outcomes) {
      result.run++;
      if (o.ok) result.passed++;
      else {
        result.failed++;
        result.failures.push(failure(KNOWN, o.name, o.observed));
      }
    }
    const seen = new Set(outcomes.map((o) => o.name));
    for (const c of selected) {
      if (seen.has(c.name)) continue;
      result.run++;
      result.failed++;
      result.failures.push({ test: c.name, observed: 'never reported a result: the runner stopped before it' });
    }
    if (r.timedOut) result.runnerErrors.push('the runner hit the time limit; later applications did not run');
    if (!finished) result.runnerErrors.push(`the runner stopped before its last application (exit ${r.code ?? r.signal}): ${r.stderr.trim().split('\n').filter((l) => !l.startsWith('[compat]')).slice(-3).join(' / ').slice(0, 300)}`);
    if (mode === 'full') {
      result.notes.push('each application runs unmodified (java -cp <the Maven-resolved jars> <main class>) against a fresh broker on localhost:9092 inside a network namespace of the suite (unshare): PipeDemo, TemperatureDemo and PageViewTypedDemo hard-code that address');
      result.notes.push('judged as Kafka\'s system tests judge them (tests/kafkatest: streams_smoke_test.py, streams_broker_compatibility_test.py): their stdout markers, their exit, and the output topics read back with kafkajs; the demos, which the system tests do not run, by the exact output their topology must produce');
      for (const o of outcomes) result.notes.push(`${o.name}: ${o.ok ? 'passed' : 'FAILED'} in ${Math.round(o.seconds)} s`);
    }
    result.notApplicable.push({ what: 'the system tests that bounce or upgrade brokers (streams_broker_bounce_test, the upgrade and cooperative-rebalance upgrade tests)', count: 0, reason: 'they need a cluster of several brokers, or old Kafka Streams releases; Wharf is one broker' });
    result.seconds = (Date.now() - t0) / 1000;
    return result;
  },
};
