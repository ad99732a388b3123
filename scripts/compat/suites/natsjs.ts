// nats.js: the test suite of the npm `nats` 2.x client (repository nats-io/nats.node, tag
// v2.29.3), run with ava on Node against Wharf.
// - Its launcher spawns `nats-server -c <config>` from PATH and reads `<exe>_<pid>.ports`: the
//   runner puts scripts/compat/nats-server-shim first on PATH as `nats-server`.
// - Many tests connect to the public demo server (demo.nats.io:4222): natsjs-demo-hook.cjs makes
//   that name resolve to 127.0.0.2, where the runner starts a Wharf on port 4222.
// - Tests run serially (ava --serial): within a file ava starts every test at once, and the
//   launcher gives a server one second to write its ports file, which a Node process started
//   8 at a time on 2 cores does not meet (nats-server, a Go binary, starts in milliseconds).
// The sources are prepared by natsjs-setup.sh in $WHARF_PEERS_DIR/src (see there).
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyResult, parseTap, run, scratch, startWharf, type Context, type Mode, type Suite, type SuiteResult } from '../lib.js';

const VERSION = '2.29.3';

/** Files of the suite that need nothing Wharf lacks (apart from the tests listed in NA_TESTS). */
const CORE_FILES = ['basics', 'autounsub', 'queues', 'msgheaders', 'reconnect', 'heartbeats', 'parser', 'auth', 'clobber'];

/** Whole files that are not applicable, with the number of tests in each. */
const NA_FILES: { file: string; count: number; reason: string }[] = [
  { file: 'jetstream.js', count: 10, reason: 'JetStream (not built in Wharf)' },
  { file: 'tls.js', count: 16, reason: 'TLS (not built in Wharf)' },
  { file: 'noiptls.js', count: 1, reason: 'TLS and a 3-server cluster (not built in Wharf)' },
];

/** Tests of the core files that are not applicable, by title, with the reason. */
const NA_TESTS: Record<string, string> = {
  'basics - tls connect': 'TLS (connects to demo.nats.io:4443, a TLS port)',
  "basics - js fetch on stopped server doesn't close": 'JetStream (pull fetch across a server restart)',
  'basics - socket error': 'starts its server with a JetStream configuration (jetstreamServerConf), which the shim refuses',
  'basics - server gone': 'starts its server with a JetStream configuration (jetstreamServerConf), which the shim refuses',
  'auth - none': 'server configured with per-user publish/subscribe permissions (not built in Wharf)',
  'auth - bad': 'server configured with per-user publish/subscribe permissions (not built in Wharf)',
  'auth - un/pw': 'server configured with per-user publish/subscribe permissions (not built in Wharf)',
  'auth - sub permissions': 'per-user subscribe permissions (not built in Wharf)',
  'auth - pub perm': 'per-user publish permissions (not built in Wharf)',
  'auth - nkey': 'nkey authentication (not built in Wharf)',
  'auth - creds': 'JWT/operator mode (not built in Wharf)',
  'auth - custom': 'JWT/operator mode with a custom authenticator (not built in Wharf)',
  'auth - jwt': 'JWT/operator mode (not built in Wharf)',
  'auth - custom error': 'JWT/operator mode (not built in Wharf)',
  'auth - expiration notified': 'JWT/operator mode: user JWT expiry (not built in Wharf)',
};

/** Known failures and their diagnosis, by title. Anything else is reported as unclassified. */
const KNOWN_FAILURES: Record<string, string> = {
  "clobber - buffers don't clobber":
    'Wharf bug: one client publishes 256K x 1 KB to its own subscription; Wharf cuts it off as a slow consumer at 64 MB pending ("slow consumer detected") where nats-server stalls the publisher (back-pressure on its read loop) and passes in 3 s',
};

/** The CI smoke subset: a few tests that cover connect, pub/sub, request, queues, headers, auth, the launcher. */
const SMOKE: { files: string[]; titles: string[] } = {
  files: ['basics', 'queues', 'msgheaders', 'auth'],
  titles: [
    'basics - pubsub',
    'basics - request',
    'basics - wildcard subscriptions',
    'basics - connect default',
    'basics - server error',
    'queues - deliver to single queue',
    'msgheaders - basics',
    'auth - token',
  ],
};

/** ava's --match takes globs on titles: `*` is its only wildcard, and `!` negates. */
function matchArg(title: string, negate: boolean): string {
  return `--match=${negate ? '!' : ''}${title}`;
}

export const natsjs: Suite = {
  id: 'natsjs',
  name: 'nats.js (npm `nats` 2.x) client tests',
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

    // demo.nats.io:4222 → a Wharf on 127.0.0.2:4222.
    const demo = await startWharf(ctx, { host: '127.0.0.2', port: 4222 });
    let tap;
    try {
      ctx.log(`natsjs: ava --serial ${files.join(' ')}`);
      tap = await run(join(dir, 'node_modules', '.bin', 'ava'), ['--config', config, '--tap', '--serial', '--concurrency=1', ...match, ...files], {
        cwd: dir,
        timeoutMs: mode === 'smoke' ? 180_000 : 1_200_000,
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, TMPDIR: tmp, CI: 'true', WHARF_SHIM_LOG_LEVEL: 'warn', WHARF_SHIM_DATA_PARENT: tmp },
      });
    } finally {
      await demo.stop();
    }
    writeFileSync(join(ctx.work, 'natsjs.tap'), tap.stdout + tap.stderr);
    const tests = parseTap(tap.stdout);
    for (const t of tests) {
      const title = t.title.replace(/^.*? › /, '');
      if (t.skip) {
        result.skipped++;
        continue;
      }
      result.run++;
      if (t.ok) {
        result.passed++;
      } else {
        result.failed++;
        result.failures.push({ test: title, reason: KNOWN_FAILURES[title] ?? `unclassified: ${t.error || 'failed'}` });
      }
    }
    if (tap.timedOut) result.notes.push('the run hit its time limit; tests after that point are missing');
    if (tests.length === 0) {
      result.failed++;
      result.failures.push({ test: '(suite)', reason: `ava ran no test (exit ${tap.code}): ${(tap.stderr || tap.stdout).trim().split('\n').slice(-3).join(' / ')}` });
    }
    if (mode === 'smoke' && result.run < SMOKE.titles.length) {
      result.failures.push({ test: '(smoke)', reason: `expected ${SMOKE.titles.length} tests, ran ${result.run}` });
      result.failed++;
    }
    result.seconds = (Date.now() - t0) / 1000;
    return result;
  },
};
