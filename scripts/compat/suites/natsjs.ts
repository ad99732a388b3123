// nats.js: the test suite of the npm `nats` 2.x client (repository nats-io/nats.node, tag
// v2.29.3), run with ava on Node against Wharf.
// - Its launcher spawns `nats-server -c <config>` from PATH and reads `<exe>_<pid>.ports`: the
//   runner puts scripts/compat/nats-server-shim first on PATH as `nats-server`.
// - Many tests connect to the public demo server (demo.nats.io:4222): natsjs-demo-hook.cjs makes
//   that name resolve to 127.0.0.2, where the runner starts a Wharf on port 4222, and a second
//   one on port 4443 with TLS, like the demo's TLS port: its certificate names demo.nats.io and is
//   signed by a CA the runner makes for the run and gives the tests through NODE_EXTRA_CA_CERTS
//   (the public demo's certificate is signed by a public CA the client trusts by default).
// - Tests run serially (ava --serial): within a file ava starts every test at once, and the
//   launcher gives a server little time to write its ports file (natsjs-setup.sh raises it from
//   1 s to 10 s), which a Node process started 8 at a time on 2 cores does not meet.
// - The headline counts tests that reach the server; client-only tests (ava-test-scan.ts) are
//   reported apart. Failures are ava's own messages.
// The sources are prepared by natsjs-setup.sh in $WHARF_PEERS_DIR/src (see there).
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { clientOnlyTests } from '../ava-test-scan.js';
import { emptyResult, failure, parseTap, run, scratch, startWharf, tapPlan, type Context, type Diagnosis, type Mode, type Suite, type SuiteResult } from '../lib.js';

const VERSION = '2.29.3';

/** Files of the suite that need nothing Wharf lacks (apart from the tests listed in NA_TESTS). */
const CORE_FILES = ['basics', 'autounsub', 'queues', 'msgheaders', 'reconnect', 'heartbeats', 'parser', 'auth', 'clobber', 'tls'];

/** Whole files that are not applicable, with the number of tests in each. */
const NA_FILES: { file: string; count: number; reason: string }[] = [
  { file: 'noiptls.js', count: 1, reason: 'TLS across a 3-server cluster (clustering is not built in Wharf)' },
];

/** Tests of the core files that are not applicable, by title, with the reason. */
const NA_TESTS: Record<string, string> = {
  'tls - available connects with or without': "nats-server's allow_non_tls (TLS optional on one port) is not built in Wharf: the stand-in refuses it by name",
  'basics - resolve': 'connects to Synadia\'s NGS (connect.ngs.global) with a JWT from NGS_CI_USER; without one it calls t.pass() and tests nothing, so it is not counted',
};

/**
 * Configuration the shim accepts without serving it, for this suite only (WHARF_SHIM_UNSERVED):
 * 'basics - socket error' and 'basics - server gone' start their server with a JetStream
 * configuration and test core behaviour. (Users with permissions are served: the stand-in reads
 * configurations with Wharf's own nats-server reader, as `--nats-config` does.)
 */
const UNSERVED = 'jetstream';

/**
 * The JetStream tests (test/jetstream.js, and the basics test that fetches across a restart) run
 * in a second ava run in which the stand-in serves JetStream as Wharf can: their configuration
 * (max_file_store, max_memory_store, store_dir) is mapped onto Wharf's options or refused by name.
 */
const JETSTREAM_RUN = { files: ['jetstream', 'basics'], titles: ['jetstream - *', "basics - js fetch on stopped server doesn't close"] };

/**
 * Diagnoses of earlier failures, shown beside the observed text when it matches. Empty: the one
 * kept before ("clobber - buffers don't clobber", slow consumer at 64 MB) was fixed in Wharf
 * (publishers are stalled as nats-server stalls them).
 */
const KNOWN: Diagnosis[] = [];

/**
 * The CI smoke subset: a few tests that cover connect, pub/sub, request, queues, auth, the
 * launcher (all reach the server; this suite's header tests are client-only). It must run all 8.
 */
const SMOKE: { files: string[]; titles: string[] } = {
  files: ['basics', 'queues', 'auth'],
  titles: [
    'basics - pubsub',
    'basics - request',
    'basics - wildcard subscriptions',
    'basics - connect default',
    'basics - server error',
    'queues - deliver to single queue',
    'basics - no mux requests',
    'auth - token',
  ],
};

/**
 * A CA and a certificate for demo.nats.io signed by it (openssl), in `dir`: the demo TLS port's
 * key pair, and the CA file the tests trust (NODE_EXTRA_CA_CERTS).
 */
function demoCertificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (n: string) => join(dir, n);
  const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Wharf compat demo CA', '-keyout', f('ca-key.pem'), '-out', f('ca.pem')]);
  ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=demo.nats.io', '-keyout', f('demo-key.pem'), '-out', f('demo.csr')]);
  writeFileSync(f('demo.ext'), 'subjectAltName=DNS:demo.nats.io\nextendedKeyUsage=serverAuth\n');
  ssl(['x509', '-req', '-in', f('demo.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca-key.pem'), '-CAcreateserial', '-days', '2', '-extfile', f('demo.ext'), '-out', f('demo.pem')]);
  return { ca: f('ca.pem'), cert: f('demo.pem'), key: f('demo-key.pem') };
}

/** ava's --match takes globs on titles: `*` is its only wildcard, and `!` negates. */
function matchArg(title: string, negate: boolean): string {
  return `--match=${negate ? '!' : ''}${title}`;
}

export const natsjs: Suite = {
  id: 'natsjs',
  name: 'nats.js (npm `nats` 2.x) client tests',
  smokeTests: SMOKE.titles.length,
  async run(ctx: Context, mode: Mode): Promise<SuiteResult> {
    const t0 = Date.now();
    const result = emptyResult(this.id, this.name, `nats@${VERSION} (nats-io/nats.node v${VERSION} test/)`);
    const setup = await run('bash', [join(ctx.repo, 'scripts', 'compat', 'natsjs-setup.sh')], { timeoutMs: 600_000, env: process.env });
    if (setup.code !== 0) {
      result.status = 'unavailable';
      result.notes.push(
        setup.code === 3
          ? `test sources not installed: the npm tarball of nats@${VERSION} ships no tests and no allowed registry carries them; prepare them with scripts/compat/natsjs-setup.sh <git dir of nats-io/nats.node>`
          : `natsjs-setup.sh failed (exit ${setup.code}): ${setup.stderr.trim().split('\n').slice(-3).join(' / ')}`,
      );
      return result;
    }
    const dir = setup.stdout.trim().split('\n').pop()!;

    // `nats-server` on PATH is the shim.
    const bin = scratch(ctx, 'natsjs-bin-');
    symlinkSync(join(ctx.repo, 'scripts', 'compat', 'nats-server-shim'), join(bin, 'nats-server'));
    // The launcher writes ports files into $TMPDIR (or the working directory).
    const tmp = scratch(ctx, 'natsjs-tmp-');
    const config = join(dir, 'wharf-compat.config.cjs');
    writeFileSync(
      config,
      `module.exports = ${JSON.stringify({ files: ['test/**/*.js', '!test/helpers/**/*.js'], require: [join(ctx.repo, 'scripts', 'compat', 'natsjs-demo-hook.cjs')], failFast: false, timeout: '60s', workerThreads: false })};\n`,
    );
    mkdirSync(tmp, { recursive: true });

    const files = (mode === 'smoke' ? SMOKE.files : CORE_FILES).map((f) => `test/${f}.js`).filter((f) => existsSync(join(dir, f)));
    const match = mode === 'smoke' ? SMOKE.titles.map((t) => matchArg(t, false)) : Object.keys(NA_TESTS).map((t) => matchArg(t, true));
    if (mode === 'full') {
      for (const f of NA_FILES) result.notApplicable.push({ what: `test/${f.file} (all ${f.count} tests)`, count: f.count, reason: f.reason });
      for (const [t, reason] of Object.entries(NA_TESTS)) result.notApplicable.push({ what: t, count: 1, reason });
    }

    // The core run leaves the JetStream run's basics test to it.
    const runs = [{ files, match: mode === 'full' ? [...match, matchArg(JETSTREAM_RUN.titles[1]!, true)] : match, unserved: UNSERVED, label: 'core' }];
    if (mode === 'full') runs.push({ files: JETSTREAM_RUN.files.map((f) => `test/${f}.js`), match: JETSTREAM_RUN.titles.map((t) => matchArg(t, false)), unserved: '', label: 'jetstream' });
    const taps: { stdout: string; label: string; code: number | null; signal: NodeJS.Signals | null; timedOut: boolean; stderr: string }[] = [];
    // demo.nats.io:4222 → a Wharf on 127.0.0.2:4222; demo.nats.io:4443 → one with TLS on 127.0.0.2:4443.
    const certs = demoCertificates(scratch(ctx, 'natsjs-demo-tls-'));
    const demo = await startWharf(ctx, { host: '127.0.0.2', port: 4222 });
    let demoTls;
    try {
      demoTls = await startWharf(ctx, { host: '127.0.0.2', port: 4443, args: ['--tls-cert', certs.cert, '--tls-key', certs.key] });
    } catch (err) {
      await demo.stop();
      throw err;
    }
    try {
      for (const one of runs) {
        ctx.log(`natsjs: ava --serial ${one.files.join(' ')} (${one.label})`);
        const tap = await run(join(dir, 'node_modules', '.bin', 'ava'), ['--config', config, '--tap', '--serial', '--concurrency=1', ...one.match, ...one.files], {
          cwd: dir,
          timeoutMs: mode === 'smoke' ? 180_000 : 1_200_000,
          env: { ...process.env, NODE_EXTRA_CA_CERTS: certs.ca, PATH: `${bin}:${process.env.PATH}`, TMPDIR: tmp, CI: 'true', WHARF_SHIM_LOG_LEVEL: 'warn', WHARF_SHIM_DATA_PARENT: tmp, WHARF_SHIM_UNSERVED: one.unserved, WHARF_SHIM_REFUSALS: join(ctx.work, `natsjs-${one.label}-refusals.txt`) },
        });
        writeFileSync(join(ctx.work, `natsjs-${one.label}.tap`), tap.stdout + tap.stderr);
        taps.push({ ...tap, label: one.label });
      }
    } finally {
      await demo.stop();
      await demoTls.stop();
    }
    // Client-only tests (no connect, no server) are counted apart from the headline.
    const clientOnly = new Set(files.flatMap((f) => clientOnlyTests(join(dir, f))));
    const apart = { run: 0, passed: 0, failed: 0, skipped: 0, failures: [] as SuiteResult['failures'], tests: [] as string[], how: 'test bodies that neither call connect( nor start a server (NatsServer., setup(): scripts/compat/ava-test-scan.ts' };
    for (const tap of taps) {
      const tests = parseTap(tap.stdout);
      for (const t of tests) {
        const title = t.title.replace(/^.*? › /, '');
        const into = clientOnly.has(title) ? apart : result;
        if (into === apart) apart.tests.push(title);
        if (t.skip) {
          into.skipped++;
          continue;
        }
        into.run++;
        if (t.ok) {
          into.passed++;
        } else {
          into.failed++;
          into.failures.push(failure(KNOWN, title, t.error || 'failed'));
        }
      }
      const plan = tapPlan(tap.stdout);
      if (tap.timedOut) result.runnerErrors.push('ava hit the time limit; tests after that point are missing');
      if (plan === undefined) result.runnerErrors.push(`ava stopped before its TAP plan (exit ${tap.code ?? tap.signal}): ${(tap.stderr || tap.stdout).trim().split('\n').slice(-3).join(' / ').slice(0, 300)}`);
      else if (plan !== tests.length) result.runnerErrors.push(`ava's plan announces ${plan} tests, its output has ${tests.length}`);
      if (tests.length === 0) result.runnerErrors.push(`ava ran no test (exit ${tap.code ?? tap.signal}): ${(tap.stderr || tap.stdout).trim().split('\n').slice(-3).join(' / ').slice(0, 300)}`);
      if (tap.code !== 0 && tests.every((t) => t.ok || t.skip)) result.runnerErrors.push(`ava exited ${tap.code ?? tap.signal} with no failed test`);
      const refusals = join(ctx.work, `natsjs-${tap.label}-refusals.txt`);
      if (tap.label === 'jetstream' && existsSync(refusals)) {
        const byText = new Map<string, number>();
        for (const l of readFileSync(refusals, 'utf8').split('\n').filter(Boolean)) byText.set(l, (byText.get(l) ?? 0) + 1);
        for (const [text, n] of byText) result.notes.push(`JetStream run: the nats-server stand-in refused ${n} server start(s): ${text}`);
      }
    }
    if (apart.tests.length) result.clientOnly = apart;
    if (mode === 'full') result.notes.push(`the nats-server stand-in accepts ${UNSERVED.split(',').join(' and ')} configuration for this suite without serving it (WHARF_SHIM_UNSERVED): 'basics - socket error' and 'basics - server gone' start a JetStream-configured server to test core behaviour, and test/jetstream.js and 'basics - js fetch on stopped server doesn't close' run in a second ava run where JetStream configuration is mapped onto Wharf's options or refused by name`);
    result.seconds = (Date.now() - t0) / 1000;
    return result;
  },
};
