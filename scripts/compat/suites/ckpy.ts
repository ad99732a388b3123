// confluent-kafka-python's integration tests (tests/integration of the release matching the
// installed client) in bring-your-own-broker mode: BROKERS points at Wharf's Kafka listener.
// The schema registry tests need a Schema Registry (SR_URL), which is not part of Wharf: N/A.
// Sources and venv are prepared by ckpy-setup.sh in $WHARF_PEERS_DIR/src (see there).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyResult, run, startWharf, type Context, type Mode, type Suite, type SuiteResult } from '../lib.js';

const VERSION = '2.15.0';

/** Known failures and their diagnosis, by test id (path::name, parameters stripped). */
const KNOWN_FAILURES: Record<string, string> = {
  'tests/integration/admin/test_basic_operations.py::test_basic_operations':
    'Wharf bug: librdkafka 2.15 sends Metadata v12 (list_topics) and Wharf closes the connection with "Metadata v12 request: 3 unused bytes at the end" (its decoder leaves bytes of a valid request unread), so the client sees "Broker transport failure"',
  'tests/integration/admin/test_incremental_alter_configs.py::test_incremental_alter_configs':
    'Wharf bug: IncrementalAlterConfigs SUBTRACT of the last cleanup.policy value is refused with INVALID_CONFIG (invalid value "" for cleanup.policy); Kafka accepts the empty list and DescribeConfigs then returns cleanup.policy=""',
  'tests/integration/admin/test_user_scram_credentials.py::test_user_scram_credentials':
    'not built: DescribeUserScramCredentials/AlterUserScramCredentials (KIP-554, SASL/SCRAM users) are not offered by Wharf',
};

/** Directories and tests that need what Wharf does not offer; not run. */
const NA: { path: string; reason: string }[] = [
  { path: 'tests/integration/schema_registry', reason: 'needs a Confluent Schema Registry (SR_URL); not part of Wharf' },
  { path: 'tests/integration/share_consumer', reason: 'share groups (KIP-932 ShareFetch/ShareAcknowledge); not built in Wharf' },
  { path: 'tests/integration/share_consumer_oauth', reason: 'share groups and SASL/OAUTHBEARER; not built in Wharf' },
  { path: 'tests/integration/share_consumer_sasl', reason: 'share groups and SASL; not built in Wharf' },
];
/** pytest -k expression for single tests that need several brokers or a deployed cluster. */
const NA_K = { expr: 'not sasl_cluster', what: 'test_describe_operations[sasl_cluster0]', reason: 'deploys its own SASL Kafka cluster with trivup (downloads Kafka); the bring-your-own-broker run cannot provide it' };

const SMOKE = ['tests/integration/admin/test_delete_records.py', 'tests/integration/admin/test_list_offsets.py', 'tests/integration/consumer/test_consumer_error.py', 'tests/integration/producer/test_transactions.py'];

interface PyTest {
  id: string;
  outcome: string;
}

/** Parses `pytest -v -rfEs` output: per-test outcomes, failure and skip reasons. */
export function parsePytest(text: string): { tests: PyTest[]; reasons: Map<string, string>; skipReasons: string[] } {
  const tests: PyTest[] = [];
  const reasons = new Map<string, string>();
  const skipReasons: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^(tests\/\S+::\S+) (PASSED|FAILED|SKIPPED|ERROR|XFAIL|XPASS)\b/.exec(line);
    if (m) {
      tests.push({ id: m[1]!, outcome: m[2]! });
      continue;
    }
    const f = /^(FAILED|ERROR) (tests\/\S+::\S+)(?: - (.*))?$/.exec(line);
    if (f) reasons.set(f[2]!, (f[3] ?? '').slice(0, 200));
    const s = /^SKIPPED \[(\d+)\] (.*)$/.exec(line);
    if (s) skipReasons.push(`${s[2]!.slice(0, 200)} (${s[1]} test${s[1] === '1' ? '' : 's'})`);
  }
  return { tests, reasons, skipReasons };
}

export const ckpy: Suite = {
  id: 'ckpy',
  name: 'confluent-kafka-python integration tests',
  async run(ctx: Context, mode: Mode): Promise<SuiteResult> {
    const t0 = Date.now();
    const result = emptyResult(this.id, this.name, `confluent-kafka ${VERSION} (tests/integration of v${VERSION})`);
    const setup = await run('bash', [join(ctx.repo, 'scripts', 'compat', 'ckpy-setup.sh')], { timeoutMs: 900_000, env: process.env });
    if (setup.code !== 0) {
      result.status = 'unavailable';
      result.notes.push(
        setup.code === 3
          ? `tests not installed: the PyPI sdist of confluent-kafka ${VERSION} ships no tests and no allowed registry carries them; prepare them with scripts/compat/ckpy-setup.sh <git dir of confluentinc/confluent-kafka-python>`
          : `ckpy-setup.sh failed (exit ${setup.code}): ${setup.stderr.trim().split('\n').slice(-3).join(' / ')}`,
      );
      return result;
    }
    const dir = setup.stdout.trim().split('\n').pop()!;
    const w = await startWharf(ctx, { kafkaPort: 0 });
    const targets = mode === 'smoke' ? SMOKE : ['tests/integration'];
    const ignore = mode === 'smoke' ? [] : [...NA.map((n) => `--ignore=${n.path}`), '-k', NA_K.expr];
    if (mode === 'full') {
      for (const n of NA) result.notApplicable.push({ what: `${n.path}/ (all)`, count: 1, reason: n.reason });
      result.notApplicable.push({ what: NA_K.what, count: 1, reason: NA_K.reason });
    }
    let r;
    try {
      ctx.log(`ckpy: pytest ${targets.join(' ')} with BROKERS=127.0.0.1:${w.kafkaPort}`);
      r = await run(join(dir, 'venv', 'bin', 'python'), ['-m', 'pytest', '-v', '-rfEs', '-p', 'no:cacheprovider', '--timeout=120', ...ignore, ...targets], {
        cwd: dir,
        timeoutMs: mode === 'smoke' ? 240_000 : 1_800_000,
        env: { ...process.env, BROKERS: `127.0.0.1:${w.kafkaPort}`, PYTHONPATH: dir },
      });
    } finally {
      await w.stop();
    }
    writeFileSync(join(ctx.work, 'ckpy.out'), r.stdout + r.stderr);
    const { tests, reasons, skipReasons } = parsePytest(r.stdout);
    for (const t of tests) {
      if (t.outcome === 'SKIPPED' || t.outcome === 'XFAIL') {
        result.skipped++;
        continue;
      }
      result.run++;
      if (t.outcome === 'PASSED' || t.outcome === 'XPASS') {
        result.passed++;
      } else {
        result.failed++;
        const base = t.id.replace(/\[.*$/, '');
        result.failures.push({ test: t.id, reason: KNOWN_FAILURES[base] ?? `unclassified: ${t.outcome === 'ERROR' ? 'error in setup/teardown: ' : ''}${reasons.get(t.id) || 'failed'}` });
      }
    }
    for (const s of skipReasons) result.skips.push({ test: s.replace(/:\d+: .*$/, ''), reason: s.replace(/^.*?:\d+: /, '') });
    if (tests.length === 0) {
      result.failed++;
      result.failures.push({ test: '(suite)', reason: `pytest ran no test (exit ${r.code}): ${(r.stdout + r.stderr).trim().split('\n').slice(-3).join(' / ').slice(0, 300)}` });
    }
    if (r.timedOut) result.notes.push('the run hit its time limit; later tests are missing');
    result.seconds = (Date.now() - t0) / 1000;
    return result;
  },
};
