// franz-go's pkg/kgo tests (github.com/twmb/franz-go v1.22.3, from the Go module proxy), run
// against Wharf's Kafka listener: KGO_SEEDS points at it, KGO_TEST_RF=1 (one broker).
// The test binary holds unit tests (no broker) and integration tests (KGO_SEEDS); all top-level
// tests are counted. Tests that need what Wharf lacks (SASL, share groups, KIP-848) skip
// themselves after asking the broker, and are reported as skipped with their reason. KGO_TEST_RECORDS is lowered to keep the run modest on 2 cores.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyResult, run, startWharf, type Context, type Mode, type Suite, type SuiteResult } from '../lib.js';

const VERSION = 'v1.22.3';

/** Known failures and their diagnosis, by test name. */
const KNOWN_FAILURES: Record<string, string> = {
  Test848RegexBrokerResolves:
    'Wharf bug (KIP-848 groups): a ConsumerGroupHeartbeat whose SubscribedTopicRegex matches the internal topic __consumer_offsets never gets it assigned ("__consumer_offsets is not assigned" after 15 s); Kafka resolves the regex over internal topics too and assigns it',
};

/** The CI smoke subset: produce, consume, a group, admin topics. */
const SMOKE = ['TestClient_Produce', 'TestAddRemovePartitions', 'TestConsumeRegex', 'TestPing', 'TestGroupETL', 'TestTxnEtl'];

interface GoTest {
  name: string;
  result: 'PASS' | 'FAIL' | 'SKIP';
  detail: string;
}

/** Parses `go test -v` output: top-level results, and the first diagnostic line of each test. */
export function parseGoTestV(text: string): GoTest[] {
  const out: GoTest[] = [];
  const detail = new Map<string, string>();
  let current = '';
  for (const line of text.split('\n')) {
    const marker = /^=== (?:RUN|CONT|NAME|PAUSE)\s+(\S+)/.exec(line);
    if (marker) {
      current = marker[1]!.split('/')[0]!;
      continue;
    }
    const res = /^--- (PASS|FAIL|SKIP): (\S+) \(/.exec(line);
    if (res) {
      out.push({ name: res[2]!, result: res[1] as GoTest['result'], detail: detail.get(res[2]!) ?? '' });
      continue;
    }
    const diag = /^\s+(\w+_test\.go:\d+: .*)$/.exec(line);
    if (diag && current && !detail.has(current)) detail.set(current, diag[1]!.slice(0, 200));
    if (/^panic: /.test(line) && current && !detail.has(current)) detail.set(current, line.slice(0, 200));
  }
  return out;
}

export const kgo: Suite = {
  id: 'kgo',
  name: 'franz-go pkg/kgo tests',
  async run(ctx: Context, mode: Mode): Promise<SuiteResult> {
    const t0 = Date.now();
    const result = emptyResult(this.id, this.name, `github.com/twmb/franz-go ${VERSION}`);
    const setup = await run('bash', [join(ctx.repo, 'scripts', 'compat', 'kgo-setup.sh')], { timeoutMs: 900_000, env: process.env });
    if (setup.code !== 0) {
      result.status = 'unavailable';
      result.notes.push(`kgo-setup.sh failed (exit ${setup.code}): ${setup.stderr.trim().split('\n').slice(-3).join(' / ')}`);
      return result;
    }
    const dir = setup.stdout.trim().split('\n').pop()!;
    const w = await startWharf(ctx, { kafkaPort: 0 });
    const runPattern = mode === 'smoke' ? `^(${SMOKE.join('|')})$` : '^Test';
    let r;
    try {
      ctx.log(`kgo: kgo.test -test.run '${runPattern}' against 127.0.0.1:${w.kafkaPort}`);
      r = await run(join(dir, 'kgo.test'), ['-test.v', '-test.timeout', mode === 'smoke' ? '240s' : '1500s', '-test.run', runPattern], {
        cwd: join(dir, 'pkg', 'kgo'),
        timeoutMs: mode === 'smoke' ? 270_000 : 1_560_000,
        env: { ...process.env, KGO_SEEDS: `127.0.0.1:${w.kafkaPort}`, KGO_TEST_RF: '1', KGO_TEST_RECORDS: mode === 'smoke' ? '10000' : '50000', KGO_LOG_LEVEL: 'none' },
      });
    } finally {
      await w.stop();
    }
    writeFileSync(join(ctx.work, 'kgo.out'), r.stdout + r.stderr);
    const tests = parseGoTestV(r.stdout);
    for (const t of tests) {
      if (t.result === 'SKIP') {
        result.skipped++;
        result.skips.push({ test: t.name, reason: t.detail.replace(/^\w+_test\.go:\d+: /, '') || 'skipped' });
        continue;
      }
      result.run++;
      if (t.result === 'PASS') result.passed++;
      else {
        result.failed++;
        result.failures.push({ test: t.name, reason: KNOWN_FAILURES[t.name] ?? `unclassified: ${t.detail || 'failed'}` });
      }
    }
    const panic = /^panic: .*/m.exec(r.stdout + r.stderr);
    if (panic || r.timedOut) {
      result.failed++;
      result.failures.push({ test: '(test binary)', reason: r.timedOut ? 'hit the time limit; later tests did not run' : `the test binary stopped: ${panic![0].slice(0, 200)}` });
    }
    if (mode === 'smoke' && result.passed < SMOKE.length) {
      result.failed++;
      result.failures.push({ test: '(smoke)', reason: `expected ${SMOKE.length} passing tests, got ${result.passed}` });
    }
    result.seconds = (Date.now() - t0) / 1000;
    return result;
  },
};
