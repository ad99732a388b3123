// confluent-kafka-python's admin integration tests (tests/integration/admin of v2.15.0), run
// selectively against a Wharf configured as upstream's own test broker is
// (tests/docker/docker-compose.yaml: an authorizer, KAFKA_AUTHORIZER_CLASS_NAME, with
// KAFKA_SUPER_USERS "User:ANONYMOUS"): ACLs on with StandardAuthorizer's semantics
// (--kafka-acls) and the anonymous plaintext principal a super user. That is what
// test_basic_operations' ACL step (CreateAcls, DescribeAcls, DeleteAcls) and
// test_user_scram_credentials (AlterUserScramCredentials, DescribeUserScramCredentials) need; the
// whole suite ("ckpy", suites/ckpy.ts) runs against a broker without an authorizer, where the ACL
// step gets SECURITY_DISABLED. Both group protocols, as the ckpy suite runs them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyResult, failure, run, startWharf, type Context, type Diagnosis, type Mode, type Suite, type SuiteResult } from '../lib.js';
import { parsePytest } from './ckpy.js';

const VERSION = '2.15.0';
const TARGET = 'tests/integration/admin';
/** Upstream's test broker: an authorizer with User:ANONYMOUS as super user. */
const BROKER_ARGS = ['--kafka-acls', 'true', '--kafka-super-users', 'User:ANONYMOUS'];
/** Tests of the directory that deploy their own cluster (as in the ckpy suite). */
const NA_K = { expr: 'not sasl_cluster', what: 'test_describe_operations[sasl_cluster0]', reason: 'deploys its own SASL Kafka cluster with trivup (downloads Kafka); the bring-your-own-broker run cannot provide it' };

const PASSES: { label: string; suffix: string; env: Record<string, string> }[] = [
  { label: 'classic', suffix: '', env: {} },
  { label: 'consumer', suffix: ' [group.protocol=consumer]', env: { TEST_CONSUMER_GROUP_PROTOCOL: 'consumer' } },
];

/** Diagnoses of earlier failures, shown beside the observed text when it matches. */
const KNOWN: Diagnosis[] = [
  {
    test: 'tests/integration/admin/test_incremental_alter_configs.py::test_incremental_alter_configs',
    match: /INVALID_CONFIG|cleanup\.policy/,
    diagnosis: 'Wharf bug, seen before (the ckpy suite): IncrementalAlterConfigs SUBTRACT of the last cleanup.policy value is refused with INVALID_CONFIG; Kafka accepts the empty list',
  },
];

export const ckpySecurity: Suite = {
  id: 'ckpysec',
  name: 'confluent-kafka-python admin integration tests with an authorizer (selective run)',
  smokeTests: 0,
  async run(ctx: Context, mode: Mode): Promise<SuiteResult> {
    const t0 = Date.now();
    const result = emptyResult(this.id, this.name, `confluent-kafka ${VERSION} (tests/integration/admin of v${VERSION})`);
    if (mode === 'smoke') return result;
    const setup = await run('bash', [join(ctx.repo, 'scripts', 'compat', 'ckpy-setup.sh')], { timeoutMs: 900_000, env: process.env });
    if (setup.code !== 0) {
      result.status = 'unavailable';
      result.notes.push(`ckpy-setup.sh failed (exit ${setup.code}): ${setup.stderr.trim().split('\n').slice(-3).join(' / ')}`);
      return result;
    }
    const dir = setup.stdout.trim().split('\n').pop()!;
    result.notApplicable.push({ what: `${NA_K.what} (in both passes)`, count: PASSES.length, reason: NA_K.reason });
    for (const pass of PASSES) {
      const w = await startWharf(ctx, { kafkaPort: 0, args: BROKER_ARGS });
      let r;
      try {
        ctx.log(`ckpysec: ${pass.label}: pytest ${TARGET} with BROKERS=127.0.0.1:${w.kafkaPort} (${BROKER_ARGS.join(' ')})`);
        r = await run(join(dir, 'venv', 'bin', 'python'), ['-m', 'pytest', '-v', '-rfEs', '-p', 'no:cacheprovider', '--timeout=120', '-k', NA_K.expr, TARGET], {
          cwd: dir,
          timeoutMs: 900_000,
          env: { ...process.env, BROKERS: `127.0.0.1:${w.kafkaPort}`, PYTHONPATH: dir, ...pass.env },
        });
      } finally {
        await w.stop();
      }
      writeFileSync(join(ctx.work, `ckpysec-${pass.label}.out`), r.stdout + r.stderr);
      const { tests, reasons, skipReasons, collectErrors, summary } = parsePytest(r.stdout);
      for (const t of tests) {
        if (t.outcome === 'SKIPPED' || t.outcome === 'XFAIL') {
          result.skipped++;
          continue;
        }
        result.run++;
        if (t.outcome === 'PASSED' || t.outcome === 'XPASS') result.passed++;
        else {
          result.failed++;
          result.failures.push(failure(KNOWN, `${t.id}${pass.suffix}`, `${t.outcome === 'ERROR' ? 'error in setup/teardown: ' : ''}${reasons.get(t.id) || t.outcome}`, t.id, t.id.replace(/\[.*$/, '')));
        }
      }
      for (const s of skipReasons) result.skips.push({ test: `${s.replace(/(:\d+): .*$/, '$1')}${pass.suffix}`, reason: s.replace(/^.*?:\d+: /, '') });
      const at = `${pass.label}: `;
      if (collectErrors.length) result.runnerErrors.push(`${at}pytest could not collect ${collectErrors.join(', ')}`);
      if (r.timedOut) result.runnerErrors.push(`${at}pytest hit the time limit; later tests are missing`);
      else if (!summary) result.runnerErrors.push(`${at}pytest stopped before its summary line (exit ${r.code ?? r.signal})`);
      if (r.code !== 0 && r.code !== 1) result.runnerErrors.push(`${at}pytest exited ${r.code ?? r.signal}: ${(r.stdout + r.stderr).trim().split('\n').slice(-3).join(' / ').slice(0, 300)}`);
    }
    result.notes.push(`a selective run: ${TARGET} only (the whole suite is "confluent-kafka-python integration tests" above), against a Wharf started with ${BROKER_ARGS.join(' ')} as upstream's tests/docker/docker-compose.yaml configures its broker (an authorizer, KAFKA_SUPER_USERS "User:ANONYMOUS"); two passes, classic and consumer group protocol`);
    result.seconds = (Date.now() - t0) / 1000;
    return result;
  },
};
