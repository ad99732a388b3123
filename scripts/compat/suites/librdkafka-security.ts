// librdkafka's security tests (tests/ of Debian's librdkafka 2.0.2 source package, the build of
// librdkafka-setup.sh), run selectively against Wharf configured as each test needs, as upstream
// runs them against trivup clusters with SASL, SSL and an authorizer. The whole suite is the
// "librdkafka" suite (suites/librdkafka.ts, a plaintext broker without ACLs, where these tests are
// not applicable); this one runs only:
//   - 0109_auto_create_topics, 0115_producer_auth, 0119_consumer_auth, and 0081_admin's CreateAcls,
//     DescribeAcls and DeleteAcls sub-tests, against a broker with StandardAuthorizer's semantics
//     (--kafka-acls) and allow.everyone.if.no.acl.found=true; the tests deny their topic to
//     User:* with Kafka 4.4's kafka-acls.sh (KAFKA_PATH) and expect TOPIC_AUTHORIZATION_FAILED;
//   - 0135_sasl_credentials over SASL_PLAINTEXT with PLAIN, and upstream's smoke tests over that
//     listener (the SASL session under produce, consume and groups); not with SCRAM, whose client
//     side is broken in librdkafka 2.0.2 (NA below);
//   - 0097_ssl_verify over an SSL listener with client certificates required, with the SSL_*
//     variables and test.conf settings trivup gives it (ssl-certs.ts makes the files).
// Counts and failure texts come from the test-runner's own summary (parseRunner of librdkafka.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyResult, failure, freePort, run, scratch, startWharf, type Context, type Diagnosis, type Mode, type Suite, type SuiteResult, type Wharf } from '../lib.js';
import { kafkaPathDir } from '../kafka-tools.js';
import { parseRunner } from './librdkafka.js';
import { makeSslFiles } from '../ssl-certs.js';

/** The same build and broker version as the librdkafka suite (suites/librdkafka.ts). */
const VERSION = '2.0.2';
const BROKER_VERSION = '4.0.0';
const TIMEOUT_MULTIPLIER = 2;
/**
 * The ACL tests run Kafka's kafka-acls.sh (a JVM start, 30 s and more on a loaded 2-core machine)
 * up to twice inside their own 40 s timeout: they run one at a time with it raised.
 */
const ACL_TIMEOUT_MULTIPLIER = 6;
/** Upstream's SMOKE_TESTS (tests/Makefile) that reach a broker, run again over each SASL listener. */
const SMOKE_TESTS = '0001,0012,0017,0022,0030,0039,0049';
const SASL_USER = 'rdkafka';
const SASL_PASSWORD = 'rdkafka-secret';

/**
 * Not run, with the reason. SCRAM: librdkafka before 2.6.1 puts its client nonce twice into the
 * client-final message (c-nonce + the server's nonce, which already starts with the c-nonce;
 * fixed by confluentinc/librdkafka#4895). RFC 5802 requires the server to refuse that nonce;
 * Wharf does (seen in a run of this suite: every SCRAM login of 2.0.2 refused with Kafka's
 * "invalid credentials" message), and so does Apache Kafka 4.4 (checked by hand: kcat 2.0.2
 * against a 4.4 broker with a SCRAM-SHA-256 listener and a user made by kafka-configs.sh gets the
 * same message). kgo's SCRAM tests and test/security/kafka-scram.test.ts cover SCRAM.
 */
const NA = [
  {
    what: '0135_sasl_credentials and the smoke tests over SASL_PLAINTEXT with SCRAM-SHA-256/512',
    count: 7,
    reason: "librdkafka 2.0.2 sends its client nonce twice in the SCRAM client-final message (fixed in librdkafka 2.6.1, confluentinc/librdkafka#4895); RFC 5802 makes the server refuse it, and Wharf and Apache Kafka 4.4 both do, with Kafka's invalid-credentials message (seen in a run here, and with kcat 2.0.2 against a Kafka 4.4 SCRAM listener); they run over PLAIN instead",
  },
];

/** Diagnoses of earlier failures, shown beside the observed text when it matches. */
const KNOWN: Diagnosis[] = [];

interface Spec {
  label: string;
  /** Appended to each test's name in the results. */
  suffix: string;
  broker: 'acls' | 'plain' | 'ssl';
  args: string[];
  env: Record<string, string>;
  multiplier?: number;
}

interface Broker {
  w: Wharf;
  /** test.conf lines (metadata.broker.list and the security settings). */
  conf: string[];
  env: Record<string, string>;
}

async function startBrokerFor(ctx: Context, kind: Spec['broker']): Promise<Broker> {
  const base = ['--num-partitions', '4'];
  if (kind === 'acls') {
    const w = await startWharf(ctx, { kafkaPort: 0, args: [...base, '--kafka-acls', 'true', '--kafka-allow-everyone-if-no-acl', 'true'] });
    return { w, conf: [`metadata.broker.list=127.0.0.1:${w.kafkaPort}`], env: {} };
  }
  if (kind === 'plain') {
    const port = await freePort();
    const w = await startWharf(ctx, { kafkaPort: port, args: [...base, '--kafka-listeners', `SASL_PLAINTEXT://127.0.0.1:${port}`, '--kafka-sasl-mechanisms', 'PLAIN', '--kafka-plain-users', JSON.stringify({ [SASL_USER]: SASL_PASSWORD })] });
    return { w, conf: [`metadata.broker.list=127.0.0.1:${port}`, 'security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=PLAIN', `sasl.username=${SASL_USER}`, `sasl.password=${SASL_PASSWORD}`], env: {} };
  }
  const files = makeSslFiles(scratch(ctx, 'librdkafka-ssl-'));
  const port = await freePort();
  const w = await startWharf(ctx, {
    kafkaPort: port,
    args: [...base, '--kafka-listeners', `SSL://127.0.0.1:${port}`, '--kafka-ssl-keystore', files.brokerKeystorePem, '--kafka-ssl-truststore', files.caPem, '--kafka-ssl-client-auth', 'required'],
  });
  return {
    w,
    conf: [
      `metadata.broker.list=127.0.0.1:${port}`,
      'security.protocol=SSL',
      `ssl.key.location=${files.clientKeyPem}`,
      `ssl.key.password=${files.password}`,
      `ssl.certificate.location=${files.clientCertPem}`,
      `ssl.ca.location=${files.caPem}`,
    ],
    env: files.env,
  };
}

export const librdkafkaSecurity: Suite = {
  id: 'librdkafkasec',
  name: 'librdkafka tests/ suite: its security tests (selective run)',
  smokeTests: 0,
  async run(ctx: Context, mode: Mode): Promise<SuiteResult> {
    const t0 = Date.now();
    const result = emptyResult(this.id, this.name, `librdkafka ${VERSION} (tests/ of Debian's source package)`);
    if (mode === 'smoke') return result;
    const setup = await run('bash', [join(ctx.repo, 'scripts', 'compat', 'librdkafka-setup.sh')], { timeoutMs: 2_400_000, env: process.env });
    if (setup.code !== 0) {
      result.status = 'unavailable';
      result.notes.push(`librdkafka-setup.sh failed (exit ${setup.code}): ${setup.stderr.trim().split('\n').slice(-3).join(' / ')}`);
      return result;
    }
    const testsDir = join(setup.stdout.trim().split('\n').pop()!, 'tests');
    const kafkaPath = kafkaPathDir(ctx, 'librdkafkasec-kafka-path');
    if (!kafkaPath) result.runnerErrors.push('the reference Kafka is not installed (scripts/peers/install-all.sh): kafka-acls.sh and kafka-configs.sh are needed');

    const specs: Spec[] = [
      { label: 'ACL tests', suffix: ' [ACLs]', broker: 'acls', args: ['-L', '-p1'], env: { TESTS: '0109,0115,0119' }, multiplier: ACL_TIMEOUT_MULTIPLIER },
      ...['CreateAcls', 'DescribeAcls', 'DeleteAcls'].map((g): Spec => ({ label: `0081 ${g}`, suffix: ` [${g}]`, broker: 'acls', args: ['-L', '-Q'], env: { TESTS: '0081', SUBTESTS: g } })),
      { label: 'SASL_PLAINTEXT PLAIN', suffix: ' [SASL PLAIN]', broker: 'plain', args: ['-L', '-p3'], env: { TESTS: `0135,${SMOKE_TESTS}` } },
      { label: 'SSL with client certificates', suffix: ' [SSL]', broker: 'ssl', args: ['-L'], env: { TESTS: '0097' } },
    ];
    for (const n of NA) result.notApplicable.push(n);
    let current: { kind: Spec['broker']; b: Broker } | undefined;
    try {
      for (const spec of specs) {
        if (!current || current.kind !== spec.broker) {
          await current?.b.w.stop();
          current = undefined;
          current = { kind: spec.broker, b: await startBrokerFor(ctx, spec.broker) };
        }
        const b = current.b;
        writeFileSync(join(testsDir, 'test.conf'), `# written by scripts/compat/suites/librdkafka-security.ts\n${b.conf.join('\n')}\ntest.timeout.multiplier=${spec.multiplier ?? TIMEOUT_MULTIPLIER}\n`);
        ctx.log(`librdkafkasec: ${spec.label}: test-runner ${spec.args.join(' ')} ${Object.entries(spec.env).map(([k, v]) => `${k}=${v}`).join(' ')} (${b.conf.filter((l) => !l.startsWith('sasl.password')).join(' ')})`);
        const r = await run('stdbuf', ['-oL', '-eL', './test-runner', ...spec.args], {
          cwd: testsDir,
          timeoutMs: 900_000,
          env: {
            ...process.env,
            ...spec.env,
            ...b.env,
            TEST_KAFKA_VERSION: BROKER_VERSION,
            RDKAFKA_GITVER: VERSION,
            LD_LIBRARY_PATH: ['../src', '../src-cpp', process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
            ...(kafkaPath ? { KAFKA_PATH: kafkaPath } : {}),
          },
        });
        writeFileSync(join(ctx.work, `librdkafkasec-${spec.label.replace(/\W+/g, '_')}.out`), r.stdout + r.stderr);
        const parsed = parseRunner(r.stdout + r.stderr);
        if (r.timedOut) result.runnerErrors.push(`${spec.label}: the test-runner hit its time limit`);
        else if (!parsed.finished && !(parsed.summary && parsed.tests.every((t) => t.state !== 'DNS' && t.state !== 'RUNNING'))) result.runnerErrors.push(`${spec.label}: the test-runner stopped before its end (exit ${r.code ?? r.signal})`);
        for (const t of parsed.tests) {
          if ((t.state === 'SKIPPED' || t.state === 'NOT_STARTED') && /TESTS list|TESTS_SKIP|negative test flags/.test(t.reason)) continue;
          const name = `${t.name}${spec.suffix}`;
          if (t.state === 'SKIPPED' || t.state === 'NOT_STARTED') {
            result.skipped++;
            result.skips.push({ test: name, reason: t.reason || 'skipped' });
            continue;
          }
          result.run++;
          if (t.state === 'PASSED') result.passed++;
          else {
            result.failed++;
            result.failures.push(failure(KNOWN, name, t.state === 'DNS' ? 'never started: the test-runner stopped before starting it' : t.reason, t.name));
          }
        }
      }
    } finally {
      await current?.b.w.stop();
    }
    result.notes.push(
      `a selective run: only librdkafka's security tests and upstream's smoke tests over the SASL listeners, each against a Wharf configured as it needs: 0109/0115/0119 and 0081's ACL sub-tests with --kafka-acls (StandardAuthorizer) and allow.everyone.if.no.acl.found, the deny ACLs made by Kafka 4.4's kafka-acls.sh; 0135 and the smoke tests over SASL_PLAINTEXT with PLAIN (not SCRAM: see not applicable); 0097 over SSL with ssl.client.auth=required and trivup's SSL_* files (made with openssl by scripts/compat/ssl-certs.ts); TEST_KAFKA_VERSION=${BROKER_VERSION}, test.timeout.multiplier=${TIMEOUT_MULTIPLIER} (${ACL_TIMEOUT_MULTIPLIER} for the ACL tests, run one at a time: each runs the JVM tool kafka-acls.sh inside its own timeout); a name's [suffix] says which broker it ran against`,
    );
    result.seconds = (Date.now() - t0) / 1000;
    return result;
  },
};
