// nats.js 3.x's Deno test suites (nats-io/nats.js v3.4.0: jetstream/tests, kv/tests, obj/tests),
// run with Deno (from npm) against Wharf through the nats-server stand-in: nst's launcher spawns
// `nats-server -c <config>` from PATH, and the runner puts scripts/compat/nats-server-shim first
// on PATH (or, with `--against nats-server`, the real nats-server v2.15.2: the control).
// - Prepared by natsjs3-setup.sh from git checkouts (the packages ship no tests): where no copy
//   was prepared the suite is reported loudly as not checked (unavailable).
// - The launcher adds a leaf-node and a websocket listener to every configuration; the stand-in
//   accepts those two listener blocks without opening them (WHARF_SHIM_UNSERVED=listeners) and
//   nothing else unserved: JetStream settings are mapped onto Wharf's options or refused by name
//   (jetstream-options.ts); the refusals are collected (WHARF_SHIM_REFUSALS) and reported.
// - Tests run one at a time (no --parallel: a Node stand-in per test on 2 cores, and the
//   sequential output tells which test printed nst's version skip). Each declared test is
//   counted once, by file, title and occurrence (two titles repeat within a file in 3.4.0), from
//   its own JUnit case and its own result line in the pretty output, matched in declaration order;
//   the two must agree, and the JUnit case's line must be the declaration's. Tests nst skipped
//   because the server's version is older are counted as skipped, never as passed.
// - Publication is refused (runner errors) when a selected test has no result or was cancelled
//   by Deno (it never ran), when the two reports disagree, or when Deno's summary does not add up
//   to the result lines plus the errors no test caught ("Uncaught error from FILE"), which Deno
//   counts as failures but which are not tests: those are reported in the notes.
// - Not applicable, selected from the sources (deno-test-scan.ts): jscluster_test.ts and tests
//   whose body starts a cluster (jetstreamCluster), uses accounts with exports
//   (jetstreamExportServerConf, or an accounts block), the public demo server (demo.nats.io) or the internet
//   (raw.githubusercontent.com). Client-only tests (no server, no connect) are counted apart.
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { denoTests } from '../deno-test-scan.js';
import { matchResults, parseDenoJUnit, parsePretty, type DeclaredTest } from '../deno-test-results.js';
import { emptyResult, failure, run, scratch, type Context, type Counts, type Diagnosis, type Failure, type Mode, type Suite, type SuiteResult } from '../lib.js';

const VERSION = '3.4.0';
const DIRS = ['jetstream/tests', 'kv/tests', 'obj/tests'];

/** Markers of what a test needs beyond one server, with the reason it is not applicable. */
const NA_MARKERS: { re: RegExp; reason: string }[] = [
  { re: /jetstreamCluster\(/, reason: 'starts a JetStream cluster (NatsServer.jetstreamCluster): Wharf has no clustering' },
  { re: /setupDataConnCluster\(/, reason: 'starts a cluster of servers (NatsServer.setupDataConnCluster) and stops its stream leader: Wharf has no clustering' },
  { re: /leafnodes:\s*\{/, reason: 'links two servers as hub and leaf node (two JetStream domains): leaf nodes are not part of Wharf' },
  { re: /jetstreamExportServerConf\(/, reason: 'accounts with service exports and imports (jetstreamExportServerConf): Wharf has no accounts yet' },
  { re: /\baccounts:\s*\{/, reason: 'accounts in the server configuration: Wharf has no accounts yet' },
  { re: /demo\.nats\.io/, reason: 'connects to the public demo server demo.nats.io (no network here)' },
  { re: /raw\.githubusercontent\.com/, reason: 'downloads test data from raw.githubusercontent.com (no network here)' },
];
const NA_FILES: Record<string, string> = {
  'jetstream/tests/jscluster_test.ts': 'JetStream cluster tests (3-node clusters): Wharf has no clustering',
};

/**
 * Stored diagnoses of failures seen in earlier runs (shown only when the observed text matches).
 * The two of the first runs (per-user permissions, operator mode) are built now and were removed.
 */
const KNOWN: Diagnosis[] = [];

/**
 * The CI smoke subset (each must pass, and all 7 must run): client-only
 * tests that check the harness (Deno from npm, the rewritten import map, the result parsing),
 * and JetStream tests through the stand-in, among them a title declared twice in one file
 * ("jsm - purge by subject": both are run and counted, so the smoke stage runs 7 tests).
 */
const SMOKE: { file: string; title: string }[] = [
  { file: 'obj/tests/b64_test.ts', title: 'b64 - Base64Codec' },
  { file: 'obj/tests/b64_test.ts', title: 'b64 - Base64UrlCodec' },
  { file: 'obj/tests/sha256_test.ts', title: 'sha256 - matches js-sha256 on single update' },
  { file: 'obj/tests/sha256_test.ts', title: 'sha256 - chunked equivalent to single buffer' },
  { file: 'jetstream/tests/jsm_test.ts', title: 'jsm - purge by subject' },
  { file: 'kv/tests/kv_test.ts', title: 'kv - crud' },
];

/** One line of error text, short. */
function code1(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 300);
}

function regexEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const natsjs3: Suite = {
  id: 'natsjs3',
  name: 'nats.js 3.x Deno tests (jetstream, kv, obj)',
  control: 'nats-server',
  // One more than SMOKE names: "jsm - purge by subject" is two tests.
  smokeTests: SMOKE.length + 1,
  async run(ctx: Context, mode: Mode): Promise<SuiteResult> {
    const t0 = Date.now();
    const against = ctx.target === 'nats-server' ? ' against nats-server v2.15.2 (control)' : ' through the nats-server stand-in';
    const result = emptyResult(this.id, this.name, `nats-io/nats.js v${VERSION}${against}`);
    const setup = await run('bash', [join(ctx.repo, 'scripts', 'compat', 'natsjs3-setup.sh')], { timeoutMs: 600_000, env: process.env });
    if (setup.code !== 0) {
      result.status = 'unavailable';
      result.notes.push(
        setup.code === 3
          ? `NOT CHECKED: test sources not prepared here: nats.js ${VERSION}'s tests exist only in its git repository (the npm and JSR packages ship none); prepare them with scripts/compat/natsjs3-setup.sh <git dir of nats-io/nats.js> <git dir of denoland/std>`
          : `natsjs3-setup.sh failed (exit ${setup.code}): ${setup.stderr.trim().split('\n').slice(-3).join(' / ')}`,
      );
      return result;
    }
    const dir = setup.stdout.trim().split('\n').pop()!;

    // Which tests run, from the sources: each declared test once, known by file, title and
    // occurrence (titles repeat within a file: deno-test-scan.ts).
    interface Declared extends DeclaredTest {
      rel: string;
      clientOnly: boolean;
    }
    const declared: Declared[] = [];
    const runFiles: string[] = [];
    const smokeKeys = new Set(SMOKE.map((s) => `${s.file}\t${s.title}`));
    // WHARF_NATSJS3_FILES=<rel>,<rel>: only these test files (a partial run, said so in the notes; run with --no-write).
    const only = (process.env['WHARF_NATSJS3_FILES'] ?? '').split(',').filter(Boolean);
    if (only.length > 0) result.notes.push(`partial run: only ${only.join(', ')} (WHARF_NATSJS3_FILES)`);
    for (const d of DIRS) {
      for (const f of readdirSync(join(dir, d)).filter((n) => n.endsWith('_test.ts')).sort()) {
        const rel = `${d}/${f}`;
        if (only.length > 0 && !only.includes(rel)) continue;
        const tests = denoTests(join(dir, rel));
        if (NA_FILES[rel]) {
          if (mode === 'full') result.notApplicable.push({ what: `${rel} (all ${tests.length} tests)`, count: tests.length, reason: NA_FILES[rel]! });
          continue;
        }
        if (mode === 'full' || SMOKE.some((s) => s.file === rel)) runFiles.push(rel);
        for (const t of tests) {
          const na = NA_MARKERS.find((m) => m.re.test(t.body));
          const twin = t.occurrence > 0 || tests.some((o) => o !== t && o.title === t.title);
          const what = `${rel}: ${t.title}${twin ? ` (line ${t.line})` : ''}`;
          if (na && mode === 'full') result.notApplicable.push({ what, count: 1, reason: na.reason });
          const selected = mode === 'smoke' ? smokeKeys.has(`${rel}\t${t.title}`) : !na;
          declared.push({ file: `./${rel}`, rel, title: t.title, occurrence: t.occurrence, line: t.line, selected, clientOnly: !t.reaches });
        }
      }
    }
    const files = runFiles;
    if (files.length === 0) {
      result.notes.push('the smoke subset is empty: no test of these suites passes against Wharf yet');
      result.seconds = (Date.now() - t0) / 1000;
      return result;
    }
    // Deno's --filter regex has no lookahead, so the run names the titles it wants. A filter keeps
    // every test with a title it names: a test not selected whose title a selected one shares
    // would run too (it is then reported, and not counted).
    const inFiles = declared.filter((t) => files.includes(t.rel));
    const wanted = new Set(inFiles.filter((t) => t.selected).map((t) => t.title));
    const alsoRun = inFiles.filter((t) => !t.selected && wanted.has(t.title));
    for (const t of alsoRun) result.notes.push(`${t.rel}: ${t.title} (line ${t.line}) is not selected, but a selected test has its title, so Deno's filter runs it too: its result is not counted`);
    const filter = inFiles.some((t) => !t.selected) ? `/^(${[...wanted].map(regexEscape).join('|')})$/` : undefined;

    const bin = scratch(ctx, 'natsjs3-bin-');
    if (ctx.target === 'wharf') symlinkSync(join(ctx.repo, 'scripts', 'compat', 'nats-server-shim'), join(bin, 'nats-server'));
    else symlinkSync(join(ctx.peersDir, 'bin', 'nats-server'), join(bin, 'nats-server'));
    const tmp = scratch(ctx, 'natsjs3-tmp-');
    mkdirSync(tmp, { recursive: true });
    const junit = join(ctx.work, 'natsjs3.junit.xml');
    const refusals = join(ctx.work, 'natsjs3-refusals.txt');
    ctx.log(`natsjs3: deno test ${files.length} files${filter ? ` --filter ${filter.slice(0, 80)}...` : ''}`);
    const r = await run(join(dir, '.deno-npm', 'node_modules', '.bin', 'deno'), ['test', '-A', '--no-check', '--no-config', '--import-map=wharf-import-map.json', `--junit-path=${junit}`, ...(filter ? [`--filter=${filter}`] : []), ...files], {
      cwd: dir,
      timeoutMs: mode === 'smoke' ? 300_000 : 3_000_000,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, TMPDIR: tmp, NO_COLOR: '1', DENO_DIR: join(dir, '.deno-dir'), DENO_NO_UPDATE_CHECK: '1', CI: 'true', WHARF_SHIM_LOG_LEVEL: 'warn', WHARF_SHIM_DATA_PARENT: tmp, WHARF_SHIM_UNSERVED: 'listeners', WHARF_SHIM_REFUSALS: refusals },
    });
    writeFileSync(join(ctx.work, 'natsjs3.out'), r.stdout + r.stderr);
    const cases = existsSync(junit) ? parseDenoJUnit(readFileSync(junit, 'utf8')) : [];
    const pretty = parsePretty(r.stdout);
    // Each selected test counted once, from its own results (deno-test-results.ts).
    const matched = matchResults(inFiles, cases, pretty);
    const apart: Counts & { failures: Failure[]; tests: string[]; how: string } = { run: 0, passed: 0, failed: 0, skipped: 0, failures: [], tests: [], how: 'test bodies that neither start a server (setup(, NatsServer.) nor connect (connect(): scripts/compat/deno-test-scan.ts' };
    const perDir = new Map<string, Counts>();
    for (const { test: t, result: res, versionSkip: vs, message } of matched.results) {
      const name = `${t.rel}: ${t.title}${inFiles.some((o) => o !== t && o.file === t.file && o.title === t.title) ? ` (line ${t.line})` : ''}`;
      const into = t.clientOnly ? apart : result;
      if (into === apart) apart.tests.push(t.title);
      const d = DIRS.find((x) => t.rel.startsWith(`${x}/`))!;
      const pd = perDir.get(d) ?? { run: 0, passed: 0, failed: 0, skipped: 0 };
      if (into === result) perDir.set(d, pd);
      if (res === 'ignored' || (vs && res === 'passed')) {
        into.skipped++;
        if (into === result) {
          pd.skipped++;
          result.skips.push({ test: name, reason: vs ? `skipped by the suite: ${vs}` : 'ignored by the suite' });
        }
        continue;
      }
      into.run++;
      if (into === result) pd.run++;
      if (res === 'passed') {
        into.passed++;
        if (into === result) pd.passed++;
      } else {
        into.failed++;
        if (into === result) pd.failed++;
        into.failures.push(failure(KNOWN, name, message.split('\n')[0]!.slice(0, 300) || 'failed', `${t.rel}: ${t.title}`));
      }
    }
    if (apart.tests.length) result.clientOnly = apart;

    // Honesty checks: what Deno says it ran must be what was counted, test by test.
    if (r.timedOut) result.runnerErrors.push('deno test hit the time limit; later tests are missing');
    if (!pretty.summary) result.runnerErrors.push(`deno test stopped before its summary (exit ${r.code ?? r.signal}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ').slice(0, 300)}`);
    if (!existsSync(junit)) result.runnerErrors.push('deno test wrote no JUnit report');
    result.runnerErrors.push(...matched.problems);
    for (const e of pretty.uncaught) {
      result.notes.push(`Deno reported an error no test caught from ${e.file.slice(2)}${e.after ? `, after its test "${e.after}" had finished` : ''} (counted as one failure in Deno's own summary, not as a test here): ${code1(e.error || '(no error text)')}`);
    }
    if (mode === 'smoke') {
      const ran = inFiles.filter((t) => t.selected).length;
      if (ran < SMOKE.length) result.runnerErrors.push(`the smoke subset names ${SMOKE.length} tests, the sources declare ${ran} of them`);
    }
    if (existsSync(refusals)) {
      const byText = new Map<string, number>();
      for (const l of readFileSync(refusals, 'utf8').split('\n').filter(Boolean)) byText.set(l, (byText.get(l) ?? 0) + 1);
      for (const [t, n] of byText) {
        // The stand-in could not load Wharf's code: those tests measured the machine, not Wharf.
        if (t.startsWith('cannot load: ')) result.runnerErrors.push(`the nats-server stand-in could not load Wharf ${n} time(s) (${t}): the tests whose server it was did not reach Wharf`);
        else if (/^(cannot start|crashed): /.test(t)) result.notes.push(`the nats-server stand-in ${t.startsWith('crashed') ? 'crashed' : 'failed to start'} ${n} time(s): ${t} (a test whose server it was fails with nst's "nats-server exited before ports file appeared" when this happened before the ports file)`);
        else result.notes.push(`the nats-server stand-in refused ${n} server start(s): ${t} (those tests fail with nst's "nats-server exited before ports file appeared")`);
      }
    }
    if (mode === 'full') {
      for (const [d, c] of perDir) result.notes.push(`${d}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped of ${c.run} run`);
      const twins = inFiles.filter((t) => t.occurrence > 0);
      if (twins.length) result.notes.push(`titles declared twice in one file, each test counted once (matched to its results in declaration order, checked against the JUnit report's line): ${twins.map((t) => `${t.rel}: "${t.title}"`).join(', ')}`);
      result.notes.push(`Deno ${'2.9.6'} from npm; import map wharf-import-map.json (natsjs3-setup.sh) in place of the jsr: specifiers; tests one at a time; type checking off (--no-check: the tests' behaviour is measured, not their types)`);
    }
    result.seconds = (Date.now() - t0) / 1000;
    return result;
  },
};
