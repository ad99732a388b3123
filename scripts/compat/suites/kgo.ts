// franz-go's pkg/kgo tests (github.com/twmb/franz-go v1.22.3, from the Go module proxy), run
// against Wharf's Kafka listener: KGO_SEEDS points at it, KGO_TEST_RF=1 (one broker).
// The test binary mixes tests that reach the broker through KGO_SEEDS with tests of franz-go
// against its own pipes and listeners (TestRing, TestMurmur2...). The headline counts the
// broker-facing ones, selected by scanning the _test.go sources (go-test-scan.ts: a test whose
// code, through the test files' helpers, calls getSeedBrokers() or reads KGO_SEEDS or the SASL
// seed variables); the client-only tests run too and are reported apart. Tests that skip
// themselves (after asking the broker, or for a variable not set) are reported as skipped with
// their reason. A full run uses franz-go's default KGO_TEST_RECORDS (500000);
// the smoke subset lowers it (SMOKE_RECORDS).
// SCRAM: the broker has a second listener, SASL_PLAINTEXT with SCRAM-SHA-256 and SCRAM-SHA-512
// (as upstream's CI gives its SCRAM broker), and a user created with Kafka 4.4's kafka-configs.sh
// over the PLAINTEXT listener; KGO_TEST_SCRAM_SEEDS points at the SASL listener and KGO_TEST_SCRAM
// names the user, so TestSCRAMAuth and TestSCRAMAuthBadCredentials run. TestOAuthAuth stays
// skipped (not applicable, NA below).
// TLS: a third listener, SSL with client certificates required, on a CA made for the run
// (scripts/compat/ssl-certs.ts). franz-go's KGO_TEST_TLS puts every test client on TLS, so in a
// full run a second pass of the smoke subset (TLS_TESTS) runs with KGO_SEEDS on the SSL listener
// and KGO_TEST_TLS naming the CA and the client's key pair; its tests count apart from the
// headline's names with a " [TLS]" suffix.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brokerFacingTests } from '../go-test-scan.js';
import { parseGoTestV, tallyGoTests } from '../go-test-results.js';
import { emptyResult, freePort, run, scratch, startWharf, type Context, type Diagnosis, type Mode, type Suite, type SuiteResult } from '../lib.js';
import { createScramUser } from '../kafka-tools.js';
import { makeSslFiles } from '../ssl-certs.js';

const VERSION = 'v1.22.3';

/** What makes a test broker-facing: franz-go's seed helpers and the variables they read. */
const BROKER_MARKERS = ['getSeedBrokers(', 'KGO_SEEDS', 'scramSeeds', 'oauthSeeds'];

/** Diagnoses of earlier failures, shown beside the observed text when it matches. */
const KNOWN: Diagnosis[] = [
  {
    test: 'Test848RegexBrokerResolves',
    match: /__consumer_offsets is not assigned/,
    diagnosis: 'Wharf bug (KIP-848 groups), seen before: a ConsumerGroupHeartbeat whose SubscribedTopicRegex matches the internal topic __consumer_offsets never gets it assigned; Kafka resolves the regex over internal topics too and assigns it',
  },
];

/** The SCRAM user of the SASL listener (KGO_TEST_SCRAM: user:password:mechanism bits). */
const SCRAM_USER = 'kgo-scram';
const SCRAM_PASSWORD = 'kgo-scram-secret';

/** Broker-facing tests not run, with the reason. */
const NA: Record<string, string> = {
  TestOAuthAuth:
    "sends an unsecured JWS ({\"alg\":\"none\"}) that only Kafka's development validator (OAuthBearerUnsecuredValidatorCallbackHandler, the default when no JWKS is configured) accepts; Wharf validates OAUTHBEARER tokens against a JWKS file only and refuses alg none by design (docs/security.md), so the test cannot pass against a Wharf configured securely; Wharf's own OAUTHBEARER tests are in test/security/kafka-oauthbearer.test.ts",
};

/** The CI smoke subset: produce, consume, a group, admin topics, transactions; all broker-facing. */
const SMOKE = ['TestClient_Produce', 'TestAddRemovePartitions', 'TestConsumeRegex', 'TestPing', 'TestGroupETL', 'TestTxnEtl'];
/** KGO_TEST_RECORDS of the smoke subset (franz-go's default is 500000), to keep CI short. */
const SMOKE_RECORDS = '10000';
/** The tests of the TLS pass (full runs): the smoke subset, over the SSL listener. */
const TLS_TESTS = SMOKE;

export const kgo: Suite = {
  id: 'kgo',
  name: 'franz-go pkg/kgo tests',
  smokeTests: SMOKE.length,
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
    const { broker, clientOnly } = brokerFacingTests(join(dir, 'pkg', 'kgo'), BROKER_MARKERS);
    // Three listeners: PLAINTEXT (KGO_SEEDS), SASL_PLAINTEXT with SCRAM (KGO_TEST_SCRAM_SEEDS)
    // and SSL with client certificates required (the TLS pass's KGO_SEEDS).
    const plainPort = await freePort();
    const scramPort = await freePort();
    const sslPort = await freePort();
    const sslDir = scratch(ctx, 'kgo-ssl-');
    const ssl = makeSslFiles(sslDir);
    // Go's tls.LoadX509KeyPair reads no encrypted key: the client key as openssl made it, in the clear.
    const clientKey = join(sslDir, 'client-key.pem');
    const w = await startWharf(ctx, {
      kafkaPort: plainPort,
      args: [
        '--kafka-listeners',
        `PLAINTEXT://127.0.0.1:${plainPort},SASL_PLAINTEXT://127.0.0.1:${scramPort},SSL://127.0.0.1:${sslPort}`,
        '--kafka-sasl-mechanisms',
        'SCRAM-SHA-256,SCRAM-SHA-512',
        '--kafka-ssl-keystore',
        ssl.brokerKeystorePem,
        '--kafka-ssl-truststore',
        ssl.caPem,
        '--kafka-ssl-client-auth',
        'required',
      ],
    });
    const scramEnv: Record<string, string> = {};
    if (mode === 'full') {
      try {
        await createScramUser(ctx, `127.0.0.1:${plainPort}`, SCRAM_USER, SCRAM_PASSWORD);
        scramEnv.KGO_TEST_SCRAM_SEEDS = `127.0.0.1:${scramPort}`;
        scramEnv.KGO_TEST_SCRAM = `${SCRAM_USER}:${SCRAM_PASSWORD}:256`;
      } catch (err) {
        await w.stop();
        throw err;
      }
      for (const [t, reason] of Object.entries(NA)) result.notApplicable.push({ what: t, count: 1, reason });
    }
    const skipNa = mode === 'full' ? ['-test.skip', `^(${Object.keys(NA).join('|')})$`] : [];
    const runPattern = mode === 'smoke' ? `^(${SMOKE.join('|')})$` : '^Test';
    const records: Record<string, string> = mode === 'smoke' ? { KGO_TEST_RECORDS: SMOKE_RECORDS } : {};
    let r;
    let tlsRun: Awaited<ReturnType<typeof run>> | null = null;
    try {
      ctx.log(`kgo: kgo.test -test.run '${runPattern}' against 127.0.0.1:${w.kafkaPort}${mode === 'smoke' ? ` (KGO_TEST_RECORDS=${SMOKE_RECORDS})` : ''}`);
      r = await run(join(dir, 'kgo.test'), ['-test.v', '-test.timeout', mode === 'smoke' ? '240s' : '2400s', '-test.run', runPattern, ...skipNa], {
        cwd: join(dir, 'pkg', 'kgo'),
        timeoutMs: mode === 'smoke' ? 270_000 : 2_460_000,
        env: { ...process.env, KGO_SEEDS: `127.0.0.1:${w.kafkaPort}`, KGO_TEST_RF: '1', KGO_LOG_LEVEL: 'none', ...records, ...scramEnv },
      });
      if (mode === 'full') {
        const tlsPattern = `^(${TLS_TESTS.join('|')})$`;
        ctx.log(`kgo: TLS pass, kgo.test -test.run '${tlsPattern}' against SSL 127.0.0.1:${sslPort} (KGO_TEST_TLS, client certificate; KGO_TEST_RECORDS=${SMOKE_RECORDS})`);
        tlsRun = await run(join(dir, 'kgo.test'), ['-test.v', '-test.timeout', '600s', '-test.run', tlsPattern], {
          cwd: join(dir, 'pkg', 'kgo'),
          timeoutMs: 630_000,
          env: { ...process.env, KGO_SEEDS: `127.0.0.1:${sslPort}`, KGO_TEST_TLS: `ca:${ssl.caPem},cert:${ssl.clientCertPem},key:${clientKey}`, KGO_TEST_RF: '1', KGO_LOG_LEVEL: 'none', KGO_TEST_RECORDS: SMOKE_RECORDS },
        });
      }
    } finally {
      await w.stop();
    }
    writeFileSync(join(ctx.work, 'kgo.out'), r.stdout + r.stderr);
    const tests = parseGoTestV(r.stdout);
    const apart = { run: 0, passed: 0, failed: 0, skipped: 0, failures: [] as SuiteResult['failures'], tests: [] as string[], how: `top-level tests whose code never reaches ${BROKER_MARKERS.join(', ')} (scripts/compat/go-test-scan.ts over pkg/kgo/*_test.go)` };
    tallyGoTests(tests, broker, result, apart, KNOWN);
    if (mode === 'full') result.clientOnly = apart;
    if (tlsRun !== null) {
      writeFileSync(join(ctx.work, 'kgo-tls.out'), tlsRun.stdout + tlsRun.stderr);
      const tlsTests = parseGoTestV(tlsRun.stdout).map((t) => ({ ...t, name: `${t.name} [TLS]` }));
      const tlsNames = new Set(TLS_TESTS.map((n) => `${n} [TLS]`));
      tallyGoTests(tlsTests, tlsNames, result, apart, KNOWN);
      const tlsSeen = new Set(tlsTests.map((t) => t.name));
      for (const n of tlsNames) {
        if (tlsSeen.has(n)) continue;
        result.run++;
        result.failed++;
        result.failures.push({ test: n, observed: 'never reported a result: the TLS pass stopped before it' });
      }
      if (tlsRun.timedOut) result.runnerErrors.push('the TLS pass hit the time limit');
    }
    // Every test the pattern selects must report a result.
    const seen = new Set(tests.map((t) => t.name));
    const wanted = mode === 'smoke' ? SMOKE : [...broker, ...clientOnly].filter((n) => !(n in NA));
    const missing = wanted.filter((n) => !seen.has(n));
    for (const n of missing) {
      const into = broker.has(n) ? result : apart;
      into.run++;
      into.failed++;
      into.failures.push({ test: n, observed: 'never reported a result: the test binary stopped before it' });
    }
    const panic = /^panic: .*/m.exec(r.stdout + r.stderr);
    if (r.timedOut) result.runnerErrors.push('the test binary hit the time limit; later tests did not run');
    if (panic) result.runnerErrors.push(`the test binary stopped: ${panic[0].slice(0, 200)}`);
    if (missing.length) result.runnerErrors.push(`${missing.length} selected test(s) reported no result: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}`);
    if (r.code !== 0 && !tests.some((t) => t.result === 'FAIL')) result.runnerErrors.push(`the test binary exited ${r.code ?? r.signal} with no failed test: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' / ').slice(0, 200)}`);
    if (mode === 'full') result.notes.push(`headline: the ${broker.size} broker-facing top-level tests (their code calls getSeedBrokers() or reads KGO_SEEDS or the SASL seed variables, through the test files' helpers: scripts/compat/go-test-scan.ts); the ${clientOnly.size} client-only tests are counted apart; KGO_TEST_RECORDS at franz-go's default (500000); a second listener SASL_PLAINTEXT with SCRAM-SHA-256/512 and the user ${SCRAM_USER} (created with kafka-configs.sh) for KGO_TEST_SCRAM_SEEDS and KGO_TEST_SCRAM; a TLS pass of ${TLS_TESTS.length} tests ([TLS]) with KGO_SEEDS on an SSL listener (client certificates required, a CA made for the run by scripts/compat/ssl-certs.ts) and KGO_TEST_TLS, KGO_TEST_RECORDS=${SMOKE_RECORDS}`);
    result.seconds = (Date.now() - t0) / 1000;
    return result;
  },
};
